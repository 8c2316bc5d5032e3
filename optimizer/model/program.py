"""The whole integer program: the core rules (``formulation.py``) and the extensions a scenario uses.

``EXTENSIONS`` lists every feature of the model in the order its rows are added; ``extensions`` builds those the
scenario uses. ``build_model`` is the linear program over the hire columns alone (core, phases, packages): every
rule a mix can be checked against without simulated runs, boosts or audience columns. ``models`` adds paid
amplification, unique reach and risk.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np

from optimizer.io.audience import Audience
from optimizer.io.scenario import Scenario
from optimizer.model.amplification import Amplification
from optimizer.model.extension import ConstraintStatus, Extension
from optimizer.model.formulation import MilpModel, core_model, row_status
from optimizer.model.packages import Packages
from optimizer.model.phases import Combination, Phases, combination, ideals
from optimizer.model.reach import UniqueReach
from optimizer.model.risk import Risk

LINEAR = (Phases, Packages)  # rows over the hire columns only
EXTENSIONS = (*LINEAR, Amplification, UniqueReach, Risk)


def objective(scenario: Scenario, known: Mapping[str, float | None] | None = None,
              alone: Callable[[Scenario], Any] | None = None) -> Combination:
    """The plan's objective over the hire columns (``phases.combination``): with weighted phases, each scaled by
    its best alone, ``known`` or found by ``alone`` (plans a scenario)."""
    if known is None and alone is not None:
        known = ideals(scenario, alone)
    return combination(scenario, dict(known) if known is not None else None)


def in_steps(scenario: Scenario, optimize: Callable[..., Any], **kwargs) -> Any | None:
    """The plan, when a feature makes it as a sequence of plans (``Extension.in_steps``); None: one solve."""
    for kind in EXTENSIONS:
        if kind.applies(scenario):
            done = kind.in_steps(scenario, optimize, **kwargs)
            if done is not None:
                return done
    return None


def objective_vector(scenario: Scenario) -> np.ndarray:
    """Per-candidate coefficients of the objective's linear part (``objectives.py``; -fee for min_cost; phases
    unscaled, see ``model/phases.py``). CVaR and unique reach live in auxiliary columns (``model/risk.py``,
    ``model/reach.py``), paid boosts in theirs (``model/amplification.py``)."""
    if scenario.goal.method == "ratio":
        raise ValueError("roi is a ratio; decision.optimize solves it by Dinkelbach iterations")
    return combination(scenario).c


def extensions(scenario: Scenario, comb: Combination | None = None, *, draws: np.ndarray | None = None,
               threads: int | None = None, out_of_sample: bool = True,
               kinds: tuple[type[Extension], ...] = EXTENSIONS) -> list[Extension]:
    """The extensions ``scenario`` uses among ``kinds``, in ``EXTENSIONS`` order. ``comb``: the plan's objective
    (its unique-reach term and the phases' scales); ``draws``, ``threads``, ``out_of_sample``: for risk
    (``model/risk.Risk``, which simulates the in-sample runs unless ``draws`` are given)."""
    comb = comb if comb is not None else combination(scenario)
    unique: tuple[float, Audience] | None = comb.unique
    made = {Phases: lambda: Phases(scenario, comb), Packages: lambda: Packages(scenario),
            Amplification: lambda: Amplification(scenario, scenario.weights),
            UniqueReach: lambda: UniqueReach(scenario, unique),
            Risk: lambda: Risk(scenario, draws, threads, out_of_sample)}
    return [made[kind]() for kind in EXTENSIONS if kind in kinds and kind.applies(scenario)]


def extended(model: MilpModel, exts: Collection[Extension], drop: Collection[str] = frozenset()) -> MilpModel:
    """``model`` with every extension's columns and rows, in order."""
    for e in exts:
        model = e.extend(model, drop)
    return model


def build_model(scenario: Scenario, c: np.ndarray | None = None, drop: Collection[str] = ()) -> MilpModel:
    """The linear model of ``scenario`` over the hire columns, objective ``c`` (default: the scenario's linear
    objective): the core rules, the phases' and the options' rows. ``drop`` lists scenario keys to leave out."""
    c = objective_vector(scenario) if c is None else c
    return models(scenario, c, extensions(scenario, kinds=LINEAR), drop)[0]


def models(scenario: Scenario, c: np.ndarray, exts: Collection[Extension],
           drop: Collection[str] = frozenset()) -> tuple[MilpModel, MilpModel]:
    """(the linear model over the hire columns, the whole integer program) with objective ``c`` on the hire
    columns and the extensions ``exts`` (from ``extensions``)."""
    base = extended(core_model(scenario, c, drop), [e for e in exts if isinstance(e, LINEAR)], drop)
    return base, extended(base, [e for e in exts if not isinstance(e, LINEAR)], drop)


def constraint_keys(scenario: Scenario) -> list[str]:
    """Every key that ``build_model`` can drop, in model order."""
    m = build_model(scenario, c=np.zeros(scenario.candidates.n))
    return [r.key for r in m.rows] + list(m.bound_keys)


def rule_statuses(scenario: Scenario, model: MilpModel, x: np.ndarray,
                  exts: Collection[Extension]) -> list[ConstraintStatus]:
    """Each rule's value at ``x`` in the planner's units, its slack, and whether it binds: the core rows here, an
    extension's rows and its other rules by the extension."""
    act = model.activity(x)
    out = []
    for i, row in enumerate(model.rows):
        owner = next((e for e in exts if e.owns(row.key)), None)
        status = owner.status(model, i, x, act) if owner is not None else row_status(scenario, model, i, x, act)
        if status is not None:
            out.append(status)
    for e in exts:
        out += e.statuses(x)
    return out
