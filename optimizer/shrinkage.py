"""Empirical-Bayes estimates of each creator's rates from past posts, shrunk toward the creator's group.

A creator's rate (reach per follower, engagements per reached account, orders per reached account) is observed
post by post: y_p = k_p / n_p. Two lucky posts are not a track record, so the model has three layers:

    post        given the creator's rate theta, y_p has mean theta and variance g(theta) / n_p + phi theta^2, with
                g(theta) = theta (1 - theta) for a share (binomial) and theta for a rate that may exceed 1 (views of
                short video; Poisson). phi is the post-to-post variation: a post that lands multiplies the rate,
                so its sd is sqrt(phi) times the rate, and a post is worth at most g(theta) / (phi theta^2)
                trials however many people saw it: one viral post cannot settle a creator's rate.
    creator     theta ~ the group's Beta (Gamma for rates that may exceed 1) with mean mu and sd tau
    group       tier x platform; with fewer than ``MIN_CREATORS`` creators with history, the platform, then the
                tier, then everyone (the order in which scenario defaults apply)

mu and tau are fitted per group by the method of moments, phi once for all groups (``fit_priors``): phi from
the pooled within-creator variance of the post rates less their binomial noise, tau from the variance of the
creators' means less their sampling variance (never below one standard error of that difference: see
``_between_var``), mu as the precision-weighted mean. With rho = phi theta^2 / g(theta) (theta the creator's
current estimate, iterated), a creator's posts count as n_eff = sum_p 1 / (1 / n_p + rho) trials with
k_eff = sum_p y_p / (1 / n_p + rho) successes, and its posterior is conjugate:

    Beta(a + k_eff, b + n_eff - k_eff)     a + b = mu (1 - mu) / tau^2 - 1,  a = mu (a + b)
    Gamma(alpha + k_eff, beta + n_eff)     beta = mu / tau^2,  alpha = mu beta   (rates that may exceed 1)

whose mean is mu + w (ybar - mu) with weight w = n_eff / (n_eff + a + b) on the creator's own data: a creator
without history sits at its group's mean with its group's spread. The posterior variance is widened by
(1 - w)^2 se(mu)^2 for mu being an estimate itself (Kass and Steffey's first-order correction; the intervals are
then Beta or Gamma with the widened variance). The ``_sd`` written for the simulation is the
*predictive* sd of the next post's rate: the posterior variance plus phi mean^2. Order value is shrunk the same
way on revenue per order (normal-normal, weighted by orders); its ``_sd`` is the posterior sd of the creator's
average order value, since a campaign averages over many orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

MIN_CREATORS = 3  # creators with history a group needs for its own prior
_TAU_FLOOR = 0.01  # tau at least 1% of the mean: a group never claims its creators are identical


@dataclass(frozen=True)
class Prior:
    """A group's fitted distribution of a rate: ``mean`` mu, ``between_sd`` tau (between creators), ``phi`` the
    post-to-post variation and ``within_sd`` = sqrt(phi) mu, the sd of one creator's rate from post to post.
    ``bounded``: a share (Beta) rather than a rate that may exceed 1 (Gamma)."""

    level: str  # tier/platform, platform, tier or all
    group: str
    mean: float
    between_sd: float
    within_sd: float
    creators: int
    posts: int
    phi: float = 0.0
    bounded: bool = True
    mean_se: float = 0.0  # standard error of mu: the posteriors widen by (1 - w)^2 mean_se^2 for not knowing mu

    @property
    def concentration(self) -> float:
        """a + b of the Beta prior, or the Gamma prior's rate beta."""
        tau2 = max(self.between_sd ** 2, 1e-300)
        if self.bounded:
            return max(self.mean * (1 - self.mean) / tau2 - 1.0, 1e-6)
        return max(self.mean / tau2, 1e-12)

    def to_dict(self) -> dict:
        return {"level": self.level, "group": self.group, "mean": self.mean, "between_sd": self.between_sd,
                "within_sd": self.within_sd, "phi": self.phi, "creators": self.creators, "posts": self.posts,
                "distribution": "beta" if self.bounded else "gamma", "concentration": self.concentration}


def _g(theta: float, bounded: bool) -> float:
    return theta * (1 - theta) if bounded else theta


