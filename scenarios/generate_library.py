"""Regenerate the scenario library's shortlists (seeded): ``python generate_library.py``.

- ``fashion_shortlist.csv``: seed 003's mega fashion launch, one creator with 8M followers for $250,000 whose post
  made 8M impressions (reach rate 1.0), 1.5% engagement (about 120,000 interactions) and $800,000 of tracked sales
  (8,000 orders of $100: a conversion rate of 0.1% per reached account). Spreads: reach 25%, engagement 30%,
  conversion 50% of the rate, the same judgement as the skincare shortlist (one creator's past predicts little).
- ``nano_macro_shortlist.csv``: a study shaped like Beichert et al. (Journal of Marketing 2024): Instagram nano
  creators (1.2k-8.5k followers) and macro creators (50k-500k), with the study's figures as group means: share of
  followers reached 0.30 and 0.21, revenue per reached follower EUR 0.881 and 0.237 (conversion rate x an order
  value of EUR 60), fee per 1,000 followers EUR 15 and 10.5, so ROIS (revenue / fee) is about 17.6 and 4.7; each
  creator varies around its group by a lognormal factor (sd 0.2 on reach and fee, 0.3 on conversion).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def fashion() -> pd.DataFrame:
    return pd.DataFrame([{
        "id": "mega-fashion-01", "handle": "@runwaystar", "platform": "instagram", "followers": 8_000_000,
        "fee": 250_000.0, "reach_rate": 1.0, "engagement_rate": 0.015, "conversion_rate": 0.001, "order_value": 100.0,
        "niche": "fashion", "reach_rate_sd": 0.25, "engagement_rate_sd": 0.0045, "conversion_rate_sd": 0.0005,
        "order_value_sd": 15.0}])


def nano_macro(seed: int = 2024) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for tier, (lo, hi, count, reach, rpr, cpf, eng) in {
            "nano": (1_200, 8_500, 200, 0.30, 0.881, 15.0, 0.08),
            "macro": (50_000, 500_000, 60, 0.21, 0.237, 10.5, 0.03)}.items():
        for k in range(count):
            followers = int(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            r = reach * rng.lognormal(-0.02, 0.2)
            conv = rpr / 60.0 * rng.lognormal(-0.045, 0.3)
            rows.append({"id": f"{tier}-{k + 1:03d}", "platform": "instagram", "followers": followers,
                         "fee": round(followers / 1000 * cpf * rng.lognormal(-0.02, 0.2), 2),
                         "reach_rate": round(min(r, 0.95), 4), "engagement_rate": round(eng * rng.lognormal(0, 0.3), 4),
                         "conversion_rate": round(conv, 5), "order_value": 60.0, "niche": "fashion",
                         "reach_rate_sd": round(0.25 * min(r, 0.95) * 0.5, 4), "engagement_rate_sd": 0.0,
                         "conversion_rate_sd": round(0.5 * conv, 5), "order_value_sd": 10.0})
    return pd.DataFrame(rows)


if __name__ == "__main__":
    fashion().to_csv(HERE / "fashion_shortlist.csv", index=False)
    nano_macro().to_csv(HERE / "nano_macro_shortlist.csv", index=False)
    print("wrote fashion_shortlist.csv and nano_macro_shortlist.csv")
