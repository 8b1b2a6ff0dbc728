"""The whole run as the controller lives it (issue 23): click to result, wall time and peak memory.

For 15, 150 and 1 500 distinct, filled returns of a realistic model (5 areas,
KF goals that every unit reports and goals that half the units report: 24–40
rows per sheet), each command runs as a fresh process, as the controller starts it:

- ``malbok consolidate … --out KF.xlsx``, beside a plain pandas-calamine read of
  the same files (``pd.read_excel(f, sheet_name=None, engine="calamine")``);
- its phases, timed inside one process (python start, import, model, each
  unit's rows, read+check, council rows and tables, each KF sheet, save);
- ``malbok report`` beside python-docx writing the same texts and tables;
- ``malbok export --csv`` beside pandas reading Data and writing the same CSV;
- ``malbok generate`` for as many units, beside XlsxWriter writing bare
  workbooks with the same number of cells;
- one click on Konsolidera (``excel init``'s defaults: KF.xlsx, the Word
  chapter and the CSV, and the result sheets written through xlwings' remote
  engine, as Excel on the web would have them).

Wall time is the median of ``--repeat`` runs; peak memory is the largest
resident size of the process (``wait4``'s ``ru_maxrss``; the consolidation's
worker processes are counted on their own, not added). The machine is shared,
so read the ratios, which come from the same run.

    python benchmarks/whole_run.py                  # 15 and 150 returns, < 2 minutes
    python benchmarks/whole_run.py --sizes 15,150,1500 --dir /tmp/wr   # keeps the built files for the next run

The per-file reading figure stays in ``benchmarks/consolidate.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2024-delar"
AREAS, GOALS, INDICATORS = 5, 8, 4  # per area: 8 goals with 4 indicators each (40 rows); goals 6–7 for half the units


def realistic_model(units: int) -> Any:
    """A municipality's model: KF goals in 5 areas, reported by every unit (goals 0–5) or by every other one (6–7)."""
    from malbok.model import Model

    codes = [f"N{u:04d}" for u in range(units)]
    data: dict[str, Any] = {
        "id": "helkorning", "kommun": {"namn": "Mätby", "kommunkod": "9999"},
        "mandatperiod": {"från": 2023, "till": 2026},
        "vision": {"rubrik": "Mätby växer", "text": "En kommun där alla kan leva ett gott liv.\nHållbart och tryggt."},
        "skalor": [{"id": "s", "namn": "Måluppfyllelse", "etiketter": [
            {"etikett": "Uppfyllt", "betydelse": "uppfyllt", "färg": "#00B050"},
            {"etikett": "Delvis uppfyllt", "betydelse": "på_väg", "färg": "#FFC000"},
            {"etikett": "Ej uppfyllt", "betydelse": "ej_uppfyllt", "färg": "#FF0000"},
        ]}],
        "målnivåer": [{"id": "km", "namn": "Kommunmål", "skala": "s"}],
        "områden": [{"id": f"o{a}", "namn": f"Område {a + 1}", "text": f"Fullmäktiges inriktning för område {a + 1}."}
                    for a in range(AREAS)],
        "enheter": [{"kod": c, "namn": f"Nämnd {c}"} for c in codes],
        "perioder": [{"id": "delar", "namn": "Delår", "månad": 8, "typ": "delår"}],
        "mål": [], "indikatorer": [],
    }
    measures = ["procent", "antal", "tal", "kr"]
    for a in range(AREAS):
        for g in range(GOALS):
            gid = f"M{a}{g}"
            data["mål"].append({"id": gid, "nivå": "km", "område": f"o{a}", "text": f"Mål {g + 1} i område {a + 1}: invånarna ska få det bättre",
                                "enheter": codes if g < 6 else codes[::2]})
            for i in range(INDICATORS):
                measure = measures[i % 4]
                data["indikatorer"].append({
                    "id": f"I{a}{g}{i}", "mål": gid, "text": f"Indikator {i + 1} för mål {gid}", "måttenhet": measure,
                    "sammanräkning": "medel" if measure in ("procent", "tal") else "summa",
                    "utgångsvärde": {"värde": 50, "år": 2022},
                    "målvärden": [{"typ": "värde", "värde": 80, "år": 2026, "jämförelse": "minst"}],
                })
    return Model.model_validate(data)


