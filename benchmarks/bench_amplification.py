"""Paid amplification at scale: a plan that chooses creators and boosts together, against the same plan without
boosts in the same run (ratios are what to compare across machines).

    python benchmarks/bench_amplification.py                       # 1,000 / 10,000 / 100,000 candidates
    python benchmarks/bench_amplification.py --sizes 1000 10000 --repeat 3

Each shortlist is synthetic and seeded: followers log-uniform from 1,000 to 1,000,000 on Instagram, TikTok and
YouTube, fees of 5-30 per 1,000 followers, reach, engagement and conversion rates drawn around their tiers'. The
budget is 5% of the shortlist's fees with the usual rules (at least 2% of creators nano, TikTok at most 40% of
spend). With boosts: at most 20% of the budget on them, at most 500 behind one creator, the default CPMs, curve and
response. Times are medians over --repeat runs of ``optimize`` (the model built from arrays, solved by the back
end); a plan with boosts has continuous columns, so it is solved without reduced-cost fixing (the table says how
many variables each model had). ``lift`` is the expected profit the boosts add.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from optimizer import Scenario
from optimizer.decision import optimize


def shortlist(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    followers = np.exp(rng.uniform(np.log(1_000), np.log(1_000_000), n)).astype(int)
    small = followers < 10_000
    return pd.DataFrame({
        "id": [f"c{i:07d}" for i in range(n)],
        "platform": rng.choice(["instagram", "tiktok", "youtube"], n),
        "followers": followers,
        "fee": np.round(followers / 1000 * rng.uniform(5, 30, n), 2),
        "reach_rate": np.where(small, rng.uniform(0.25, 0.45, n), rng.uniform(0.15, 0.3, n)),
        "engagement_rate": np.where(small, rng.uniform(0.04, 0.1, n), rng.uniform(0.01, 0.05, n)),
        "conversion_rate": rng.uniform(0.001, 0.008, n),
        "order_value": rng.uniform(25, 60, n),
    })


def scenario(df: pd.DataFrame, solver: str, boosts: bool) -> Scenario:
    budget = round(0.05 * float(df["fee"].sum()))
    data = {"budget": budget, "solver": {"name": solver, "time_limit": 120},
            "constraints": {"tiers": {"nano": {"min_count": max(1, len(df) // 50)}},
                            "platforms": {"tiktok": {"max_share": 0.4}}}}
    if boosts:
        data["amplification"] = {"share": 0.2, "max_boost_per_creator": 500, "response": 0.5}
    return Scenario.from_dict(data, df)


def timed(sc: Scenario, repeat: int):
    seconds, r = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = optimize(sc, baselines=False)
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds), r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    head = (f"{'creators':>9} {'solver':>6} | {'no boosts s':>11} {'status':>8} | {'boosts s':>8} {'status':>8} "
            f"{'gap':>8} {'ratio':>6} | {'columns':>8} {'boosted':>7} {'on boosts':>9} {'lift':>8}")
    print(head)
    for n in args.sizes:
        df = shortlist(n)
        for solver in ("cbc", "highs"):
            plain_s, plain = timed(scenario(df, solver, False), args.repeat)
            sc = scenario(df, solver, True)
            boost_s, boosted = timed(sc, args.repeat)
            columns = n + int((sc.amplification.pieces(sc.candidates.table, sc.budget)[1] > 0).sum())
            gap = "-" if boosted.gap is None else f"{boosted.gap:.1e}"
            lift = boosted.totals.profit - plain.totals.profit if plain.totals and boosted.totals else float("nan")
            share = boosted.totals.boost / boosted.totals.spend if boosted.totals else float("nan")
            print(f"{n:>9,} {solver:>6} | {plain_s:>11.2f} {plain.status:>8} | {boost_s:>8.2f} {boosted.status:>8} "
                  f"{gap:>8} {boost_s / plain_s:>5.1f}x | {columns:>8,} {len(boosted.boosts):>7,} {share:>9.1%} "
                  f"{lift:>8,.0f}")


if __name__ == "__main__":
    main()
