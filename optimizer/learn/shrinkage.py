"""Empirical-Bayes estimates of each creator's rates from past posts, shrunk toward a regression on audience size.

A creator's rate (reach per follower, engagements per reached account, orders per reached account) is observed
post by post: y_p = k_p / n_p. Two lucky posts are not a track record, and rates fall with audience size (the
premise of the nano-vs-macro literature), so a creator is pulled toward creators *of its size and platform*, not
toward a group average. Three layers (Fay and Herriot 1979; Gelman and Hill 2007, ch. 14):

    post        given the creator's rate theta, y_p has mean theta and variance g(theta) / n_p + phi theta^2, with
                g(theta) = theta (1 - theta) for a share (binomial) and theta for a rate that may exceed 1 (views of
                short video; Poisson). phi is the post-to-post variation: a post that lands multiplies the rate, so
                its sd is sqrt(phi) times the rate, and a post is worth at most g(theta) / (phi theta^2) trials
                however many people saw it: one viral post cannot settle a creator's rate.
    creator     theta_i has mean mu_i and sd kappa_p mu_i (a Gamma; kappa_p is the spread between creators of
                one size on platform p, as a coefficient of variation), with log mu_i = x_i' beta, where
                z_i = log10(F_i / 10^4) (F_i the creator's followers) and x_i holds: an intercept and z_i; a hinge
                max(0, z_i - z_k) at each tier cut-off above the lowest (the slope may change there); a level step
                for each tier; and each platform's own intercept and slope (platform_i, platform_i z_i).
    population  the deviations are partially pooled toward the common line (prior sds on the log scale): platform
                intercepts 1, platform slopes 0.3, slope changes 0.15 per decade, tier steps 0.15; intercept 10 and
                common slope 1 per decade (weak). A hinge or tier beyond the largest creator with history keeps
                its prior: the line goes on with the last slope seen, and its uncertainty grows with the distance.

Fitting (``fit_rate``). phi is estimated first, per creator against the creator's *own* binomial noise (so that
rates that fall with reach are not mistaken for post-to-post variation): with m_i >= 2 posts, s_i^2 the variance
of its post rates, b_i = mean_p g(ybar_i) / n_p its binomial part and q_i = ybar_i^2 - s_i^2 / m_i (unbiased for
theta_i^2),

    phi = sum_i a_i (s_i^2 - b_i) / sum_i a_i q_i,   a_i = (m_i - 1) t_i^2 / (g(t_i) mean_p(1 / n_p) + phi t_i^2)^2

(t_i the creator's fitted mean, iterated; a_i approximates inverse-variance weights), with a sandwich standard
error. Each creator's posts then count as n_i = sum_p 1 / (1 / n_p + rho_i) trials with
k_i = sum_p y_p / (1 / n_p + rho_i) successes, rho_i = phi t_i^2 / g(t_i), and beta maximises the penalised
negative-binomial (Gamma-Poisson) likelihood of (k_i, n_i) over all creators with history, given kappa (for a
share, k_i and n_i are first divided by 1 - t_i, so that the Poisson variance is the binomial one). kappa_p is then
estimated by moments: the squared residuals (k_i - e_i)^2 / (1 - h_i) (e_i the fitted counts, h_i their leverage)
less their Poisson part e_i, against e_i^2, never below one standard error of the estimate; per platform with
``MIN_SPREAD_CREATORS`` or more creators with history, else pooled; beta and kappa alternate until they settle.
The fit's covariance V_beta is the inverse of the penalised information, X' W X + P.

Prediction (``RateModel.priors``). A creator j gets the prior mean mu_j = exp(x_j' beta) and the prior variance

    mu_j^2 ((1 + kappa_p^2) exp(v_j) - 1),    v_j = x_j' V_beta x_j (+ 1 + 0.09 z_j^2 for a platform without
                                                                       history, whose kappa is the largest seen)

which holds both the spread between creators of its size and the uncertainty of the fitted curve at its size: a
1.4M-follower creator predicted from two macro creators is far from the data and its v_j says so. The posterior
is conjugate with the creator's effective counts:

    Beta(a + k_i, b + n_i - k_i)     a + b = mu (1 - mu) / V - 1,  a = mu (a + b)        (shares)
    Gamma(alpha + k_i, beta + n_i)   beta = mu / V,  alpha = mu beta                      (rates that may exceed 1)

with weight w = n_i / (n_i + a + b) on the creator's own data (0 without history). The ``_sd`` written for the
simulation is the *predictive* sd of the next post's rate: the posterior variance plus phi mean^2.

Order value (revenue per order) is shrunk by group (tier x platform, then platform, tier, all), normal-normal,
weighted by orders; its ``_sd`` is the posterior sd of the creator's average order value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

MIN_CREATORS = 3  # creators with history a fit needs
MIN_SPREAD_CREATORS = 10  # creators with history a platform needs for a spread of its own (else the pooled one)
_PIVOT = 4.0  # z = log10(followers) - 4: the line is centred at 10,000 followers
_SD = {"intercept": 10.0, "slope": 1.0, "platform": 1.0, "platform_slope": 0.3,  # prior sds on the log scale
       "slope_change": 0.15, "tier": 0.15}
_KAPPA_BOUNDS = (0.01, 5.0)
_MAX_MEAN_SHARE = 0.98  # a share's prior mean is kept below 1


def _g(theta, bounded: bool):
    """The binomial (share) or Poisson variance function."""
    return theta * (1 - theta) if bounded else theta


@dataclass(frozen=True)
class Design:
    """The covariates of the size model: intercept, z = log10(followers / 10^4), a hinge max(0, z - z_k) at each
    tier cut-off z_k above the lowest (the slope may change there), a column per tier (its level may step away from
    the line), and a column per platform and per platform x z. ``platforms`` are those seen in the history; a
    creator of another platform gets no column and the prior variance of those deviations instead. A hinge or a
    tier beyond the history's largest creator keeps its prior (0 and its prior sd): the line goes on with the
    slope of the last tier seen, and its uncertainty grows with the distance."""

    platforms: tuple[str, ...]
    cutoffs: tuple[float, ...] = ()  # the tiers' lower limits in followers, ascending

    @property
    def knots(self) -> np.ndarray:
        return np.log10(np.maximum(np.asarray(self.cutoffs[1:], float), 1.0)) - _PIVOT

    @property
    def names(self) -> list[str]:
        return (["intercept", "log10 followers"] + [f"slope change at {c:,.0f}" for c in self.cutoffs[1:]]
                + [f"tier from {c:,.0f}" for c in self.cutoffs]
                + [f"platform {p}" for p in self.platforms] + [f"log10 followers x {p}" for p in self.platforms])

    @property
    def penalty_sd(self) -> np.ndarray:
        P, K = len(self.platforms), len(self.cutoffs)
        return np.array([_SD["intercept"], _SD["slope"], *[_SD["slope_change"]] * max(K - 1, 0), *[_SD["tier"]] * K,
                         *[_SD["platform"]] * P, *[_SD["platform_slope"]] * P])

    def matrix(self, followers, platform) -> tuple[np.ndarray, np.ndarray]:
        """(X, extra variance on the log scale for platforms the history has not seen)."""
        f = np.maximum(np.asarray(followers, float), 1.0)
        z = np.log10(f) - _PIVOT
        platform = np.asarray(platform, dtype=object)
        P = np.array([platform == p for p in self.platforms], dtype=float).T.reshape(z.size, len(self.platforms))
        H = np.array([np.maximum(z - k, 0.0) for k in self.knots]).T.reshape(z.size, self.knots.size)
        edges = np.asarray(self.cutoffs, float)
        tier = np.searchsorted(edges, f, side="right") - 1  # below the lowest cut-off: the lowest tier
        T = (np.maximum(tier, 0)[:, None] == np.arange(edges.size)[None, :]).astype(float)
        X = np.column_stack([np.ones(z.size), z, H, T, P, P * z[:, None]])
        extra = np.where(P.sum(axis=1) == 0, _SD["platform"] ** 2 + (_SD["platform_slope"] * z) ** 2, 0.0)
        return X, extra


@dataclass(frozen=True)
class RatePrior:
    """One creator's prior for one rate: ``mean`` and ``sd`` (the spread between creators of its size and platform,
    ``between_sd``, combined with the fitted curve's own uncertainty there, ``fit_sd``); ``phi`` the post-to-post
    variation; ``bounded``: a share (Beta) rather than a rate that may exceed 1 (Gamma)."""

    mean: float
    sd: float
    between_sd: float = 0.0
    fit_sd: float = 0.0
    phi: float = 0.0
    bounded: bool = True
    source: str = "size model"

    @property
    def concentration(self) -> float:
        """a + b of the Beta prior, or the Gamma prior's rate beta."""
        var = max(self.sd ** 2, 1e-300)
        if self.bounded:
            return max(self.mean * (1 - self.mean) / var - 1.0, 1e-6)
        return max(self.mean / var, 1e-12)


