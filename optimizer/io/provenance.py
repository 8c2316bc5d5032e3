"""Assumptions: every figure a plan uses that did not come from the shortlist, with its source and how many
creators, and how much of the mix's spend, it touches.

Per cell (``Candidates.sources``, recorded as the shortlist is read): scenario ``defaults:`` (by layer), benchmark
priors (``defaults: {from: benchmarks}``), rates calibrated from past posts, and ``audience_quality`` taken as 1
where the file has none. Per scenario: the audience overlap rates when no overlap file states them, the simulated
shocks, the tier cut-offs, and the paid boosts' CPMs, curve, response and spread (``amplification:``), each said to
be the scenario's or the default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from optimizer.domain import tiers as tiers_mod
from optimizer.io.audience import AudienceSettings
from optimizer.io.scenario import Scenario, Shocks


@dataclass(frozen=True)
class Assumption:
    """One figure that did not come from the shortlist. ``creators``: candidates it touches (None: the whole
    plan); ``in_mix`` and ``spend_share``: the chosen creators it touches and their share of the mix's spend."""

    figure: str
    source: str
    value: str = ""
    creators: int | None = None
    in_mix: int | None = None
    spend_share: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def assumptions(scenario: Scenario, positions: np.ndarray | None = None) -> tuple[Assumption, ...]:
    """The assumptions behind ``scenario`` and, with ``positions`` (the mix), how much of the mix rests on each."""
    cand = scenario.candidates
    fee = cand.outcomes.spend
    chosen = np.zeros(cand.n, dtype=bool)
    if positions is not None:
        chosen[np.asarray(positions, dtype=int)] = True
    spend = float(fee[chosen].sum())
    out: list[Assumption] = []
    for column, labels in cand.sources.items():
        for label in sorted({str(v) for v in labels if v}):
            touched = labels == label
            mine = touched & chosen
            out.append(Assumption(
                figure=column, source=label, creators=int(touched.sum()),
                in_mix=int(mine.sum()) if positions is not None else None,
                spend_share=float(fee[mine].sum()) / spend if positions is not None and spend > 0 else None))
    aud = scenario.audience_settings
    if aud is not None and aud.overlap is None and aud.model == "overlap":
        base = AudienceSettings(population=aud.population)
        for name in ("same_niche_overlap", "same_region_overlap"):
            v = getattr(aud, name)
            out.append(Assumption(f"audience.{name}", "the scenario" if v != getattr(base, name) else
                                  "the default (no overlap file)", f"{v:g}"))
    shocks = scenario.simulation_settings().shocks
    given = scenario.simulation is not None and shocks != Shocks()
    out.append(Assumption("simulation.shocks (sd of shared shocks, when simulated)",
                          "the scenario" if given else "the default",
                          ", ".join(f"{k} {getattr(shocks, k):g}" for k in ("campaign", "platform", "niche"))))
    out += _amplification(scenario, chosen if positions is not None else None)
    if dict(scenario.tier_cutoffs) != dict(tiers_mod.DEFAULT_TIERS):
        out.append(Assumption("tiers", "the scenario", ", ".join(f"{k} {v:,.0f}"
                                                                 for k, v in scenario.tier_cutoffs.items())))
    return tuple(out)


def _amplification(scenario: Scenario, chosen: np.ndarray | None) -> list[Assumption]:
    """The figures a boosted plan rests on (``domain/amplification.py``); the boosted creators of the mix are
    those the CPMs, the curve and the response touch."""
    amp = scenario.amplification
    if amp is None:
        return []
    out = scenario.candidates.outcomes
    ok = amp.eligible(scenario.candidates.table)
    boosted = out.boost > 0
    in_mix = int((boosted & chosen).sum()) if chosen is not None else None
    spend = float(out.spend[chosen].sum()) if chosen is not None else 0.0
    share = float(out.boost[chosen].sum()) / spend if chosen is not None and spend > 0 else None

    def source(key: str, default: str) -> str:
        return "the scenario" if key in amp.stated else default

    cpms = ", ".join(f"{p} {v:g}" for p, v in sorted(amp.cpm.items()))
    curve = ", ".join(f"{a:,.0f}+ impressions: {b:g}" for a, b in amp.curve)
    return [
        Assumption("amplification.cpm (per 1,000 boosted impressions)",
                   source("cpm", "the default (middle of the vendor ranges, docs/sources.md)"), cpms,
                   int(ok.sum()), in_mix, share),
        Assumption("amplification.curve (new accounts per boosted impression)",
                   source("curve", "the default (no public benchmark: an assumption)"), curve, int(ok.sum()), in_mix,
                   share),
        Assumption("amplification.response (boosted viewers' rates / followers')",
                   source("response", "the default (no public benchmark: an assumption)"), f"{amp.response:g}",
                   int(ok.sum()), in_mix, share),
        Assumption("amplification.reach_cv (spread of boosted reach, when simulated)",
                   source("reach_cv", "the default"), f"{amp.reach_cv:g}", int(ok.sum()), in_mix, share),
    ]
