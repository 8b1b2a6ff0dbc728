"""Issue 18: one bad file never stops the run. The hostile corpus (tests/hostile.py) beside good returns,
through the command line in a real subprocess, and the pieces one by one."""

from __future__ import annotations

import base64
import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from malbok.messages import os_error_text, visible
from malbok.model import PACKED_CHUNK, PACKED_MARK
from malbok.values import parse_number

from . import hostile

ROOT = Path(__file__).resolve().parents[1]
MEMORY_CEILING_MB = 400  # measured: about 150 MB for the whole corpus (the files declare more than 10 GB)
TIME_CEILING_S = 45

# words of English system or reader messages that must never reach a user
ENGLISH = ("traceback", "error:", "errno", "permission denied", "no such file", "is a directory", "file exists",
           "expecting", "extra data", "unrecognized", "cannot detect", "panicked", "invalid", "not found", "exception")


def run_malbok(*args: str, cwd: Path | None = None, timeout: float = 300) -> tuple[int, str, float, float]:
    """``python -m malbok ARGS`` in a fresh process: exit code, stdout+stderr, seconds, and the peak
    memory (MB) of that process and its workers (getrusage of a wrapper's children)."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "p = subprocess.run([sys.executable, '-m', 'malbok', *sys.argv[1:]], capture_output=True); "
               "sys.stdout.buffer.write(p.stdout + p.stderr); "
               "sys.stderr.write(f'{time.perf_counter() - t} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}'); "
               "sys.exit(p.returncode)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", wrapper, *args], capture_output=True, cwd=cwd, env=env, timeout=timeout)
    seconds, kb = done.stderr.decode().split()[-2:]
    return done.returncode, done.stdout.decode("utf-8", "replace"), float(seconds), int(kb) / 1024


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> hostile.Corpus:
    return hostile.build(tmp_path_factory.mktemp("korpus"))


@pytest.fixture(scope="module")
def consolidated(corpus: hostile.Corpus, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, float, float]:
    out = tmp_path_factory.mktemp("ut") / "KF.xlsx"
    code, text, seconds, mb = run_malbok("consolidate", str(corpus.model_path), str(corpus.returns), "--period", hostile.PERIOD,
                                         "--out", str(out))
    return out, code, text, seconds, mb


def _table(kf: Path, sheet: str) -> list[list]:
    rows = CalamineWorkbook.from_path(str(kf)).get_sheet_by_name(sheet).to_python()
    return rows  # the table from A1, its header first


def test_the_corpus_has_every_family() -> None:
    names = {k.name for k in hostile.KINDS}
    assert len(hostile.KINDS) >= 40
    for family in ("zipcrypto", "entitet-workbook", "entitet-styles", "1e400-i-registret", "cell-XFD1048576", "rad-bortom-excel",
                   "fifo", "zip-bomb-4gb-blad", "delad-text-1-5gb", "30-miljoner-delade-texter", "mellanslag-sista-raden",
                   "miljon-klistrade-rader", "zip-bomb-i-modellbladet", "formel-utan-värde", "felvärde-div0", "felvärde-na",
                   "nan", "oändlighet", "tvetydigt-1,234.5", "tvetydigt-1.234", "tvetydigt-1,234", "kommentar-40000-tecken",
                   "escape-sekvenser", "xls", "ods", "länk-till-ingenting", "xlsm-makroblad", "nfd-bladnamn", "gammal-KF.xlsx",
                   "avkortad", "fel-period"):
        assert family in names, family


def test_corpus_through_the_command_line(corpus: hostile.Corpus, consolidated: tuple[Path, int, str, float, float]) -> None:
    """Every kind beside good returns in one run: exit 0, KF.xlsx written, every good value in Data, each
    hostile file named in Kontroll, no formula in KF.xlsx, no English or technical text, bounded memory."""
    kf, code, text, seconds, mb = consolidated
    assert code == 0, text[-3000:]
    assert kf.exists()
    print(f"\nkorpus: {len(corpus.files)} filer, {seconds:.1f} s, högst {mb:.0f} MB")
    assert mb < MEMORY_CEILING_MB, f"{mb:.0f} MB"
    assert seconds < TIME_CEILING_S

    data = _table(kf, "Data")
    header, body = data[0], data[1:]
    col = {h: i for i, h in enumerate(header)}
    got = {(r[col["Enhet"]], r[col["ID"]]): r[col["Utfall"]] for r in body if r[col["Sammanställning"]] == "enhet"}
    for unit, values in corpus.good.items():
        for rid, value in values.items():
            assert got.get((unit, rid)) == value, (unit, rid)
    for name, kind in corpus.files.items():  # read correctly: every value of the file
        if kind.expect == "read":
            unit = corpus.units[name]
            for rid, value in hostile.write_return(hostile.corpus_model(hostile.GOOD_UNITS + len(hostile.KINDS) + 1), unit,
                                                   kf.parent / "jämför.xlsx").items():
                assert got.get((unit, rid)) == value, (name, rid)

    kontroll = _table(kf, "Kontroll")
    k = {h: i for i, h in enumerate(kontroll[0])}
    named = {r[k["Fil"]] for r in kontroll[1:]}
    for name, kind in corpus.files.items():
        if kind.expect == "named":
            assert visible(name) in named or kind.name == "identisk-kopia" and "Korpus_G0.xlsx" in named, name
    messages = [r[k["Meddelande"]] for r in kontroll[1:]]
    for m in [*messages, text]:
        low = m.lower()
        assert not [w for w in ENGLISH if w in low], m[:300]
        assert "\x1b" not in m and "\x07" not in m
    assert "␛]0;hackad␇␛[2J" in " ".join(messages)  # shown, not obeyed

    with zipfile.ZipFile(kf) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), name
    comments = {r[col["ID"]]: r[col["Kommentar"]] for r in body if r[col["Sammanställning"]] == "enhet"}
    injected = next(u for f, u in corpus.units.items() if "formelinjektion" in f)
    assert comments[f"{injected}-I00"].startswith("=cmd|")  # kept as text


def test_corpus_long_text_kept_whole_in_the_export(corpus: hostile.Corpus, consolidated: tuple[Path, int, str, float, float],
                                                   tmp_path: Path) -> None:
    kf = consolidated[0]
    unit = next(u for f, u in corpus.units.items() if "kommentar-40000" in f)
    data = _table(kf, "Data")
    col = {h: i for i, h in enumerate(data[0])}
    cut = next(r[col["Kommentar"]] for r in data[1:] if r[col["ID"]] == f"{unit}-I00" and r[col["Enhet"]] == unit)
    assert len(cut) == 32_767 and cut.endswith("finns i CSV- och Parquet-exporten]")
    kontroll = _table(kf, "Kontroll")
    assert any(r[6] == "for-lang-text" and r[5] == f"{unit}-I00" for r in kontroll[1:])
    code, text, _s, _mb = run_malbok("export", str(kf), "--csv", str(tmp_path / "data.csv"))
    assert code == 0, text
    assert "lång " * 7999 in (tmp_path / "data.csv").read_text(encoding="utf-8-sig")


def _bombed_model_sheet(data: bytes, inflated: int = 1 << 30) -> bytes:
    """The workbook with its hidden _modell sheet holding a packed model that inflates to ``inflated`` bytes."""
    c = zlib.compressobj(9)
    block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    blob = base64.b64encode(c.compress(b"") + block * (inflated >> 20) + c.flush()).decode()
    cells = [PACKED_MARK] + [blob[i:i + PACKED_CHUNK] for i in range(0, len(blob), PACKED_CHUNK)]
    xml = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           + "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="inlineStr"><is><t>{t}</t></is></c></row>' for i, t in enumerate(cells))
           + "</sheetData></worksheet>").encode()
    part = hostile.sheet_part(data, "_modell")
    return hostile.rezip(data, {part: xml})


def test_zlib_bomb_in_the_model_sheet(corpus: hostile.Corpus, consolidated: tuple[Path, int, str, float, float],
                                      tmp_path: Path) -> None:
    """inspect, report and export on a workbook whose hidden model inflates to 1 GB: a Swedish message, little memory."""
    kf = tmp_path / "KF_bomb.xlsx"
    kf.write_bytes(_bombed_model_sheet(consolidated[0].read_bytes()))
    plan = tmp_path / "plan_bomb.xlsx"
    unit_file = corpus.returns / "Korpus_G1.xlsx"
    plan.write_bytes(_bombed_model_sheet(hostile._identity(unit_file.read_bytes(), {"omgång": "plan", "år": "2024"})))
    for args in (("report", str(kf), "--docx", str(tmp_path / "r.docx")), ("export", str(kf), "--csv", str(tmp_path / "d.csv")),
                 ("inspect", str(plan))):
        code, text, seconds, mb = run_malbok(*args)
        assert code == 1, text
        assert "styrmodellen i bladet '_modell' är skadad" in text, text
        assert not [w for w in ENGLISH if w in text.lower()], text
        assert mb < 250, (args[0], mb)
    # the zip part of the model sheet as a bomb (4 GB declared) is refused before it is inflated
    bomb = next(f for f in corpus.files if "zip-bomb-i-modellbladet" in f)
    code, text, _s, mb = run_malbok("inspect", str(corpus.returns / bomb))
    assert code == 0 and "3000 MB" in text and mb < 250, text


def test_a_file_that_kills_the_reader_is_a_finding(corpus: hostile.Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    """A native abort while reading (signal 6, as the Rust reader gives) ends only the process reading
    that file, also when it is read again on its own: the file is a finding, every other file is read."""
    from malbok import consolidate, consolidation

    if sys.platform != "linux":
        pytest.skip("worker processes are forked on Linux only")
    parent = os.getpid()
    real = consolidation._Run.read

    def aborts(self: consolidation._Run, path: Path) -> consolidation._Checked:  # type: ignore[name-defined]
        if path.name == "Korpus_G2.xlsx" and os.getpid() != parent:
            import faulthandler

            faulthandler.disable()  # pytest's: it would print the worker's stack before dying
            os.abort()
        return real(self, path)

    monkeypatch.setattr(consolidation._Run, "read", aborts)
    files = [corpus.returns / f"Korpus_G{u}.xlsx" for u in range(hostile.GOOD_UNITS)]
    cons = consolidate(corpus.model_path, files, hostile.PERIOD, processes=2)
    died = [f for f in cons.findings if f.code == "lasaren-kraschade"]
    assert [f.file for f in died] == ["Korpus_G2.xlsx"] and "signal 6" in died[0].message
    assert sorted(cons.consolidated_units) == ["G0", "G1", "G3"]
    assert os.getpid() == parent


def test_a_file_whose_reading_hangs_is_a_finding(corpus: hostile.Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that never comes back (a read that hangs) is stopped after the time limit: that file is a
    finding, read again on its own under the same limit, and every other file is read."""
    from malbok import consolidate, consolidation

    if sys.platform != "linux":
        pytest.skip("worker processes are forked on Linux only")
    parent = os.getpid()
    real = consolidation._Run.read

    def hangs(self: consolidation._Run, path: Path) -> consolidation._Checked:  # type: ignore[name-defined]
        if path.name == "Korpus_G1.xlsx" and os.getpid() != parent:
            time.sleep(3600)
        return real(self, path)

    monkeypatch.setattr(consolidation._Run, "read", hangs)
    monkeypatch.setattr(consolidation, "READ_TIMEOUT", 3.0)
    files = [corpus.returns / f"Korpus_G{u}.xlsx" for u in range(hostile.GOOD_UNITS)]
    started = time.monotonic()
    cons = consolidate(corpus.model_path, files, hostile.PERIOD, processes=2)
    took = time.monotonic() - started
    stuck = [f for f in cons.findings if f.code == "lasaren-kraschade"]
    assert [f.file for f in stuck] == ["Korpus_G1.xlsx"] and "mer än 3 sekunder" in stuck[0].message
    assert sorted(cons.consolidated_units) == ["G0", "G2", "G3"]
    assert took < 60, took  # stopped, not waited out