@dataclass(frozen=True)
class RateModel:
    """A fitted size model for one rate (see the module docstring)."""

    bounded: bool
    design: Design
    coef: np.ndarray
    cov: np.ndarray
    kappa: dict[str, float]  # the spread between creators (a coefficient of variation) per platform
    phi: float
    phi_se: float
    creators: int
    posts: int
    creators_with_repeats: int  # creators with two or more posts: the ones phi is estimated from

    @property
    def pooled_kappa(self) -> float:
        """The largest platform's spread: what a platform without history gets."""
        return max(self.kappa.values())

    def link(self, followers, platform) -> tuple[np.ndarray, np.ndarray]:
        """(log mu, v): the fitted log mean and its variance, per creator."""
        X, extra = self.design.matrix(followers, platform)
        return X @ self.coef, np.einsum("ij,jk,ik->i", X, self.cov, X) + extra

    def priors(self, followers, platform) -> list[RatePrior]:
        """Each creator's prior from its followers and platform."""
        eta, v = self.link(followers, platform)
        mu = np.exp(eta)
        if self.bounded:
            mu = np.minimum(mu, _MAX_MEAN_SHARE)
        kappa = np.array([self.kappa.get(p, self.pooled_kappa) for p in np.asarray(platform, dtype=object)])
        between2 = (kappa * mu) ** 2
        fit2 = mu ** 2 * np.expm1(v)
        var = mu ** 2 * ((1 + kappa ** 2) * np.exp(v) - 1)
        if self.bounded:
            var = np.minimum(var, 0.9 * mu * (1 - mu))
        source = np.where(v > 1.0, "size model, far from the creators with history", "size model")
        return [RatePrior(float(m), float(np.sqrt(s)), float(np.sqrt(b)), float(np.sqrt(f)), self.phi, self.bounded,
                          str(src)) for m, s, b, f, src in zip(mu, var, between2, fit2, source, strict=True)]

    def to_dict(self) -> dict:
        se = np.sqrt(np.diag(self.cov))
        return {"model": "log-link negative-binomial regression on log10 followers, platform and tier",
                "distribution": "beta" if self.bounded else "gamma",
                "terms": [{"term": t, "coefficient": float(c), "se": float(s)}
                          for t, c, s in zip(self.design.names, self.coef, se, strict=True)],
                "between_cv": dict(self.kappa), "phi": self.phi, "phi_se": self.phi_se, "creators": self.creators,
                "creators_with_repeats": self.creators_with_repeats, "posts": self.posts}


