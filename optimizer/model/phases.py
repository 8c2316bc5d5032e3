"""Phases: the funnel's stages as a model extension (``phases:``).

Each phase holds its own options (``io/options.py``: a phase's copy of a creator), so its rows are rows over its
options only:

    phases.NAME.budget_share         fee[phase] . x  <= / >= share x budget
    phases.NAME.constraints.*        the rules of ``formulation.RowBlock.rules`` over the phase's options
    phases.NAME.kept                 (lexicographic) the phase's objective >= its best found earlier

Combining the phases' objectives into one (``phase_settings.combine``):

**weighted** (the default): each phase's objective is divided by the best value that phase reaches on its own
under every rule of the plan (its *ideal*, found by one solve per phase first), then multiplied by the phase's
``weight``. So each term is "the share of this phase's best that the plan achieves", and a weight of 2 means that
a point of this phase's best counts twice as much as a point of another's, whatever their units (people, money,
engagements). A phase whose best is 0 or less is not divided (its term stays in its own units; a warning says so).

**lexicographic**: the phases in ``phase_settings.order`` are optimised one after another; each later solve keeps
every earlier phase at its best (to a relative 1e-6). The plan's ``objective_value`` is then the last phase's.
Unique reach cannot be kept this way (its model is refined only at the chosen mix), so a unique-reach phase
needs ``weighted``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from optimizer.domain.funnel import Totals
from optimizer.domain.objectives import linear_vector
from optimizer.io.audience import Audience
from optimizer.io.scenario import Scenario
from optimizer.model.extension import Extension, Panel
from optimizer.model.formulation import ConstraintStatus, MilpModel, RowBlock, row_status
from optimizer.utils.numbers import num, pct

LEXICOGRAPHIC_TOL = 1e-6


@dataclass(frozen=True)
class Combination:
    """The plan's objective over the candidate columns: linear coefficients ``c``, and the unique-reach term
    (weight and the audience it counts, restricted to a phase) if any. ``scale``: each phase's multiplier
    (weight / ideal); ``ideals``: each phase's best on its own."""

    c: np.ndarray
    unique: tuple[float, Audience] | None
    scale: dict[str, float] = field(default_factory=dict)
    ideals: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def value(self, x: np.ndarray) -> float:
        """The objective at the 0/1 hires ``x``, with the true unique reach."""
        hires = (np.asarray(x, float)[: self.c.size] > 0.5).astype(float)
        return float(self.c @ hires) + (self.unique[0] * self.unique[1].unique_reach(hires) if self.unique else 0.0)


def mask(scenario: Scenario, phase: str) -> np.ndarray:
    return scenario.candidates.table["phase"].to_numpy(object) == phase


def phase_linear(scenario: Scenario, phase) -> np.ndarray:
    return linear_vector(phase.weights, scenario.candidates.outcomes) * mask(scenario, phase.name)


def phase_values(scenario: Scenario, x: np.ndarray) -> dict[str, float]:
    """Each phase's own objective at the 0/1 hires ``x`` (unique reach exact)."""
    hires = (np.asarray(x, float)[: scenario.candidates.n] > 0.5).astype(float)
    out = {}
    for ph in scenario.phases:
        v = float(phase_linear(scenario, ph) @ hires)
        u = ph.weights.get("unique_reach", 0.0)
        if u:
            v += u * scenario.audience.unique_reach(hires * mask(scenario, ph.name))
        out[ph.name] = v
    return out