def _fit(level: str, group: str, creator: np.ndarray, y: np.ndarray, n: np.ndarray,
         phi_fixed: float | None = None) -> Prior | None:
    """Method-of-moments fit of one group from its posts (with ``phi_fixed``, phi is not re-estimated); None when
    too few creators."""
    if y.size == 0:
        return None
    bounded = bool(np.all(y <= 1.0))
    frame = pd.DataFrame({"c": creator, "y": y, "n": np.maximum(n, 1e-12)})
    grouped = frame.groupby("c", sort=False)
    if grouped.ngroups < MIN_CREATORS:
        return None
    mu0 = float(np.average(y, weights=n)) if n.sum() > 0 else float(y.mean())
    # Noise variances use the group's mean, not each creator's own: weights that fall with a creator's own
    # estimate would pull the group mean toward the creators who happened to look low.
    g0 = _g(mu0, bounded)
    binom = g0 / frame["n"].to_numpy()
    own = grouped["y"].transform("mean").to_numpy()
    size = grouped["y"].transform("size").to_numpy()
    multi = size > 1
    df = float((grouped.size() - 1).sum())
    excess = float(((frame["y"].to_numpy() - own) ** 2).sum()) / df - float(binom[multi].mean()) if df > 0 else 0.0
    m = grouped.size().to_numpy(float)
    ybar = grouped["y"].mean().to_numpy()
    mean_binom = (pd.Series(binom).groupby(creator, sort=False).mean().to_numpy()) / m
    phi, tau2 = 0.0, 0.0
    for _ in range(4):  # the post-to-post variance is phi E[theta^2] = phi (mu^2 + tau^2): phi and tau^2 together
        free = max(0.0, excess / (mu0 ** 2 + tau2)) if mu0 > 0 else 0.0
        phi = free if phi_fixed is None else phi_fixed
        v = mean_binom + phi * (mu0 ** 2 + tau2) / m
        tau2 = _between_var(ybar, v, mu0)
    w = 1.0 / (tau2 + v)
    mu = float((w * ybar).sum() / w.sum())
    if bounded:
        tau2 = min(tau2, 0.999 * mu * (1 - mu))  # a Beta's variance is below mu (1 - mu)
    return Prior(level, group, mu, float(np.sqrt(tau2)), float(np.sqrt(phi) * mu), int(ybar.size), int(y.size), phi,
                 bounded, float(np.sqrt(1.0 / w.sum())))


def _between_var(ybar: np.ndarray, v: np.ndarray, mu0: float) -> float:
    """tau^2: the variance of the creators' means less their sampling variance (method of moments), but never
    below one standard error of that estimate, sqrt(2 / (J - 1)) (tau^2 + mean v): when the creators' noise hides
    their spread, the estimate often lands near 0, and a prior that narrow would make every interval too short.
    Never below 1% of the mean either."""
    raw = float(np.var(ybar, ddof=1)) - float(v.mean())
    se = float(np.sqrt(2.0 / max(ybar.size - 1, 1))) * (max(raw, 0.0) + float(v.mean()))
    return max(raw, se, (_TAU_FLOOR * max(abs(mu0), 1e-12)) ** 2)


def fit_priors(creator: np.ndarray, tier: np.ndarray, platform: np.ndarray, y: np.ndarray,
               n: np.ndarray) -> dict[tuple[str | None, str | None], Prior]:
    """Priors for every (tier, platform), platform (None, p), tier (t, None) and (None, None) group that has
    enough creators. Arrays are per post.

    The post-to-post variation phi is a property of how posts land (the algorithm, the day), not of a tier, and it
    is the hardest moment to estimate from a few posts per creator; so it is pooled over every creator with two or
    more posts (``phi`` of the group "all") and shared by all groups, which then fit their own mu and tau."""
    pooled = _fit("all", "all", creator, y, n)
    phi = pooled.phi if pooled is not None else None
    out: dict[tuple[str | None, str | None], Prior] = {}
    for key, sel, level, name in _groups(tier, platform):
        prior = _fit(level, name, creator[sel], y[sel], n[sel], phi_fixed=phi)
        if prior is not None:
            out[key] = prior
    return out


def _groups(tier: np.ndarray, platform: np.ndarray):
    """(key, mask, level, name) for every group, most specific first."""
    out = [((t, p), (tier == t) & (platform == p), "tier/platform", f"{t}/{p}")
           for t, p in sorted({(t, p) for t, p in zip(tier, platform, strict=True)})]
    out += [((None, p), platform == p, "platform", p) for p in sorted(set(platform))]
    out += [((t, None), tier == t, "tier", t) for t in sorted(set(tier))]
    out.append(((None, None), np.ones(tier.size, dtype=bool), "all", "all"))
    return out


def prior_for(priors: dict, tier: str, platform: str) -> Prior | None:
    """The most specific prior that exists: tier/platform, platform, tier, all."""
    for key in ((tier, platform), (None, platform), (tier, None), (None, None)):
        if key in priors:
            return priors[key]
    return None


@dataclass(frozen=True)
class Estimate:
    """One creator's rate: ``mean`` (posterior), ``posterior_sd``, ``predictive_sd`` (the next post), ``raw`` (the
    plain average of its posts, None without history), ``posts``, ``weight`` on its own data, the prior used, and
    the posterior's two parameters (Beta a, b; or Gamma shape, rate)."""

    mean: float
    posterior_sd: float
    predictive_sd: float
    raw: float | None
    posts: int
    weight: float
    prior: Prior
    shape: tuple[float, float] | None = None

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        """Central posterior interval for the creator's rate."""
        q = np.array([(1 - level) / 2, (1 + level) / 2])
        if self.shape is None:
            z = stats.norm.ppf(q[1])
            return max(0.0, self.mean - z * self.posterior_sd), self.mean + z * self.posterior_sd
        a, b = self.shape
        if self.prior.bounded:
            lo, hi = stats.beta.ppf(q, a, b)
        else:
            lo, hi = stats.gamma.ppf(q, a, scale=1.0 / b)
        return float(lo), float(hi)


