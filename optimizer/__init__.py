"""influencer-mix: plan an influencer-marketing campaign as a portfolio.

    >>> from optimizer import Scenario, plan
    >>> result = plan(Scenario.from_dict({"budget": 15000, "objective": "profit"}, candidates=frame))
    >>> result.to_dict()["totals"]["profit"]
"""

from optimizer.analysis.comparison import assess
from optimizer.api import Deliverable, deliver, plan, simulate
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
from optimizer.simulate.engine import SimulationResult, simulate_mixes
from optimizer.utils.jsonable import SCHEMA_VERSION

__all__ = [
    "COLUMNS", "OBJECTIVES", "SCHEMA_VERSION", "Alternative", "Assessment", "Candidates", "ConstraintStatus",
    "Deliverable", "deliver",
    "Constraints", "Defaults", "GroupLimit", "InputError", "Outcomes", "PlanResult", "Problem", "Scenario", "Shocks",
    "SimulationResult", "SimulationSettings", "SolverSettings", "Totals", "assess", "load_candidates", "load_scenario",
    "plan", "simulate", "simulate_mixes",
]
__version__ = "0.1.0"