def test_output_that_is_an_input_is_refused(corpus: hostile.Corpus, tmp_path: Path) -> None:
    good = corpus.returns / "Korpus_G1.xlsx"
    before = good.read_bytes()
    for out in (good, corpus.returns / "KF.xlsx", corpus.returns / "under" / "KF.xlsx"):
        code, text, _s, _mb = run_malbok("consolidate", str(corpus.model_path), str(corpus.returns), "--period", hostile.PERIOD,
                                         "--out", str(out))
        assert code == 1 and "--out" in text and ("inlämnade arbetsböcker" in text), text
        assert not (corpus.returns / "KF.xlsx").exists() and not (corpus.returns / "under").exists()
    code, text, _s, _mb = run_malbok("consolidate", str(corpus.model_path), str(good), "--period", hostile.PERIOD, "--out", str(good))
    assert code == 1 and "en av de inlämnade arbetsböckerna" in text, text
    code, text, _s, _mb = run_malbok("consolidate", str(corpus.model_path), str(good), "--period", hostile.PERIOD,
                                     "--out", str(corpus.model_path))
    assert code == 1 and "samma fil som korpus.yaml" in text, text
    assert good.read_bytes() == before


def test_os_errors_in_swedish(corpus: hostile.Corpus, tmp_path: Path) -> None:
    (tmp_path / "fil.txt").write_text("x", encoding="utf-8")
    (tmp_path / "mapp.xlsx").mkdir()
    good = corpus.returns / "Korpus_G1.xlsx"
    for out in (tmp_path / "fil.txt" / "KF.xlsx", tmp_path / "mapp.xlsx"):
        code, text, _s, _mb = run_malbok("consolidate", str(corpus.model_path), str(good), "--period", hostile.PERIOD,
                                         "--out", str(out))
        assert code == 1 and (text.startswith("Fel: ") or "\nFel: " in text), text
        assert not [w for w in ENGLISH if w in text.lower()], text
    assert "finns redan" in os_error_text(FileExistsError(17, "File exists", "x"))
    assert os_error_text(PermissionError(13, "Permission denied", "/a")) == "åtkomst nekad (behörighet saknas) (/a)"


