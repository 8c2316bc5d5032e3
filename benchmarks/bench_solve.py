"""Model build + solve time for synthetic shortlists, against the obvious implementation in the same run; and the
two back ends on hard knapsack classes, against an exact optimum.

    python benchmarks/bench_solve.py                 # 1,000 / 10,000 / 100,000 / 1,000,000 candidates
    python benchmarks/bench_solve.py --sizes 1000 10000 --repeat 3
    python benchmarks/bench_solve.py --knapsacks     # only the hard knapsack table
    python benchmarks/bench_solve.py --end-to-end 100000 1000000   # only the table from a file

The obvious implementation builds a PuLP model row by row (one LpVariable per creator, lpSum per constraint) and
solves it with PuLP's CBC at the same gap. Ours builds the MILP from numpy arrays, fixes variables by LP reduced
costs (exact), and hands the remaining core to CBC or HiGHS. Both get the same rules: budget, tier counts, a
minimum nano count, no mega, TikTok at most 40% and YouTube at least 10% of spend, at most 2% of creators.
Times are medians over --repeat runs; ratios (obvious / ours) are what to compare across machines. The obvious
implementation, and ours without fixing, are run up to OBVIOUS_UPTO candidates (at 100,000 the obvious one took
10 s; beyond, it grows with the candidates and would dominate the run).

End to end: the shortlist written as CSV and Parquet with a scenario beside it; in this process, reading and
validating it (``load_scenario``) and planning it (``plan``, without simulation) are timed; then the commands run as
child processes, timed from start to exit with their peak memory (the most resident memory of the command or of
the largest worker it starts, measured by a small launcher): ``influencer-mix run scenario.yaml --format json``
(what a budgeting tool calls: read, validate, plan, the JSON) and ``run --out DIR`` (also every file: the report,
plan.xlsx with the whole mix, and what each rule costs, which re-solves the plan once per rule).

Knapsacks: the classes of Pisinger's "Where are the hard knapsack problems?" (Computers & Operations Research 32,
2005; the classes go back to Martello, Pisinger and Toth 1999), n = 1,000 items, coefficients up to R = 1,000:
strongly correlated (p = w + R/10), inverse strongly correlated (w = p + R/10), almost strongly correlated (p within
R/500 of w + R/10), subset sum (p = w) and uncorrelated with similar weights, with the capacity of test h of S = 100,
c = h / (S + 1) * sum(w), for h = 1 (a small, tight knapsack, as in Pisinger's hard-instance files) and h = 50. The
items are drawn here with numpy from a fixed seed, not read from Pisinger's files (which are not redistributed), so
the optimum is not the published one: it is computed in the same run by dynamic programming over the capacity, an
exact method independent of both solvers. Each back end solves the model our planner builds (reduced-cost fixing,
then branch and bound) at the default gap 1e-4 within KNAPSACK_LIMIT seconds; the table gives the time, the status
and how far the value is below the optimum. These are the structures where a flat default rate makes profit
proportional to fee, which is why the default back end is chosen on them as well as on planners' shortlists.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings

import numpy as np
import pandas as pd
import pulp
import scipy.sparse as sp

from optimizer import Scenario
from optimizer.model.formulation import MilpModel, Row
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


OBVIOUS_UPTO = 200_000  # candidates up to which the obvious implementation is timed


# Runs a command and writes its peak resident memory (KB) to a file. Linux keeps a process's peak across exec, so a
# command started from this benchmark (which holds the shortlist) would report this process's memory as its own;
# started from this small launcher, it reports its own.
_LAUNCH = ("import resource, subprocess, sys\n"
           "code = subprocess.call(sys.argv[2:])\n"
           "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
           "sys.exit(code)\n")


def end_to_end(sizes: list[int]) -> None:
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from optimizer import plan
    from optimizer.io.scenario import load_scenario

    print(f"{'n':>9}  {'file':<8}{'read+validate s':>16}{'plan s':>8} | {'run --format json s':>20}{'peak MB':>9} | "
          f"{'run --out s':>12}{'peak MB':>9} | {'status':>8}{'creators':>10}")
    for n in sizes:
        df = synthetic(n)
        with tempfile.TemporaryDirectory(prefix="bench-solve-") as tmp:
            d = Path(tmp)
            df.to_csv(d / "list.csv", index=False)
            df.to_parquet(d / "list.parquet", index=False)
            for kind in ("csv", "parquet"):
                spec = {**rules(df), "candidates": f"list.{kind}"}
                (d / "scenario.yaml").write_text(json.dumps(spec))  # JSON is YAML
                t0 = time.perf_counter()
                sc = load_scenario(d / "scenario.yaml")
                t1 = time.perf_counter()
                r = plan(sc, baselines=False)
                t2 = time.perf_counter()
                cells = []
                for extra in (["--format", "json"], ["--out", str(d / f"out-{kind}"), "--top", "5"]):
                    t3 = time.perf_counter()
                    with open(d / "stderr.txt", "w") as err:
                        code = subprocess.call([sys.executable, "-c", _LAUNCH, str(d / "peak.txt"), sys.executable,
                                                "-m", "optimizer", "run", str(d / "scenario.yaml"), *extra],
                                               stdout=subprocess.DEVNULL, stderr=err)
                    if code != 0:
                        raise SystemExit((d / "stderr.txt").read_text()[-2000:])
                    cells.append((time.perf_counter() - t3, int((d / "peak.txt").read_text()) / 1024))
                (js, jm), (os_, om) = cells
                print(f"{n:>9,}  {kind:<8}{t1 - t0:>16.2f}{t2 - t1:>8.2f} | {js:>20.2f}{jm:>9,.0f} | {os_:>12.2f}"
                      f"{om:>9,.0f} | {r.status:>8}{len(r.selected):>10,}", flush=True)


KNAPSACK_LIMIT = 60.0
KNAPSACK_CLASSES = {  # name -> (profits, weights) for n items with coefficients up to R
    "strongly correlated": lambda rng, n, r: ((w := rng.integers(1, r + 1, n)) + r // 10, w),
    "inverse strongly correlated": lambda rng, n, r: ((p := rng.integers(1, r + 1, n)), p + r // 10),
    "almost strongly correlated": lambda rng, n, r: (
        (w := rng.integers(1, r + 1, n)) + r // 10 + rng.integers(-(r // 500), r // 500 + 1, n), w),
    "subset sum": lambda rng, n, r: ((w := rng.integers(1, r + 1, n)), w.copy()),
    "similar weights": lambda rng, n, r: (rng.integers(1, 1_001, n), rng.integers(100_000, 100_101, n)),
}


def knapsack(kind: str, h: int, n: int = 1_000, r: int = 1_000, seed: int = 1) -> tuple[np.ndarray, np.ndarray, int]:
    """(profits, weights, capacity) of test ``h`` of 100 in the class ``kind`` (see the module docstring)."""
    p, w = KNAPSACK_CLASSES[kind](np.random.default_rng([seed, h, n, r]), n, r)
    return p.astype(np.int64), w.astype(np.int64), int(h * int(w.sum()) // 101)


def knapsack_optimum(p: np.ndarray, w: np.ndarray, capacity: int) -> int:
    """The exact 0-1 knapsack optimum by dynamic programming (O(n c) over the capacity, or O(n sum p) over the
    profit when that is smaller; vectorised per item). The right side of each update is computed from the table
    before the item, so each item is taken at most once."""
    if capacity <= int(p.sum()):
        best = np.zeros(capacity + 1, dtype=np.int64)  # best[k]: the most profit within weight k
        for pj, wj in zip(p.tolist(), w.tolist(), strict=True):
            if wj <= capacity:
                np.maximum(best[wj:], best[: capacity + 1 - wj] + pj, out=best[wj:])
        return int(best[-1])
    total = int(p.sum())
    lightest = np.full(total + 1, np.iinfo(np.int64).max // 2, dtype=np.int64)  # the least weight for profit k
    lightest[0] = 0
    for pj, wj in zip(p.tolist(), w.tolist(), strict=True):
        np.minimum(lightest[pj:], lightest[: total + 1 - pj] + wj, out=lightest[pj:])
    return int(np.flatnonzero(lightest <= capacity).max())


def knapsack_model(p: np.ndarray, w: np.ndarray, capacity: int) -> MilpModel:
    n = p.size
    return MilpModel(c=p.astype(float), A=sp.csr_matrix(w.astype(float).reshape(1, -1)), lo=np.array([-np.inf]),
                     hi=np.array([float(capacity)]), lb=np.zeros(n), ub=np.ones(n), integer=np.ones(n, dtype=bool),
                     rows=[Row("budget", "<=", float(capacity))], n_candidates=n)


def knapsacks() -> None:
    print(f"{'class':<28}{'h':>4}{'optimum':>10} | {'CBC s':>7} {'status':>10} {'below opt':>10} | {'HiGHS s':>8} "
          f"{'status':>10} {'below opt':>10} | {'CBC / HiGHS':>11}")
    for kind in KNAPSACK_CLASSES:
        for h in (1, 50):
            p, w, cap = knapsack(kind, h)
            opt = knapsack_optimum(p, w, cap)
            cells, secs = [], []
            for solver in ("cbc", "highs"):
                t0 = time.perf_counter()
                res = solve(knapsack_model(p, w, cap), solver, time_limit=KNAPSACK_LIMIT, gap=GAP)
                secs.append(time.perf_counter() - t0)
                below = "-" if res.value is None else f"{(opt - res.value) / opt:.1e}"
                cells.append(f"{secs[-1]:>{7 if solver == 'cbc' else 8}.2f} {res.status:>10} {below:>10}")
            print(f"{kind:<28}{h:>4}{opt:>10,} | {cells[0]} | {cells[1]} | {secs[0] / secs[1]:>10.1f}x", flush=True)


def ours(sc: Scenario, solver: str, reduce: bool) -> tuple[float, float, float, str, float | None, str]:
    t0 = time.perf_counter()
    model = build_model(sc)
    t1 = time.perf_counter()
    res = solve(model, solver, time_limit=300, gap=GAP, reduce=reduce)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, float(res.value), res.status, res.gap, res.message


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-unreduced", action="store_true", help="skip ours without reduced-cost fixing")
    ap.add_argument("--knapsacks", action="store_true", help="only the hard knapsack classes")
    ap.add_argument("--end-to-end", type=int, nargs="+", metavar="N", help="only the table from a file, at these sizes")
    args = ap.parse_args()
    if args.knapsacks:
        knapsacks()
        return
    if args.end_to_end:
        end_to_end(args.end_to_end)
        return
    print(f"{'n':>8}  {'implementation':<28}{'build s':>9}{'solve s':>9}{'total s':>9}{'vs obvious':>11}"
          f"{'status':>10}{'gap':>10}{'objective':>16}")
    for n in args.sizes:
        df = synthetic(n)
        t = time.perf_counter()
        sc = Scenario.from_dict(rules(df), candidates=df)
        load = time.perf_counter() - t
        runs: dict[str, list] = {}
        small = n <= OBVIOUS_UPTO
        impls = [("ours: arrays + fixing + CBC", lambda sc=sc: ours(sc, "cbc", True)),
                 ("ours: arrays + fixing + HiGHS", lambda sc=sc: ours(sc, "highs", True))]
        if small:
            impls.insert(0, ("obvious: PuLP rows + CBC", lambda sc=sc: obvious(sc) + (None, "")))
        if not args.no_unreduced and small:
            impls.append(("ours: arrays + CBC, no fixing", lambda sc=sc: ours(sc, "cbc", False)))
        for name, fn in impls:
            runs[name] = [fn() for _ in range(args.repeat)]
        base = statistics.median(r[0] + r[1] for r in runs[impls[0][0]]) if small else None
        for name, _ in impls:
            rs = runs[name]
            build = statistics.median(r[0] for r in rs)
            solve_s = statistics.median(r[1] for r in rs)
            total = statistics.median(r[0] + r[1] for r in rs)
            r = rs[0]
            gap = "-" if r[4] is None else f"{r[4]:.2e}"
            ratio = f"{base / total:>10.1f}x" if base is not None else f"{'-':>11}"
            print(f"{n:>8}  {name:<28}{build:>9.3f}{solve_s:>9.3f}{total:>9.3f}{ratio}"
                  f"{r[3].lower():>10}{gap:>10}{r[2]:>16,.2f}")
        core = runs["ours: arrays + fixing + CBC"][0][5]
        print(f"{'':>8}  (validating the {n:,}-row shortlist took {load:.3f} s; {core})")


if __name__ == "__main__":
    main()
