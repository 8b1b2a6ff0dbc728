"""Issue 19: the history store (real SQLite files, real processes), import, suggestions from history,
resubmissions and trends."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from malbok import api
from malbok.cli import app
from malbok.filler import fill_workbook
from malbok.history import COUNCIL, connect, load, store_path
from malbok.periods import parse_period

from .conftest import ROOT, TEMPLATES, lo_convert
from .helpers import find

runner = CliRunner()
MODEL = TEMPLATES / "hallsberg.yaml"
YEAR_END, MID_YEAR = "2015-ar", "2016-delar"


def _returns(model, period: str, out: Path) -> dict[str, Path]:
    p = parse_period(model, period)
    books = {g.unit: g.path for g in api.generate(model, period, out, history=False) if g.path}
    for unit, path in books.items():
        fill_workbook(path, model, p, unit)
    return books


@pytest.fixture(scope="module")
def rounds(tmp_path_factory, hallsberg):
    """Filled returns of Hallsberg's year-end 2015 and delår 2016, made once."""
    base = tmp_path_factory.mktemp("rounds")
    return {per: _returns(hallsberg, per, base / per) for per in (YEAR_END, MID_YEAR)}


def _copy(books: dict[str, Path], to: Path) -> dict[str, Path]:
    to.mkdir(parents=True, exist_ok=True)
    return {u: Path(shutil.copy(p, to / p.name)) for u, p in books.items()}


def _dump(store: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(store)
    try:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                for t in ("konsolideringar", "inlämningar", "importer", "värden")}
    finally:
        con.close()


def _retype(path: Path, sheet: str, rid: str, header: str, value: object) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    ws[find(ws, rid, header)].value = value
    wb.save(path)


# --------------------------------------------------------------------------- the file and its place


def test_store_path_beside_the_model_named_by_it_or_given(tmp_path, hallsberg):
    assert store_path(tmp_path / "hallsberg.yaml") == tmp_path / "hallsberg.historik.sqlite"
    assert store_path(tmp_path / "m.yaml", tmp_path / "x" / "h.sqlite") == tmp_path / "x" / "h.sqlite"
    named = hallsberg.changed(history_file="data/historik.sqlite")
    assert store_path(tmp_path / "m.yaml", None, named) == tmp_path / "data" / "historik.sqlite"
    con = connect(tmp_path / "ny" / "h.sqlite")  # created with its schema, in WAL mode
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} >= {
        "konsolideringar", "inlämningar", "importer", "värden", "historik_info"}
    con.close()


# --------------------------------------------------------------------------- recording


def test_consolidation_is_recorded_and_reconsolidating_replaces_the_values(tmp_path, hallsberg, rounds):
    store = tmp_path / "h.sqlite"
    books = _copy(rounds[YEAR_END], tmp_path / "in")
    cons = api.consolidate(hallsberg, [tmp_path / "in"], YEAR_END, history=store)
    first = _dump(store)
    assert len(first["konsolideringar"]) == 1 and len(first["inlämningar"]) == len(books)
    con = sqlite3.connect(store)
    subs = con.execute("SELECT enhet, fil, sha256 FROM inlämningar").fetchall()
    assert {(u, f) for u, f, _d in subs} == {(u, p.name) for u, p in books.items()}
    assert all(len(d) == 64 for _u, _f, d in subs)
    units = {r[0] for r in con.execute("SELECT DISTINCT enhet FROM värden")}
    assert units == set(books) | {COUNCIL}
    # every Data row with something from a return (and the council's) is there, with its source
    d = cons.data
    assert con.execute("SELECT count(*) FROM värden WHERE källa = 'inlämning'").fetchone()[0] == int(
        ((d["Fil"] != "") | (d["Sammanställning"] == "kommun")).sum())
    hk2 = d[(d["ID"] == "HK2") & (d["Enhet"] == "KS")].iloc[0]
    assert con.execute("SELECT utfall, period, år, tillfälle FROM värden WHERE id = 'HK2' AND enhet = 'KS'").fetchone() == (
        hk2["Utfall"], YEAR_END, 2015, "ar")
    con.close()
    # the same files again: the values are the same, the log of submissions grows
    again = api.consolidate(hallsberg, [tmp_path / "in"], YEAR_END, history=store)
    second = _dump(store)
    assert again.resubmitted == [] and again.changes == []
    assert len(second["konsolideringar"]) == 2 and len(second["inlämningar"]) == 2 * len(books)
    strip = [(r[:13] + r[15:]) for r in second["värden"]]  # without the consolidation's number
    assert strip == [(r[:13] + r[15:]) for r in first["värden"]]


