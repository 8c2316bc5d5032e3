"""The return-risk frontier: expected profit against CVaR, from the risk-neutral optimum to the safest mix.

1. The risk-neutral optimum (maximise expected profit under the scenario's rules, risk floors removed) and the
   safest mix (maximise CVaR) bound the range of CVaR floors worth asking for.
2. Between them, ``points`` floors evenly spaced in CVaR; each point maximises expected profit subject to
   CVaR >= floor (sample-average approximation on the scenario's ``risk:`` runs, ``model/risk.py``). The solves
   are independent and run through an executor (``parallel.py``); each starts from the safest mix, which meets
   every floor, so reduced-cost fixing has an incumbent from the start.
3. A point whose mix is beaten in expected profit by a point with a tighter floor takes that mix (it meets the
   looser floor too), so expected profit never rises as the floor tightens; repeated mixes are merged.
4. Every distinct mix is re-evaluated on fresh runs (out of sample) in one simulation pass, and the best single
   creator and the single-tier mixes are placed on the same axes.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace

import numpy as np

from optimizer.analysis.comparison import best_single_tier, tier_order
from optimizer.decision import optimize
from optimizer.errors import InputError
from optimizer.io.scenario import Scenario
from optimizer.model.program import build_model
from optimizer.model.risk import mix_cvar, out_of_sample_settings, profit_draws
from optimizer.result import PlanResult
from optimizer.simulation.engine import Progress, simulate_mixes
from optimizer.solve.heuristics import best_single
from optimizer.utils.jsonable import SCHEMA_VERSION, json_ready
from optimizer.utils.parallel import run_all


@dataclass(frozen=True)
class FrontierPoint:
    """One mix on the frontier. Money in the scenario's currency; ``cvar`` and ``prob_loss`` on the in-sample runs."""

    cvar_floor: float | None
    status: str
    gap: float | None
    selected: tuple[str, ...]
    cost: float
    expected_profit: float
    roi: float | None
    cvar: float
    prob_loss: float
    cvar_out_of_sample: float | None = None
    prob_loss_out_of_sample: float | None = None

    def to_dict(self) -> dict:
        return {"cvar_floor": self.cvar_floor, "status": self.status, "gap": self.gap, "count": len(self.selected),
                "cost": self.cost, "expected_profit": self.expected_profit, "roi": self.roi, "cvar": self.cvar,
                "prob_loss": self.prob_loss, "cvar_out_of_sample": self.cvar_out_of_sample,
                "prob_loss_out_of_sample": self.prob_loss_out_of_sample, "selected": list(self.selected)}


@dataclass(frozen=True)
class Marker:
    """A reference mix placed on the frontier's axes (the best single creator, a single-tier mix)."""

    name: str
    kind: str
    selected: tuple[str, ...]
    expected_profit: float
    cvar: float
    prob_loss: float
    roi: float | None
    note: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "expected_profit": self.expected_profit, "cvar": self.cvar,
                "prob_loss": self.prob_loss, "roi": self.roi, "note": self.note, "selected": list(self.selected)}


@dataclass
class FrontierResult:
    name: str
    currency: str
    alpha: float
    scenarios: int
    seed: int
    points: list[FrontierPoint]
    markers: list[Marker] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return json_ready({"schema_version": SCHEMA_VERSION, "name": self.name, "currency": self.currency,
                       "alpha": self.alpha, "scenarios": self.scenarios, "seed": self.seed,
                       "points": [p.to_dict() for p in self.points], "markers": [m.to_dict() for m in self.markers],
                       "warnings": list(self.warnings), "seconds": self.seconds})


def _solve(args: tuple) -> PlanResult:
    """One frontier solve (top level, so that a process pool can run it): (scenario, objective, CVaR floor, and
    optionally a mix known to meet the floor, the first incumbent)."""
    scenario, objective, floor, *known = args
    risk = replace(scenario.risk_settings(), min_cvar=floor)
    return optimize(scenario.with_changes(objective=objective, risk=risk), baselines=False, out_of_sample=False,
                    known_mix=known[0] if known else None)


def check_frontier(scenario: Scenario) -> None:
    """An :class:`InputError` when the scenario cannot have a frontier: paid boosts cannot be planned with risk in
    the decision (``io/scenario.py``), and every point of the frontier puts it there."""
    if scenario.amplification is not None:
        raise InputError.at(scenario.source, "the return-risk frontier puts risk in the decision, which paid boosts "
                            "cannot be planned with; trace it on the scenario without its amplification: block (the "
                            "simulation of this plan still reports its risk)", "key 'amplification'")