def combination(scenario: Scenario, ideals: dict[str, float] | None = None) -> Combination:
    """The objective of ``scenario``: its own weights, or its phases' combined with ``ideals`` (weighted; each
    phase's best alone) or one phase alone (``phase_settings.only``)."""
    cand = scenario.candidates
    if not scenario.phases or scenario.goal.method != "combined":  # e.g. the frontier's profit and CVaR solves
        w = scenario.weights
        u = w.get("unique_reach", 0.0)
        return Combination(linear_vector(w, cand.outcomes), (u, scenario.audience) if u else None)
    only = scenario.phase_settings.only
    notes: list[str] = []
    scale = {}
    for ph in scenario.phases:
        if only is not None:
            scale[ph.name] = 1.0 if ph.name == only else 0.0
            continue
        ideal = (ideals or {}).get(ph.name)
        if ideal is None or ideal <= 0:
            scale[ph.name] = ph.weight
            if ideal is not None:
                notes.append(f"phase {ph.name}: its best on its own is {ideal:,.4g}, not above 0, so its objective is "
                             "weighed in its own units")
        else:
            scale[ph.name] = ph.weight / ideal
    c = np.zeros(cand.n)
    unique = None
    for ph in scenario.phases:
        c += scale[ph.name] * phase_linear(scenario, ph)
        u = ph.weights.get("unique_reach", 0.0)
        if u and scale[ph.name]:
            unique = (u * scale[ph.name], scenario.audience.restricted(mask(scenario, ph.name)))
    return Combination(c, unique, scale, dict(ideals or {}), tuple(notes))


def alone(scenario: Scenario, phase: str) -> Scenario:
    """The scenario optimising one phase's objective alone (under every rule)."""
    return scenario.with_changes(phase_settings=replace(scenario.phase_settings, only=phase))


def ideals(scenario: Scenario, optimize: Callable[[Scenario], Any]) -> dict[str, float | None] | None:
    """Each phase's best on its own under every rule (``optimize`` plans a scenario without baselines), which
    scales it in the weighted combination; None when the scenario has no weighted phases to combine."""
    settings = scenario.phase_settings
    if not scenario.phases or settings.only is not None or settings.combine != "weighted":
        return None
    out: dict[str, float | None] = {ph.name: None for ph in scenario.phases}
    for ph in scenario.phases:
        r = optimize(alone(scenario, ph.name))
        if r.status == "infeasible":  # every phase alone is under the same rules: none has a mix, nor has the plan
            break
        out[ph.name] = r.objective_value if r.has_solution else None
    return out


def lexicographic(scenario: Scenario, optimize: Callable[..., Any], **kwargs) -> Any | None:
    """Phases in order, each keeping the ones before at their best: ``optimize(variant, **kwargs)`` per phase (the
    alternatives only on the last). None when the scenario is not planned lexicographically."""
    settings = scenario.phase_settings
    if not scenario.phases or settings.only is not None or settings.combine != "lexicographic":
        return None
    kept: list[tuple[str, float]] = []
    result = None
    seconds = 0.0
    for name in settings.order:
        variant = scenario.with_changes(phase_settings=replace(settings, only=name, kept=tuple(kept)))
        last = name == settings.order[-1]
        result = optimize(variant, **(kwargs if last else {**kwargs, "baselines": False}))
        seconds += result.seconds
        if not result.has_solution:
            result = replace(result, message=f"lexicographic, phase {name}: {result.message or result.status}")
            break
        level = next(p.objective_value for p in result.phases if p.name == name)
        kept.append((name, level - LEXICOGRAPHIC_TOL * abs(level)))
    return replace(result, seconds=seconds, objective="phases")


@dataclass(frozen=True)
class PhaseBudget:
    """A phase's share of the budget, as shares and in money (None: no limit)."""

    share_low: float | None
    share_high: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class PhaseResult:
    """One phase of a plan: its objective, weight and scale (weight / ideal), its best alone (``ideal``), its
    budget, the creators (``selected``) and options it hires, its totals and its own objective value."""

    name: str
    objective: str
    objective_weights: dict[str, float]
    weight: float
    scale: float | None
    ideal: float | None
    budget: PhaseBudget
    selected: tuple[str, ...]
    options: tuple[str, ...]
    totals: Totals
    objective_value: float

    def to_dict(self) -> dict:
        return {"name": self.name, "objective": self.objective, "objective_weights": dict(self.objective_weights),
                "weight": self.weight, "scale": self.scale, "ideal": self.ideal, "budget": asdict(self.budget),
                "selected": list(self.selected), "options": list(self.options), "totals": self.totals.to_dict(),
                "objective_value": self.objective_value}


