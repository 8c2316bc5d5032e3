"""Combining the phases' objectives into one (``phase_settings.combine``).

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

from dataclasses import dataclass, field, replace

import numpy as np

from optimizer.domain.objectives import linear_vector
from optimizer.io.audience import Audience
from optimizer.io.scenario import Scenario

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