def frontier(scenario: Scenario, points: int = 10, *, executor: Executor | None = None, jobs: int | None = None,
             progress: Progress | None = None, markers: bool = True) -> FrontierResult:
    """Sweep the CVaR floor from the risk-neutral optimum to the safest mix (see the module docstring).

    The scenario's own risk floors are removed (the frontier is the menu of such floors); ``max_prob_loss`` is
    kept. ``executor`` runs the solves (default: a process pool of ``jobs`` workers)."""
    start = time.perf_counter()
    if points < 2:
        raise ValueError("a frontier needs at least 2 points")
    check_frontier(scenario)
    base = scenario.with_changes(risk=replace(scenario.risk_settings(), min_cvar=None))
    risk = base.risk_settings()
    draws = profit_draws(base)
    ends = run_all(_solve, [(base, "profit", None), (base, "cvar", None)], executor=executor, jobs=jobs)
    neutral, safest = ends
    warnings: list[str] = []
    if not (neutral.has_solution and safest.has_solution):
        bad = neutral if not neutral.has_solution else safest
        return FrontierResult(scenario.name, scenario.currency, risk.alpha, risk.scenarios, risk.seed, [], [],
                              [f"no mix meets the rules: {bad.message or bad.status}"], time.perf_counter() - start)
    cand = scenario.candidates

    def x_of(r: PlanResult) -> np.ndarray:
        return cand.indicator(cand.positions(r.selected))

    lo = mix_cvar(draws, x_of(neutral), risk.alpha)[0]
    hi = mix_cvar(draws, x_of(safest), risk.alpha)[0]
    floors = list(np.linspace(lo, hi, points)[1:-1]) if hi > lo * (1 + 1e-9) + 1e-9 else []
    # the safest mix meets every floor: each point starts from it (a tighter floor's mix is feasible for looser ones)
    middle = run_all(_solve, [(base, "profit", float(f), x_of(safest)) for f in floors], executor=executor,
                     jobs=jobs, progress=progress)
    results = [(None, neutral), *zip(floors, middle, strict=True), (hi, safest)]
    raw: list[FrontierPoint] = []
    for floor, r in results:
        if not r.has_solution:
            warnings.append(f"CVaR floor {floor:,.0f}: {r.message or r.status}")
            continue
        x = x_of(r)
        cvar, p_loss, _ = mix_cvar(draws, x, risk.alpha)
        raw.append(FrontierPoint(floor, r.status, r.gap, tuple(r.selected), r.totals.cost, r.totals.profit,
                                 r.totals.roi, cvar, p_loss))
        if r.status != "optimal":
            warnings.append(f"CVaR floor {floor if floor is not None else 'none'}: {r.status}, gap "
                            f"{r.gap if r.gap is not None else 'unknown'}")
    # A tighter floor's mix meets every looser floor: where it is also more profitable, it is the better answer.
    for k in range(len(raw) - 2, -1, -1):
        nxt = raw[k + 1]
        if nxt.expected_profit > raw[k].expected_profit:
            raw[k] = replace(nxt, cvar_floor=raw[k].cvar_floor)
    distinct: list[FrontierPoint] = []
    for p in raw:
        if distinct and set(p.selected) == set(distinct[-1].selected):
            continue
        distinct.append(p)
    sims = simulate_mixes(scenario, {str(k): cand.positions(p.selected) for k, p in enumerate(distinct)},
                          settings=out_of_sample_settings(base))
    pts = [replace(p, cvar_out_of_sample=sims[str(k)].cvar, prob_loss_out_of_sample=sims[str(k)].prob_loss)
           for k, p in enumerate(distinct)]
    result = FrontierResult(scenario.name, scenario.currency, risk.alpha, risk.scenarios, risk.seed, pts,
                            [], warnings)
    if markers:
        result.markers = _markers(base, draws)
    result.seconds = time.perf_counter() - start
    return result


def _markers(scenario: Scenario, draws: np.ndarray) -> list[Marker]:
    """The best single creator and each tier's best mix, on the frontier's axes."""
    cand = scenario.candidates
    alpha = scenario.risk_settings().alpha
    out: list[Marker] = []

    def add(name: str, kind: str, ids: tuple[str, ...], note: str) -> None:
        pos = cand.positions(ids)
        cvar, p_loss, _ = mix_cvar(draws, cand.indicator(pos), alpha)
        cost = float(cand.outcomes.cost[pos].sum())
        profit = float(cand.outcomes.profit[pos].sum())
        out.append(Marker(name, kind, ids, profit, cvar, p_loss, profit / cost if cost > 0 else None, note))

    plain = scenario.with_changes(objective="profit", risk=None)
    single = best_single(plain, build_model(plain))
    if single is not None:
        add("best single creator", "best_single", single.ids, "mix rules ignored")
    for tier in tier_order(plain):
        r, dropped, relaxed = best_single_tier(plain, tier)
        if r.has_solution and r.selected:
            note = "; ".join(x for x in (f"without {', '.join(dropped)}" if dropped else "",
                                         f"relaxed {', '.join(relaxed)}" if relaxed else "") if x)
            add(f"{tier} only", "single_tier", tuple(r.selected), note)
    return out