def estimate_phi(codes: np.ndarray, y: np.ndarray, n: np.ndarray, bounded: bool,
                 t: np.ndarray) -> tuple[float, float, int]:
    """(phi, its standard error, creators used): the post-to-post variation from the creators with two or more
    posts, each against its own binomial noise. ``codes``: each post's creator (0..J-1); ``t``: each creator's
    fitted mean rate (for the weights only)."""
    J = t.size
    m = np.bincount(codes, minlength=J).astype(float)
    ybar = np.bincount(codes, weights=y, minlength=J) / np.maximum(m, 1)
    s2 = np.bincount(codes, weights=(y - ybar[codes]) ** 2, minlength=J) / np.maximum(m - 1, 1)
    inv_n = np.bincount(codes, weights=1.0 / n, minlength=J) / np.maximum(m, 1)
    b = _g(ybar, bounded) * inv_n
    q = ybar ** 2 - s2 / np.maximum(m, 1)
    use = m >= 2
    if not use.any():
        return 0.0, float("nan"), 0
    m, s2, b, q, t, inv_n = m[use], s2[use], b[use], q[use], t[use], inv_n[use]
    base = _g(t, bounded) * inv_n
    phi = 0.1
    for _ in range(20):
        a = (m - 1) * t ** 2 / np.maximum(base + phi * t ** 2, 1e-300) ** 2
        den = float((a * q).sum())
        new = max(0.0, float((a * (s2 - b)).sum()) / den) if den > 0 else 0.0
        if abs(new - phi) < 1e-9 * max(1.0, phi):
            phi = new
            break
        phi = new
    a = (m - 1) * t ** 2 / np.maximum(base + phi * t ** 2, 1e-300) ** 2
    den = float((a * q).sum())
    se = float(np.sqrt((a ** 2 * (s2 - b - phi * q) ** 2).sum()) / den) if den > 0 else float("nan")
    return phi, se, int(use.sum())


