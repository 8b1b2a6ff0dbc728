"""Reading and checking returned workbooks (issue 4 target: at most 3 ms per file).

Builds 1 000 synthetic, filled returns (1 000 units × 4 areas × 40 rows) and
prints, from one run: malbok ms per file for reading and checking, as
``consolidate`` does it (with its worker processes, one per core, and, beside
it, in one process), with the CPU time that took per file in all processes;
the rows each unit reports, worked out from the model (per unit, whether or
not a file comes); the whole consolidation (also the model hash, the
council-level rows and the tidy table); openpyxl-load ms per file and raw
zip-inflate ms per file; and their ratios.

    python benchmarks/consolidate.py [--files 1000] [--repeat 3] [--dir DIR]

``--dir`` keeps the built files there and reuses them in the next run.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from statistics import median

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
    args = ap.parse_args()
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

        # consolidate as the CLI runs it, on a freshly built model (no plans or
        # lookups left over from writing the files). Its timings split the work:
        # what each unit reports (from the model alone, for every unit, also
        # those that send nothing), reading and checking the files (with the
        # files' Data records), and the council-level rows and tables. Three
        # times, each on a fresh model, as the CLI does it (worker processes)
        # and in one process, taking turns; the medians are printed, as the
        # machine is shared.
        runs: dict[int | None, list[tuple[float, ...]]] = {None: [], 1: []}
        for _ in range(repeat):
            for processes in (None, 1):
                fresh = synthetic_model(units=n, areas=4, rows=40)
                gc.collect()
                cpu0 = _cpu()
                t0 = time.perf_counter()
                cons = consolidate(fresh, out, period.id, processes=processes)
                total = time.perf_counter() - t0
                runs[processes].append((total / len(files) * 1000,
                                        cons.timings["läsning och kontroll"] / len(files) * 1000,
                                        cons.timings["enheternas rader"] / len(fresh.units) * 1000,
                                        (_cpu() - cpu0) / len(files) * 1000))
                del fresh
        (total_ms, cons_ms, plan_ms, cpu_ms), (total_1, cons_1, _p, cpu_1) = (
            [median(r[i] for r in runs[k]) for i in range(4)] for k in (None, 1))
        each = ", ".join(f"{r[1]:.2f}" for r in runs[None])
        each_1 = ", ".join(f"{r[1]:.2f}" for r in runs[1])

    print(f"malbok consolidate, läsa och kontrollera en inlämnad fil: {cons_ms:6.2f} ms per fil "
          f"(median av {repeat} körningar: {each})")
    print(f"  samma i en enda process:                               {cons_1:6.2f} ms per fil ({each_1})")
    print(f"  därtill enhetens rader ur modellen (per enhet):        {plan_ms:6.2f} ms per enhet "
          f"(tillsammans {cons_ms + plan_ms:.2f})")
    print(f"malbok consolidate, hela (även modellhash, kommunnivå och tabell): {total_ms:6.2f} ms per fil "
          f"(i en process {total_1:.2f})")
    print(f"  processortid för hela, alla processer:                 {cpu_ms:6.2f} ms per fil (i en process {cpu_1:.2f})")
    print(f"openpyxl load_workbook (read_only) + alla rader:        {opx_ms:6.2f} ms per fil")
    print(f"rå zip-uppackning av alla delar:                        {zip_ms:6.2f} ms per fil")
    print(f"kvot läsa+kontrollera / openpyxl: {cons_ms / opx_ms:5.2f}   / zip: {cons_ms / zip_ms:5.2f}   "
          f"hela / openpyxl: {total_ms / opx_ms:5.2f}")
    print(f"{len(cons.consolidated_units)} enheter konsoliderade, {len(cons.data)} rader i Data, "
          f"{len(cons.errors)} fel, {len(cons.warnings)} varningar")
    print(f"mål ≤ 3 ms per fil (läsa och kontrollera i consolidate): {'ja' if cons_ms <= 3 else 'nej'}")


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the workers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
