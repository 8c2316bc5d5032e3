"""The expected-value funnel per creator and the campaign totals and KPIs of a mix.

reach = followers x audience_quality x reach_rate; engagements = reach x engagement_rate;
conversions = reach x conversion_rate; revenue = conversions x order_value; cost = fee;
profit = revenue - cost. ROI = profit / cost, ROIS = revenue / cost, CPM = cost / reach x 1000,
CPE = cost / engagements, CAC = cost / conversions (None where the denominator is zero).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Protocol

import numpy as np
import pandas as pd


class ReachCounter(Protocol):
    """What totals need of an audience (``io/audience.py``'s ``Audience``): the people a 0/1 mix reaches."""

    def unique_reach(self, x: np.ndarray) -> float: ...

#: Each evidence level (candidates.evidence) and the totals field holding the share of the cost spent on it.
EVIDENCE_SHARES = {"none": "no_history_spend_share", "thin": "thin_evidence_spend_share",
                   "solid": "solid_evidence_spend_share", "stated": "stated_rates_spend_share"}

#: Additive metrics, in the order they are reported.
METRICS: tuple[str, ...] = ("cost", "revenue", "profit", "reach", "engagements", "conversions")


@dataclass(frozen=True)
class Outcomes:
    """Expected outcomes per candidate (arrays of length n). Money is in the scenario's currency.

    A deal is the fee, the product sent (``product_cost``), the content rights (``usage_fee``) and a commission on
    attributed revenue (``commission_rate``, at least ``min_guarantee`` and at most ``cap``; :func:`commission_paid`):
    ``upfront`` = fee + product + usage is committed before the post, ``commission`` is paid on what it sells
    (here on the expected revenue; the simulation pays it run by run), ``cost`` = upfront + commission is what the
    creator costs the brand (profit, ROI, CAC and the KPIs count it), and ``spend`` is what counts against the
    budget: upfront and the guarantee, plus the rest of the expected commission when the scenario says so."""

    cost: np.ndarray
    revenue: np.ndarray
    profit: np.ndarray
    reach: np.ndarray
    engagements: np.ndarray
    conversions: np.ndarray
    evidence: np.ndarray | None = None  # per candidate: none, thin, solid or stated (candidates.evidence)
    spend: np.ndarray | None = None  # counted against the budget (None: the cost)
    upfront: np.ndarray | None = None  # fee + product + usage (None: the cost)
    commission: np.ndarray | None = None  # expected commission (None: none)
    commission_rate: np.ndarray | None = None  # share of revenue paid as commission (None: none)
    guarantee: np.ndarray | None = None  # commission paid however little is sold (None: none)
    cap: np.ndarray | None = None  # the most commission paid (None: no cap; inf where none)
    boost: np.ndarray | None = None  # paid amplification spent on the creator's post (None: none; in every cost)
    boost_reach: np.ndarray | None = None  # accounts the boost reaches (None: none; in ``reach``)

    def __post_init__(self) -> None:
        zero = np.zeros_like(self.cost)
        for name, default in (("spend", self.cost), ("upfront", self.cost), ("commission", zero),
                              ("commission_rate", zero), ("guarantee", zero), ("cap", np.full_like(self.cost, np.inf)),
                              ("boost", zero), ("boost_reach", zero)):
            if getattr(self, name) is None:
                object.__setattr__(self, name, default)

    @property
    def commissioned(self) -> np.ndarray:
        """Per candidate: whether its pay depends on what it sells (a commission rate or a guarantee)."""
        return (self.commission_rate > 0) | (self.guarantee > 0)

    @classmethod
    def from_table(cls, table: pd.DataFrame, commission_in_budget: bool = False) -> Outcomes:
        f = table["followers"].to_numpy(float)
        posts = table["post_factor"].to_numpy(float) if "post_factor" in table else 1.0  # packages: options.py
        reach = f * table["audience_quality"].to_numpy(float) * table["reach_rate"].to_numpy(float) * posts
        conversions = reach * table["conversion_rate"].to_numpy(float)
        revenue = conversions * table["order_value"].to_numpy(float)

        def column(name: str) -> np.ndarray:
            return table[name].to_numpy(float) if name in table else np.zeros(len(table))

        upfront = table["fee"].to_numpy(float) + column("product_cost") + column("usage_fee")
        rate, guarantee = column("commission_rate"), column("min_guarantee")
        cap = np.nan_to_num(table["cap"].to_numpy(float), nan=np.inf) if "cap" in table else np.full(len(table), np.inf)
        commission = commission_paid(revenue, rate, guarantee, cap)
        cost = upfront + commission
        return cls(
            cost=cost,
            revenue=revenue,
            profit=revenue - cost,
            reach=reach,
            engagements=reach * table["engagement_rate"].to_numpy(float),
            conversions=conversions,
            evidence=table["evidence"].to_numpy(object) if "evidence" in table else None,
            spend=cost if commission_in_budget else upfront + guarantee,
            upfront=upfront,
            commission=commission,
            commission_rate=rate,
            guarantee=guarantee,
            cap=cap,
        )

    def with_boosts(self, spend: np.ndarray, reach: np.ndarray, engagements: np.ndarray, conversions: np.ndarray,
                    revenue: np.ndarray) -> Outcomes:
        """These outcomes with each creator's post boosted by ``spend`` (``domain/amplification.py``), reaching
        ``reach`` more accounts with these ``engagements``, ``conversions`` and ``revenue``. The boost is committed
        up front (upfront, spend and cost); no commission is paid on its sales."""
        spend = np.asarray(spend, float)
        cost = self.cost + spend
        revenue = self.revenue + revenue
        return replace(self, cost=cost, revenue=revenue, profit=revenue - cost, reach=self.reach + reach,
                       engagements=self.engagements + engagements, conversions=self.conversions + conversions,
                       spend=self.spend + spend, upfront=self.upfront + spend, boost=self.boost + spend,
                       boost_reach=self.boost_reach + reach)

    def metric(self, name: str) -> np.ndarray:
        return getattr(self, name)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({m: self.metric(m) for m in METRICS})


def commission_paid(revenue: np.ndarray, rate: np.ndarray, guarantee: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """The commission on ``revenue`` (per creator, or runs x creators): rate x revenue, at least the guarantee and
    at most the cap."""
    return np.minimum(np.maximum(rate * revenue, guarantee), cap)


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    return None if den <= 0 else float(num) / float(den) * scale


@dataclass(frozen=True)
class Totals:
    """Campaign totals and KPIs of one mix."""

    count: int
    cost: float
    revenue: float
    profit: float
    reach: float
    engagements: float
    conversions: float
    roi: float | None  # (revenue - cost) / cost
    rois: float | None  # revenue / cost
    cpm: float | None  # cost per 1,000 reached accounts
    cpe: float | None  # cost per engagement
    cac: float | None  # cost per conversion
    unique_reach: float | None = None  # people reached at least once (with an audience; see audience.py)
    frequency: float | None = None  # impressions (the sum of reach) per person reached
    # Shares of the cost by what the creators' rates rest on (candidates.evidence): no history of their own (or
    # scenario defaults), thin history, solid history, or rates stated in the shortlist with no history given.
    no_history_spend_share: float | None = None
    thin_evidence_spend_share: float | None = None
    solid_evidence_spend_share: float | None = None
    stated_rates_spend_share: float | None = None
    spend: float | None = None  # counted against the budget: fees, product, usage and guarantees (Outcomes.spend)
    commission: float | None = None  # expected commissions (in ``cost``)
    boost: float | None = None  # paid amplification behind the creators' posts (in ``cost`` and ``spend``)
    boost_reach: float | None = None  # accounts the boosts reach (in ``reach``)

    @classmethod
    def of(cls, outcomes: Outcomes, selected: np.ndarray, audience: ReachCounter | None = None) -> Totals:
        """Totals of the candidates at integer positions (or boolean mask) ``selected``; unique reach and
        frequency when ``audience`` is given."""
        sel = np.asarray(selected)
        if sel.dtype == bool:
            sel = np.flatnonzero(sel)
        s = {m: float(outcomes.metric(m)[sel].sum()) for m in METRICS}
        unique = frequency = None
        if audience is not None:
            x = np.zeros(outcomes.cost.size)
            x[sel] = 1.0
            unique = audience.unique_reach(x)
            frequency = s["reach"] / unique if unique > 0 else None
        shares: dict[str, float | None] = dict.fromkeys(EVIDENCE_SHARES.values())
        if outcomes.evidence is not None:
            spend = outcomes.spend[sel]
            level = outcomes.evidence[sel]
            total = float(spend.sum())
            shares = {key: float(spend[level == e].sum()) / total if total > 0 else 0.0
                      for e, key in EVIDENCE_SHARES.items()}
        return cls(
            count=int(sel.size),
            **s,
            roi=_ratio(s["profit"], s["cost"]),
            rois=_ratio(s["revenue"], s["cost"]),
            cpm=_ratio(s["cost"], s["reach"], 1000.0),
            cpe=_ratio(s["cost"], s["engagements"]),
            cac=_ratio(s["cost"], s["conversions"]),
            unique_reach=unique,
            frequency=frequency,
            **shares,
            spend=float(outcomes.spend[sel].sum()),
            commission=float(outcomes.commission[sel].sum()),
            boost=float(outcomes.boost[sel].sum()),
            boost_reach=float(outcomes.boost_reach[sel].sum()),
        )

    def to_dict(self) -> dict:
        return asdict(self)

    def value(self, objective: str) -> float | None:
        return getattr(self, objective)
