"""Naming the rules that make a scenario infeasible.

A deletion filter over the scenario's constraint keys: drop each key in turn and keep it dropped if the rest is
still infeasible. What remains is an irreducible conflicting set: every one of its rules is needed for the
conflict, and relaxing any one of them makes the scenario feasible.
"""

from __future__ import annotations

import numpy as np

from .formulation import build_model, constraint_keys
from .scenario import Scenario
from .solvers import INFEASIBLE, solve


def _infeasible(scenario: Scenario, drop: set[str], time_limit: float | None) -> bool:
    model = build_model(scenario, c=np.zeros(scenario.candidates.n), drop=drop)
    out = solve(model, scenario.solver.name, time_limit=time_limit, gap=0.0, reduce=False)
    return out.status == INFEASIBLE


def conflicting_keys(scenario: Scenario, time_limit: float | None = 30.0) -> list[str]:
    """Scenario keys whose rules together cannot be met (empty if the scenario is feasible)."""
    keys = constraint_keys(scenario)
    if not _infeasible(scenario, set(), time_limit):
        return []
    dropped: set[str] = set()
    for k in keys:
        if _infeasible(scenario, dropped | {k}, time_limit):
            dropped.add(k)
    return [k for k in keys if k not in dropped]