def build(n: int, d: Path) -> None:
    """The model as YAML, ``n`` distinct filled returns in ``d/inlamnade`` and excel init's workbook."""
    from malbok.load import dump_yaml
    from malbok.periods import parse_period
    from malbok.workbook import file_name, plan_workbook, write_workbook

    model = realistic_model(n)
    (d / "modell.yaml").write_text(dump_yaml(model), encoding="utf-8")
    period = parse_period(model, PERIOD)
    out = d / "inlamnade"
    out.mkdir(parents=True, exist_ok=True)
    labels = ["Uppfyllt", "Delvis uppfyllt", "Ej uppfyllt"]
    for i, unit in enumerate(model.units):
        plan = plan_workbook(model, period, unit.code)
        prefill: dict[tuple[str, str], dict[str, object]] = {}
        for sp in plan.sheets:
            for j, row in enumerate(sp.rows):
                if row.kind == "Indikator":  # numbers, and Swedish numbers typed as text, as staff do
                    value: object = 40 + (i * 7 + j) % 55 if j % 3 else f"{40 + (i + j) % 55},5"
                    prefill[(row.kind, row.id)] = {"outcome": value, "comment": f"Utvecklingen för {unit.code} följer plan ({j})."}
                else:
                    prefill[(row.kind, row.id)] = {"assessment": labels[(i + j) % 3],
                                                   "comment": f"Analys av målet hos {unit.name}: arbetet går enligt plan i {sp.title}.",
                                                   "actions": "Fortsatt arbete." if (i + j) % 2 else ""}
        write_workbook(plan, out / file_name(model, period, unit.code), prefill=prefill)
    subprocess.run(_malbok("excel", "init", "--model", str(d / "modell.yaml"), "--period", PERIOD, "--returns", str(out),
                           "--out", str(d / "Konsolidering.xlsm")), check=True, capture_output=True, env=_env())
    (d / "payload.json").write_text(json.dumps(_payload(d / "Konsolidering.xlsm")), encoding="utf-8")
    (d / "klar").write_text(str(n))


def _payload(path: Path) -> dict:
    """The JSON Excel sends to a remote interpreter (as tests/test_excel.py builds it)."""
    import xlwings as xw
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    sheets = []
    for name in wb.sheet_names:
        values = wb.get_sheet_by_name(name).to_python(skip_empty_area=False) or [[]]
        width = max((len(r) for r in values), default=0)
        values = [[None if v == "" else v for v in r] + [None] * (width - len(r)) for r in values]
        sheets.append({"name": name, "values": values, "pictures": [], "tables": []})
    return {"client": "Microsoft Office Scripts", "version": xw.__version__,
            "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"}, "names": [], "sheets": sheets}


def _env(root: Path | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root or ROOT), "COLUMNS": "120"}


def _malbok(*args: str) -> list[str]:
    return [sys.executable, "-m", "malbok", *args]


def _me(*args: str) -> list[str]:
    return [sys.executable, __file__, *args]


def run(cmd: list[str], cwd: Path | None = None, timeout: float | None = None,
        root: Path | None = None) -> tuple[float, float, str, float]:
    """Wall seconds, peak MB (the largest process), stdout and CPU seconds of ``cmd`` run with malbok from ``root``
    (default: this checkout); inf seconds when it took over ``timeout``."""
    with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
        t0 = time.perf_counter()
        # not from this checkout's folder: ``python -m malbok`` would import the malbok beside it, whatever PYTHONPATH says
        p = subprocess.Popen(cmd, stdout=so, stderr=se, cwd=cwd or tempfile.gettempdir(), env=_env(root))
        timer = threading.Timer(timeout, p.kill) if timeout else None
        if timer:
            timer.start()
        _pid, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        if timer:
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        so.seek(0)
        se.seek(0)
        stdout, stderr = so.read().decode("utf-8", "replace"), se.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime  # of the process and of the worker processes it waited for
    if p.returncode == -9 and timeout:
        return float("inf"), usage.ru_maxrss / 1024, "", cpu
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024, stdout, cpu


BEFORE: Path | None = None  # --before: another checkout of malbok, measured in turns with this one
BEFORE_RUNS: dict[str, tuple[float, float, str, float]] = {}


