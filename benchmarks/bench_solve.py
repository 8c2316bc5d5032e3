"""Model build + solve time for synthetic shortlists, against the obvious implementation in the same run.

    python benchmarks/bench_solve.py                 # 1,000 / 10,000 / 100,000 candidates
    python benchmarks/bench_solve.py --sizes 1000 10000 --repeat 3

The obvious implementation builds a PuLP model row by row (one LpVariable per creator, lpSum per constraint) and
solves it with PuLP's CBC at the same gap. Ours builds the MILP from numpy arrays, fixes variables by LP reduced
costs (exact), and hands the remaining core to CBC or HiGHS. Both get the same rules: budget, tier counts, a
minimum nano count, no mega, TikTok at most 40% and YouTube at least 10% of spend, at most 2% of creators.
Times are medians over --repeat runs; ratios (obvious / ours) are what to compare across machines.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd
import pulp

from optimizer import Scenario
from optimizer.model.program import build_model
from optimizer.solve import solve

GAP = 1e-4


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tier = rng.choice(4, n, p=[0.6, 0.3, 0.08, 0.02])
    lo = np.array([1e3, 1e4, 1e5, 1e6])
    followers = np.floor(lo[tier] * 10 ** rng.uniform(0, 1, n)).astype(int)
    return pd.DataFrame({
        "id": [f"c{i}" for i in range(n)],
        "platform": rng.choice(["instagram", "tiktok", "youtube"], n, p=[0.5, 0.35, 0.15]),
        "followers": followers,
        "fee": np.round(followers / 1000 * rng.lognormal(np.log(12), 0.5, n), 2),
        "reach_rate": rng.beta(3, 7, n),
        "engagement_rate": rng.beta(2, 30, n),
        "conversion_rate": rng.beta(2, 600, n) * np.array([1.0, 0.7, 0.4, 0.3])[tier],
        "order_value": rng.lognormal(np.log(40), 0.2, n),
    })


def rules(df: pd.DataFrame) -> dict:
    n = len(df)
    return {"budget": float(df["fee"].sum()) * 0.02, "objective": "profit",
            "constraints": {"max_count": max(20, n // 50),
                            "tiers": {"nano": {"min_count": 20}, "mega": {"max_count": 0}},
                            "platforms": {"tiktok": {"max_share": 0.4}, "youtube": {"min_share": 0.1}}},
            "solver": {"gap": GAP, "time_limit": 300}}


def obvious(sc: Scenario) -> tuple[float, float, float, str]:
    """PuLP built row by row, solved by PuLP's CBC: (build s, solve s, objective, status)."""
    t0 = time.perf_counter()
    table, out = sc.candidates.table, sc.candidates.outcomes
    n = sc.candidates.n
    cons = sc.constraints
    prob = pulp.LpProblem("mix", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{i}", cat="Binary") for i in range(n)]
    prob += pulp.lpSum(out.profit[i] * x[i] for i in range(n))
    prob += pulp.lpSum(out.cost[i] * x[i] for i in range(n)) <= sc.budget
    prob += pulp.lpSum(x) <= cons.max_count
    tiers = table["tier"].tolist()
    plats = table["platform"].tolist()
    prob += pulp.lpSum(x[i] for i in range(n) if tiers[i] == "nano") >= 20
    prob += pulp.lpSum(x[i] for i in range(n) if tiers[i] == "mega") <= 0
    prob += pulp.lpSum(((plats[i] == "tiktok") - 0.4) * out.cost[i] * x[i] for i in range(n)) <= 0
    prob += pulp.lpSum(((plats[i] == "youtube") - 0.1) * out.cost[i] * x[i] for i in range(n)) >= 0
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        prob.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=GAP, timeLimit=300))
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, float(pulp.value(prob.objective)), pulp.LpStatus[prob.status]


def ours(sc: Scenario, solver: str, reduce: bool) -> tuple[float, float, float, str, float | None, str]:
    t0 = time.perf_counter()
    model = build_model(sc)
    t1 = time.perf_counter()
    res = solve(model, solver, time_limit=300, gap=GAP, reduce=reduce)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, float(res.value), res.status, res.gap, res.message


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-unreduced", action="store_true", help="skip ours without reduced-cost fixing")
    args = ap.parse_args()
    print(f"{'n':>8}  {'implementation':<28}{'build s':>9}{'solve s':>9}{'total s':>9}{'vs obvious':>11}"
          f"{'status':>10}{'gap':>10}{'objective':>16}")
    for n in args.sizes:
        df = synthetic(n)
        t = time.perf_counter()
        sc = Scenario.from_dict(rules(df), candidates=df)
        load = time.perf_counter() - t
        runs: dict[str, list] = {}
        impls = [("obvious: PuLP rows + CBC", lambda sc=sc: obvious(sc) + (None, "")),
                 ("ours: arrays + fixing + CBC", lambda sc=sc: ours(sc, "cbc", True)),
                 ("ours: arrays + fixing + HiGHS", lambda sc=sc: ours(sc, "highs", True))]
        if not args.no_unreduced:
            impls.append(("ours: arrays + CBC, no fixing", lambda sc=sc: ours(sc, "cbc", False)))
        for name, fn in impls:
            runs[name] = [fn() for _ in range(args.repeat)]
        base = statistics.median(r[0] + r[1] for r in runs[impls[0][0]])
        for name, _ in impls:
            rs = runs[name]
            build = statistics.median(r[0] for r in rs)
            solve_s = statistics.median(r[1] for r in rs)
            total = statistics.median(r[0] + r[1] for r in rs)
            r = rs[0]
            gap = "-" if r[4] is None else f"{r[4]:.2e}"
            print(f"{n:>8}  {name:<28}{build:>9.3f}{solve_s:>9.3f}{total:>9.3f}{base / total:>10.1f}x"
                  f"{r[3].lower():>10}{gap:>10}{r[2]:>16,.2f}")
        core = runs[impls[1][0]][0][5]
        print(f"{'':>8}  (validating the {n:,}-row shortlist took {load:.3f} s; {core})")


if __name__ == "__main__":
    main()
