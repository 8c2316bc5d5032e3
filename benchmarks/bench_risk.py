"""Risk inside the decision: model size, build + solve time and proven gap, and how many runs the model needs.

    python benchmarks/bench_risk.py                # both tables
    python benchmarks/bench_risk.py --speed        # only the speed table
    python benchmarks/bench_risk.py --quality      # only the runs-versus-quality table
    python benchmarks/bench_risk.py --frontier     # only the shipped scenario's frontier

Speed: maximise expected profit subject to a CVaR floor halfway between the risk-neutral optimum's CVaR and the
best possible CVaR (found first, not timed), for 200 candidates x 1,000 runs, 1,000 x 2,000 and 10,000 x 5,000,
to a 0.1% gap. Timed in the same run: the aggregated-cut formulation (``model/risk.py``, the default from
``CUTS_FROM`` coefficients), the dense one (one row per run, the formulation before it) and the obvious
implementation (a PuLP model built row by row, one LpVariable per creator and per run, solved by PuLP's CBC at the
same gap), all with CBC; and the cuts with HiGHS, capped at HIGHS_LIMIT seconds. Times are the whole plan: drawing
the runs, building the model and solving it (at 10,000 x 5,000 the draws alone take about 17 s). The dense and
obvious formulations are run up to DENSE_UPTO coefficients: beyond, the dense model did not finish in 10 minutes.

Frontier: ``influencer-mix frontier scenarios/skincare_launch.yaml`` (150 candidates, 1,000 runs, 10 levels) as the
API runs it, with the aggregated cuts (the default) and with the dense rows, in the same run: seconds, the distinct
mixes kept, and how far apart their expected profits are.

Quality: maximise CVaR with S runs in the model (S = 100 ... 2,000; three seeds each) and re-evaluate the chosen
mix on 100,000 fresh runs. In-sample CVaR flatters the mix (it was chosen on those runs); the out-of-sample CVaR
is what the planner gets. The default ``risk.scenarios`` is set from this table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pulp

sys.path.insert(0, str(Path(__file__).parent))
from bench_simulate import synthetic  # noqa: E402

import optimizer.model.risk as risk_model  # noqa: E402
from optimizer import (  # noqa: E402
    Scenario,
    plan,
    simulate,  # noqa: E402
)
from optimizer.io.scenario import SimulationSettings  # noqa: E402
from optimizer.model.risk import CUTS_FROM, mix_cvar, profit_draws  # noqa: E402

GAP = 1e-3
HIGHS_LIMIT = 120.0
DENSE_UPTO = 4_000_000  # candidates x runs up to which the dense and obvious formulations are timed too


def scenario(n: int, runs: int, seed: int = 1) -> Scenario:
    df = synthetic(n, seed=1)
    return Scenario.from_dict({"budget": float(df["fee"].sum()) * 0.1, "constraints": {"max_count": max(10, n // 10)},
                               "risk": {"scenarios": runs, "seed": seed},
                               "solver": {"gap": GAP, "time_limit": 600}}, candidates=df)


def obvious(sc: Scenario, draws: np.ndarray, floor: float) -> tuple[float, float, str]:
    """Row-by-row PuLP: (seconds, expected profit, status)."""
    t0 = time.perf_counter()
    n, S = sc.candidates.n, draws.shape[0]
    alpha = sc.risk_settings().alpha
    profit = sc.candidates.outcomes.profit
    fee = sc.candidates.outcomes.cost
    prob = pulp.LpProblem("risk", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{i}", cat="Binary") for i in range(n)]
    t = pulp.LpVariable("t")
    u = [pulp.LpVariable(f"u{s}", lowBound=0) for s in range(S)]
    prob += pulp.lpSum(profit[i] * x[i] for i in range(n))
    prob += pulp.lpSum(fee[i] * x[i] for i in range(n)) <= sc.budget
    prob += pulp.lpSum(x) <= sc.constraints.max_count
    for s in range(S):
        prob += u[s] >= t - pulp.lpSum(draws[s, i] * x[i] for i in range(n))
    prob += t - pulp.lpSum(u) * (1.0 / ((1 - alpha) * S)) >= floor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prob.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=GAP, timeLimit=600))
    value = sum(profit[i] * (x[i].value() or 0) for i in range(n))
    return time.perf_counter() - t0, float(value), pulp.LpStatus[prob.status].lower()


def speed(sizes: list[tuple[int, int]]) -> None:
    print(f"{'creators':>8} {'runs':>6} | {'obvious s':>9} {'dense s':>8} {'cuts s':>7} {'cuts/dense':>10} "
          f"{'obvious/cuts':>12} {'gap':>8} {'highs cuts s':>12} {'gap':>8} | {'profit cuts':>12} {'profit dense':>12} "
          f"{'profit obvious':>14}")
    for n, runs in sizes:
        sc = scenario(n, runs)
        draws = profit_draws(sc)
        neutral = plan(sc, baselines=False, out_of_sample=False)
        safest = plan(sc.with_changes(objective="cvar"), baselines=False, out_of_sample=False)
        x = np.zeros(n)
        x[sc.candidates.positions(neutral.selected)] = 1
        lo = mix_cvar(draws, x, 0.95)[0]
        floor = lo + 0.5 * (safest.objective_value - lo)
        risky = sc.with_changes(risk=replace(sc.risk, min_cvar=floor))
        times = {}
        small = n * runs <= DENSE_UPTO
        for name, solver, cuts in (("dense", "cbc", False), ("cuts", "cbc", True), ("highs", "highs", True)):
            if name == "dense" and not small:
                continue
            risk_model.CUTS_FROM = 0 if cuts else 10 ** 15  # the formulation: aggregated cuts, or the S rows
            t0 = time.perf_counter()
            limit = risky.solver.time_limit if solver == "cbc" else HIGHS_LIMIT
            r = plan(risky.with_changes(solver=replace(risky.solver, name=solver, time_limit=limit)),
                     baselines=False, out_of_sample=False)
            times[name] = (time.perf_counter() - t0, r)
        risk_model.CUTS_FROM = CUTS_FROM
        (cu_s, rc), (hi_s, rh) = times["cuts"], times["highs"]
        if small:
            ob_s, ob_v, ob_status = obvious(sc, draws, floor)
            de_s, rd = times["dense"]
            slow = (f"{ob_s:>9.1f} {de_s:>8.2f} {cu_s:>7.2f} {de_s / cu_s:>9.1f}x {ob_s / cu_s:>11.1f}x",
                    f"{rd.objective_value or 0:>12,.0f} {ob_v:>14,.0f}", f"; dense {rd.status}; obvious {ob_status}")
        else:
            slow = (f"{'-':>9} {'-':>8} {cu_s:>7.2f} {'-':>10} {'-':>12}", f"{'-':>12} {'-':>14}", "")
        print(f"{n:>8,} {runs:>6,} | {slow[0]} {_gap(rc.gap):>8} {hi_s:>12.2f} {_gap(rh.gap):>8} | "
              f"{rc.objective_value or 0:>12,.0f} {slow[1]} (cuts {rc.status}{slow[2]}; highs {rh.status})",
              flush=True)


def _gap(g: float | None) -> str:
    return "-" if g is None else f"{g:.2e}"


def quality(sizes: tuple[int, ...] = (100, 250, 500, 1000, 2000), seeds: tuple[int, ...] = (1, 2, 3)) -> None:
    fresh = SimulationSettings(runs=100_000, seed=999)
    print(f"{'runs in model':>13} | {'solve s':>8} | {'CVaR in sample':>15} {'CVaR fresh runs':>16} "
          f"{'optimism':>9} | {'fresh CVaR, each seed':>30}")
    rows = []
    for runs in sizes:
        secs, ins, outs = [], [], []
        for seed in seeds:
            sc = scenario(200, runs, seed).with_changes(objective="cvar")
            t0 = time.perf_counter()
            r = plan(sc, baselines=False, out_of_sample=False)
            secs.append(time.perf_counter() - t0)
            ins.append(r.objective_value)
            outs.append(simulate(sc, r.selected, settings=replace(fresh, shocks=sc.simulation_settings().shocks)).cvar)
        rows.append((runs, statistics.mean(outs)))
        print(f"{runs:>13,} | {statistics.mean(secs):>8.1f} | {statistics.mean(ins):>15,.0f} "
              f"{statistics.mean(outs):>16,.0f} {statistics.mean(ins) / statistics.mean(outs) - 1:>9.1%} | "
              f"{', '.join(f'{v:,.0f}' for v in outs):>30}", flush=True)


def frontier_speed(points: int = 10) -> None:
    from optimizer.analysis.frontier import frontier
    from optimizer.io.scenario import load_scenario

    sc = load_scenario(Path(__file__).parent.parent / "scenarios" / "skincare_launch.yaml")
    print(f"{'formulation':<12} {'seconds':>8} {'levels':>7} {'distinct mixes':>15} {'profit range':>22} "
          f"{'CVaR range':>20}")
    times = {}
    for name, cuts_from in (("dense rows", 10 ** 15), ("cuts", CUTS_FROM)):
        risk_model.CUTS_FROM = cuts_from  # the process pool's workers fork from here and see it
        t0 = time.perf_counter()
        f = frontier(sc, points)
        times[name] = time.perf_counter() - t0
        profits = [p.expected_profit for p in f.points]
        cvars = [p.cvar for p in f.points]
        print(f"{name:<12} {times[name]:>8.2f} {points:>7} {len(f.points):>15} "
              f"{min(profits):>10,.0f}-{max(profits):<,.0f} {min(cvars):>9,.0f}-{max(cvars):<,.0f}", flush=True)
    risk_model.CUTS_FROM = CUTS_FROM
    print(f"cuts: {times['dense rows'] / times['cuts']:.1f}x faster than the dense rows")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--speed", action="store_true")
    p.add_argument("--quality", action="store_true")
    p.add_argument("--frontier", action="store_true")
    a = p.parse_args()
    if a.frontier:
        frontier_speed()
        return
    both = not (a.speed or a.quality)
    if a.quality or both:
        quality()
        print()
    if a.speed or both:
        speed([(200, 1000), (1000, 2000), (10_000, 5_000)])


if __name__ == "__main__":
    main()