def effective_counts(codes: np.ndarray, y: np.ndarray, n: np.ndarray, phi: float, bounded: bool,
                     t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(k_i, n_i) per creator: its posts as trials, each worth at most 1 / rho_i (``t``: the creators' rates)."""
    rho = phi * t ** 2 / np.maximum(_g(t, bounded), 1e-300)
    e = 1.0 / (1.0 / n + rho[codes])
    J = t.size
    n_eff = np.bincount(codes, weights=e, minlength=J)
    k_eff = np.bincount(codes, weights=e * y, minlength=J)
    if bounded:
        k_eff = np.minimum(k_eff, n_eff)
    return k_eff, n_eff


def _nb_fit(X: np.ndarray, k: np.ndarray, n: np.ndarray, prior_sd: np.ndarray, kappa: np.ndarray,
            start: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(beta, cov(beta), leverages) maximising the penalised Gamma-Poisson (negative-binomial) likelihood of counts
    k over exposures n with log mean X beta and shape 1 / kappa^2."""
    p = X.shape[1]
    prec = 1.0 / prior_sd ** 2
    alpha = 1.0 / kappa ** 2

    def fun(beta):
        nmu = n * np.exp(np.clip(X @ beta, -700, 700))
        ll = -(alpha + k) * np.log(alpha + nmu) + special.xlogy(k, nmu)
        dl_eta = k - (k + alpha) * nmu / (alpha + nmu)
        return -ll.sum() + 0.5 * (prec * beta ** 2).sum(), -X.T @ dl_eta + prec * beta

    if start is None:
        total = k.sum() / max(n.sum(), 1e-300)
        start = np.zeros(p)
        start[0] = np.log(total) if total > 0 else np.log(0.5 / max(n.sum(), 1.0))
    res = optimize.minimize(fun, start, jac=True, method="L-BFGS-B",
                            options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9})
    beta = res.x
    nmu = n * np.exp(np.clip(X @ beta, -700, 700))
    w = alpha * nmu / (alpha + nmu)  # expected information per creator on the log scale
    cov = np.linalg.inv(X.T @ (w[:, None] * X) + np.diag(prec))
    cov = 0.5 * (cov + cov.T)
    leverage = w * np.einsum("ij,jk,ik->i", X, cov, X)
    return beta, cov, leverage


def _kappa(k: np.ndarray, e: np.ndarray, leverage: np.ndarray, kappa: float) -> float:
    """The between-creator CV by moments: the squared residuals r = k - e (e = n mu, the fitted counts), inflated
    by 1 / (1 - leverage) for the fitted coefficients, less their Poisson part e, against e^2 (GLS weights
    e^2 / (e + kappa^2 e^2)^2, iterated). Never below one standard error of the estimate, so that a history whose
    noise hides the spread does not claim its creators are identical; never below 1%."""
    r2 = (k - e) ** 2 / np.maximum(1.0 - leverage, 0.05)
    k2 = kappa ** 2
    for _ in range(50):
        w = e ** 2 / (e + k2 * e ** 2) ** 2
        den = float((w * e ** 2).sum())
        new = float((w * (r2 - e)).sum()) / den if den > 0 else 0.0
        se = float(np.sqrt((2 * w ** 2 * (e + max(new, 0.0) * e ** 2) ** 2).sum())) / den if den > 0 else 0.0
        new = max(new, se, _KAPPA_BOUNDS[0] ** 2)
        if abs(new - k2) < 1e-10 + 1e-8 * k2:
            k2 = new
            break
        k2 = new
    return float(min(np.sqrt(k2), _KAPPA_BOUNDS[1]))


def fit_rate(creator: np.ndarray, followers: np.ndarray, platform: np.ndarray, y: np.ndarray, n: np.ndarray, *,
             cutoffs: tuple[float, ...] = ()) -> RateModel | None:
    """The size model of one rate from per-post arrays (``creator`` ids, ``followers`` at the time, ``platform``,
    the post's rate ``y`` and its denominator ``n`` > 0); None with fewer than ``MIN_CREATORS`` creators.
    ``cutoffs``: the scenario's tier cut-offs in followers (the slope may change at each above the lowest)."""
    y = np.asarray(y, float)
    n = np.maximum(np.asarray(n, float), 1e-12)
    if y.size == 0:
        return None
    codes, uniques = pd.factorize(pd.Series(creator, dtype=object), sort=False)
    J = uniques.size
    if J < MIN_CREATORS:
        return None
    bounded = bool(np.all(y <= 1.0))
    first = np.unique(codes, return_index=True)[1]
    med_f = pd.Series(np.asarray(followers, float)).groupby(codes).median().to_numpy()
    plat = np.asarray(platform, dtype=object)[first]
    design = Design(tuple(sorted(set(plat))), tuple(sorted(float(c) for c in cutoffs)))
    X, _ = design.matrix(med_f, plat)
    k_raw = np.bincount(codes, weights=y * n, minlength=J)
    n_raw = np.bincount(codes, weights=n, minlength=J)
    overall = k_raw.sum() / n_raw.sum()
    t = np.full(J, overall if overall > 0 else 0.5 / n_raw.sum())
    phi, phi_se, repeats = 0.0, float("nan"), 0
    coef = None
    groups = {p: plat == p for p in design.platforms}
    kappas = {p: 0.3 for p in design.platforms}
    for _ in range(4):  # phi, the fit and the creators' rates depend on each other: a few rounds settle them
        phi, phi_se, repeats = estimate_phi(codes, y, n, bounded, t)
        k, ne = effective_counts(codes, y, n, phi, bounded, t)
        if bounded:  # binomial counts as Poisson ones with the same mean and variance: both over (1 - theta)
            k, ne = k / (1 - t), ne / (1 - t)
        for _ in range(20):  # beta given kappa, kappa given beta
            per = np.zeros(J)
            for p, sel in groups.items():
                per[sel] = kappas[p]
            coef, cov, leverage = _nb_fit(X, k, ne, design.penalty_sd, per, coef)
            e = ne * np.exp(X @ coef)
            pooled = _kappa(k, e, leverage, float(np.sqrt(np.mean(per ** 2))))
            new = {p: (_kappa(k[sel], e[sel], leverage[sel], kappas[p]) if sel.sum() >= MIN_SPREAD_CREATORS
                       else pooled) for p, sel in groups.items()}
            done = all(abs(new[p] - kappas[p]) < 1e-4 * kappas[p] for p in kappas)
            kappas = new
            if done:
                break
        t = np.exp(X @ coef)
        if bounded:
            t = np.minimum(t, _MAX_MEAN_SHARE)
    return RateModel(bounded, design, coef, cov, kappas, phi, phi_se, J, int(y.size), repeats)


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
    prior: RatePrior | ValuePrior
    shape: tuple[float, float] | None = None

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        """Central posterior interval for the creator's rate."""
        q = np.array([(1 - level) / 2, (1 + level) / 2])
        if self.shape is None:
            z = stats.norm.ppf(q[1])
            return max(0.0, self.mean - z * self.posterior_sd), self.mean + z * self.posterior_sd
        a, b = self.shape
        if getattr(self.prior, "bounded", False):
            lo, hi = stats.beta.ppf(q, a, b)
        else:
            lo, hi = stats.gamma.ppf(q, a, scale=1.0 / b)
        return float(lo), float(hi)


def posterior(prior: RatePrior, y: np.ndarray, n: np.ndarray) -> Estimate:
    """A creator's estimate from its posts' rates ``y`` with denominators ``n`` (both may be empty)."""
    c = prior.concentration
    y = np.asarray(y, float)
    n = np.maximum(np.asarray(n, float), 1e-12)
    theta = prior.mean
    n_eff = 0.0
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
    return Estimate(theta, float(np.sqrt(var)), float(np.sqrt(var + prior.phi * theta ** 2)), raw, int(y.size),
                    weight, prior, (a, b))


# ------------------------------------------------------------------------------------------ order value

@dataclass(frozen=True)
class ValuePrior:
    """A group's distribution of creators' average order value: ``mean``, ``between_sd`` (between creators) and
    ``within_sd`` (between orders)."""

    level: str  # tier/platform, platform, tier or all
    group: str
    mean: float
    between_sd: float
    within_sd: float
    creators: int
    posts: int

    def to_dict(self) -> dict:
        return {"level": self.level, "group": self.group, "mean": self.mean, "between_sd": self.between_sd,
                "within_sd": self.within_sd, "creators": self.creators, "posts": self.posts,
                "distribution": "normal"}


def _groups(tier: np.ndarray, platform: np.ndarray):
    """(key, mask, level, name) for every group, most specific first."""
    out = [((t, p), (tier == t) & (platform == p), "tier/platform", f"{t}/{p}")
           for t, p in sorted({(t, p) for t, p in zip(tier, platform, strict=True)})]
    out += [((None, p), platform == p, "platform", p) for p in sorted(set(platform))]
    out += [((t, None), tier == t, "tier", t) for t in sorted(set(tier))]
    out.append(((None, None), np.ones(tier.size, dtype=bool), "all", "all"))
    return out


def prior_for(priors: dict, tier: str, platform: str) -> ValuePrior | None:
    """The most specific order-value prior that exists: tier/platform, platform, tier, all."""
    for key in ((tier, platform), (None, platform), (tier, None), (None, None)):
        if key in priors:
            return priors[key]
    return None


def _between_var(ybar: np.ndarray, v: np.ndarray, mu0: float) -> float:
    """tau^2: the variance of the creators' means less their sampling variance (method of moments), but never
    below one standard error of that estimate, sqrt(2 / (J - 1)) (tau^2 + mean v), nor below 1% of the mean."""
    raw = float(np.var(ybar, ddof=1)) - float(v.mean())
    se = float(np.sqrt(2.0 / max(ybar.size - 1, 1))) * (max(raw, 0.0) + float(v.mean()))
    return max(raw, se, (0.01 * max(abs(mu0), 1e-12)) ** 2)


def order_value_priors(creator: np.ndarray, tier: np.ndarray, platform: np.ndarray, revenue: np.ndarray,
                       orders: np.ndarray) -> dict:
    """Priors for revenue per order, from posts with orders: per post y = revenue / orders carries
    ``orders`` orders, so its variance is s^2 / orders with s^2 the per-order variance."""
    keep = orders > 0
    y = revenue[keep] / orders[keep]
    out = {}
    for key, sel, level, name in _groups(tier[keep], platform[keep]):
        prior = _fit_value(level, name, creator[keep][sel], y[sel], orders[keep][sel])
        if prior is not None:
            out[key] = prior
    return out


def _fit_value(level: str, group: str, creator, y, weight) -> ValuePrior | None:
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
    return ValuePrior(level, group, mu, float(np.sqrt(tau2)), float(np.sqrt(s2)), int(ybar.size), int(y.size))


def value_posterior(prior: ValuePrior, revenue: float, orders: float, posts: int) -> Estimate:
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
