"""influencer-mix: plan an influencer-marketing campaign as a portfolio.

    >>> from optimizer import Scenario, plan
    >>> result = plan(Scenario.from_dict({"budget": 15000, "objective": "profit"}, candidates=frame))
    >>> result.to_dict()["totals"]["profit"]
"""

from .candidates import COLUMNS, Candidates, Defaults, load_candidates
from .comparison import Alternative, Assessment, assess
from .errors import InputError, Problem
from .funnel import Outcomes, Totals
from .plan import plan
from .result import SCHEMA_VERSION, ConstraintStatus, PlanResult
from .scenario import (
    OBJECTIVES,
    Constraints,
    GroupLimit,
    Scenario,
    Shocks,
    SimulationSettings,
    SolverSettings,
    load_scenario,
)
from .simulation import SimulationResult, simulate, simulate_mixes

__all__ = [
    "COLUMNS", "OBJECTIVES", "SCHEMA_VERSION", "Alternative", "Assessment", "Candidates", "ConstraintStatus",
    "Constraints", "Defaults", "GroupLimit", "InputError", "Outcomes", "PlanResult", "Problem", "Scenario", "Shocks",
    "SimulationResult", "SimulationSettings", "SolverSettings", "Totals", "assess", "load_candidates", "load_scenario",
    "plan", "simulate", "simulate_mixes",
]
__version__ = "0.1.0"
