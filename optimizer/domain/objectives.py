"""What a plan maximises (or minimises), as weights on the campaign's totals.

``objective: profit`` (or revenue, reach, engagements, conversions, unique_reach) is one metric with weight 1.
``objective: {profit: 1.0, reach: 0.002}`` maximises the weighted sum: weights are in the objective's units per
unit of each metric (here 0.002 of a currency unit per person reached, i.e. a CPM of 2 counted as value), so the
planner states the exchange rate between goals. ``objective: min_cost`` minimises the total fee subject to the
scenario's floors (``min_reach``, ``min_conversions``, ``min_unique_reach``, ...), as media planners buy a target
at the lowest price. ROI (a ratio) and CVaR (from simulated runs) are solved separately (``plan.py``,
``model/risk.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from optimizer.domain.funnel import Outcomes, Totals

LINEAR = ("profit", "revenue", "reach", "engagements", "conversions")
WEIGHTABLE = (*LINEAR, "unique_reach")


def weights(objective: str, given: Mapping[str, float] | None = None) -> dict[str, float]:
    """The objective as weights on totals (``cost`` -1 for min_cost); empty for roi and cvar."""
    if objective == "weighted":
        return dict(given or {})
    if objective == "min_cost":
        return {"cost": -1.0}
    if objective in WEIGHTABLE:
        return {objective: 1.0}
    return {}


def linear_vector(w: Mapping[str, float], outcomes: Outcomes) -> np.ndarray:
    """Per-candidate coefficients of the linear part (everything but unique reach)."""
    c = np.zeros(outcomes.cost.size)
    for metric, weight in w.items():
        if metric != "unique_reach":
            c += weight * outcomes.metric(metric)
    return c


def value(w: Mapping[str, float], totals: Totals) -> float | None:
    """The objective's value for a mix: the weighted totals; for min_cost the total cost (what is minimised)."""
    if not w:
        return None
    if set(w) == {"cost"}:
        return totals.cost
    out = 0.0
    for metric, weight in w.items():
        v = totals.value(metric)
        if v is None:
            return None
        out += weight * v
    return out


def minimises(objective: str) -> bool:
    return objective == "min_cost"
