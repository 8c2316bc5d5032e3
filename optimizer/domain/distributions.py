"""Each candidate's uncertainty: distributions matched to a mean and a standard deviation.

- ``engagement_rate`` and ``conversion_rate`` are Beta(a, b) with a = m nu, b = (1 - m) nu, nu = m (1 - m) / sd^2 - 1.
  A Beta exists only for 0 < m < 1 and sd^2 < m (1 - m); any other sd > 0 is an input error naming the row.
- ``reach_rate`` is Beta the same way when its mean is below 1. Short-video views can exceed the follower count, so
  a mean of 1 or more is Gamma(k, theta) with k = m^2 / sd^2, theta = sd^2 / m (the count is then Poisson).
- ``order_value`` (the creator's average order value) is lognormal: sigma^2 = ln(1 + sd^2 / m^2),
  mu = ln m - sigma^2 / 2.
- A shared shock with mean 1 and sd s is lognormal the same way (m = 1).

An sd of 0 (or an empty ``_sd`` cell) means the value is known: it is used as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

RATE_COLUMNS: tuple[str, ...] = ("reach_rate", "engagement_rate", "conversion_rate")
SD_COLUMNS: dict[str, str] = {c: f"{c}_sd" for c in (*RATE_COLUMNS, "order_value")}

FIXED, BETA, GAMMA, LOGNORMAL = 0, 1, 2, 3


def beta_limit(mean: np.ndarray) -> np.ndarray:
    """The largest sd a Beta distribution with this mean can have (exclusive): sqrt(m (1 - m))."""
    m = np.asarray(mean, float)
    return np.sqrt(np.clip(m * (1.0 - m), 0.0, None))


def impossible_beta(mean: np.ndarray, sd: np.ndarray, allow_above_one: bool = False) -> np.ndarray:
    """Mask of rows whose (mean, sd > 0) no Beta distribution has. With ``allow_above_one``, means of 1 or more
    are fine (they are Gamma)."""
    m, s = np.asarray(mean, float), np.asarray(sd, float)
    varied = s > 0
    beta_rows = m < 1.0 if allow_above_one else np.ones(m.shape, dtype=bool)
    return varied & beta_rows & ((m <= 0) | (m >= 1) | (s >= beta_limit(m)))


def lognormal_params(mean: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mu, sigma) of the lognormal with this mean (> 0) and sd."""
    m, s = np.asarray(mean, float), np.asarray(sd, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma2 = np.where(m > 0, np.log1p((s / np.where(m > 0, m, 1.0)) ** 2), 0.0)
        mu = np.where(m > 0, np.log(np.where(m > 0, m, 1.0)) - sigma2 / 2, -np.inf)
    return mu, np.sqrt(sigma2)


@dataclass(frozen=True)
class Marginal:
    """One uncertain quantity for n candidates: ``kind`` (FIXED, BETA, GAMMA or LOGNORMAL per row), the mean, and
    the two parameters of each row's distribution (Beta a, b; Gamma shape, scale; lognormal mu, sigma)."""

    kind: np.ndarray
    mean: np.ndarray
    p1: np.ndarray
    p2: np.ndarray

    def draw(self, i: int, rng: np.random.Generator, size: int) -> np.ndarray | float:
        """``size`` draws for row ``i`` (a float when the value is fixed; no random numbers are used then)."""
        k = self.kind[i]
        if k == FIXED:
            return float(self.mean[i])
        if k == BETA:
            return rng.beta(self.p1[i], self.p2[i], size)
        if k == GAMMA:
            return rng.gamma(self.p1[i], self.p2[i], size)
        return rng.lognormal(self.p1[i], self.p2[i], size)


def rate_marginal(mean: np.ndarray, sd: np.ndarray, allow_above_one: bool = False) -> Marginal:
    """Beta (or Gamma above 1, with ``allow_above_one``) per row; rows must already be valid."""
    m = np.asarray(mean, float)
    s = np.nan_to_num(np.asarray(sd, float), nan=0.0)
    varied = s > 0
    gamma = varied & (m >= 1.0) & allow_above_one
    beta = varied & ~gamma
    with np.errstate(divide="ignore", invalid="ignore"):
        nu = np.where(beta, m * (1 - m) / np.where(beta, s * s, 1.0) - 1.0, 1.0)
        p1 = np.where(beta, m * nu, np.where(gamma, m * m / np.where(gamma, s * s, 1.0), 0.0))
        p2 = np.where(beta, (1 - m) * nu, np.where(gamma, s * s / np.where(gamma, m, 1.0), 0.0))
    kind = np.where(beta, BETA, np.where(gamma, GAMMA, FIXED))
    return Marginal(kind=kind, mean=m, p1=p1, p2=p2)


def value_marginal(mean: np.ndarray, sd: np.ndarray) -> Marginal:
    """Lognormal per row where sd > 0 (mean must then be > 0), else fixed."""
    m = np.asarray(mean, float)
    s = np.nan_to_num(np.asarray(sd, float), nan=0.0)
    varied = (s > 0) & (m > 0)
    mu, sigma = lognormal_params(np.where(varied, m, 1.0), np.where(varied, s, 0.0))
    return Marginal(kind=np.where(varied, LOGNORMAL, FIXED), mean=m, p1=mu, p2=sigma)


@dataclass(frozen=True)
class Uncertainty:
    """The marginals of every candidate, built once from a validated candidate table."""

    audience: np.ndarray  # followers x audience_quality: the accounts a post can reach (may be fractional)
    reach_rate: Marginal
    engagement_rate: Marginal
    conversion_rate: Marginal
    order_value: Marginal
    fee: np.ndarray

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> Uncertainty:
        def col(name: str) -> np.ndarray:
            return table[name].to_numpy(float) if name in table else np.zeros(len(table))

        return cls(
            audience=table["followers"].to_numpy(float) * table["audience_quality"].to_numpy(float)
            * (table["post_factor"].to_numpy(float) if "post_factor" in table else 1.0),  # packages: options.py
            reach_rate=rate_marginal(col("reach_rate"), col("reach_rate_sd"), allow_above_one=True),
            engagement_rate=rate_marginal(col("engagement_rate"), col("engagement_rate_sd")),
            conversion_rate=rate_marginal(col("conversion_rate"), col("conversion_rate_sd")),
            order_value=value_marginal(col("order_value"), col("order_value_sd")),
            fee=table["fee"].to_numpy(float),
        )