def test_resubmission_lists_what_changed_and_the_cli_says_so(tmp_path, hallsberg, rounds):
    store = tmp_path / "h.sqlite"
    books = _copy(rounds[YEAR_END], tmp_path / "in")
    res = runner.invoke(app, ["consolidate", str(MODEL), str(tmp_path / "in"), "--period", YEAR_END,
                              "--out", str(tmp_path / "KF.xlsx"), "--historik", str(store)])
    assert res.exit_code == 0, res.output
    assert "lämnat in på nytt" not in res.output
    _retype(books["BIN"], "Hållbar kommun", "HK6", "Utfall", 91.5)
    _retype(books["BIN"], "Hållbar kommun", "HK6", "Kommentar", "Rättad siffra efter ny mätning.")
    res = runner.invoke(app, ["consolidate", str(MODEL), str(tmp_path / "in"), "--period", YEAR_END,
                              "--out", str(tmp_path / "KF.xlsx"), "--historik", str(store)])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "1 enhet har lämnat in på nytt (BIN)" in text
    wb = openpyxl.load_workbook(tmp_path / "KF.xlsx")
    assert "Ändringar" in wb.sheetnames
    rows = [r for r in wb["Ändringar"].iter_rows(min_row=2, values_only=True) if r[0]]  # the table from A1
    by_what = {(r[0], r[1], r[3]): r for r in rows}
    assert set(by_what) >= {("BIN", "HK6", "Utfall"), ("BIN", "HK6", "Kommentar")}
    out_cell = find(openpyxl.load_workbook(books["BIN"])["Hållbar kommun"], "HK6", "Utfall")
    assert by_what[("BIN", "HK6", "Utfall")][5] == 91.5 and by_what[("BIN", "HK6", "Utfall")][8] == out_cell
    assert all(r[0] == "BIN" for r in rows)
    # two units at once: the plural
    _retype(books["BIN"], "Hållbar kommun", "HK6", "Utfall", 92.5)
    _retype(books["SN"], "Livslångt lärande", "LL4", "Utfall", 9.5)
    cons = api.consolidate(hallsberg, [tmp_path / "in"], YEAR_END, history=store)
    assert cons.resubmitted == ["BIN", "SN"]
    from malbok.cli import resubmitted_sentence

    assert resubmitted_sentence(cons.resubmitted).startswith("2 enheter har lämnat in på nytt (BIN, SN)")
    con = sqlite3.connect(store)
    assert con.execute("SELECT count(*) FROM inlämningar WHERE ny_version = 1").fetchone()[0] == 3
    con.close()


# --------------------------------------------------------------------------- suggestions from history


CSV_2015 = (
    "\ufeffÅr;Enhet;ID;Utfall;Kommentar\r\n"
    "2015;SBN;HK9;84,1;\r\n"
    "2015;;HK10;200;kommunen totalt\r\n"
    "2015;BIN;HK10;120;\r\n"
    "2015;SN;HK10;80;\r\n"
    "2015;BIN;HK8;25;\r\n"
    "2015;SN;HK8;30;\r\n"
)