def posterior(prior: Prior, y: np.ndarray, n: np.ndarray) -> Estimate:
    """A creator's estimate from its posts' rates ``y`` with denominators ``n`` (both may be empty)."""
    c = prior.concentration
    y = np.asarray(y, float)
    n = np.maximum(np.asarray(n, float), 1e-12)
    theta = prior.mean
    for _ in range(4):  # the post-to-post variation depends on the creator's rate: iterate on the estimate
        rho = prior.phi * theta ** 2 / max(_g(theta, prior.bounded), 1e-300)
        e = 1.0 / (1.0 / n + rho)
        n_eff = float(e.sum())
        k_eff = float((e * y).sum())
        if prior.bounded:
            k_eff = min(k_eff, n_eff)
            a, b = prior.mean * c + k_eff, (1 - prior.mean) * c + n_eff - k_eff
            theta, var = a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))
        else:
            a, b = prior.mean * c + k_eff, c + n_eff
            theta, var = a / b, a / b ** 2
        if not y.size:
            break
    raw = float(np.mean(y)) if y.size else None
    weight = n_eff / (n_eff + c)
    shape = (a, b)
    extra = ((1 - weight) * prior.mean_se) ** 2  # mu is itself an estimate (Kass and Steffey's first-order term)
    if extra > 0 and var > 0 and theta > 0 and (theta < 1 or not prior.bounded):
        var += extra
        if prior.bounded:
            var = min(var, 0.999 * theta * (1 - theta))
            k = theta * (1 - theta) / var - 1
            shape = (theta * k, (1 - theta) * k)
        else:
            shape = (theta ** 2 / var, theta / var)
    return Estimate(theta, float(np.sqrt(var)), float(np.sqrt(var + prior.phi * theta ** 2)), raw, int(y.size),
                    weight, prior, shape)


def order_value_priors(creator: np.ndarray, tier: np.ndarray, platform: np.ndarray, revenue: np.ndarray,
                       orders: np.ndarray) -> dict:
    """Priors for revenue per order, from posts with orders: per post y = revenue / orders carries
    ``orders`` orders, so its variance is s^2 / orders with s^2 the per-order variance (fitted like sigma_w)."""
    keep = orders > 0
    y = revenue[keep] / orders[keep]
    return _value_priors(creator[keep], tier[keep], platform[keep], y, orders[keep])


def _value_priors(creator, tier, platform, y, weight) -> dict:
    out = {}
    for key, sel, level, name in _groups(tier, platform):
        prior = _fit_value(level, name, creator[sel], y[sel], weight[sel])
        if prior is not None:
            out[key] = prior
    return out


def _fit_value(level: str, group: str, creator, y, weight) -> Prior | None:
    if y.size == 0:
        return None
    frame = pd.DataFrame({"c": creator, "y": y, "w": weight})
    frame["wy"] = frame["w"] * frame["y"]
    g = frame.groupby("c", sort=False)
    total = g["w"].sum().to_numpy()
    ybar = g["wy"].sum().to_numpy() / total
    if ybar.size < MIN_CREATORS:
        return None
    mean_of = g["wy"].transform("sum") / g["w"].transform("sum")
    posts = g["y"].transform("size")
    df = float((g.size() - 1).sum())
    if df > 0:
        s2 = float((frame["w"] * (frame["y"] - mean_of) ** 2)[posts > 1].sum()) / df  # per order
    else:
        s2 = (0.3 * float(ybar.mean())) ** 2  # judgement: order values vary 30% around a creator's mean
    v = s2 / total
    mu0 = float(np.average(ybar, weights=total))
    tau2 = _between_var(ybar, v, mu0)
    w = 1.0 / (tau2 + v)
    mu = float((w * ybar).sum() / w.sum())
    return Prior(level, group, mu, float(np.sqrt(tau2)), float(np.sqrt(s2)), int(ybar.size), int(y.size))


def value_posterior(prior: Prior, revenue: float, orders: float, posts: int) -> Estimate:
    """A creator's average order value from its total ``revenue`` and ``orders``; the sd is the posterior's."""
    mu, tau2, s2 = prior.mean, prior.between_sd ** 2, prior.within_sd ** 2
    if orders <= 0:
        return Estimate(mu, prior.between_sd, prior.between_sd, None, 0, 0.0, prior)
    v = s2 / orders
    w = tau2 / (tau2 + v)
    raw = revenue / orders
    mean = mu + w * (raw - mu)
    sd = float(np.sqrt(w * v))
    return Estimate(mean, sd, sd, raw, posts, float(w), prior)
