"""Synthetic creator markets whose true per-creator rates are known: a shortlist and a post history to hand the
tool, and the truth to judge its plans by (``benchmarks/bench_decisions.py`` and the decision tests).

Truth, per creator (z = log10(followers / 10,000)):

    reach rate       r0_p exp(s_p z + e),  e ~ N(0, 0.25^2)            Instagram 0.30, TikTok 0.60 (may exceed 1),
                                                                         YouTube 0.25 at 10k; falls 15-25% a decade
    engagement rate  e0_p exp(t_p z + e),  e ~ N(0, 0.35^2)            falls on Instagram, nearly flat on TikTok
    conversion rate  c0_p exp(-0.6 z + e), e ~ N(0, 0.5^2)             per reached account; falls 45% a decade
    order value      45 exp(e), e ~ N(0, 0.15^2)
    fee              30 (followers / 1,000)^0.85 exp(e), e ~ N(0, 0.35^2)   bigger creators cost less per follower

A creator effect is lognormal, not the Gamma the model assumes, and in the ``steps`` structure rates change by
tier in steps, not along a line: the model is not handed its own assumptions. Each post's rates are the
creator's times a lognormal luck factor with mean 1 (log-sd 0.4: phi = exp(0.16) - 1 = 0.17); counts are
binomial (Poisson for reach above 1). Structures (``STRUCTURES``) add: a platform that converts at a quarter of
the rate, sparse histories (half the creators without posts, the rest 1-3), several mega creators without
history, fees with bargains and overpriced creators (fee log-sd 0.8), and steps by tier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

STRUCTURES = ("falling", "poor_platform", "sparse", "megas", "bargains", "steps")
PLATFORMS = ("instagram", "tiktok", "youtube")
_R0 = {"instagram": 0.30, "tiktok": 0.60, "youtube": 0.25}
_RS = {"instagram": -0.25, "tiktok": -0.15, "youtube": -0.20}
_E0 = {"instagram": 0.05, "tiktok": 0.07, "youtube": 0.04}
_ES = {"instagram": -0.35, "tiktok": -0.05, "youtube": -0.25}
_C0 = {"instagram": 0.004, "tiktok": 0.003, "youtube": 0.003}
LUCK = 0.4  # log-sd of a post's luck factor
CREATOR_SD = {"reach_rate": 0.25, "conversion_rate": 0.5}  # log-sd of a creator's effect
AOV = 45.0
BUDGET_SHARE = 0.06  # of the shortlist's total fees


@dataclass(frozen=True)
class Market:
    """``shortlist`` and ``posts`` are what the tool sees; ``truth`` holds each creator's true rates (and
    ``expected_profit`` of one post); ``budget`` in dollars."""

    seed: int
    structure: str
    shortlist: pd.DataFrame
    posts: pd.DataFrame
    truth: pd.DataFrame
    budget: float


def make_market(seed: int, structure: str | None = None, creators: int = 300) -> Market:
    rng = np.random.default_rng(seed)
    structure = structure or STRUCTURES[seed % len(STRUCTURES)]
    n = creators
    plat = rng.choice(PLATFORMS, n, p=[0.5, 0.35, 0.15])
    mega_share = 0.10 if structure == "megas" else 0.04
    band = rng.choice(4, n, p=[0.46, 0.36, 0.18 - mega_share, mega_share])
    logf = np.array([3.0, 4.0, 5.0, 6.0])[band] + rng.uniform(0, 1, n) * np.array([1, 1, 1, 0.6])[band]
    followers = np.round(10 ** logf).astype(int)
    z = logf - 4.0
    r0 = np.array([_R0[p] for p in plat])
    rs = np.array([_RS[p] for p in plat])
    e0 = np.array([_E0[p] for p in plat])
    es = np.array([_ES[p] for p in plat])
    c0 = np.array([_C0[p] for p in plat])
    if structure == "poor_platform":
        c0 = np.where(plat == "tiktok", c0 / 4, c0)
    zt = np.floor(z) + 0.5 if structure == "steps" else z  # steps: flat within a tier, not along a line
    reach_log_mean = np.log(r0) + rs * zt  # the truth's prior: log rate ~ N(this, CREATOR_SD[rate]^2)
    reach = r0 * np.exp(rs * zt + rng.normal(0, CREATOR_SD["reach_rate"], n))
    reach = np.where(plat == "tiktok", reach, np.minimum(reach, 0.95))
    eng = np.minimum(e0 * np.exp(es * zt + rng.normal(0, 0.35, n)), 0.5)
    conversion_log_mean = np.log(c0) - 0.6 * zt
    conv = np.minimum(c0 * np.exp(-0.6 * zt + rng.normal(0, CREATOR_SD["conversion_rate"], n)), 0.2)
    aov = AOV * np.exp(rng.normal(0, 0.15, n))
    fee_sd = 0.8 if structure == "bargains" else 0.35
    fee = np.round(30 * (followers / 1000) ** 0.85 * np.exp(rng.normal(0, fee_sd, n)), 2)
    ids = np.array([f"{p[:2]}-{i:03d}" for i, p in enumerate(plat)], dtype=object)
    p_none, max_posts = (0.5, 3) if structure == "sparse" else (0.3, 8)
    m = np.where(rng.random(n) < p_none, 0, rng.integers(1, max_posts + 1, n))
    if structure == "megas":
        m = np.where(band == 3, 0, m)
    rows = []
    for i in np.flatnonzero(m > 0):
        for p in range(int(m[i])):
            f = int(followers[i] * rng.uniform(0.95, 1.02))
            luck = rng.lognormal(-LUCK ** 2 / 2, LUCK, 3)
            rr = reach[i] * luck[0]
            rch = int(rng.poisson(f * rr)) if rr > 1 or plat[i] == "tiktok" else int(rng.binomial(f, rr))
            e = int(rng.binomial(rch, min(eng[i] * luck[1], 1.0)))
            o = int(rng.binomial(rch, min(conv[i] * luck[2], 1.0)))
            rev = float(rng.gamma(4.0, aov[i] / 4.0, o).sum()) if o else 0.0
            rows.append({"id": ids[i], "platform": plat[i], "date": f"2025-{1 + p % 12:02d}-{1 + p:02d}",
                         "followers": f, "reach": rch, "engagements": e, "orders": o, "revenue": round(rev, 2)})
    posts = pd.DataFrame(rows, columns=["id", "platform", "date", "followers", "reach", "engagements", "orders",
                                        "revenue"])
    shortlist = pd.DataFrame({"id": ids, "platform": plat, "followers": followers, "fee": fee})
    truth = pd.DataFrame({"id": ids, "platform": plat, "followers": followers, "fee": fee, "posts": m,
                          "reach_rate": reach, "engagement_rate": eng, "conversion_rate": conv, "order_value": aov})
    truth["expected_profit"] = followers * reach * conv * aov - fee
    truth["reach_log_mean"], truth["conversion_log_mean"] = reach_log_mean, conversion_log_mean
    budget = float(np.round(BUDGET_SHARE * fee.sum(), -2))
    return Market(seed, structure, shortlist, posts, truth, budget)


def true_prior_posterior(market: Market, rate: str) -> np.ndarray:
    """Each creator's posterior mean of ``rate`` (reach_rate or conversion_rate) under the generator's own prior
    (lognormal around the truth's line, ``CREATOR_SD``) and its post-to-post luck: the best estimate any method
    could make from the history, a ceiling for the benchmark (numerical integration over a grid of log rates)."""
    t = market.truth
    mu = t["reach_log_mean" if rate == "reach_rate" else "conversion_log_mean"].to_numpy()
    grid = np.linspace(-5, 5, 401)
    theta = np.exp(mu[:, None] + CREATOR_SD[rate] * grid[None, :])
    bounded = rate == "conversion_rate"
    phi = np.expm1(LUCK ** 2)
    loglik = np.zeros_like(theta)
    posts = market.posts
    k, n = (posts["reach"], posts["followers"]) if rate == "reach_rate" else (posts["orders"], posts["reach"])
    keep = n.to_numpy() > 0
    index = {c: i for i, c in enumerate(t["id"])}
    rows = posts["id"].map(index).to_numpy()[keep]
    y = (k / n.where(n > 0, 1)).to_numpy(float)[keep]
    nn = n.to_numpy(float)[keep]
    th = theta[rows]
    g = th * (1 - th) if bounded else th
    var = g / nn[:, None] + phi * th ** 2  # the post's rate: binomial (Poisson) noise and the luck factor
    np.add.at(loglik, rows, -0.5 * np.log(var) - 0.5 * (y[:, None] - th) ** 2 / var)
    w = np.exp(loglik - loglik.max(axis=1, keepdims=True) - 0.5 * grid[None, :] ** 2)
    return (w * theta).sum(axis=1) / w.sum(axis=1)


def true_outcomes(truth: pd.DataFrame, positions, runs: int, seed: int) -> dict:
    """The true distribution of one post each from the creators at ``positions``: expected profit (exact), and
    from ``runs`` simulated campaigns P(loss), the 5th percentile of profit and CVaR 5% (mean of the worst 5%)."""
    pos = np.asarray(positions, int)
    t = truth.iloc[pos]
    expected = float(t["expected_profit"].sum())
    if pos.size == 0:
        return {"expected": 0.0, "p_loss": 0.0, "p5": 0.0, "cvar": 0.0}
    rng = np.random.default_rng(seed)
    k = pos.size
    luck = rng.lognormal(-LUCK ** 2 / 2, LUCK, (runs, 2, k))
    f = t["followers"].to_numpy(float)
    rr = t["reach_rate"].to_numpy() * luck[:, 0]
    reach = rng.poisson(f * rr).astype(float)
    orders = rng.binomial(reach.astype(np.int64), np.minimum(t["conversion_rate"].to_numpy() * luck[:, 1], 1.0))
    profit = (orders * t["order_value"].to_numpy()).sum(axis=1) - float(t["fee"].sum())
    worst = np.sort(profit)[: max(1, runs // 20)]
    return {"expected": expected, "p_loss": float((profit < 0).mean()), "p5": float(np.percentile(profit, 5)),
            "cvar": float(worst.mean())}
