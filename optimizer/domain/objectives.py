"""What a plan maximises (or minimises): one object per objective, in one place.

``objective: profit`` (or revenue, reach, engagements, conversions, unique_reach) is one metric with weight 1.
``objective: {profit: 1.0, reach: 0.002}`` maximises the weighted sum: weights are in the objective's units per
unit of each metric (here 0.002 of a currency unit per person reached, i.e. a CPM of 2 counted as value), so the
planner states the exchange rate between goals. ``objective: min_cost`` minimises the total fee subject to the
scenario's floors (``min_reach``, ``min_conversions``, ``min_unique_reach``, ...), as media planners buy a target
at the lowest price. ROI (a ratio) is solved by Dinkelbach iterations (``decision.py``), CVaR on simulated runs
(``model/risk.py``), and the phases' combination by ``model/phases.py``: ``Objective.method`` says which.

Everything the package needs of an objective is a method or attribute of its class: the linear vector the
integer program maximises, its value on a mix, the greedy score, the label and sense in reports, how the solver's
bound becomes the objective's bound, the gap, and what the rules must hold for it to be well posed. Adding an
objective over an existing metric is one subclass and a line in ``REGISTRY``, e.g.::

    class Clicks(Metric):           # needs a "clicks" metric in domain/funnel.py
        name = metric = "clicks"
        label = "expected clicks"
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar, Protocol

import numpy as np

from optimizer.domain.funnel import Outcomes, Totals

LINEAR = ("profit", "revenue", "reach", "engagements", "conversions")
WEIGHTABLE = (*LINEAR, "unique_reach")


class Rules(Protocol):
    """What objectives check of the rules (``io/scenario.py``'s ``Constraints``)."""

    min_spend: float | None
    min_reach: float | None
    min_count: int | None


class Objective:
    """The base class. ``method``: how the plan is solved, ``linear`` (one integer program over ``vector``),
    ``ratio`` (Dinkelbach), ``sampled`` (CVaR over simulated runs) or ``combined`` (the phases' objectives)."""

    name: ClassVar[str]
    label: ClassVar[str]  # what reports call it: "expected profit"
    method: ClassVar[str] = "linear"
    minimises: ClassVar[bool] = False
    digits: ClassVar[int] = 0  # decimals its value is printed with
    in_phases: ClassVar[bool] = True  # whether a funnel phase may have it as its objective

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self._weights = dict(weights or {})

    @property
    def weights(self) -> dict[str, float]:
        """The objective as weights on the totals (empty for roi, cvar and phases)."""
        return dict(self._weights)

    def vector(self, outcomes: Outcomes) -> np.ndarray:
        """Per-candidate coefficients of the linear part the integer program maximises (not unique reach, which
        has its own columns)."""
        return linear_vector(self.weights, outcomes)

    def value(self, totals: Totals) -> float | None:
        """The objective's value for a mix."""
        out = 0.0
        for metric, weight in self.weights.items():
            v = totals.value(metric)
            if v is None:
                return None
            out += weight * v
        return out if self.weights else None

    def greedy_value(self, outcomes: Outcomes) -> np.ndarray:
        """What each creator adds on its own, the greedy pick's measure (divided by its fee to rank)."""
        return self.vector(outcomes)

    def bound(self, model_bound: float | None, offset: float, value: float) -> float | None:
        """The objective's proven bound from the bound the solver proved on the maximised model."""
        return None if model_bound is None else max(model_bound, value)

    def gap(self, value: float | None, bound: float | None) -> float | None:
        """(bound - value) / max(|value|, |bound|), the roles turned for an objective minimised."""
        if value is None or bound is None or not math.isfinite(bound):
            return None
        if self.minimises:
            value, bound = -value, -bound
        den = max(abs(value), abs(bound))
        return 0.0 if den < 1e-12 else max(0.0, (bound - value) / den)

    def headline(self) -> str:
        """The objective in words, for the first line of a report."""
        return f"{'minimise' if self.minimises else 'maximise'} {self.label}"

    def problem(self, rules: Rules, has_floor: bool) -> str | None:
        """Why the rules leave this objective ill-posed (None when they do not); ``has_floor``: some rule asks
        for a minimum of something (a reach, conversions or count floor, a tier's minimum)."""
        return None


class Metric(Objective):
    """One of the funnel's totals, weight 1."""

    metric: ClassVar[str]

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        super().__init__({self.metric: 1.0})


class Profit(Metric):
    name = metric = "profit"
    label = "expected profit"


class Revenue(Metric):
    name = metric = "revenue"
    label = "expected revenue"


class Reach(Metric):
    name = metric = "reach"
    label = "expected reach (accounts, counted per creator)"


class Engagements(Metric):
    name = metric = "engagements"
    label = "expected engagements"


class Conversions(Metric):
    name = metric = "conversions"
    label = "expected conversions"
    digits = 1


class UniqueReach(Metric):
    name = metric = "unique_reach"
    label = "unique reach (people reached at least once)"


class Weighted(Objective):
    """A weighted sum of totals (``objective: {profit: 1, reach: 0.002}``)."""

    name = "weighted"
    label = "the weighted sum of the totals"
    digits = 2

    def headline(self) -> str:
        terms = " + ".join(f"{w:g} x {m}" for m, w in self.weights.items())
        return f"maximise {terms}"


class MinCost(Objective):
    """The cheapest mix that meets every floor."""

    name = "min_cost"
    label = "total fees, meeting every floor"
    minimises = True
    in_phases = False

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        super().__init__({"cost": -1.0})

    def value(self, totals: Totals) -> float | None:
        return totals.cost

    def greedy_value(self, outcomes: Outcomes) -> np.ndarray:
        return -outcomes.cost  # greedy ranks min_cost by how much of the floors a creator covers instead

    def bound(self, model_bound: float | None, offset: float, value: float) -> float | None:
        # the solver maximised -cost: its bound is minus a lower bound on the cost
        return None if model_bound is None else min(-(model_bound - offset), value)

    def problem(self, rules: Rules, has_floor: bool) -> str | None:
        if has_floor:
            return None
        return ("'min_cost' needs something to buy: set a floor such as constraints.min_reach, min_conversions, "
                "min_unique_reach or min_count (without one the cheapest mix is no mix)")


class Roi(Objective):
    """Profit per unit of fee, a ratio."""

    name = "roi"
    label = "ROI (profit / cost)"
    method = "ratio"
    digits = 3
    in_phases = False

    def value(self, totals: Totals) -> float | None:
        return totals.roi

    def vector(self, outcomes: Outcomes) -> np.ndarray:
        raise ValueError("roi is a ratio; decision.optimize solves it by Dinkelbach iterations")

    def greedy_value(self, outcomes: Outcomes) -> np.ndarray:
        return outcomes.revenue  # ranked per unit of fee: ROIS, the same order as ROI

    def bound(self, model_bound: float | None, offset: float, value: float) -> float | None:
        return model_bound  # Dinkelbach's bound on the ratio (decision._solve_roi)

    def problem(self, rules: Rules, has_floor: bool) -> str | None:
        if rules.min_spend or rules.min_reach or rules.min_count:
            return None
        return ("'roi' needs a floor: set constraints.min_spend, min_reach or min_count (with only a budget cap the "
                "best ratio is usually one tiny creator)")


class Cvar(Objective):
    """The mean profit of the worst runs (``risk.alpha``), on simulated runs inside the integer program."""

    name = "cvar"
    label = "CVaR of profit (the mean of the worst runs)"
    method = "sampled"
    in_phases = False

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        super().__init__({})

    def value(self, totals: Totals) -> float | None:
        return None  # needs the simulated runs (decision.py recomputes it on them)

    def greedy_value(self, outcomes: Outcomes) -> np.ndarray:
        return outcomes.profit  # greedy judges on expected profit; the runs judge it later


class Phases(Objective):
    """The funnel phases' objectives combined (``phase_settings.combine``, ``model/phases.py``)."""

    name = "phases"
    label = "the phases' combined objective"
    method = "combined"
    digits = 3
    in_phases = False

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        super().__init__({})

    def greedy_value(self, outcomes: Outcomes) -> np.ndarray:
        return outcomes.profit


REGISTRY: dict[str, type[Objective]] = {cls.name: cls for cls in (
    Profit, Revenue, Roi, Reach, Engagements, Conversions, Cvar, UniqueReach, MinCost, Weighted, Phases)}
NAMED = tuple(k for k in REGISTRY if k not in ("weighted", "phases"))  # what ``objective:`` may name


def make(name: str, weights: Mapping[str, float] | None = None) -> Objective:
    """The objective ``name`` (``weighted``: with ``weights``)."""
    return REGISTRY[name](weights)


def weights(objective: str, given: Mapping[str, float] | None = None) -> dict[str, float]:
    """The objective as weights on totals (``cost`` -1 for min_cost); empty for roi, cvar and phases."""
    return make(objective, given).weights


def linear_vector(w: Mapping[str, float], outcomes: Outcomes) -> np.ndarray:
    """Per-candidate coefficients of the linear part (everything but unique reach)."""
    c = np.zeros(outcomes.cost.size)
    for metric, weight in w.items():
        if metric != "unique_reach":
            c += weight * outcomes.metric(metric)
    return c


def headline(name: str, weights: Mapping[str, float] | None = None) -> str:
    """``make(name, weights).headline()``, for reports that hold the objective's name."""
    return make(name, weights).headline() if name in REGISTRY else f"maximise {name}"
