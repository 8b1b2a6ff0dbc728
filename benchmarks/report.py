"""The Word chapter (``malbok report``) beside python-docx writing the same content (issue 23, Build item 4).

Builds 15 and 150 distinct, filled returns of the realistic model of
``benchmarks/whole_run.py`` (its builder), consolidates them once into KF.xlsx,
and then times, from one run:

- ``malbok report KF.xlsx --docx …`` as a fresh process, as the controller starts it
  (wall time, median of ``--repeat`` runs);
- ``reports.report`` inside one process (reading KF.xlsx and writing the chapter, each timed);
- the python-docx floor: a plain script writing the same document content — every
  paragraph of the chapter with its style and its runs (bold, italic), every table
  with its style and its cells' texts — taken from the chapter malbok wrote; the
  floor runs in its own process too (import python-docx, write, save);
- the import cost of the report command (``python -X importtime -m malbok report``).

Targets: at most 0,6 s for 15 returns; for 150 returns at most 2× the floor.
The machine is shared: the figures are medians and both sides run in turns,
so read the ratios, which come from the same run.

    python benchmarks/report.py [--sizes 15,150] [--repeat 5] [--dir /tmp/rb] [--before CHECKOUT] [--profile]

``--dir`` keeps the built files for the next run. ``--before``: another checkout
of malbok (a folder holding ``malbok/``), timed in turns with this one.
``--profile``: the slowest functions of one in-process report (cProfile).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from whole_run import PERIOD, build  # noqa: E402


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "120"}


CPU_RUNS: list[float] = []


def wall(cmd: list[str], root: Path = ROOT) -> float:
    """Seconds of ``cmd`` run as its own process with malbok from ``root`` (not run from a checkout's folder, where
    ``python -m malbok`` would import the malbok beside it); its CPU seconds are appended to :data:`CPU_RUNS`."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=tempfile.gettempdir(), env=_env(root))
        _pid, status, usage = os.wait4(p.pid, 0)
        took = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)}: {err.read().decode('utf-8', 'replace')[-2000:]}")
    CPU_RUNS.append(usage.ru_utime + usage.ru_stime)
    return took


def consolidated(n: int, d: Path) -> Path:
    """``d/KF.xlsx`` of ``n`` distinct returns, built (and consolidated) once."""
    d.mkdir(parents=True, exist_ok=True)
    if (d / "klar").exists() and (d / "klar").read_text() == str(n) and (d / "KF.xlsx").exists():
        return d / "KF.xlsx"
    t0 = time.perf_counter()
    build(n, d)
    from malbok import api

    api.consolidate(str(d / "modell.yaml"), [d / "inlamnade"], PERIOD, out=d / "KF.xlsx")
    print(f"{n} inlämningar byggda och konsoliderade på {time.perf_counter() - t0:.1f} s")
    return d / "KF.xlsx"


# --------------------------------------------------------------------------- the floor


def content(docx_path: Path) -> list[Any]:
    """The chapter's body as plain data: ("p", style, [(text, bold, italic)…]) and ("t", style, [[cell text…]…])."""
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = docx.Document(str(docx_path))
    out: list[Any] = []
    for el in doc.element.body:
        if el.tag == qn("w:p"):
            p = Paragraph(el, doc._body)
            out.append(["p", p.style.name if p.style is not None else None,
                        [[r.text, bool(r.bold), bool(r.italic)] for r in p.runs]])
        elif el.tag == qn("w:tbl"):
            t = Table(el, doc._body)
            rows = [["\n".join(Paragraph(p, t).text for p in tc.iter(qn("w:p"))) for tc in tr.iter(qn("w:tc"))]
                    for tr in el.iter(qn("w:tr"))]
            out.append(["t", t.style.name if t.style is not None else None, rows])
    return out


FLOOR = r'''
import io
import json
import sys
import time


def write(body, out):
    import docx

    doc = docx.Document()
    styles = {}
    for kind, name, what in body:
        if name not in styles:  # found once; Normal is the default (python-docx writes no style for it)
            styles[name] = doc.styles[name] if name and name != "Normal" else None
        if kind == "p":
            p = doc.add_paragraph(style=styles[name])
            for text, bold, italic in what:
                r = p.add_run(text)
                if bold:
                    r.bold = True
                if italic:
                    r.italic = True
        else:
            t = doc.add_table(rows=len(what), cols=max(len(r) for r in what), style=styles[name])
            for row, texts in zip(t.rows, what):
                cells = row.cells
                for c, text in enumerate(texts):
                    cells[c].text = text
    doc.save(out)


if __name__ == "__main__":
    write(json.load(open(sys.argv[1], encoding="utf-8")), sys.argv[2])
'''


def floor(body: list[Any]) -> float:
    """Seconds python-docx takes to write the content in this process (python-docx already imported)."""
    space: dict[str, Any] = {"__name__": "floor"}
    exec(compile(FLOOR, "floor", "exec"), space)  # noqa: S102
    t0 = time.perf_counter()
    space["write"](body, io.BytesIO())
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- import cost