def timed(cmd: list[str], repeat: int, cwd: Path | None = None, timeout: float | None = None,
          key: str = "") -> tuple[float, float, str, float]:
    """Median wall, largest peak MB, the last stdout and median CPU seconds of ``repeat`` runs (one run when the
    first timed out).

    With ``--before``, the same command with the other checkout's malbok runs in turns with it (its figures in
    :data:`BEFORE_RUNS` under ``key``), so that both see the same load on the shared machine."""
    runs, before = [], []
    for _ in range(repeat):
        if BEFORE is not None and key and (not before or before[-1][0] != float("inf")):
            before.append(run(cmd, cwd, timeout, BEFORE))
        if not runs or runs[-1][0] != float("inf"):
            runs.append(run(cmd, cwd, timeout))
    if before:
        BEFORE_RUNS[key] = (median(r[0] for r in before), max(r[1] for r in before), before[-1][2], median(r[3] for r in before))
    return median(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2], median(r[3] for r in runs)


# --------------------------------------------------------------------------- the parts run in their own processes


def phases(d: Path) -> None:
    """``malbok consolidate`` split into its phases, in this fresh process; seconds as JSON."""
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    import malbok.cli  # noqa: F401 - what the command line imports before it starts
    from malbok import api
    from malbok.kfbook import _meta, kf_sheets, render_xlsxwriter
    from malbok.util import atomic_xlsx
    t["import"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = api.validate(d / "modell.yaml")
    t["modell"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cons = api.consolidate(model, [d / "inlamnade"], PERIOD, out=None)
    whole = time.perf_counter() - t0
    t.update({f"  {k}": v for k, v in cons.timings.items()})
    t["  övrigt i consolidate"] = whole - sum(cons.timings.values())
    t0 = time.perf_counter()
    sheets = kf_sheets(cons)
    t["KF: bladens innehåll (kf_sheets)"] = time.perf_counter() - t0
    from malbok import kfbook

    # as write_kf writes it: the rows streamed to disk (constant_memory) in a folder of their own (not with
    # --before's older malbok, which kept every cell in memory)
    streamed = {"constant_memory": True} if hasattr(kfbook, "StreamedSheet") else {}
    with tempfile.TemporaryDirectory(prefix="malbok-rader-") as rows, \
            atomic_xlsx(d / "KF-faser.xlsx", tmpdir=rows, **streamed) as wb:
        for sc in sheets:
            name = sc.name if not sc.name.startswith("Område") else "områdesblad"
            t0 = time.perf_counter()
            render_xlsxwriter(wb, [sc])
            t[f"KF: {name}"] = t.get(f"KF: {name}", 0.0) + time.perf_counter() - t0
        t0 = time.perf_counter()
        _meta(wb, cons)
        t["KF: _malbok och _modell"] = time.perf_counter() - t0
        t0 = time.perf_counter()
    t["KF: spara (zip)"] = time.perf_counter() - t0
    print(json.dumps({"phases": t, "rows": len(cons.data)}))


def floor_read(d: Path) -> None:
    import pandas as pd

    for f in sorted((d / "inlamnade").glob("*.xlsx")):
        pd.read_excel(f, sheet_name=None, engine="calamine")


def floor_export(kf: Path, csv: Path) -> None:
    import pandas as pd

    data = pd.read_excel(kf, sheet_name="Data", engine="calamine", dtype={"Utfall": float, "Placering": float})
    data.to_csv(csv, sep=";", decimal=",", index=False, lineterminator="\r\n", encoding="utf-8-sig")


def floor_report(kf: Path, out: Path) -> None:
    """python-docx writing what the chapter holds: per area the goal tables, the indicator table and every unit's analysis."""
    import docx
    import pandas as pd

    data = pd.read_excel(kf, sheet_name="Data", engine="calamine", dtype=str).fillna("")  # Data is a table from A1
    doc = docx.Document()
    bullet, grid = doc.styles["List Bullet"], doc.styles["Table Grid"]
    council = data[data["Sammanställning"] == "kommun"]
    units = data[data["Sammanställning"] == "enhet"]
    doc.add_heading("Måluppfyllelse", level=1)
    for area, rows in council.groupby("Område", sort=False):
        doc.add_heading(str(area), level=2)
        doc.add_paragraph(f"{len(rows)} mål och indikatorer.")
        for kind, what in (("Mål", ["Mål", "Ansvar", "Bedömning"]), ("Indikator", ["Indikator", "Utgångsvärde", "Målvärde", "Utfall", "Förslag"])):
            body = rows[rows["Typ"] == kind]
            table = doc.add_table(rows=1 + len(body), cols=len(what), style=grid)
            for c, h in enumerate(what):
                table.rows[0].cells[c].text = h
            for r, rec in enumerate(body.itertuples(index=False), start=1):
                cells = table.rows[r].cells
                texts = [rec.Text, rec.Enhet, rec.Bedömning] if kind == "Mål" else [rec.Text, "50", rec.Målvärde, str(rec.Utfall), rec.Förslag]
                for c, text in enumerate(texts):
                    cells[c].text = str(text)
        doc.add_heading("Nämndernas analyser", level=3)
        own = units[(units["Område"] == area) & ((units["Kommentar"] != "") | (units["Åtgärder"] != ""))]
        for _id, group in own.groupby("ID", sort=False):
            doc.add_paragraph().add_run(str(group["Text"].iloc[0])).bold = True
            for r in group.itertuples(index=False):
                para = doc.add_paragraph(style=bullet)
                para.add_run(f"{r.Enhetsnamn}: ").italic = True
                para.add_run(str(r.Kommentar))
                if r.Åtgärder:
                    para.add_run(f" Åtgärder: {r.Åtgärder}")
    doc.save(out)


def floor_generate(n: int, rows: int, out: Path) -> None:
    """Bare XlsxWriter workbooks with the cells of the unit workbooks (5 sheets × rows × 16 columns of text)."""
    import xlsxwriter

    out.mkdir(parents=True, exist_ok=True)
    for u in range(n):
        wb = xlsxwriter.Workbook(str(out / f"bar{u}.xlsx"))
        for a in range(AREAS):
            ws = wb.add_worksheet(f"S{a}")
            for r in range(rows):
                for c in range(16):
                    ws.write_string(r, c, "x")
        wb.close()


def click(d: Path) -> None:
    """One click on Konsolidera: the settings excel init wrote, through xlwings' remote engine."""
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # xlwings' remote engine, as the tests use it
    import xlwings as xw

    from malbok.excel import konsolidera

    book = xw.Book(json=json.loads((d / "payload.json").read_text(encoding="utf-8")))
    status = konsolidera(book)
    if not status.startswith("Konsoliderat"):
        raise SystemExit(status)


# --------------------------------------------------------------------------- the table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="15,150", help="number of returns (and units), comma-separated; e.g. 15,150,1500")
    ap.add_argument("--repeat", type=int, default=3, help="runs per command at 15 and 150 returns (median); 1 above that")
    ap.add_argument("--dir", type=Path, help="build the files here, or reuse those built there before")
    ap.add_argument("--timeout", type=float, default=300, help="seconds a command may take before it is stopped")
    ap.add_argument("--skip", default="", help="comma-separated: generate, report, export, click")
    ap.add_argument("--before", type=Path, help="another checkout of malbok (e.g. git worktree of main): each malbok "
                                                "command is also run with it, in turns, and the ratio printed")
    ap.add_argument("--part", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.part:
        what, *rest = args.part
        fn = {"phases": phases, "read": floor_read, "export": floor_export, "report": floor_report, "click": click}.get(what)
        if what == "generate":
            floor_generate(int(rest[0]), int(rest[1]), Path(rest[2]))
        else:
            assert fn is not None
            fn(*(Path(x) for x in rest))  # type: ignore[operator]
        return
    global BEFORE
    BEFORE = args.before.resolve() if args.before else None
    sizes = [int(s) for s in args.sizes.split(",") if s]
    skip = set(args.skip.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        base = args.dir or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        py, *_rest = timed([sys.executable, "-c", "pass"], 5)
        print(f"malbok {_version()} · {len(os.sched_getaffinity(0))} kärnor · python startar på {py * 1000:.0f} ms · "
              f"modell: {AREAS} områden × {GOALS} mål × {INDICATORS} indikatorer (24–40 rader per blad)")
        results = []
        for n in sizes:
            results.append(measure(n, base / f"n{n}", args.repeat if n <= 150 else 1, args.timeout, skip))
        summary(results)


def _version() -> str:
    from malbok import __version__

    return __version__


def measure(n: int, d: Path, repeat: int, timeout: float, skip: set[str]) -> dict[str, Any]:
    if not (d / "klar").exists() or (d / "klar").read_text() != str(n):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        t0 = time.perf_counter()
        build(n, d)
        print(f"\n{n} inlämningar byggda på {time.perf_counter() - t0:.0f} s i {d}")
    else:
        print(f"\n{n} inlämningar från förra körningen i {d}")
    files = sorted((d / "inlamnade").glob("*.xlsx"))
    print(f"({sum(f.stat().st_size for f in files) // len(files) // 1024} kB per fil; median av {repeat} körningar)")
    kf, res = d / "KF.xlsx", {"n": n}
    kf.unlink(missing_ok=True)  # not one from an earlier run
    res["read"] = timed(_me("--part", "read", str(d)), repeat, timeout=timeout)
    # with --before both write KF.xlsx: their outputs are the same bytes (tests/test_outputs_identical.py)
    res["consolidate"] = timed(_malbok("consolidate", str(d / "modell.yaml"), str(d / "inlamnade"), "--period", PERIOD,
                                       "--out", str(kf)), repeat, timeout=timeout, key=f"{n}:consolidate")
    _w, _mb, out, _c = run(_me("--part", "phases", str(d)), timeout=timeout)
    ph = json.loads(out.strip().splitlines()[-1])
    res["phases"], res["rows"] = ph["phases"], ph["rows"]
    if BEFORE is not None:
        _w, _mb, out, _c = run(_me("--part", "phases", str(d)), timeout=timeout, root=BEFORE)
        res["phases_before"] = json.loads(out.strip().splitlines()[-1])["phases"] if out.strip() else {}
    if not kf.exists():  # consolidate did not finish within --timeout: nothing to report or export
        skip = skip | {"report", "export", "click"}
        print("(malbok consolidate blev inte klar inom --timeout; report, export och klick hoppas över)")
    if "report" not in skip:
        res["report"] = timed(_malbok("report", str(kf), "--docx", str(d / "Maluppfyllelse.docx")), repeat, timeout=timeout, key=f"{n}:report")
        res["report_floor"] = timed(_me("--part", "report", str(kf), str(d / "golv.docx")), repeat, timeout=timeout)
    if "export" not in skip:
        res["export"] = timed(_malbok("export", str(kf), "--csv", str(d / "data.csv")), repeat, timeout=timeout, key=f"{n}:export")
        res["export_floor"] = timed(_me("--part", "export", str(kf), str(d / "golv.csv")), repeat, timeout=timeout)
    if "generate" not in skip:
        res["generate"] = timed(_malbok("generate", str(d / "modell.yaml"), "--period", PERIOD, "--out", str(d / "nya")),
                                repeat, timeout=timeout, key=f"{n}:generate")
        res["generate_floor"] = timed(_me("--part", "generate", str(n), "40", str(d / "bara")), repeat, timeout=timeout)
        shutil.rmtree(d / "nya", ignore_errors=True)
        shutil.rmtree(d / "bara", ignore_errors=True)
    if "click" not in skip:
        res["click"] = timed(_me("--part", "click", str(d)), repeat, cwd=d, timeout=timeout, key=f"{n}:click")
    report_one(res)
    return res


def _s(x: float) -> str:
    return "  >tidsgräns" if x == float("inf") else f"{x:8.2f} s"


def report_one(res: dict[str, Any]) -> None:
    n = res["n"]
    print(f"{'kommando':46} {'tid':>10} {'cpu':>9} {'minne':>9}   {'golv: tid, cpu, minne':>28}  kvot tid, cpu")

    def line(label: str, key: str, floor: str | None = None) -> None:
        if key not in res:
            return
        w, mb, _o, cpu = res[key]
        text = f"{label:46} {_s(w):>10} {cpu:7.2f} s {mb:6.0f} MB"
        if floor and floor in res:
            fw, fmb, _o, fcpu = res[floor]
            text += f"   {_s(fw):>10} {fcpu:7.2f} s {fmb:5.0f} MB  {w / fw:5.2f} {cpu / fcpu:5.2f}"
        elif BEFORE is not None:
            text += " " * 46
        if f"{n}:{key}" in BEFORE_RUNS:
            bw, bmb, _o, bcpu = BEFORE_RUNS[f"{n}:{key}"]
            ratio = f"{w / bw:5.2f}" if bw != float("inf") else "    –"
            text += f"   före: {_s(bw)} {bcpu:7.2f} s {bmb:5.0f} MB, efter/före {ratio} {cpu / bcpu:5.2f}"
        print(text)

    line(f"malbok consolidate ({n} filer → KF.xlsx)", "consolidate", "read")
    print(f"  {'(golv: pandas read_excel calamine, alla blad)':44}")
    for k, v in res["phases"].items():
        old = res.get("phases_before", {}).get(k)
        print(f"    {k:44} {v:8.3f} s" + (f"   före {old:8.3f} s" if old is not None else ""))
    line("malbok report (Word)", "report", "report_floor")
    line("malbok export --csv", "export", "export_floor")
    line(f"malbok generate ({n} enheter)", "generate", "generate_floor")
    line("Konsolidera-klick (KF.xlsx + Word + CSV + blad)", "click")
    print(f"  ({res['rows']} rader i Data)")


def summary(results: list[dict[str, Any]]) -> None:
    print("\nSammanfattning (mål från issue 23)")
    print(f"{'inlämningar':>11} {'consolidate':>12} {'ms/fil':>7} {'minne':>7} {'/pandas':>8} {'report':>9} {'/golv':>6} "
          f"{'export':>8} {'/golv':>6} {'generate':>9} {'ms/bok':>7} {'minne':>7} {'klick':>7}")
    for r in results:
        n = r["n"]
        cw, cmb = r["consolidate"][:2]
        rw = r.get("report", (float("nan"),) * 3)[0]
        rf = r.get("report_floor", (float("nan"),) * 3)[0]
        ew = r.get("export", (float("nan"),) * 3)[0]
        ef = r.get("export_floor", (float("nan"),) * 3)[0]
        gw, gmb = r.get("generate", (float("nan"), float("nan"), ""))[:2]
        kw = r.get("click", (float("nan"),) * 3)[0]
        print(f"{n:>11} {cw:11.2f}s {cw / n * 1000:7.1f} {cmb:5.0f}MB {cw / r['read'][0]:8.2f} {rw:8.2f}s {rw / rf:6.2f} "
              f"{ew:7.2f}s {ew / ef:6.2f} {gw:8.2f}s {gw / n * 1000:7.1f} {gmb:5.0f}MB {kw:6.2f}s")
    checks = []
    by_n = {r["n"]: r for r in results}
    if 15 in by_n:
        r = by_n[15]
        checks += [("15 inlämningar ≤ 0,5 s", r["consolidate"][0] <= 0.5),
                   ("15 inlämningar inte långsammare än pandas-läsningen", r["consolidate"][0] <= r["read"][0])]
        if "click" in r:
            checks.append(("Konsolidera-klick för 15 ≤ 1,5 s", r["click"][0] <= 1.5))
        if "report" in r:
            checks.append(("report för 15 ≤ 0,6 s", r["report"][0] <= 0.6))
    if 150 in by_n:
        r = by_n[150]
        checks.append(("150 inlämningar ≤ 2 s", r["consolidate"][0] <= 2))
        if "report" in r:
            checks.append(("report för 150 ≤ 2 × python-docx", r["report"][0] <= 2 * r["report_floor"][0]))
        if "export" in r:
            checks.append(("export för 150 ≤ 1,5 × pandas", r["export"][0] <= 1.5 * r["export_floor"][0]))
        if "generate" in r:
            checks.append(("generate ≤ 20 ms per arbetsbok vid 150", r["generate"][0] / 150 <= 0.020))
    if 1500 in by_n:
        r = by_n[1500]
        checks += [("1 500 inlämningar ≤ 15 s", r["consolidate"][0] <= 15), ("1 500 inlämningar ≤ 500 MB", r["consolidate"][1] <= 500)]
        if "generate" in r:
            checks.append(("generate 1 500 enheter ≤ 500 MB", r["generate"][1] <= 500))
    for r in results:  # the per-file reading figure (benchmarks/consolidate.py measures it on its own)
        per_file = r["phases"].get("  läsning och kontroll", float("nan")) / r["n"] * 1000
        checks.append((f"läsning och kontroll {per_file:.2f} ms per fil vid {r['n']} ≤ 3 ms", per_file <= 3))
    # linear growth: what each further return costs from 150 to 1 500 at most 1,5 × what it cost from 15 to 150
    for key, what in (("consolidate", "consolidate"), ("report", "report"), ("export", "export"), ("generate", "generate")):
        if all(n in by_n and key in by_n[n] for n in (15, 150, 1500)):
            t15, t150, t1500 = (by_n[n][key][0] for n in (15, 150, 1500))
            small, large = (t150 - t15) / 135, (t1500 - t150) / 1350
            checks.append((f"{what} växer linjärt ({large * 1000:.1f} ms per inlämning 150→1 500, {small * 1000:.1f} 15→150)",
                           large <= 1.5 * max(small, 1e-9)))
    for label, ok in checks:
        print(f"  {label:74} {'ja' if ok else 'nej'}")


if __name__ == "__main__":
    main()