def test_direction_yearly_change_and_path_from_history(tmp_path, hallsberg, rounds):
    store = tmp_path / "h.sqlite"
    src = tmp_path / "2015.csv"
    src.write_text(CSV_2015, encoding="utf-8")
    imp = api.history_import(src, hallsberg, store)
    assert imp.errors == [] and imp.values == 6
    books = _copy(rounds[MID_YEAR], tmp_path / "in")
    _retype(books["SBN"], "Hållbar kommun", "HK9", "Utfall", 85.9)
    _retype(books["BIN"], "Hållbar kommun", "HK10", "Utfall", 110)  # −8,3 % against 120
    _retype(books["SN"], "Hållbar kommun", "HK10", "Utfall", 79)  # −1,25 %: the right way, not enough
    _retype(books["BIN"], "Hållbar kommun", "HK8", "Utfall", 31)
    cons = api.consolidate(hallsberg, [tmp_path / "in"], MID_YEAR, history=store)
    d = cons.data.set_index(["ID", "Enhet"])
    hk9 = d.loc[("HK9", "SBN")]
    assert hk9["Förslag"] == "Uppfyllt"
    assert "85,9 mot 84,1 år 2015 (Årsredovisning)" in hk9["Förslagsskäl"]  # the unit's own value, at the year-end
    assert d.loc[("HK10", "BIN"), "Förslag"] == "Uppfyllt" and "mot 120 år 2015" in d.loc[("HK10", "BIN"), "Förslagsskäl"]
    assert d.loc[("HK10", "SN"), "Förslag"] == "Delvis uppfyllt" and "mot 80 år 2015" in d.loc[("HK10", "SN"), "Förslagsskäl"]
    council = d.loc[("HK10", COUNCIL)]  # the council's row against the council's value (110 + 79 against 200)
    assert "189 mot 200 år 2015" in council["Förslagsskäl"] and council["Förslag"] == "Uppfyllt"
    # a path target without a baseline in the model: the earliest year-end value since the year before the mandate
    hk8 = d.loc[("HK8", "BIN")]
    assert hk8["Förslag"] and "från 25 år 2015" in hk8["Förslagsskäl"]
    # the same occasion last year wins over last year's year-end
    same = tmp_path / "delar.csv"
    same.write_text("Period,Enhet,ID,Utfall\n2015-delar,SBN,HK9,86.5\n", encoding="utf-8")
    assert api.history_import(same, hallsberg, store).values == 1
    cons = api.consolidate(hallsberg, [tmp_path / "in"], MID_YEAR, history=store)
    hk9 = cons.data.set_index(["ID", "Enhet"]).loc[("HK9", "SBN")]
    assert hk9["Förslag"] == "Ej uppfyllt" and "85,9 mot 86,5 år 2015 (Delårsrapport)" in hk9["Förslagsskäl"]


def test_model_values_win_and_baseline_year_without_value(tmp_path, hallsberg):
    from malbok.model import Indicator
    from malbok.targets import comparable_previous, history_baseline

    ind = Indicator.model_validate({"id": "X", "text": "x", "område": "a", "tidigare_utfall": {2015: 70},
                                    "målvärden": [{"typ": "riktning", "riktning": "öka"}]})
    known = {(2015, "ar"): 60.0, (2014, "ar"): 50.0}
    names = {"ar": "Årsredovisning", "delar": "Delårsrapport"}
    assert comparable_previous(ind, 2016, "delar", "ar", known, names).value == 70  # the model's year wins
    assert comparable_previous(ind, 2016, "delar", "ar", {**known, (2015, "delar"): 65.0}, names).value == 65
    path = Indicator.model_validate({"id": "Y", "text": "y", "område": "a", "utgångsvärde": {"år": 2014},
                                     "målvärden": [{"typ": "värde", "värde": 90, "år": 2018}]})
    assert path.baseline.value is None
    got = history_baseline(path, 2016, "ar", 2014, known, names)
    assert (got.value, got.year) == (50.0, 2014)


# --------------------------------------------------------------------------- import


def test_import_bad_rows_are_findings_and_nothing_is_written(tmp_path, hallsberg):
    store = tmp_path / "h.sqlite"
    src = tmp_path / "fel.csv"
    src.write_text("År;Enhet;ID;Utfall\n2015;KS;HK2;80,5\n20x5;KS;HK2;81\n2015;XX;HK2;1\n2015;KS;NOPE;1\n"
                   "2015;KS;HK3;mycket\n2015;KS;HK2;82\n", encoding="utf-8")
    res = api.history_import(src, hallsberg, store)
    assert res.values == 0
    got = {(f.code, f.cell) for f in res.errors}
    assert got == {("okand-period", "A3"), ("okand-enhet", "B4"), ("okant-id", "C5"), ("ej-tal", "D6"), ("dubblett-rad", "C7")}
    assert all(f.message.startswith("rad ") and "kolumn" in f.message for f in res.errors)
    assert not store.exists() or _dump(store)["värden"] == []
    missing = tmp_path / "saknas.csv"
    missing.write_text("Enhet;ID;Utfall\nKS;HK2;1\n", encoding="utf-8")
    res = api.history_import(missing, hallsberg, store)
    assert [f.code for f in res.errors] == ["kolumn-saknas"]


