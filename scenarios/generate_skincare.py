"""Regenerate ``skincare_shortlist.csv`` (seeded, so the file is reproducible): ``python generate_skincare.py``.

Figures are priors from the published figures in ``docs/sources.md`` and ``docs/benchmarks.md``, not truth:
- tiers: nano 1k-10k, micro 10k-100k, macro 100k-1M, mega 1M+; mix 110 nano, 28 micro, 10 macro, 2 mega.
- fee: cost per 1,000 followers about 15 (nano) and 10.5 (macro) as implied by the Journal of Marketing study
  (Beichert et al. 2024), 12 for micro, 8 for mega; TikTok about half and YouTube about twice Instagram, as the
  vendor rate cards have it; clipped to the rate-card range of each platform and tier.
- reach_rate: share of followers who see a feed post (Minter.io medians: 0.377 up to 20k, 0.229 to 1M, 0.191
  above); TikTok short video counts views, which can exceed followers.
- engagement_rate per reached account: 8% nano (seed 003's skincare launch), 5% micro (seed 004), 3% macro,
  1.5% mega; TikTok nano a little higher (seed 004: 10.3%).
- conversion_rate x order_value (revenue per reached account) set so that a typical nano creator returns about
  8x its fee, as in seed 003's launch ($15,000 to about $120,000), and macro about a quarter of nano per
  reached account, the study's ratio (EUR 0.237 against 0.881).
- every creator's rates vary around their tier's by a lognormal factor (sd 0.3); the _sd columns give the
  uncertainty of each creator's rates for the simulation: reach 25% of the rate (for rates below 1, at most half
  the largest sd a Beta can have), engagement 30%, conversion 50% (the seeds: one creator's past performance
  predicts little) and order value $8.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TIERS = {"nano": (1_000, 10_000, 110), "micro": (10_000, 100_000, 28), "macro": (100_000, 1_000_000, 10),
         "mega": (1_000_000, 8_000_000, 2)}
CPF = {"nano": 15.0, "micro": 12.0, "macro": 10.5, "mega": 8.0}  # fee per 1,000 followers on Instagram
PLATFORM_FEE = {"instagram": 1.0, "tiktok": 0.5, "youtube": 2.0}
RATE_CARD = {  # fee range per post by platform and tier (vendor rate cards, 2023)
    "instagram": {"nano": (10, 100), "micro": (100, 500), "macro": (500, 10_000), "mega": (10_000, 250_000)},
    "tiktok": {"nano": (5, 25), "micro": (25, 125), "macro": (125, 2_500), "mega": (2_500, 100_000)},
    "youtube": {"nano": (20, 200), "micro": (200, 1_000), "macro": (1_000, 20_000), "mega": (20_000, 400_000)},
}
REACH = {"instagram": {"nano": 0.377, "micro": 0.229, "macro": 0.229, "mega": 0.191},
         "tiktok": {"nano": 0.8, "micro": 0.6, "macro": 0.45, "mega": 0.4},
         "youtube": {"nano": 0.30, "micro": 0.25, "macro": 0.20, "mega": 0.18}}
ENGAGEMENT = {"nano": 0.08, "micro": 0.05, "macro": 0.03, "mega": 0.015}
CONVERSION = {"nano": 0.009, "micro": 0.0055, "macro": 0.0025, "mega": 0.0015}
PLATFORM_CONVERSION = {"instagram": 1.0, "tiktok": 0.3, "youtube": 1.3}  # views convert less
NICHES = ["skincare", "beauty", "wellness", "lifestyle"]
REGIONS = ["us-east", "us-west", "us-central"]


def generate(seed: int = 2024) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for tier, (lo, hi, count) in TIERS.items():
        for _ in range(count):
            platform = rng.choice(list(PLATFORM_FEE), p=[0.5, 0.35, 0.15])
            followers = int(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            low, high = RATE_CARD[platform][tier]
            fee = followers / 1000 * CPF[tier] * PLATFORM_FEE[platform] * rng.lognormal(0, 0.3)
            fee = float(np.clip(round(fee, -1) if fee >= 100 else round(fee), low, high))
            noise = rng.lognormal(0, 0.3, size=3)
            reach_rate = REACH[platform][tier] * noise[0]
            eng = min(0.5, ENGAGEMENT[tier] * (1.25 if platform == "tiktok" and tier == "nano" else 1) * noise[1])
            conv = CONVERSION[tier] * PLATFORM_CONVERSION[platform] * noise[2]
            rows.append({
                "id": f"{platform[:2]}-{tier}-{len(rows) + 1:03d}",
                "handle": f"@{rng.choice(['glow', 'derm', 'skin', 'dew', 'clean', 'bare'])}"
                          f"{rng.choice(['daily', 'lab', 'notes', 'club', 'diary', 'edit'])}{len(rows) + 1}",
                "platform": platform, "followers": followers, "fee": fee,
                "reach_rate": round(reach_rate, 4), "engagement_rate": round(eng, 4),
                "conversion_rate": round(conv, 5), "order_value": round(float(rng.normal(38, 4)), 2),
                "niche": rng.choice(NICHES, p=[0.45, 0.3, 0.15, 0.1]), "region": rng.choice(REGIONS),
                "audience_quality": round(float(rng.beta(18, 2)), 3),
                "reach_rate_sd": round(_reach_sd(reach_rate), 4), "engagement_rate_sd": round(0.3 * eng, 4),
                "conversion_rate_sd": round(0.5 * conv, 5), "order_value_sd": 8.0,
            })
    return pd.DataFrame(rows)


def _reach_sd(rate: float) -> float:
    """25% of the rate; below a rate of 1 (a Beta) at most half of the largest sd a Beta with that mean can have."""
    sd = 0.25 * rate
    return min(sd, 0.5 * float(np.sqrt(rate * (1 - rate)))) if rate < 1 else sd


if __name__ == "__main__":
    out = Path(__file__).with_name("skincare_shortlist.csv")
    generate().to_csv(out, index=False)
    print(f"wrote {out}")
