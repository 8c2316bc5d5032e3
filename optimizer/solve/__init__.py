"""Solving a model: one interface (``base.Backend``), one module per back end (``cbc.py``, ``highs.py``), the LP
relaxation (``lp.py``), exact reduced-cost fixing (``reduction.py``), the solve that strings them together
(``driver.py``), the planner's heuristics the optimiser is compared with and started from (``heuristics.py``), and
the search for conflicting rules (``diagnose.py``)."""

from optimizer.solve.base import (
    EMPTY,
    ERROR,
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    TIME_LIMIT,
    Backend,
    SolveOutcome,
    Status,
    relative_gap,
    remaining,
)
from optimizer.solve.driver import BACKENDS, solve
from optimizer.solve.lp import lp_relaxation

__all__ = ["BACKENDS", "EMPTY", "ERROR", "FEASIBLE", "INFEASIBLE", "OPTIMAL", "TIME_LIMIT", "Backend", "SolveOutcome",
           "Status", "lp_relaxation", "relative_gap", "remaining", "solve"]