def test_import_excel_sheet_and_earlier_kf(tmp_path, hallsberg, rounds):
    store = tmp_path / "h.sqlite"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Utfall från ekonomisystemet"])
    ws.append([])
    ws.append(["Period", "Enhet", "ID", "Utfall", "Bedömning"])
    ws.append(["2014", "", "HK2", 79.5, ""])
    ws.append(["2014-delar", "KS", "HK2", "78,5 %", ""])
    wb.save(tmp_path / "tidigare.xlsx")
    assert api.history_import(tmp_path / "tidigare.xlsx", hallsberg, store).values == 2
    assert api.history_import(tmp_path / "tidigare.xlsx", hallsberg, store).values == 2  # again: replaced, not doubled
    assert len(_dump(store)["värden"]) == 2 and len(_dump(store)["importer"]) == 2
    # an earlier KF.xlsx made by malbok: its Data sheet
    _copy(rounds[YEAR_END], tmp_path / "in")
    cons = api.consolidate(hallsberg, [tmp_path / "in"], YEAR_END, out=tmp_path / "KF2015.xlsx", history=False)
    other = tmp_path / "annan.sqlite"
    res = api.history_import(tmp_path / "KF2015.xlsx", hallsberg, other)
    assert res.errors == []
    d = cons.data
    assert res.values == int((((d["Fil"] != "") | (d["Sammanställning"] == "kommun"))
                              & (d["Utfall"].notna() | d["Placering"].notna() | (d["Bedömning"] != "") | (d["Kommentar"] != ""))).sum())
    hist = load(other, hallsberg, parse_period(hallsberg, MID_YEAR))
    ks = d[(d["ID"] == "HK2") & (d["Enhet"] == "KS")].iloc[0]
    ind = next(i for i in hallsberg.indicators if i.id == "HK2")
    assert hist.previous(ind, "KS").value == pytest.approx(ks["Utfall"])
    table = api.history_show(hallsberg, ["HK2"], store)
    assert sorted(table["Period"]) == ["2014-ar", "2014-delar"]  # both periods of the series


def test_history_cli_import_show_export(tmp_path):
    store = tmp_path / "h.sqlite"
    src = tmp_path / "2015.csv"
    src.write_text(CSV_2015, encoding="utf-8")
    res = runner.invoke(app, ["history", "import", str(src), "--model", str(MODEL), "--historik", str(store)])
    assert res.exit_code == 0 and "Importerade 6 värden" in res.output, res.output
    res = runner.invoke(app, ["history", "show", str(MODEL), "--id", "HK10", "--historik", str(store)])
    assert res.exit_code == 0 and "HK10" in res.output and "2015-ar" in res.output and "▄" in res.output, res.output
    res = runner.invoke(app, ["history", "export", str(MODEL), "--csv", str(tmp_path / "h.csv"), "--historik", str(store)])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "h.csv").read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Period;År;Tillfälle;Enhet;ID") and "84,1" in text
    bad = tmp_path / "bad.csv"
    bad.write_text("År;ID;Utfall\n2015;HK2;x\n", encoding="utf-8")
    res = runner.invoke(app, ["history", "import", str(bad), "--model", str(MODEL), "--historik", str(store)])
    assert res.exit_code == 1 and "rad 2, kolumn Utfall" in res.output and "inget importerades" in res.output


# --------------------------------------------------------------------------- real processes