class Phases(Extension):
    """The phases' rows, their rules' status in their own spend, the combined objective at a mix, each phase's
    result and its report table. ``comb``: the plan's objective (``combination``)."""

    name = "phases"
    prefixes = ("phases.",)

    def __init__(self, scenario: Scenario, comb: Combination | None = None):
        self.scenario = scenario
        self.comb = comb if comb is not None else combination(scenario)

    @staticmethod
    def applies(scenario: Scenario) -> bool:
        return bool(scenario.phases)

    @staticmethod
    def in_steps(scenario: Scenario, optimize: Callable[..., Any], **kwargs) -> Any | None:
        return lexicographic(scenario, optimize, **kwargs)

    def on(self, scenario: Scenario) -> Phases:
        return Phases(scenario, self.comb)

    def extend(self, model: MilpModel, drop: Collection[str] = frozenset()) -> MilpModel:
        s = self.scenario
        fee = s.candidates.outcomes.spend
        block = RowBlock(model.n_candidates, drop)
        for phase in s.phases:
            m = mask(s, phase.name).astype(float)
            key = f"phases.{phase.name}"
            if phase.budget_hi is not None:
                block.add(f"{key}.budget_share", fee * m, "<=", phase.budget_hi * s.budget, phase.budget_hi)
            if phase.budget_lo is not None and phase.budget_lo > 0:
                block.add(f"{key}.budget_share", fee * m, ">=", phase.budget_lo * s.budget, phase.budget_lo)
            block.rules(s, phase.constraints, m, f"{key}.constraints")
        for name, level in s.phase_settings.kept:  # lexicographic: earlier phases keep their best
            phase = next(ph for ph in s.phases if ph.name == name)
            block.add(f"phases.{name}.kept", phase_linear(s, phase), ">=", level)
        return block.onto(model)

    def status(self, model: MilpModel, i: int, x: np.ndarray, activity: np.ndarray) -> ConstraintStatus:
        s = self.scenario
        fee = s.candidates.outcomes.spend
        in_phase = mask(s, model.rows[i].key.split(".")[1])  # a phase's shares are of its own spend
        return row_status(s, model, i, x, activity, base_cost=float(fee[in_phase] @ x[: len(fee)][in_phase]))

    def value(self, hires: np.ndarray) -> float | None:
        return self.comb.value(hires) if self.scenario.goal.method == "combined" else None

    def notes(self) -> list[str]:
        return list(self.comb.notes)

    def contribute(self, hires: np.ndarray) -> Mapping[str, Any]:
        s = self.scenario
        cand = s.candidates
        pos = np.flatnonzero(np.asarray(hires)[: cand.n] > 0.5)
        values = phase_values(s, cand.indicator(pos))
        creators = cand.table["creator"].to_numpy(object)
        out = []
        for ph in s.phases:
            mine = pos[mask(s, ph.name)[pos]]
            out.append(PhaseResult(
                name=ph.name, objective=ph.objective, objective_weights=dict(ph.objective_weights),
                weight=ph.weight, scale=self.comb.scale.get(ph.name), ideal=self.comb.ideals.get(ph.name),
                budget=PhaseBudget(ph.budget_lo, ph.budget_hi,
                                   None if ph.budget_lo is None else ph.budget_lo * s.budget,
                                   None if ph.budget_hi is None else ph.budget_hi * s.budget),
                selected=tuple(str(i) for i in creators[mine]), options=tuple(str(i) for i in cand.ids[mine]),
                totals=Totals.of(cand.outcomes, mine, s.audience), objective_value=values[ph.name]))
        return {"phases": tuple(out)}

    def panels(self, fields: Mapping[str, Any]) -> list[Panel]:
        rows = []
        for ph in fields.get("phases", ()):
            t = ph.totals
            rows.append({"phase": ph.name, "objective": ph.objective, "creators": str(len(ph.selected)),
                         "cost": num(t.cost), "budget cap": num(ph.budget.high),
                         "value": num(ph.objective_value),
                         "share of best": pct(ph.objective_value / ph.ideal) if ph.ideal else "-",
                         "reach": num(t.reach), "profit": num(t.profit)})
        if not rows:
            return []
        return [Panel("By phase", "objective value: the phase's own; share of best: against the phase alone",
                      tuple(rows))]
