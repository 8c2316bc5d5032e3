"""Simulator speed and memory, against numpy drawing the same random variates in the same run.

    python benchmarks/bench_simulate.py                          # 100 x 100,000 and 10,000 x 10,000 runs
    python benchmarks/bench_simulate.py --full                   # 100 and 10,000 creators x 100,000 runs
    python benchmarks/bench_simulate.py --memory 1000000 1000    # peak memory of 1,000,000 runs x 1,000 creators

The baseline is the floor for any simulator of this model: for each creator, one numpy call per distribution
draws all runs at once with that creator's parameters (the uniform for rounding the audience, the Beta rates,
the lognormal order value, the three binomial counts), with one generator, no shocks, no model arithmetic and
no statistics. The simulator does all of that plus shocks, totals, VaR/CVaR and the variance allocation, in
blocks seeded per creator so that the numbers do not depend on chunks, threads or the other creators.
"ratio" = simulator seconds / baseline seconds with one thread each (target: at most 1.5). Draws per second
count creator-runs x variates per creator-run.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from optimizer import Scenario
from optimizer.domain.distributions import Uncertainty
from optimizer.io.scenario import SimulationSettings
from optimizer.simulation.engine import simulate_mixes


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tier = rng.choice(4, n, p=[0.6, 0.3, 0.08, 0.02])
    lo = np.array([1e3, 1e4, 1e5, 1e6])
    followers = np.floor(lo[tier] * 10 ** rng.uniform(0, 1, n)).astype(int)
    reach = rng.beta(3, 7, n)
    eng = rng.beta(2, 30, n)
    conv = rng.beta(2, 600, n)
    return pd.DataFrame({
        "id": [f"c{i}" for i in range(n)],
        "platform": rng.choice(["instagram", "tiktok", "youtube"], n, p=[0.5, 0.35, 0.15]),
        "niche": rng.choice(["skincare", "beauty", "wellness"], n),
        "followers": followers,
        "fee": np.round(followers / 1000 * rng.lognormal(np.log(12), 0.5, n), 2),
        "audience_quality": np.round(rng.beta(18, 2, n), 3),
        "reach_rate": reach, "reach_rate_sd": np.minimum(0.25 * reach, 0.5 * np.sqrt(reach * (1 - reach))),
        "engagement_rate": eng, "engagement_rate_sd": 0.3 * eng,
        "conversion_rate": conv, "conversion_rate_sd": 0.5 * conv,
        "order_value": rng.lognormal(np.log(40), 0.2, n), "order_value_sd": 8.0,
    })


def baseline(sc: Scenario, runs: int) -> tuple[float, int]:
    """Seconds to draw the same variates in one call per creator and distribution; and the variate count."""
    u = Uncertainty.from_table(sc.candidates.table)
    rng = np.random.default_rng(0)
    count = 0
    t0 = time.perf_counter()
    for i in range(sc.candidates.n):
        acc = u.audience[i]
        n = math.floor(acc) + (rng.random(runs) < acc - math.floor(acc))
        rho = rng.beta(u.reach_rate.p1[i], u.reach_rate.p2[i], runs)
        eps = rng.beta(u.engagement_rate.p1[i], u.engagement_rate.p2[i], runs)
        kap = rng.beta(u.conversion_rate.p1[i], u.conversion_rate.p2[i], runs)
        rng.lognormal(u.order_value.p1[i], u.order_value.p2[i], runs)
        reach = rng.binomial(n, rho)
        rng.binomial(reach, eps)
        rng.binomial(reach, kap)
        count += 8 * runs
    return time.perf_counter() - t0, count


def ours(sc: Scenario, runs: int, threads: int) -> float:
    st = SimulationSettings(runs=runs, seed=1)
    t0 = time.perf_counter()
    simulate_mixes(sc, {"all": np.arange(sc.candidates.n)}, settings=st, threads=threads)
    return time.perf_counter() - t0


def scenario(n: int) -> Scenario:
    return Scenario.from_dict({"budget": 1e12}, candidates=synthetic(n))


def speed(sizes: list[tuple[int, int]], threads: int) -> None:
    print(f"{'creators':>8} {'runs':>8} | {'numpy s':>8} {'ours 1t s':>9} {'ratio':>6} | {f'ours {threads}t s':>9} "
          f"| {'numpy Mdraws/s':>14} {'ours 1t Mdraws/s':>16} {f'ours {threads}t Mdraws/s':>16}")
    for n, runs in sizes:
        sc = scenario(n)
        base, count = baseline(sc, runs)
        one = ours(sc, runs, 1)
        many = ours(sc, runs, threads)
        print(f"{n:>8,} {runs:>8,} | {base:>8.2f} {one:>9.2f} {one / base:>6.2f} | {many:>9.2f} | "
              f"{count / base / 1e6:>14.1f} {count / one / 1e6:>16.1f} {count / many / 1e6:>16.1f}", flush=True)


def memory(runs: int, n: int, threads: int) -> None:
    """Peak resident memory of one simulation, measured in a fresh process."""
    code = (f"import resource, time, numpy as np, sys; sys.path.insert(0, {str(sys.path[0])!r}); "
            "from bench_simulate import scenario; from optimizer.io.scenario import SimulationSettings; "
            "from optimizer.simulation.engine import simulate_mixes; "
            f"sc = scenario({n}); base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; t = time.perf_counter(); "
            f"simulate_mixes(sc, {{'all': np.arange({n})}}, settings=SimulationSettings(runs={runs}), "
            f"threads={threads}); "
            "print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    before, peak, secs = int(out[0]) / 1024, int(out[1]) / 1024, float(out[2])
    print(f"{runs:,} runs x {n:,} creators: peak RSS {peak:,.0f} MB (process before simulating {before:,.0f} MB), "
          f"{secs:,.1f} s with {threads} threads")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="10,000 creators x 100,000 runs too (several minutes)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--memory", nargs=2, type=int, metavar=("RUNS", "CREATORS"), help="measure peak memory only")
    a = p.parse_args()
    if a.memory:
        memory(a.memory[0], a.memory[1], a.threads)
        return
    sizes = [(100, 100_000), (10_000, 100_000 if a.full else 10_000)]
    speed(sizes, a.threads)


if __name__ == "__main__":
    main()
