"""Naming the rules that make a scenario infeasible.

A deletion filter over the scenario's constraint keys: drop each key in turn and keep it dropped if the rest is
still infeasible. What remains is an irreducible conflicting set: every one of its rules is needed for the
conflict, and relaxing any one of them makes the scenario feasible.

The rules only the extended model holds (risk floors over the simulated runs, the unique-reach floor) are first
dropped together: when the rest is still infeasible the conflict needs none of them, and the filter runs on the
small linear model (a risk model of 1,000 runs made each of 92 solves 30 times slower). Dropping a group first is
one more step of the same filter, so the set found is still irreducible.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from optimizer.io.scenario import Scenario
from optimizer.model.formulation import MilpModel
from optimizer.model.program import build_model, constraint_keys
from optimizer.solve.base import INFEASIBLE
from optimizer.solve.driver import solve

Build = Callable[[set[str]], MilpModel]


def _infeasible(scenario: Scenario, build: Build, drop: set[str], time_limit: float | None) -> bool:
    model = build(drop)
    out = solve(model.with_objective(np.zeros(model.shape[1])), scenario.solver.name, time_limit=time_limit,
                gap=0.0, reduce=False)
    return out.status == INFEASIBLE


def conflicting_keys(scenario: Scenario, time_limit: float | None = 30.0, build: Build | None = None,
                     known_infeasible: bool = False) -> list[str]:
    """Scenario keys whose rules together cannot be met (empty if the scenario is feasible). ``build(drop)`` makes
    the model without the rules in ``drop`` (default: ``build_model``); risk rules are keyed ``risk.*``, the
    unique-reach floor ``constraints.min_unique_reach``. ``known_infeasible``: the caller's solve proved the
    whole model infeasible, so it is not solved again."""
    if build is None:
        def build(drop: set[str]) -> MilpModel:
            return build_model(scenario, c=np.zeros(scenario.candidates.n), drop=drop)
    keys = constraint_keys(scenario)
    # rules that only the extended model has (risk floors, the unique-reach floor); "*_rows" define expressions
    extended = [k for k in dict.fromkeys(r.key for r in build(set()).rows) if k not in keys and not k.endswith("_rows")]
    keys += extended
    if not known_infeasible and not _infeasible(scenario, build, set(), time_limit):
        return []
    dropped: set[str] = set()
    if extended and _infeasible(scenario, build, set(extended), time_limit):
        dropped.update(extended)  # the conflict needs none of them
    for k in keys:
        if k in dropped:
            continue
        if _infeasible(scenario, build, dropped | {k}, time_limit):
            dropped.add(k)
    return [k for k in keys if k not in dropped]
