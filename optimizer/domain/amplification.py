"""Paid amplification: money put behind a creator's post (whitelisting, Spark Ads, partnership ads) to show it to
people who do not follow the creator.

A boost of b (in the scenario's currency) on a platform with cost per thousand impressions ``cpm`` buys
b / cpm x 1000 impressions. Paid impressions reach fewer new people as they add up (frequency rises), so the curve
gives, from each number of boosted impressions on, the accounts reached per impression ``e_k`` (non-increasing):

    boosted reach B(b) = sum_k e_k x 1000 / cpm x clip(b - S_k, 0, w_k),   S_k = I_k x cpm / 1000

with I_k the curve's breakpoints in impressions and w_k = S_{k+1} - S_k the width of piece k in money (the last
piece runs to the most a creator may be boosted by). B is concave and piecewise linear in b, so in the integer
program each piece is one continuous column 0 <= b_ik <= w_k x_i (x_i the creator's hire), which a maximiser fills
in order without binaries (``model/amplification.py``). The breakpoints are in impressions, not money, so the same
curve holds in any currency.

The people a boost reaches respond at ``response`` times the creator's own engagement and conversion rates (they
chose to follow someone else), and buy at the creator's order value:

    engagements = B x engagement_rate x response,   conversions = B x conversion_rate x response,
    revenue = conversions x order_value

Boost spend is committed up front and counts against the budget (and the amplification cap); the creator's
commission is paid on its own post's sales, not on the boost's (those are the brand's paid media). In the
simulation, boosted reach per run is B x L with L lognormal of mean 1 and coefficient of variation ``reach_cv``
(auction prices move), and its engagements and conversions follow the run's drawn rates of the creator.

Defaults, documented in docs/modelling.md: CPMs are the middle of the ranges in docs/sources.md (Instagram and
TikTok about 5-15, YouTube about 15-30 per 1,000 impressions); the curve and the response have no public benchmark
and are assumptions, listed as such in every plan that uses them. The response, 0.15, is set low on purpose: on the
shipped skincare shortlist it makes a typical creator's boost return about 3 of revenue per 1 spent at first,
falling towards 1 as the curve saturates, the order of paid social's usual returns; a brand with its own paid
results should state it. With ``needs_usage_rights`` only creators whose deal buys the content rights (a
``usage_fee``) may be boosted, as whitelisting and Spark Ads require the creator's permission.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

DEFAULT_CPM: Mapping[str, float] = {"instagram": 10.0, "tiktok": 10.0, "youtube": 22.5}
# (boosted impressions from which, new accounts reached per impression): frequency 1.25, then 2, then 4
DEFAULT_CURVE: tuple[tuple[float, float], ...] = ((0.0, 0.8), (25_000.0, 0.5), (100_000.0, 0.25))
DEFAULT_RESPONSE = 0.15  # boosted viewers' engagement and conversion rates, relative to the creator's followers'
DEFAULT_REACH_CV = 0.25  # spread of boosted reach around its expectation, run to run


@dataclass(frozen=True)
class AmplificationSettings:
    """The scenario's ``amplification:`` block. Money is in the scenario's currency."""

    budget: float | None = None  # the most spent on boosts in all
    share: float | None = None  # the most spent on boosts, as a share of the campaign budget
    cpm: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CPM))  # per platform, per 1,000 impressions
    platforms: tuple[str, ...] | None = None  # the platforms that allow boosts (None: every platform with a CPM)
    max_boost_per_creator: float | None = None  # the most spent boosting one creator
    curve: tuple[tuple[float, float], ...] = DEFAULT_CURVE  # (impressions from which, accounts per impression)
    response: float = DEFAULT_RESPONSE
    reach_cv: float = DEFAULT_REACH_CV
    needs_usage_rights: bool = False  # only creators whose deal buys the content rights (usage_fee > 0) are boosted
    stated: frozenset[str] = frozenset()  # the keys the scenario set; the others are defaults (assumptions)

    def cap(self, budget: float) -> float:
        """The most that may be spent on boosts in all: the amplification budget, its share of the campaign's, and
        the campaign budget itself."""
        out = budget
        if self.budget is not None:
            out = min(out, self.budget)
        if self.share is not None:
            out = min(out, self.share * budget)
        return out

    def limit(self, budget: float) -> float:
        """The most one creator may be boosted by."""
        cap = self.cap(budget)
        return cap if self.max_boost_per_creator is None else min(cap, self.max_boost_per_creator)

    def eligible(self, table: pd.DataFrame, rights: bool = True) -> np.ndarray:
        """Per candidate (a row of the shortlist): whether its post may be boosted: its platform allows it (has a
        CPM, and is listed when ``platforms`` is given) and, with ``needs_usage_rights`` (unless ``rights`` is
        False), its deal buys the rights."""
        allowed = set(self.cpm) if self.platforms is None else set(self.platforms) & set(self.cpm)
        ok = np.isin(table["platform"].to_numpy(object), list(allowed))
        if self.needs_usage_rights and rights:
            usage = table["usage_fee"].to_numpy(float) if "usage_fee" in table else np.zeros(len(table))
            ok &= np.nan_to_num(usage) > 0
        return ok

    def cpm_of(self, table: pd.DataFrame, rights: bool = True) -> np.ndarray:
        """Per candidate: its platform's CPM (NaN where the post may not be boosted)."""
        out = np.array([self.cpm.get(p, np.nan) for p in table["platform"].to_numpy(object)], float)
        out[~self.eligible(table, rights)] = np.nan
        return out

    def pieces(self, table: pd.DataFrame, budget: float,
               rights: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start S, width w, accounts per unit of money r), each (candidates x pieces): piece k of candidate i
        runs from spend S_ik for w_ik (0 where the post may not be boosted or the limit ends it) at r_ik accounts
        reached per unit of money."""
        cpm = self.cpm_of(table, rights)
        ok = np.isfinite(cpm)
        cpm = np.where(ok, cpm, 1.0)
        imp = np.array([p[0] for p in self.curve], float)
        eff = np.array([p[1] for p in self.curve], float)
        start = imp[None, :] * cpm[:, None] / 1000.0
        end = np.concatenate([start[:, 1:], np.full((cpm.size, 1), np.inf)], axis=1)
        lim = self.limit(budget)
        width = np.clip(np.minimum(end, lim) - start, 0.0, None)
        width[~ok] = 0.0
        rate = eff[None, :] * 1000.0 / cpm[:, None]
        return np.minimum(start, lim), width, rate

    def reach(self, table: pd.DataFrame, budget: float, spend: np.ndarray, rights: bool = True) -> np.ndarray:
        """Expected boosted reach (accounts) per candidate (rows of ``table``) for its boost ``spend`` (``rights``
        False: whatever the deal says of the content rights, for boosts already decided)."""
        start, width, rate = self.pieces(table, budget, rights)
        filled = np.clip(np.asarray(spend, float)[:, None] - start, 0.0, width)
        return (filled * rate).sum(axis=1)


def response_rates(table: pd.DataFrame, response: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per candidate, per boosted account: (engagements, conversions, revenue)."""
    eng = table["engagement_rate"].to_numpy(float) * response
    conv = table["conversion_rate"].to_numpy(float) * response
    return eng, conv, conv * table["order_value"].to_numpy(float)
