"""Statistics of a simulated outcome: summaries, probabilities, and VaR and CVaR of profit.

VaR and CVaR are stated in profit, not loss: at alpha = 0.95, VaR is the profit that the worst 5% of runs fall
at or below (the lower 5% quantile, taking the run at rank ceil(0.05 R)), and CVaR is the mean profit of that
worst 5%, with a fractional weight on the boundary run when 0.05 R is not whole. That is exactly
max_t { t - E[(t - profit)^+] / (1 - alpha) } (Rockafellar and Uryasev 2000), the form a CVaR constraint takes
inside an integer program, so a plan's in-model and simulated CVaR are the same quantity.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Summary:
    """Distribution of one outcome over the runs. ``se`` is the Monte Carlo standard error of the mean
    (sd / sqrt(runs)); p5, p50 and p95 are percentiles (linear interpolation)."""

    mean: float | None
    sd: float | None
    se: float | None
    p5: float | None
    p50: float | None
    p95: float | None

    @classmethod
    def of(cls, x: np.ndarray) -> Summary:
        x = np.asarray(x, float)
        if x.size == 0 or not np.all(np.isfinite(x)):
            return cls(None, None, None, None, None, None)
        if x.min() == x.max():  # a constant: exact, without the rounding of a mean of many copies
            v = float(x[0])
            return cls(v, 0.0, 0.0, v, v, v)
        sd = float(np.std(x, ddof=1))
        p5, p50, p95 = (float(v) for v in np.percentile(x, [5, 50, 95]))
        return cls(float(np.mean(x)), sd, sd / math.sqrt(x.size), p5, p50, p95)

    def to_dict(self) -> dict:
        return asdict(self)


def var_cvar(profit: np.ndarray, alpha: float) -> tuple[float, float]:
    """(VaR, CVaR) of profit at level ``alpha`` (0 < alpha < 1), as defined in the module docstring."""
    x = np.asarray(profit, float)
    if x.size == 0:
        raise ValueError("no runs")
    h = (1.0 - alpha) * x.size  # the number of runs in the tail, possibly fractional
    k = min(x.size, max(1, math.ceil(h - 1e-9)))
    part = np.partition(x, k - 1)
    var = float(part[k - 1])
    tail = float(np.sum(part[: k - 1])) + (h - (k - 1)) * var if h >= 1 else var * h
    return var, tail / h


def prob_below(x: np.ndarray, level: float) -> float:
    """Share of runs strictly below ``level``."""
    x = np.asarray(x, float)
    return float(np.mean(x < level))


def binomial_se(p: float, runs: int) -> float:
    """Monte Carlo standard error of an estimated probability."""
    return math.sqrt(max(p * (1.0 - p), 0.0) / runs)
