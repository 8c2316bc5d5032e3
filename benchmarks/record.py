"""Run a benchmark and keep its output as the record the docs quote.

    python benchmarks/record.py bench_calibrate.py            # -> benchmarks/results/bench_calibrate.txt
    python benchmarks/record.py bench_risk.py --speed         # -> benchmarks/results/bench_risk_speed.txt

The record starts with the command, the date, the commit and the machine (cores, CPU), then the benchmark's output
as printed. ``tests/test_doc_figures.py`` checks that every benchmark table quoted in ``docs/`` appears in its
record verbatim and that the figures quoted in prose follow from it. Timings move from machine to machine and run
to run; the ratios against the baseline in the same run are the figures to compare. The output is written to a
temporary file and moved into place, so a record is never half-written.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def record_path(script: str, args: list[str]) -> Path:
    """benchmarks/results/<script stem>[_arg...].txt: ``bench_decisions.py --creators 150 --quiet`` ->
    ``bench_decisions_creators_150_quiet.txt``."""
    return HERE / "results" / (Path(script).stem + "".join("_" + a.lstrip("-") for a in args) + ".txt")


def cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str]) -> int:
    if not argv or not (HERE / argv[0]).is_file():
        print("usage: python benchmarks/record.py BENCH.py [ARGS...]", file=sys.stderr)
        return 2
    script, args = argv[0], argv[1:]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=HERE, check=False).stdout.strip() or "unknown"
    out = subprocess.run([sys.executable, str(HERE / script), *args], capture_output=True, text=True, check=False)
    sys.stdout.write(out.stdout)
    sys.stderr.write(out.stderr)
    if out.returncode:
        return out.returncode
    header = (f"# python benchmarks/{' '.join([script, *args])}\n"
              f"# {dt.date.today().isoformat()}, commit {commit}, {os.cpu_count()} cores, {cpu()}, "
              f"Python {platform.python_version()}\n")
    path = record_path(script, args)
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(header + out.stdout)
    os.replace(tmp, path)
    print(f"recorded in {path.relative_to(HERE.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