def _consolidate_in_process(period: str, returns: Path, store: Path, pause: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MALBOK_HISTORIK_TESTPAUS", None)
    if pause:
        env["MALBOK_HISTORIK_TESTPAUS"] = pause
    code = ("import sys; from malbok import api; "
            "c = api.consolidate(sys.argv[1], [sys.argv[2]], sys.argv[3], history=sys.argv[4], processes=1); "
            "print(len(c.consolidated_units))")
    return subprocess.Popen([sys.executable, "-c", code, str(MODEL), str(returns), period, str(store)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"the process ended before the pause: {proc.stderr.read()}")
        if time.monotonic() > end:
            proc.kill()
            pytest.fail("the process never reached the pause")
        time.sleep(0.05)


def test_two_consolidations_at_once_do_not_corrupt_the_store(tmp_path, rounds):
    store = tmp_path / "h.sqlite"
    a, b = tmp_path / "a", tmp_path / "b"
    _copy(rounds[YEAR_END], a)
    _copy(rounds[MID_YEAR], b)
    marker = tmp_path / "a-väntar"
    first = _consolidate_in_process(YEAR_END, a, store, f"{marker}|3")  # holds the write lock for 3 s
    _wait_for(marker, first)
    second = _consolidate_in_process(MID_YEAR, b, store)  # must wait for the first, then write
    outs = [p.communicate(timeout=300) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outs
    con = sqlite3.connect(store)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [r[0] for r in con.execute("SELECT period FROM konsolideringar ORDER BY id")] == [YEAR_END, MID_YEAR]
    assert {r[0] for r in con.execute("SELECT DISTINCT period FROM värden")} == {YEAR_END, MID_YEAR}
    con.close()


def test_a_run_killed_before_its_commit_leaves_the_store_as_it_was(tmp_path, hallsberg, rounds):
    store = tmp_path / "h.sqlite"
    books = _copy(rounds[YEAR_END], tmp_path / "in")
    api.consolidate(hallsberg, [tmp_path / "in"], YEAR_END, history=store)
    before = _dump(store)
    _retype(books["KS"], "Hållbar kommun", "HK2", "Utfall", 12.5)
    marker = tmp_path / "väntar"
    proc = _consolidate_in_process(YEAR_END, tmp_path / "in", store, str(marker))
    _wait_for(marker, proc)  # everything written, not committed
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    con = sqlite3.connect(store)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert _dump(store) == before
    again = api.consolidate(hallsberg, [tmp_path / "in"], YEAR_END, history=store)  # and it still works
    assert again.resubmitted == ["KS"]


# --------------------------------------------------------------------------- workbooks and reports


def test_workbooks_show_the_units_earlier_outcomes(tmp_path, hallsberg, rounds):
    store = tmp_path / "h.sqlite"
    _copy(rounds[YEAR_END], tmp_path / "in")
    cons = api.consolidate(hallsberg, [tmp_path / "in"], YEAR_END, history=store)
    books = {g.unit: g.path for g in api.generate(hallsberg, MID_YEAR, tmp_path / "ut", history=store) if g.path}
    ws = openpyxl.load_workbook(books["BIN"])["Hållbar kommun"]
    cell = ws[find(ws, "HK8", "Tidigare utfall")]
    value = cons.data[(cons.data["ID"] == "HK8") & (cons.data["Enhet"] == "BIN")].iloc[0]["Utfall"]
    from malbok.targets import fmt_value

    assert cell.value == f"2015: {fmt_value(value, next(i for i in hallsberg.indicators if i.id == 'HK8').measure)} (årsredovisning)"
    assert cell.protection.locked
    base = ws[find(ws, "HK8", "Utgångsvärde")]  # no baseline in the model: the year-end 2015 from history
    assert base.value.endswith("(2015)")
    said = cons.data[(cons.data["ID"] == "HK8") & (cons.data["Enhet"] == "BIN")].iloc[0]["Kommentar"]
    note = ws[find(ws, "HK8", "Kommentar")]  # last year's comment as a note; the cell itself stays empty
    assert note.value is None and note.comment is not None and said in note.comment.text


def test_kf_trend_with_sparklines_opens_in_libreoffice_and_the_chapter_shows_it(tmp_path, hallsberg, rounds):
    store = tmp_path / "h.sqlite"
    _copy(rounds[YEAR_END], tmp_path / "a")
    api.consolidate(hallsberg, [tmp_path / "a"], YEAR_END, history=store)
    _copy(rounds[MID_YEAR], tmp_path / "b")
    kf = tmp_path / "KF.xlsx"
    api.consolidate(hallsberg, [tmp_path / "b"], MID_YEAR, out=kf, history=store)
    import zipfile

    with zipfile.ZipFile(kf) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert any(b"x14:sparkline" in z.read(n) for n in sheets)
        from malbok.bounded import KF_LIMITS, _fast_ok

        trend = next(z.read(n) for n in sheets if b"x14:sparkline" in z.read(n))
        assert _fast_ok(trend, KF_LIMITS)  # the sparklines' <xm:f> after the cells do not send it cell by cell
    (pdf,) = lo_convert([kf], tmp_path / "pdf", "pdf")
    assert pdf.exists() and pdf.stat().st_size > 10_000
    wb = openpyxl.load_workbook(kf)
    rows = list(wb["Trend"].iter_rows(min_row=5, values_only=True))
    header = rows[0]
    assert header[:4] == ("ID", "Indikator", "Enhet", "Utgångsvärde") and header[8] == "Delårsrapport 2016"
    assert any(r[9] and r[9].startswith(("↑", "↓", "→")) for r in rows[1:])
    docx_path = api.report(kf, tmp_path / "M.docx")
    import docx

    text = "\n".join(c.text for t in docx.Document(docx_path).tables for row in t.rows for c in row.cells)
    assert "Utfall och trend" in text and ("↑" in text or "↓" in text) and "2015:" in text


def test_demo_runs_two_years_with_a_resubmission_and_a_suggestion_for_every_judgeable_row(tmp_path):
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "1 enhet har lämnat in på nytt" in text
    import re

    got, total = map(int, re.search(r"förslag till bedömning: (\d+) av (\d+) indikatorrader", text).groups())
    assert got == total > 50
    d = tmp_path / "demo"
    assert (d / YEAR_END / "KF.xlsx").exists() and (d / "historik.sqlite").exists()
    con = sqlite3.connect(d / "historik.sqlite")
    assert [r[0] for r in con.execute("SELECT period FROM konsolideringar ORDER BY id")] == [YEAR_END, MID_YEAR, MID_YEAR]
    con.close()
    assert {"Trend", "Ändringar"} <= set(openpyxl.load_workbook(d / "KF.xlsx", read_only=True).sheetnames)


def test_rank_targets_compare_with_last_years_rank(tmp_path, hallsberg):
    from malbok.history import History
    from malbok.targets import suggest_indicator

    p = parse_period(hallsberg, MID_YEAR)
    hist = History(hallsberg, p, values={("BIN", "LL7"): {(2015, "ar"): (150.0, None, "", "")}})
    ll7 = next(i for i in hallsberg.indicators if i.id == "LL7")  # a rank measure: best 25 % by 2018
    assert hist.previous_rank(ll7, "BIN") == 150.0 and hist.previous_rank(ll7, COUNCIL) is None
    s = suggest_indicator(ll7, 120, p.year, p.point, previous_rank=hist.previous_rank(ll7, "BIN"))
    assert s.reason == "placeringen förbättrades från 150 till 120" and s.meaning.value == "på_väg"


def test_a_file_that_is_not_sqlite_is_a_swedish_error(tmp_path, hallsberg, rounds):
    store = tmp_path / "h.sqlite"
    store.write_bytes(b"inte en databas" * 100)
    _copy(rounds[YEAR_END], tmp_path / "in")
    cons = api.consolidate(hallsberg, [tmp_path / "in"], YEAR_END, history=store)  # the follow-up is still built
    (warning,) = [f for f in cons.findings if f.code == "historik-ej-sparad"]
    assert "historikfilen kan inte öppnas" in warning.message and "inte en SQLite-databas" in warning.message
    assert cons.consolidated_units and store.read_bytes() == b"inte en databas" * 100  # the file is left as it was


def test_a_store_that_cannot_be_written_costs_no_kf_workbook(tmp_path, hallefors):
    """A history file that cannot be made is a warning in Kontroll; KF.xlsx is written all the same."""
    from malbok import api, generate
    from malbok.filler import fill_workbook
    from malbok.periods import parse_period

    made = [g for g in generate(hallefors, "2011-dec", tmp_path / "in", units=["KS"]) if g.path is not None]
    fill_workbook(made[0].path, hallefors, parse_period(hallefors, "2011-dec"), "KS")
    blocker = tmp_path / "en-fil"
    blocker.write_text("", encoding="utf-8")
    cons = api.consolidate(hallefors, [tmp_path / "in"], "2011-dec", out=tmp_path / "KF.xlsx",
                           history=blocker / "historik.sqlite")  # its folder is a file: it cannot be created
    assert (tmp_path / "KF.xlsx").stat().st_size > 1000 and cons.written
    (warning,) = [f for f in cons.findings if f.code == "historik-ej-sparad"]
    assert warning.severity == "varning" and "historik" in warning.message and "Errno" not in warning.message
