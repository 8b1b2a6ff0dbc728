"""Time to generate one unit workbook (issue 3 target: below 30 ms per workbook).

Synthetic model: 15 units × 4 areas × 40 rows. Prints ms per workbook and, as a
baseline measured in the same run, the ms XlsxWriter needs for a bare workbook
with the same number of cells.

    python benchmarks/generate.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import synthetic_model  # noqa: E402

from malbok.periods import parse_period  # noqa: E402
from malbok.workbook import generate  # noqa: E402


def main(repeats: int = 9) -> None:
    model = synthetic_model(15, 4, 40)
    period = parse_period(model, "2024-delar")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            out = Path(tmp) / f"r{i}"
            t0 = time.perf_counter()
            res = generate(model, period, out)
            runs.append((time.perf_counter() - t0) / len(res) * 1000)
        n = len(res)
        rows = sum(1 for _ in model.goals) + len(model.indicators)
        base = []
        for i in range(repeats):
            t0 = time.perf_counter()
            for u in range(n):
                wb = xlsxwriter.Workbook(str(Path(tmp) / f"bare{i}-{u}.xlsx"))
                for a in range(4):
                    ws = wb.add_worksheet(f"S{a}")
                    for r in range(40):
                        for c in range(14):
                            ws.write_string(r, c, "x")
                wb.close()
            base.append((time.perf_counter() - t0) / n * 1000)
    med, bmed = statistics.median(runs), statistics.median(base)
    print(f"modell: 15 enheter × 4 områden × 40 rader ({rows} mål och indikatorer), {n} arbetsböcker per körning")
    print(f"malbok generate:            {med:6.1f} ms per arbetsbok (median av {repeats}; min {min(runs):.1f})")
    print(f"XlsxWriter, bara celler:    {bmed:6.1f} ms per arbetsbok (samma antal celler, ingen formatering)")
    print(f"kvot malbok / XlsxWriter:   {med / bmed:6.2f}")
    print(f"mål < 30 ms per arbetsbok:  {'ja' if med < 30 else 'nej'}")


if __name__ == "__main__":
    main()
