"""What every MILP back end shares: the statuses, the outcome, the gap, and the interface (``Backend``) that
``cbc.py`` and ``highs.py`` implement, one module each, like PuLP's ``apis/``. Every back end maximises
``c . x + offset`` over a :class:`~optimizer.model.formulation.MilpModel`, reports the bound it proved, and never
calls a time-limited solve optimal.

Gap, everywhere in this package: (bound - value) / max(|value|, |bound|), with bound the best proven upper
bound on the objective; 0 when the two agree.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum

import numpy as np

from optimizer.model.formulation import MilpModel


class Status(str, Enum):
    """How a solve ended. A ``str``: it compares equal to, prints as and is written to JSON as its value."""

    OPTIMAL = "optimal"  # proven within the requested gap
    FEASIBLE = "feasible"  # a mix, its gap not proven within the requested one
    TIME_LIMIT = "time_limit"  # stopped by the clock: never called optimal
    INFEASIBLE = "infeasible"  # no mix meets every rule
    ERROR = "error"
    EMPTY = "empty"  # solved, and the best mix hires nobody (decision.py says why)

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


OPTIMAL, FEASIBLE, TIME_LIMIT, INFEASIBLE, ERROR, EMPTY = (Status.OPTIMAL, Status.FEASIBLE, Status.TIME_LIMIT,
                                                           Status.INFEASIBLE, Status.ERROR, Status.EMPTY)


@dataclass
class SolveOutcome:
    """What a back end returns. ``x`` is None when no feasible solution was found."""

    status: Status
    x: np.ndarray | None
    value: float | None  # c . x + offset
    bound: float | None  # proven upper bound on the optimum
    seconds: float
    solver: str
    message: str = ""

    @property
    def gap(self) -> float | None:
        return relative_gap(self.value, self.bound)

    @property
    def has_solution(self) -> bool:
        return self.x is not None


def relative_gap(value: float | None, bound: float | None) -> float | None:
    if value is None or bound is None or not math.isfinite(bound):
        return None
    den = max(abs(value), abs(bound))
    if den < 1e-12:
        return 0.0
    return max(0.0, (bound - value) / den)


def remaining(time_limit: float | None, start: float) -> float | None:
    """Seconds left of ``time_limit`` from ``start`` (``time.perf_counter()``), at least 0.01; None: no limit."""
    if time_limit is None:
        return None
    return max(0.01, time_limit - (time.perf_counter() - start))


def rounded(model: MilpModel, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, float).copy()
    x[model.integer] = np.round(x[model.integer])
    return np.clip(x, model.lb, model.ub)




class Backend(ABC):
    """One MILP solver. ``solve`` maximises ``model`` to the relative ``gap`` (or the absolute ``abs_gap``) within
    ``time_limit`` seconds (None: no limit), stopping on time with status ``time_limit``; it returns
    ``x = None`` when it found no feasible mix. A new back end is one subclass and a line in
    ``optimizer.solve.BACKENDS``."""

    name: str

    @abstractmethod
    def solve(self, model: MilpModel, time_limit: float | None, gap: float, abs_gap: float,
              start: np.ndarray | None = None) -> SolveOutcome:
        """The best mix found, its value and the proven bound. ``start``: a full solution known to be feasible,
        which a back end may use as its first incumbent (a MIP start); never required."""

    def available(self) -> bool:
        """Whether the solver can run on this machine."""
        return True
