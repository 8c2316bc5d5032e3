"""Benchmark priors by tier and platform: published figures a shortlist may fall back on.

``defaults: {from: benchmarks}`` in a scenario fills the shortlist's empty cells from this table, after (and so
below) any explicit ``defaults:`` and the file's own values. Every number carries its source and definition
(``docs/benchmarks.md`` is generated from this module: ``python -m optimizer.domain.benchmarks > docs/benchmarks.md``).
Treat them as priors, not truth: vendors disagree by up to 10x on the same tier because they divide by followers
or by impressions, use means or medians, and count all posts or only sponsored ones (domain brief). Where no
public figure was found the cell is empty and nothing is filled: the shortlist or an explicit default must say.

Columns filled: ``reach_rate`` and ``engagement_rate`` with their ``_sd``; ``conversion_rate`` from revenue per
reached follower divided by the row's ``order_value`` where the study gives one (its currency is EUR; no exchange
rate is applied). Fee ranges are not filled (the fee is the deal's): a fee outside its range is reported.

Size-aware, as the calibrated priors are (``shrinkage.py``): a figure published for a tier is read as the value at
the tier's geometric middle (3,162 followers for nano 1k-10k, 31,623 for micro, 316,228 for macro, 3,162,278 for
mega), and a creator's value is interpolated linearly in log followers on the log scale between the middles of the
tiers with a figure, and held at the end values beyond them (never extrapolated):

    log r(F) = log r_k + (log F - log m_k) / (log m_{k+1} - log m_k) (log r_{k+1} - log r_k),   m_k <= F <= m_{k+1}

So a 1.5M-follower creator is not priced like one of 150k because both are "macro", and the scenario's own tier
cut-offs do not change the figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SOURCES = {
    "minter": "Minter.io, about 3-4 million Instagram posts: median share of followers who see a feed post, by "
              "follower band (0-20k, 20k-100k, 100k-1M, 1M+) [vendor]",
    "seeds": "the seed case studies: seed 003's nano skincare launch (96,000 interactions on 1.2M impressions) and "
             "mega fashion launch (120,000 on 8M), seed 004's nano and micro posts (640 on 8,000; 3,000 on 60,000); "
             "engagements per impression, read as per reached account; platform not stated, read as Instagram",
    "derived": "[derived] geometric mean of the neighbouring tiers (no published figure for this tier)",
    "ratecards": "vendor rate cards, 2023: fee per post by platform and tier [vendor]",
    "jom": "Beichert, Bayerl, Goldenberg & Lanz, Journal of Marketing 88(4), 2024, as reported by the press: "
           "revenue per reached follower, one European fashion brand, Instagram posts with discount codes, EUR; the "
           "study's tiers are nano 1.2k-8.5k and macro above 50k [press, one source]",
    "judgement": "[judgement] the spread between creators of a tier, not published: 30% of the mean for reach, 50% for "
                 "engagement (vendors disagree by up to 10x)",
}


SPREAD = {"reach_rate": 0.3, "engagement_rate": 0.5}  # judgement: the sd between creators, as a share of the mean


@dataclass(frozen=True)
class Prior:
    """One tier x platform. Rates are shares (reach per follower, engagements per reached account); fees in USD;
    ``revenue_per_reach`` in EUR per reached follower. None: no published figure."""

    tier: str
    platform: str
    reach_rate: float | None
    engagement_rate: float | None
    fee_low: float
    fee_high: float | None
    revenue_per_reach: float | None = None
    reach_source: str = ""
    engagement_source: str = ""

    @property
    def reach_rate_sd(self) -> float | None:
        return None if self.reach_rate is None else round(SPREAD["reach_rate"] * self.reach_rate, 4)

    @property
    def engagement_rate_sd(self) -> float | None:
        return None if self.engagement_rate is None else round(SPREAD["engagement_rate"] * self.engagement_rate, 4)


_FEES = {"instagram": {"nano": (10, 100), "micro": (100, 500), "macro": (500, 10_000), "mega": (10_000, None)},
         "tiktok": {"nano": (5, 25), "micro": (25, 125), "macro": (125, 2_500), "mega": (2_500, None)},
         "youtube": {"nano": (20, 200), "micro": (200, 1_000), "macro": (1_000, 20_000), "mega": (20_000, None)}}
_IG_REACH = {"nano": 0.377, "micro": 0.229, "macro": 0.229, "mega": 0.191}
_IG_ENGAGEMENT = {"nano": 0.08, "micro": 0.05, "macro": round(float(np.sqrt(0.05 * 0.015)), 4), "mega": 0.015}
_IG_REVENUE = {"nano": 0.881, "macro": 0.237}

PRIORS: tuple[Prior, ...] = tuple(
    Prior(tier=t, platform=p, fee_low=lo, fee_high=hi,
          reach_rate=_IG_REACH[t] if p == "instagram" else None,
          engagement_rate=_IG_ENGAGEMENT[t] if p == "instagram" else None,
          revenue_per_reach=_IG_REVENUE.get(t) if p == "instagram" else None,
          reach_source="minter" if p == "instagram" else "",
          engagement_source=("derived" if t == "macro" else "seeds") if p == "instagram" else "")
    for p, tiers in _FEES.items() for t, (lo, hi) in tiers.items())
BY_KEY = {(b.tier, b.platform): b for b in PRIORS}
FILLED = ("reach_rate", "reach_rate_sd", "engagement_rate", "engagement_rate_sd")


MIDDLES = {"nano": 10 ** 3.5, "micro": 10 ** 4.5, "macro": 10 ** 5.5, "mega": 10 ** 6.5}  # tiers' geometric middles


def curve(field: str, followers: np.ndarray, platform: np.ndarray) -> np.ndarray:
    """``field`` (a :class:`Prior` attribute) for creators of these followers and platforms, interpolated in log
    followers between the middles of the tiers that have a figure (see the module docstring); NaN where the
    platform has none."""
    f = np.log10(np.maximum(np.asarray(followers, float), 1.0))
    platform = np.asarray(platform, dtype=object)
    out = np.full(f.size, np.nan)
    for p in set(platform):
        points = [(np.log10(MIDDLES[b.tier]), getattr(b, field)) for b in PRIORS
                  if b.platform == p and getattr(b, field) is not None]
        if not points:
            continue
        x, v = (np.array(t, float) for t in zip(*sorted(points), strict=True))
        sel = platform == p
        out[sel] = np.exp(np.interp(f[sel], x, np.log(v)))
    return out


def fill(table: pd.DataFrame, label: str) -> tuple[pd.DataFrame, list[str]]:
    """Fill empty cells of ``table`` (validated columns, tiers assigned) from the priors, by each creator's
    followers (``curve``); returns the table and warnings saying how many cells came from where."""
    table = table.copy()
    tiers = table["tier"].to_numpy(object)
    plats = table["platform"].to_numpy(object)
    followers = table["followers"].to_numpy(float)
    priors = [BY_KEY.get((t, p)) for t, p in zip(tiers, plats, strict=True)]
    warnings: list[str] = []
    counts: dict[str, int] = {}
    for col in FILLED:
        values = table[col].to_numpy(float).copy()
        base = col.removesuffix("_sd")
        prior = curve(base, followers, plats)
        if col != base:  # the judgement's spread: the same share of the mean as the tier table's
            prior = prior * SPREAD[base]
        take = np.isnan(values) & ~np.isnan(prior)
        values[take] = prior[take]
        table[col] = values
        if take.any():
            counts[col] = int(take.sum())
    rpr = curve("revenue_per_reach", followers, plats)
    conv = table["conversion_rate"].to_numpy(float).copy()
    value = table["order_value"].to_numpy(float)
    take = np.isnan(conv) & ~np.isnan(rpr) & (value > 0)
    if take.any():
        conv[take] = np.minimum(rpr[take] / value[take], 1.0)
        table["conversion_rate"] = conv
        warnings.append(f"{label}: conversion_rate of {int(take.sum())} row(s) derived from the study's revenue per "
                        "reached follower (EUR, a fashion brand) over the row's order_value; no exchange rate applied")
    if counts:
        warnings.append(f"{label}: filled from the benchmark priors (docs/benchmarks.md): "
                        + ", ".join(f"{c} in {k} row(s)" for c, k in counts.items()))
    fees = table["fee"].to_numpy(float)
    lo = np.array([np.nan if b is None else b.fee_low for b in priors])
    hi = np.array([np.nan if b is None or b.fee_high is None else b.fee_high for b in priors])
    outside = (fees < lo) | (fees > hi)
    if outside.any():
        warnings.append(f"{label}: {int(outside.sum())} fee(s) outside the rate-card range of their tier and platform "
                        "(docs/benchmarks.md); check them")
    return table, warnings


def markdown() -> str:
    """The priors table with sources, as shipped in ``docs/benchmarks.md``."""
    def num(v, fmt="{:g}") -> str:
        return "-" if v is None else fmt.format(v)

    out = ["# Benchmark priors by tier and platform", "",
           "Generated from `optimizer/domain/benchmarks.py` "
           "(`python -m optimizer.domain.benchmarks > docs/benchmarks.md`).",
           "Used by `defaults: {from: benchmarks}`: they fill only empty cells, below the file's values and any",
           "explicit `defaults:`. A dash means no published figure was found: nothing is filled there.", "",
           "| tier | platform | reach_rate (sd) | engagement_rate (sd) | fee per post, USD | revenue per reached "
           "follower, EUR | sources |",
           "|---|---|---|---|---|---|---|"]
    for b in PRIORS:
        fee = f"{b.fee_low:g}-{b.fee_high:g}" if b.fee_high is not None else f"{b.fee_low:g}+"
        src = [s for s in (b.reach_source, b.engagement_source, "ratecards", "jom" if b.revenue_per_reach else "",
                           "judgement" if b.reach_rate or b.engagement_rate else "") if s]
        out.append(f"| {b.tier} | {b.platform} | {num(b.reach_rate)} ({num(b.reach_rate_sd)}) | "
                   f"{num(b.engagement_rate)} ({num(b.engagement_rate_sd)}) | {fee} | {num(b.revenue_per_reach)} | "
                   f"{', '.join(dict.fromkeys(src))} |")
    out += ["", "The table gives each tier's figure; a creator gets the value at its own size: the figures are read",
            "as the values at the tiers' geometric middles (3,162, 31,623, 316,228 and 3,162,278 followers) and",
            "interpolated linearly in log followers on the log scale between them, held at the end values beyond",
            "(so micro Instagram gets a revenue per reached follower between the study's nano and macro figures).",
            "", "## Definitions and sources", "",
            "- **reach_rate**: share of followers who see a post (feed post, median).",
            "- **engagement_rate**: engagements per reached account.",
            "- **revenue per reached follower**: tracked revenue over reached followers; `conversion_rate` is derived",
            "  from it as revenue per reached follower / the row's `order_value`.",
            "- **fee**: rate-card range per post; used only to flag fees outside it.", ""]
    out += [f"- `{k}`: {v}" for k, v in SOURCES.items()]
    out += ["", "HypeAuditor's 2026 Instagram medians (engagements per follower: nano 1.78%, micro 0.54%, mega 0.33%)",
            "are far lower than the seeds' figures per impression; divided by the reach rates above they give about",
            "4.7%, 2.4% and 1.7% per reached account. The table keeps the seeds' figures, the ones the shipped",
            "scenarios are built on; set `defaults: {engagement_rate: ...}` to use another source.",
            "No public benchmark was found for TikTok and YouTube reach or engagement, nor for click-through or",
            "conversion rates: calibrate them from your own history (`influencer-mix calibrate`).", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown(), end="")
