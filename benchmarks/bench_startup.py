"""Start-up: how long a planner waits for the commands that should answer at once, against bare Python.

    python benchmarks/bench_startup.py               # 7 repeats each, medians
    python benchmarks/bench_startup.py --repeat 15

Each command runs in a fresh process, as a planner runs it (``influencer-mix ...``, the console script), and is
timed from start to exit; the baseline in the same run is ``python -c pass`` (the interpreter's own start-up),
timed alternately with the commands so that a busy machine slows both. Columns: the median wall time, the median
above bare Python, and the target (``--help`` under 0.3 s above bare Python; ``validate`` of the skincare scenario
under 1 s and ``run`` of it under 1.5 s, end to end). A slowest-imports table for ``validate`` follows
(``python -X importtime``), to show where the time goes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = str(ROOT / "scenarios" / "skincare_launch.yaml")
CLI = shutil.which("influencer-mix") or ""
COMMANDS = [  # name, argv, target (seconds), whether the target is above bare Python
    ("--help", [CLI, "--help"], 0.3, True),
    ("validate skincare", [CLI, "validate", SCENARIO], 1.0, False),
    ("run skincare", [CLI, "run", SCENARIO], 1.5, False),
    ("run skincare --format json", [CLI, "run", SCENARIO, "--format", "json"], 1.5, False),
]


def wall(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
    return time.perf_counter() - t0


def slowest_imports(argv: list[str], top: int = 8) -> list[tuple[str, float]]:
    """The modules with the largest cumulative import time (``-X importtime``) of one run of ``argv``."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    err = subprocess.run(argv, capture_output=True, text=True, check=True, env=env, cwd=ROOT).stderr
    rows = []
    for line in err.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = (part.strip() for part in line[len("import time:"):].split("|"))
            if cumulative.isdigit() and (name.count(".") == 0 or name.startswith("optimizer.")):
                rows.append((name, int(cumulative) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:top]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()
    if not CLI:
        sys.exit("influencer-mix is not on PATH: pip install -e . first")
    bare, times = [], {name: [] for name, *_ in COMMANDS}
    for _, argv, *_ in COMMANDS:
        wall(argv)  # warm the file cache
    for _ in range(a.repeat):
        for name, argv, *_ in COMMANDS:
            bare.append(wall([sys.executable, "-c", "pass"]))
            times[name].append(wall(argv))
    base = statistics.median(bare)
    print(f"{'command':<28} {'median s':>9} {'above python s':>15} {'target':>14} {'met':>4}")
    print(f"{'python -c pass':<28} {base:>9.3f} {0:>15.3f} {'':>14} {'':>4}")
    for name, _, target, above in COMMANDS:
        med = statistics.median(times[name])
        value = med - base if above else med
        goal = f"< {target:g} s" + (" above" if above else "")
        print(f"{name:<28} {med:>9.3f} {med - base:>15.3f} {goal:>14} {'yes' if value < target else 'NO':>4}")
    print("\nslowest imports of validate (cumulative s):")
    for name, seconds in slowest_imports(COMMANDS[1][1]):
        print(f"  {name:<40} {seconds:.3f}")


if __name__ == "__main__":
    main()
