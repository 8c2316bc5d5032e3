"""The obvious alternatives the optimiser is compared with: a rule-aware greedy pick and the best single creator."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optimizer.domain.funnel import Totals
from optimizer.io.audience import Audience
from optimizer.io.scenario import Scenario
from optimizer.model.formulation import MilpModel
from optimizer.model.reach import floor_violations


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


def objective_value(scenario: Scenario, totals: Totals) -> float | None:
    """The mix's value on the objective (None for cvar: that needs the simulated runs)."""
    return scenario.goal.value(totals)


def floor_score(scenario: Scenario) -> np.ndarray:
    """For min_cost: how much of the floors each creator covers on its own (a share of each floor, added up)."""
    out, cons = scenario.candidates.outcomes, scenario.constraints
    score = np.zeros(out.cost.size)
    for metric in ("reach", "engagements", "conversions", "revenue"):
        floor = getattr(cons, f"min_{metric}")
        if floor:
            score += out.metric(metric) / floor
    if cons.min_unique_reach and scenario.audience is not None:
        score += scenario.audience.singles() / cons.min_unique_reach
    return score if score.any() else np.ones(out.cost.size)


_CHUNK = 256  # creators tested at once in greedy's vectorised passes


def _ratio_order(value: np.ndarray, fee: np.ndarray) -> np.ndarray:
    """Positions by value per unit of fee, best first; free creators with value first; ties by row order."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(fee > 0, value / np.where(fee > 0, fee, 1.0), np.where(value > 0, np.inf, -np.inf))
    return np.argsort(-ratio, kind="stable")


def greedy(scenario: Scenario, model: MilpModel,
           objective_terms: tuple[np.ndarray, tuple[float, Audience] | None] | None = None) -> Baseline:
    """Includes first; then, best ratio first (objective value per unit of fee; ROIS for ``roi``), creators that
    help an unmet lower limit; then creators that improve the objective, in passes over the shortlist until a pass
    adds nobody. No step may break an upper limit.
    For unique reach the value is what a creator adds to the mix so far, and an unmet ``min_unique_reach`` counts
    as a lower limit. ``objective_terms`` (linear coefficients, and the unique-reach weight and audience) replaces
    the scenario's own objective: the phases' combination (``model/phases.py``)."""
    out = scenario.candidates.outcomes
    fee = out.cost  # what a creator costs (ROI's denominator)
    spend = out.spend  # what it takes of the budget
    goal = scenario.goal
    ratio = goal.method == "ratio"  # roi: a creator improves the mix when its own ratio beats the mix's
    aud = scenario.audience
    unique_weight = goal.weights.get("unique_reach", 0.0)
    gain_aud = aud
    if objective_terms is not None and not ratio:
        unique = objective_terms[1]
        unique_weight, gain_aud = unique if unique is not None else (0.0, aud)
    dynamic = unique_weight != 0 or scenario.constraints.min_unique_reach is not None
    floor = scenario.constraints.min_unique_reach
    A = model.A.toarray()
    x = model.lb.copy()
    act = A @ x
    tol = model.upper_tolerance()
    budget_left = scenario.budget - float(spend @ x)
    rev, cost = float(out.revenue @ x), float(fee @ x)
    static = goal.greedy_value(out)  # cvar and phases: expected profit (the runs and the combination judge later)
    if objective_terms is not None and not ratio:
        static = np.asarray(objective_terms[0], float)
    rank = floor_score(scenario) if goal.minimises else static  # min_cost: cover the floors cheaply

    def allowed(js: np.ndarray, phase: str, value: np.ndarray, helps_floor: bool = False) -> np.ndarray:
        """Whether each creator in ``js`` may join the mix as it stands: it fits the budget and every upper limit,
        the phase wants it (it helps an unmet lower limit or, in the objective phase, improves the objective), and
        it takes no met lower limit below its floor."""
        cols = A[:, js]
        new = act[:, None] + cols
        unmet = act < model.lo - tol
        ok = (x[js] < model.ub[js]) & (spend[js] <= budget_left + 1e-9) & ~(new > (model.hi + tol)[:, None]).any(0)
        helps = (unmet[:, None] & (cols > 0)).any(axis=0) | helps_floor
        if ratio:
            with np.errstate(divide="ignore", invalid="ignore"):
                improves = (fee[js] > 0) & ((cost == 0) | (out.revenue[js] / np.where(fee[js] > 0, fee[js], 1.0)
                                                           > (rev / cost if cost else 0.0)))
        else:
            improves = value[js] > 0
        wanted = helps if phase == "minimums" else (improves | helps)
        return ok & wanted & ~((~unmet)[:, None] & (new < (model.lo - tol)[:, None])).any(axis=0)

    def join(j: int) -> None:
        nonlocal act, budget_left, rev, cost
        x[j] = 1.0
        act = act + A[:, j]
        budget_left -= spend[j]
        rev, cost = rev + out.revenue[j], cost + fee[j]

    def consider(j: int, phase: str, value: np.ndarray, helps_floor: bool) -> bool:
        """Add creator j if ``allowed``."""
        if not allowed(np.array([j]), phase, value, helps_floor)[0]:
            return False
        join(j)
        return True

    order = _ratio_order(rank, spend)

    def ordered_pass(phase: str) -> bool:
        """One pass in ratio order, exactly as calling ``consider`` on each creator would go, but vectorised:
        the creators before the next one ``allowed`` would all be refused (the mix does not change until a creator
        joins), so they are skipped at once."""
        live = order[(x[order] < model.ub[order]) & (spend[order] <= budget_left + 1e-9)]
        added = False
        for k in range(0, live.size, _CHUNK):
            rest = live[k: k + _CHUNK]
            while rest.size:
                hit = np.flatnonzero(allowed(rest, phase, static))
                if hit.size == 0:
                    break
                join(int(rest[hit[0]]))
                added = True
                rest = rest[hit[0] + 1:]
        return added

    for phase in ("minimums", "objective"):  # first meet the lower limits, then add what improves the objective
        added = True
        while added:  # passes until one adds nobody: a creator an upper limit blocked early may fit later
            added = False
            if not dynamic:
                added = ordered_pass(phase)
                continue
            # in the order of what each creator adds at the start of the pass; whether a creator still adds unique
            # reach (and whether the floor is still unmet) is checked against the mix as it grows
            gain = gain_aud.gains(x)
            floor_unmet = floor is not None and aud.unique_reach(x) < floor
            value = static + unique_weight * gain
            order = _ratio_order(gain if phase == "minimums" and floor_unmet else
                                 rank + unique_weight * gain if goal.minimises else value, spend)
            for j in order:
                if consider(j, phase, value, floor_unmet and gain[j] > 0):
                    added = True
                    gain = gain_aud.gains(x)
                    value = static + unique_weight * gain
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
    ok = (out.spend <= scenario.budget) & (model.ub > 0.5)
    goal = scenario.goal
    if goal.method == "ratio":
        ok &= fee > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(ok, out.profit / np.where(fee > 0, fee, 1.0), -np.inf)
    elif goal.minimises:  # the cheapest creator among those covering most of the floors
        cover = floor_score(scenario)
        score = np.where(ok, cover - 1e-12 * fee, -np.inf) if not (cover >= 1).any() else \
            np.where(ok & (cover >= 1), -fee, -np.inf)
    else:
        weight = goal.weights.get("unique_reach", 0.0)
        unique = scenario.audience.singles() if weight else 0.0
        score = np.where(ok, goal.greedy_value(out) + weight * unique, -np.inf)
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