def import_cost(kf: Path, out: Path, root: Path = ROOT) -> tuple[float, list[tuple[str, float]]]:
    """Seconds of importing for ``malbok report`` (``-X importtime``: the top-level imports' cumulative time) and
    the largest of them."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "malbok", "report", str(kf), "--docx", str(out)],
                          check=True, capture_output=True, text=True, cwd=tempfile.gettempdir(), env=_env(root))
    top: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if m and not m.group(3):
            top.append((m.group(4), int(m.group(2)) / 1e6))
    return sum(s for _n, s in top), sorted(top, key=lambda x: -x[1])[:6]


# --------------------------------------------------------------------------- the run


def _s(x: float) -> str:
    return f"{x:.2f}".replace(".", ",") + " s"


def measure(n: int, d: Path, repeat: int, before: Path | None) -> dict[str, Any]:
    kf = consolidated(n, d)
    out = d / "Maluppfyllelse.docx"
    wall([sys.executable, "-m", "malbok", "report", str(kf), "--docx", str(out)])  # warm the file cache
    body = content(out)
    body_json = d / "innehall.json"
    body_json.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    script = d / "golv.py"
    script.write_text(FLOOR, encoding="utf-8")
    # python-docx's add_paragraph searches the whole body for its section properties, so the floor grows with the
    # square of the paragraphs (minutes at 150 returns): from 150 returns it runs once, as a process only
    floors = repeat if n < 150 else 1
    cli, cli_before, floor_proc = [], [], []
    cpu: dict[str, list[float]] = {"cli": [], "before": [], "floor": []}
    for i in range(repeat):  # in turns, so that each sees the same load
        cli.append(wall([sys.executable, "-m", "malbok", "report", str(kf), "--docx", str(out)]))
        cpu["cli"].append(CPU_RUNS[-1])
        if before is not None:
            cli_before.append(wall([sys.executable, "-m", "malbok", "report", str(kf), "--docx", str(d / "fore.docx")], before))
            cpu["before"].append(CPU_RUNS[-1])
        if i < floors:
            floor_proc.append(wall([sys.executable, str(script), str(body_json), str(d / "golv.docx")]))
            cpu["floor"].append(CPU_RUNS[-1])
    from malbok.kfread import read_kf
    from malbok.reports import report

    inproc, floor_in, reading = [], [], []
    for i in range(repeat):
        t0 = time.perf_counter()
        book = read_kf(kf)  # what report(kf, …) does first
        t1 = time.perf_counter()
        report(book, d / "inprocess.docx")
        inproc.append(time.perf_counter() - t0)
        reading.append(t1 - t0)
        if i < floors and n < 150:
            floor_in.append(floor(body))
    imp, biggest = import_cost(kf, out)
    paragraphs = sum(1 for b in body if b[0] == "p")
    tables = [b for b in body if b[0] == "t"]
    return {"n": n, "cli": median(cli), "cli_before": median(cli_before) if cli_before else None,
            "floor_proc": median(floor_proc), "inproc": median(inproc), "floor_in": median(floor_in) if floor_in else None, "read": median(reading),
            "import": imp, "biggest": biggest, "paragraphs": paragraphs, "tables": len(tables),
            "cells": sum(len(r) for t in tables for r in t[2]), "runs": sum(len(b[2]) for b in body if b[0] == "p"),
            "kb": out.stat().st_size // 1024, "each": cli, "floors": floors,
            "cpu": {k: median(v) for k, v in cpu.items() if v},
            "same_before": before is not None and (d / "fore.docx").read_bytes() == out.read_bytes()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="15,150")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--before", type=Path, help="another checkout of malbok, timed in turns with this one")
    ap.add_argument("--profile", action="store_true", help="cProfile one in-process report per size")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        root = args.dir or Path(tmp)
        results = []
        for n in sizes:
            res = measure(n, root / str(n), max(1, args.repeat), args.before)
            results.append(res)
            print(f"\n{n} inlämningar: kapitlet har {res['paragraphs']} stycken ({res['runs']} textavsnitt), "
                  f"{res['tables']} tabeller med {res['cells']} celler, {res['kb']} kB")
            print(f"  malbok report, hela processen:         {_s(res['cli'])} "
                  f"(median av {len(res['each'])}: {', '.join(_s(x) for x in res['each'])}; processortid {_s(res['cpu']['cli'])})")
            if res["cli_before"] is not None:
                print(f"  samma med {args.before}:  {_s(res['cli_before'])}   (processortid {_s(res['cpu']['before'])}; "
                      f"{'samma byte' if res['same_before'] else 'OLIKA BYTE'} i Word-filen)")
            print(f"  python-docx samma innehåll, processen: {_s(res['floor_proc'])}   kvot {res['cli'] / res['floor_proc']:.2f}"
                  f"   (median av {res['floors']}; processortid {_s(res['cpu']['floor'])}, kvot {res['cpu']['cli'] / res['cpu']['floor']:.2f})")
            beside = (f", python-docx {_s(res['floor_in'])}   kvot {res['inproc'] / res['floor_in']:.2f}"
                      if res["floor_in"] else "")
            print(f"  i en process: reports.report {_s(res['inproc'])} (läsa KF.xlsx {_s(res['read'])}, kapitlet "
                  f"{_s(res['inproc'] - res['read'])}){beside}")
            print(f"  import för malbok report: {_s(res['import'])} ("
                  + ", ".join(f"{name} {x:.3f}".replace(".", ",") for name, x in res["biggest"]) + ")")
            if args.profile:
                _profile(root / str(n))
        print()
        for res in results:
            if res["n"] == 15:
                print(f"mål ≤ 0,6 s för 15 inlämningar: {'ja' if res['cli'] <= 0.6 else 'nej'} ({_s(res['cli'])})")
            if res["n"] == 150:
                print(f"mål ≤ 2 × python-docx för 150 inlämningar: {'ja' if res['cli'] <= 2 * res['floor_proc'] else 'nej'} "
                      f"(kvot {res['cli'] / res['floor_proc']:.2f})")


def _profile(d: Path) -> None:
    import cProfile
    import pstats

    from malbok.reports import report

    prof = cProfile.Profile()
    prof.enable()
    report(d / "KF.xlsx", d / "profil.docx")
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
    print(buf.getvalue())


if __name__ == "__main__":
    main()