def test_sigterm_leaves_no_temporary_file(corpus: hostile.Corpus, tmp_path: Path) -> None:
    """SIGTERM while KF.xlsx is being written: exit 143, a Swedish line, no KF.xlsx and no temporary file."""
    script = ("import os, signal, sys\n"
              "from malbok import kfbook\n"
              "real = kfbook.render_xlsxwriter\n"
              "def render(wb, sheets, *args):\n"
              "    os.kill(os.getpid(), signal.SIGTERM)\n"
              "    real(wb, sheets, *args)\n"
              "kfbook.render_xlsxwriter = render\n"
              "from malbok.cli import app\n"
              "sys.argv = ['malbok', *sys.argv[1:]]\n"
              "app()\n")
    out = tmp_path / "KF.xlsx"
    done = subprocess.run([sys.executable, "-c", script, "consolidate", str(corpus.model_path), str(corpus.returns / "Korpus_G1.xlsx"),
                           "--period", hostile.PERIOD, "--out", str(out)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 143, done.stderr
    assert "Avbrutet" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_fifo_given_by_name_does_not_hang(tmp_path: Path, corpus: hostile.Corpus) -> None:
    fifo = tmp_path / "rör.xlsx"
    os.mkfifo(fifo)
    started = time.monotonic()
    code, text, _s, _mb = run_malbok("inspect", str(fifo), timeout=60)
    assert code == 1 and "FIFO" in text and time.monotonic() - started < 30, text


def test_ambiguous_numbers_say_both_readings() -> None:
    p = parse_number("1,234.5")
    assert p.value is None and "1\u00a0234,5" in p.ambiguous and "1,2345" in p.ambiguous
    p = parse_number("1.234")
    assert p.value is None and "1\u00a0234" in p.ambiguous and "1,234" in p.ambiguous
    p = parse_number("1,234")
    assert p.value == pytest.approx(1.234) and "1\u00a0234" in p.ambiguous
    assert parse_number("1.234,5").value == 1234.5 and parse_number("1.234,5").ambiguous is None
    assert parse_number("85,5 %").ambiguous is None and parse_number("0,125").ambiguous is None
    assert parse_number("1e400").value is None and "ändligt" in parse_number("1e400").error
    assert parse_number(float("inf")).value is None and parse_number(float("nan")).value is None


def test_control_characters_made_visible() -> None:
    assert visible("a\x1b[2Jb\x07\n") == "a␛[2Jb␇␊"
    assert visible("\u202eabc") == "<U+202E>abc"
    assert visible("vanlig text åäö") == "vanlig text åäö"


def test_bounded_reading_of_a_stray_cell_is_cheap(corpus: hostile.Corpus) -> None:
    """A value typed in XFD1048576: the sheet is read (its far cell named), in little memory and time."""
    from malbok.returns import read_return

    name = next(f for f in corpus.files if "XFD1048576" in f)
    started = time.perf_counter()
    ret = read_return(corpus.returns / name)
    assert time.perf_counter() - started < 2
    assert len(ret.rows) == 6 and [f.cell for f in ret.findings] == ["XFD1048576"]


def test_bounded_zip_rebuilt_for_calamine_is_stored(corpus: hostile.Corpus) -> None:
    """calamine gets only stored parts (nothing left for it to inflate) and never the model sheet."""
    from malbok import bounded

    seen: list[bytes] = []
    real = bounded._stored_zip

    def keep(parts: list[tuple[str, bytes]]) -> bytes:
        out = real(parts)
        seen.append(out)
        return out

    bounded._stored_zip = keep
    try:
        book = bounded.open_bounded((corpus.returns / "Korpus_G0.xlsx").read_bytes(), skip=frozenset({"_modell"}))
    finally:
        bounded._stored_zip = real
    with zipfile.ZipFile(io.BytesIO(seen[0])) as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
        assert z.testzip() is None
    assert "_modell" in book.sheet_names and book.rows("_malbok")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX")
def test_processes_setting_still_reads_everything(corpus: hostile.Corpus) -> None:
    from malbok import consolidate

    files = [corpus.returns / f"Korpus_G{u}.xlsx" for u in range(hostile.GOOD_UNITS)]
    one = consolidate(corpus.model_path, files, hostile.PERIOD, processes=1)
    two = consolidate(corpus.model_path, files, hostile.PERIOD, processes=2)
    assert sorted(one.consolidated_units) == sorted(two.consolidated_units) == [f"G{u}" for u in range(hostile.GOOD_UNITS)]
