"""influencer-mix: plan an influencer-marketing campaign as a portfolio.

    >>> from optimizer import Scenario, plan
    >>> result = plan(Scenario.from_dict({"budget": 15000, "objective": "profit"}, candidates=frame))
    >>> result.to_dict()["totals"]["profit"]

The names below load on first use (PEP 562), so that importing one room (``optimizer.domain.tiers``) does not
import the whole package, and each module can be imported on its own (``tests/test_architecture.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "assess": "optimizer.analysis.comparison",
    "Deliverable": "optimizer.api", "deliver": "optimizer.api", "plan": "optimizer.api", "simulate": "optimizer.api",
    "Outcomes": "optimizer.domain.funnel", "Totals": "optimizer.domain.funnel",
    "InputError": "optimizer.errors", "Problem": "optimizer.errors",
    "COLUMNS": "optimizer.io.candidates", "Candidates": "optimizer.io.candidates",
    "Defaults": "optimizer.io.candidates", "load_candidates": "optimizer.io.candidates",
    **dict.fromkeys(("OBJECTIVES", "Constraints", "GroupLimit", "Scenario", "Shocks", "SimulationSettings",
                     "SolverSettings", "load_scenario"), "optimizer.io.scenario"),
    **dict.fromkeys(("Alternative", "Assessment", "ConstraintStatus", "PlanResult"), "optimizer.result"),
    "SimulationResult": "optimizer.simulation.engine", "simulate_mixes": "optimizer.simulation.engine",
    "SCHEMA_VERSION": "optimizer.utils.jsonable",
    "compare": "optimizer.api",
}
__all__ = [
    "Alternative", "Assessment", "COLUMNS", "Candidates", "ConstraintStatus", "Constraints", "Defaults",
    "Deliverable", "GroupLimit", "InputError", "OBJECTIVES", "Outcomes", "PlanResult", "Problem", "SCHEMA_VERSION",
    "Scenario", "Shocks", "SimulationResult", "SimulationSettings", "SolverSettings", "Totals", "assess", "compare",
    "deliver",
    "load_candidates", "load_scenario", "plan", "simulate", "simulate_mixes",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from optimizer.analysis.comparison import assess
    from optimizer.api import Deliverable, compare, deliver, plan, simulate
    from optimizer.domain.funnel import Outcomes, Totals
    from optimizer.errors import InputError, Problem
    from optimizer.io.candidates import COLUMNS, Candidates, Defaults, load_candidates
    from optimizer.io.scenario import (
        OBJECTIVES,
        Constraints,
        GroupLimit,
        Scenario,
        Shocks,
        SimulationSettings,
        SolverSettings,
        load_scenario,
    )
    from optimizer.result import Alternative, Assessment, ConstraintStatus, PlanResult
    from optimizer.simulation.engine import SimulationResult, simulate_mixes
    from optimizer.utils.jsonable import SCHEMA_VERSION
