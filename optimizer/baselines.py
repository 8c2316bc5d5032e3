"""The obvious alternatives the optimiser is compared with: a rule-aware greedy pick and the best single creator."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .formulation import MilpModel
from .funnel import Totals
from .reach_model import floor_violations
from .scenario import Scenario


@dataclass(frozen=True)
class Baseline:
    """One alternative mix. ``feasible`` says whether it meets every rule of the scenario."""

    name: str
    positions: np.ndarray
    totals: Totals
    objective_value: float | None
    feasible: bool
    violated: tuple[str, ...] = ()
    note: str = ""
    ids: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"name": self.name, "feasible": self.feasible, "violated": list(self.violated), "note": self.note,
                "objective_value": self.objective_value, "selected": list(self.ids), "totals": self.totals.to_dict()}


def objective_value(scenario: Scenario, totals: Totals, objective: str | None = None) -> float | None:
    """The mix's value on the objective (None for cvar: that needs the simulated runs)."""
    objective = objective or scenario.objective
    return None if objective == "cvar" else totals.value(objective)


def _ratio_order(value: np.ndarray, fee: np.ndarray) -> np.ndarray:
    """Positions by value per unit of fee, best first; free creators with value first; ties by row order."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(fee > 0, value / np.where(fee > 0, fee, 1.0), np.where(value > 0, np.inf, -np.inf))
    return np.argsort(-ratio, kind="stable")


def greedy(scenario: Scenario, model: MilpModel) -> Baseline:
    """Includes first; then, best ratio first (objective value per unit of fee; ROIS for ``roi``), creators that
    help an unmet lower limit; then creators that improve the objective, in passes over the shortlist until a pass
    adds nobody. No step may break an upper limit.
    For unique reach the value is what a creator adds to the mix so far, and an unmet ``min_unique_reach`` counts
    as a lower limit."""
    out = scenario.candidates.outcomes
    fee = out.cost
    objective = "profit" if scenario.objective == "cvar" else scenario.objective  # cvar: judged on the runs later
    aud = scenario.audience
    dynamic = objective == "unique_reach" or scenario.constraints.min_unique_reach is not None
    floor = scenario.constraints.min_unique_reach
    A = model.A.toarray()
    x = model.lb.copy()
    act = A @ x
    tol = model.upper_tolerance()
    budget_left = scenario.budget - float(fee @ x)
    rev, cost = float(out.revenue @ x), float(fee @ x)
    static = out.revenue if objective == "roi" else None if objective == "unique_reach" else out.metric(objective)

    def consider(j: int, phase: str, value: np.ndarray, helps_floor: bool) -> bool:
        """Add creator j if the phase wants it and the rules allow it."""
        nonlocal act, budget_left, rev, cost
        if x[j] >= model.ub[j] or fee[j] > budget_left + 1e-9:
            return False
        col = A[:, j]
        new = act + col
        if np.any(new > model.hi + tol):
            return False
        unmet = act < model.lo - tol
        helps = bool(np.any(unmet & (col > 0))) or helps_floor
        if objective == "roi":
            improves = fee[j] > 0 and (cost == 0 or out.revenue[j] / fee[j] > rev / cost)
        else:
            improves = value[j] > 0
        wanted = helps if phase == "minimums" else (improves or helps)
        if not wanted or np.any(~unmet & (new < model.lo - tol)):
            return False
        x[j] = 1.0
        act = new
        budget_left -= fee[j]
        rev, cost = rev + out.revenue[j], cost + fee[j]
        return True

    for phase in ("minimums", "objective"):  # first meet the lower limits, then add what improves the objective
        added = True
        while added:  # passes until one adds nobody: a creator an upper limit blocked early may fit later
            added = False
            if not dynamic:
                for j in _ratio_order(static, fee):
                    added |= consider(j, phase, static, False)
                continue
            # in the order of what each creator adds at the start of the pass; whether a creator still adds unique
            # reach (and whether the floor is still unmet) is checked against the mix as it grows
            gain = aud.gains(x)
            floor_unmet = floor is not None and aud.unique_reach(x) < floor
            for j in _ratio_order(gain if static is None or (phase == "minimums" and floor_unmet) else static, fee):
                if consider(j, phase, gain if static is None else static, floor_unmet and gain[j] > 0):
                    added = True
                    gain = aud.gains(x)
                    floor_unmet = floor is not None and aud.unique_reach(x) < floor
    pos = np.flatnonzero(x > 0.5)
    violated = tuple(model.violations(x)) + tuple(floor_violations(scenario, x))
    totals = Totals.of(out, pos, aud)
    return Baseline("greedy", pos, totals, objective_value(scenario, totals), not violated, violated,
                    "best ratio first within the same rules", tuple(scenario.candidates.ids[pos]))


def best_single(scenario: Scenario, model: MilpModel) -> Baseline | None:
    """The single creator with the best objective whose fee fits the budget (ignores the mix rules)."""
    out = scenario.candidates.outcomes
    fee = out.cost
    ok = (fee <= scenario.budget) & (model.ub > 0.5)
    if scenario.objective == "roi":
        ok &= fee > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(ok, out.profit / np.where(fee > 0, fee, 1.0), -np.inf)
    elif scenario.objective == "unique_reach":
        score = np.where(ok, scenario.audience.singles(), -np.inf)
    else:
        metric = "profit" if scenario.objective == "cvar" else scenario.objective
        score = np.where(ok, out.metric(metric), -np.inf)
    if not ok.any():
        return None
    j = int(np.argmax(score))
    pos = np.array([j])
    x = scenario.candidates.indicator(pos)
    violated = tuple(model.violations(x)) + tuple(floor_violations(scenario, x))
    totals = Totals.of(out, pos, scenario.audience)
    return Baseline("best_single", pos, totals, objective_value(scenario, totals), not violated, violated,
                    "the one creator with the best objective that fits the budget, ignoring the mix rules",
                    tuple(scenario.candidates.ids[pos]))
