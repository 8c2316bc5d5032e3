"""Naming the rules that make a scenario infeasible.

A deletion filter over the scenario's constraint keys: drop each key in turn and keep it dropped if the rest is
still infeasible. What remains is an irreducible conflicting set: every one of its rules is needed for the
conflict, and relaxing any one of them makes the scenario feasible.

The rules only the extended model holds (risk floors over the simulated runs, the unique-reach floor) are first
dropped together: when the rest is still infeasible the conflict needs none of them, and the filter runs on the
small linear model (a risk model of 1,000 runs made each of 92 solves 30 times slower). Dropping a group first is
one more step of the same filter, so the set found is still irreducible.

A scenario can hold several independent conflicts (a tier minimum above its count cap, and separately a reach
floor above what the whole shortlist reaches): relaxing a rule of one set leaves the other. So the filter runs again
with every rule of the sets found so far removed, until what is left is feasible: ``conflict_sets`` returns each
set, irreducible among the rules left when it was found, and removing the rules of all of them makes the scenario
feasible.
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


def single_fixes(scenario: Scenario, sets: list[list[str]], time_limit: float | None = 30.0,
                 build: Build | None = None) -> list[str]:
    """The keys among ``sets`` whose removal alone makes the scenario feasible (one solve each). With one set
    these are usually all of its rules, but not always: two conflicts can share a rule; with several sets, none
    (a rule of each set must go)."""
    build = build or _default_build(scenario)
    return [k for s in sets for k in s if not _infeasible(scenario, build, {k}, time_limit)] if len(sets) == 1 \
        else []


def _default_build(scenario: Scenario) -> Build:
    def build(drop: set[str]) -> MilpModel:
        return build_model(scenario, c=np.zeros(scenario.candidates.n), drop=drop)
    return build


MAX_SETS = 10  # conflicting sets looked for (each costs a filter of solves)


def conflict_sets(scenario: Scenario, time_limit: float | None = 30.0, build: Build | None = None,
                  known_infeasible: bool = False) -> list[list[str]]:
    """The sets of scenario keys whose rules together cannot be met (none if the scenario is feasible): the first
    is irreducible, each later one irreducible once the earlier sets' rules are removed, and without all of them
    the scenario is feasible (up to ``MAX_SETS``). ``build(drop)`` makes the model without the rules in ``drop``
    (default: ``build_model``); risk rules are keyed ``risk.*``, the unique-reach floor
    ``constraints.min_unique_reach``. ``known_infeasible``: the caller's solve proved the whole model
    infeasible, so it is not solved again."""
    build = build or _default_build(scenario)
    keys = constraint_keys(scenario)
    # rules that only the extended model has (risk floors, the unique-reach floor); "*_rows" define expressions
    extended = [k for k in dict.fromkeys(r.key for r in build(set()).rows) if k not in keys and not k.endswith("_rows")]
    keys += extended
    if not known_infeasible and not _infeasible(scenario, build, set(), time_limit):
        return []
    found: list[list[str]] = []
    removed: set[str] = set()  # the rules of the sets found so far
    while len(found) < MAX_SETS:
        conflict = _one_set(scenario, build, keys, extended, removed, time_limit)
        if not conflict:
            break
        found.append(conflict)
        removed.update(conflict)
        if not _infeasible(scenario, build, removed, time_limit):
            break
    return found


def _one_set(scenario: Scenario, build: Build, keys: list[str], extended: list[str], removed: set[str],
             time_limit: float | None) -> list[str]:
    """The deletion filter over ``keys`` less ``removed`` (which stay removed): an irreducible conflicting set."""
    dropped: set[str] = set(removed)
    rest = [k for k in extended if k not in removed]
    if rest and _infeasible(scenario, build, dropped | set(rest), time_limit):
        dropped.update(rest)  # the conflict needs none of them
    for k in keys:
        if k in dropped:
            continue
        if _infeasible(scenario, build, dropped | {k}, time_limit):
            dropped.add(k)
    return [k for k in keys if k not in dropped]
