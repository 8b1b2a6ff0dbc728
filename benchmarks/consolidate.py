"""Reading and checking returned workbooks (issue 4 target: at most 3 ms per file).

Builds 1 000 synthetic, filled returns (1 000 units × 4 areas × 40 rows) and
prints, from one run: malbok ms per file for reading and checking, as
``consolidate`` does it (with its worker processes, one per core, and, beside
it, in one process), with the CPU time that took per file in all processes.
Each consolidation runs in a fresh Python process, as ``malbok consolidate``
does. Beside it:
the rows each unit reports, worked out from the model (per unit, whether or
not a file comes); the whole consolidation (also the model hash, the
council-level rows and the tidy table); openpyxl-load ms per file and raw
zip-inflate ms per file; and their ratios.

    python benchmarks/consolidate.py [--files 1000] [--repeat 3] [--dir DIR] [--historik]

``--dir`` keeps the built files there and reuses them in the next run.
``--historik``: with the history store on, as ``malbok consolidate`` runs by
default: the earlier values are loaded before the files are read, and the
consolidation is recorded (one transaction) after; the recording's time is
printed per file, and is part of the whole.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from statistics import median
from typing import Any

import openpyxl

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import synthetic_model  # noqa: E402

from malbok.consolidation import consolidate  # noqa: E402
from malbok.periods import parse_period  # noqa: E402
from malbok.workbook import file_name, plan_workbook, write_workbook  # noqa: E402


def build(n: int, out: Path):  # noqa: ANN201
    model = synthetic_model(units=n, areas=4, rows=40)
    period = parse_period(model, "2024-delar")
    labels = ["Uppfyllt", "Delvis uppfyllt", "Ej uppfyllt"]
    for i, unit in enumerate(model.units):
        plan = plan_workbook(model, period, unit.code)
        prefill = {}
        for sp in plan.sheets:
            for j, row in enumerate(sp.rows):
                if row.kind == "Indikator":
                    # numbers, and Swedish numbers typed as text, as staff do
                    prefill[(row.kind, row.id)] = {"outcome": 60 + (i + j) % 30 if j % 3 else f"{60 + j % 30},5 %",
                                                   "comment": "Utvecklingen följer plan."}
                else:
                    prefill[(row.kind, row.id)] = {"assessment": labels[(i + j) % 3], "comment": "Analys av målet.",
                                                   "actions": "Fortsatt arbete."}
        write_workbook(plan, out / file_name(model, period, unit.code), prefill=prefill)
    return model, period


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="consolidations timed; the median is printed")
    ap.add_argument("--dir", type=Path, help="build the files here, or reuse those built there before")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # one timed consolidation of these files
    ap.add_argument("--processes", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--historik", action="store_true", help="with the history store on (load before, record after)")
    args = ap.parse_args()
    if args.one:
        _one(args.one, args.files, args.processes, args.historik)
        return
    n, repeat = args.files, max(1, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.dir or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        if len(list(out.glob("*.xlsx"))) == n:
            model = synthetic_model(units=n, areas=4, rows=40)
            period = parse_period(model, "2024-delar")
            print(f"{n} syntetiska inlämningar från förra körningen i {out}")
        else:
            model, period = build(n, out)
            print(f"{n} syntetiska inlämningar byggda på {time.perf_counter() - t0:.1f} s")
        files = sorted(out.glob("*.xlsx"))
        print(f"(4 områden × 40 rader per fil, {files[0].stat().st_size // 1024} kB per fil, "
              f"{len(os.sched_getaffinity(0))} kärnor)")

        t0 = time.perf_counter()
        for f in files:
            with zipfile.ZipFile(f) as z:
                for name in z.namelist():
                    z.read(name)
        zip_ms = (time.perf_counter() - t0) / len(files) * 1000

        t0 = time.perf_counter()
        for f in files:
            wb = openpyxl.load_workbook(f, read_only=True, data_only=True)
            for ws in wb.worksheets:
                for _row in ws.iter_rows(values_only=True):
                    pass
            wb.close()
        opx_ms = (time.perf_counter() - t0) / len(files) * 1000

        # the floor: python-calamine alone reading every sheet malbok reads (the area sheets and the
        # identity sheet) of each file, no checks at all, in as many processes as consolidate uses
        cores = len(os.sched_getaffinity(0))
        t0 = time.perf_counter()
        with ProcessPoolExecutor(cores, mp_context=get_context("fork")) as pool:
            list(pool.map(_calamine_only, files, chunksize=16))
        floor_ms = (time.perf_counter() - t0) / len(files) * 1000
        t0 = time.perf_counter()
        for f in files:
            _calamine_only(f)
        floor_1 = (time.perf_counter() - t0) / len(files) * 1000
        # the floor of reading as issues 18 and 19 require it, with no checks at all: malbok's bounded
        # opening (only a regular file, its bytes and SHA-256, every part measured and inflated within the
        # limits, calamine given the measured parts), the rows of the sheets malbok reads, and those rows
        # sent back to this process, as consolidate's workers do
        t0 = time.perf_counter()
        with ProcessPoolExecutor(cores, mp_context=get_context("fork")) as pool:
            list(pool.map(_bounded_only, files, chunksize=16))
        bounded_ms = (time.perf_counter() - t0) / len(files) * 1000

        # consolidate as the CLI runs it: each time in a fresh Python process, on a
        # freshly built model (no plans or lookups left over from writing the
        # files, nor memory from the runs before). Its timings split the work:
        # what each unit reports (from the model alone, for every unit, also
        # those that send nothing), reading and checking the files (with the
        # files' Data records), and the council-level rows and tables. With the
        # worker processes, as the CLI does it, and in one process, taking
        # turns; the medians are printed, as the machine is shared.
        runs: dict[int, list[dict]] = {0: [], 1: []}
        for _ in range(repeat):
            for processes in (0, 1):
                done = subprocess.run([sys.executable, __file__, "--one", str(out), "--files", str(n),
                                       "--processes", str(processes), *(["--historik"] if args.historik else [])],
                                      capture_output=True, text=True, check=True)
                runs[processes].append(json.loads(done.stdout.strip().splitlines()[-1]))
        (total_ms, cons_ms, plan_ms, cpu_ms), (total_1, cons_1, _p, cpu_1) = (
            [median(r[key] for r in runs[k]) for key in ("whole", "read", "plans", "cpu")] for k in (0, 1))
        each = ", ".join(f"{r['read']:.2f}" for r in runs[0])
        each_1 = ", ".join(f"{r['read']:.2f}" for r in runs[1])
        last = runs[0][-1]

    print(f"malbok consolidate, läsa och kontrollera en inlämnad fil: {cons_ms:6.2f} ms per fil "
          f"(median av {repeat} körningar: {each})")
    print(f"  samma i en enda process:                               {cons_1:6.2f} ms per fil ({each_1})")
    print(f"  därtill enhetens rader ur modellen (per enhet):        {plan_ms:6.2f} ms per enhet "
          f"(tillsammans {cons_ms + plan_ms:.2f})")
    print(f"malbok consolidate, hela (även modellhash, kommunnivå och tabell): {total_ms:6.2f} ms per fil "
          f"(i en process {total_1:.2f})")
    if args.historik:
        print(f"  därav historiken: läsa in {median(r['history_load'] for r in runs[0]):.2f} ms per fil, "
              f"spara (en transaktion, {last['values']} värden) {median(r['history_record'] for r in runs[0]):.2f} ms per fil")
    print(f"  processortid för hela, alla processer:                 {cpu_ms:6.2f} ms per fil (i en process {cpu_1:.2f})")
    print(f"openpyxl load_workbook (read_only) + alla rader:        {opx_ms:6.2f} ms per fil")
    print(f"golvet: bara python-calamine, bladen malbok läser:      {floor_ms:6.2f} ms per fil "
          f"({cores} processer; i en process {floor_1:.2f})")
    print(f"golvet för begränsad läsning (öppna som malbok, inga kontroller, värdena till huvudprocessen): "
          f"{bounded_ms:.2f} ms per fil ({cores} processer)")
    print(f"rå zip-uppackning av alla delar:                        {zip_ms:6.2f} ms per fil")
    print(f"kvot läsa+kontrollera / openpyxl: {cons_ms / opx_ms:5.2f}   / calamine ensamt: {cons_ms / floor_ms:5.2f}   "
          f"/ zip: {cons_ms / zip_ms:5.2f}   "
          f"hela / openpyxl: {total_ms / opx_ms:5.2f}")
    print(f"{last['units']} enheter konsoliderade, {last['rows']} rader i Data, "
          f"{last['errors']} fel, {last['warnings']} varningar")
    print(f"mål ≤ 3 ms per fil (läsa och kontrollera i consolidate): {'ja' if cons_ms <= 3 else 'nej'}")


def _one(out: Path, n: int, processes: int, history: bool = False) -> None:
    """One consolidation of the files in ``out``, in this (fresh) process; its figures as JSON, in ms."""
    model = synthetic_model(units=n, areas=4, rows=40)
    gc.collect()
    cpu0 = _cpu()
    t0 = time.perf_counter()
    extra: dict = {}
    if history:
        from malbok import history as hist

        store = out / "bench.historik.sqlite"
        period = parse_period(model, "2024-delar")
        earlier = hist.load(store, model, period)
        t1 = time.perf_counter()
        cons = consolidate(model, out, period, processes=processes or None, history=earlier)
        t2 = time.perf_counter()
        done = hist.record(store, cons)
        t3 = time.perf_counter()
        files = len(cons.files)
        extra = {"history_load": (t1 - t0) / files * 1000, "history_record": (t3 - t2) / files * 1000, "values": done.values}
    else:
        cons = consolidate(model, out, "2024-delar", processes=processes or None)
    whole = time.perf_counter() - t0
    files = len(cons.files)
    print(json.dumps({"whole": whole / files * 1000, "read": cons.timings["läsning och kontroll"] / files * 1000,
                      "plans": cons.timings["enheternas rader"] / len(model.units) * 1000,
                      "cpu": (_cpu() - cpu0) / files * 1000, "units": len(cons.consolidated_units),
                      "rows": len(cons.data), "errors": len(cons.errors), "warnings": len(cons.warnings), **extra}))


def _calamine_only(path: Path) -> int:
    """Read the sheets malbok reads of one file with python-calamine alone (the area sheets and the identity
    sheet, not the instructions, the row registry or the packed model); the number of rows."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    n = 0
    for name in wb.sheet_names:
        if name not in ("Instruktioner", "_malbok_rader", "_modell"):
            n += len(wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return n


def _bounded_only(path: Path) -> tuple[str, list[list[tuple[Any, list[Any]]]]]:
    """Open one file as consolidate does (:func:`malbok.returns.open_book`: a regular file, SHA-256, the
    parts measured within the limits, calamine given what was measured) and read the sheets malbok reads;
    no checks. The digest and, of each row, its ID and the cells right of the model's texts (columns H on:
    the values a consolidation carries back at the least), to send back to the main process."""
    from malbok.returns import ReturnedFile, open_book

    ret = ReturnedFile(path)
    opened = open_book(ret)
    assert opened is not None, ret.findings
    _data, book, names = opened
    return ret.digest, [[(r[0], r[7:]) for r in book.rows(n) if r]
                        for n in names if n not in ("Instruktioner", "_malbok_rader", "_modell")]


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the workers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
