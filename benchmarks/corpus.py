"""Time and peak memory of reading each kind of damaged or hostile return (issue 18).

Builds the corpus of tests/hostile.py, then reads every file on its own in a
fresh Python process (``read_return``, as a worker of ``malbok consolidate``
does) and prints per kind the seconds and the peak resident memory of that
process, beside the same for a good return; then one ``malbok consolidate``
of the whole corpus, with its peak memory over all its processes.

    python benchmarks/corpus.py [--dir DIR] [--top 8]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from malbok.messages import visible  # noqa: E402
from tests import hostile  # noqa: E402

# peak memory from /proc (VmHWM starts afresh at exec; ru_maxrss would carry the forking parent's)
ONE = ("import json, sys, time\n"
       "def peak():\n"
       "    return next(int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmHWM')) / 1024\n"
       "from malbok.returns import read_return\n"
       "rss0 = peak()\n"
       "t = time.perf_counter()\n"
       "ret = read_return(sys.argv[1])\n"
       "print(json.dumps({'s': time.perf_counter() - t, 'mb': peak(), 'mb0': rss0, 'findings': [f.code for f in ret.findings]}))\n")


def read_one(path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", ONE, str(path)], capture_output=True, text=True, env=env, timeout=300)
    if done.returncode != 0:
        return {"s": float("nan"), "mb": float("nan"), "mb0": float("nan"), "findings": [f"avbröts ({done.returncode})"]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", type=Path, help="build the corpus here (default: a temporary folder)")
    ap.add_argument("--top", type=int, default=8, help="how many of the slowest and largest to list apart")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.dir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        (root / "korpus").mkdir(exist_ok=True)
        corpus = hostile.build(root / "korpus")
        print(f"{len(corpus.files)} filer byggda på {time.perf_counter() - t0:.1f} s "
              f"({sum(p.stat().st_size for p in corpus.returns.iterdir() if p.is_file() and not p.is_symlink()) / 2**20:.1f} MB på disk)")
        good = read_one(corpus.returns / "Korpus_G1.xlsx")
        print(f"en god fil: {good['s'] * 1000:.1f} ms, {good['mb']:.0f} MB (Python och malbok importerade: {good['mb0']:.0f} MB)")
        rows = []
        for name, kind in corpus.files.items():
            path = corpus.returns / name
            r = read_one(path)
            rows.append((kind.name, r["s"], r["mb"], ", ".join(dict.fromkeys(r["findings"])) or "–"))
        print(f"\n{'sort':34} {'s':>7} {'MB':>6}  fynd vid läsningen (kontrollerna mot modellen görs sedan)")
        for name, s, mb, found in rows:
            print(f"{visible(name)[:34]:34} {s:7.3f} {mb:6.0f}  {found[:70]}")
        print(f"\nlångsammast: {', '.join(f'{n} {s:.2f} s' for n, s, _m, _f in sorted(rows, key=lambda r: -r[1])[:args.top])}")
        print(f"mest minne:  {', '.join(f'{n} {m:.0f} MB' for n, _s, m, _f in sorted(rows, key=lambda r: -r[2])[:args.top])}")
        out = root / "KF.xlsx"
        wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
                   "p = subprocess.run([sys.executable, '-m', 'malbok', *sys.argv[1:]], capture_output=True); "
                   "print(p.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
        done = subprocess.run([sys.executable, "-c", wrapper, "consolidate", str(corpus.model_path), str(corpus.returns),
                               "--period", hostile.PERIOD, "--out", str(out)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
        code, seconds, mb = done.stdout.split()
        print(f"\nmalbok consolidate av hela korpusen: slutkod {code}, {float(seconds):.1f} s, högst {float(mb):.0f} MB "
              f"(största processen: huvudprocessen eller en läsare)")


if __name__ == "__main__":
    main()
