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
- ``deal_mix_shortlist.csv``: the skincare shortlist's nano and micro creators (``skincare_shortlist.csv``) on the
  deals small creators are really offered. Every other nano creator is gifted: no fee, the product sent (a kit that
  costs the brand 32), and since many gifted creators never post, its reach rate is 0.6 of its stated one with twice
  the spread (an assumption, said in the scenario). The other nano creators keep their flat fee and get the kit too.
  Micro creators are on commission: half their fee up front, 15% of the sales their code or link tracks, usage
  rights for 120 (so their posts may be boosted), and every third one a guarantee of 100 and a cap of 1,500 on the
  commission.
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


KIT = 32.0  # what the product sent to a creator costs the brand


def deal_mix() -> pd.DataFrame:
    df = pd.read_csv(HERE / "skincare_shortlist.csv")
    df = df[df["followers"] < 100_000].reset_index(drop=True)  # nano and micro (the default cut-offs)
    nano = df["followers"] < 10_000
    gifted = nano & (np.arange(len(df)) % 2 == 0)
    micro = ~nano
    out = df.copy()
    out["product_cost"] = np.where(nano, KIT, 0.0)
    out.loc[gifted, "fee"] = 0.0
    out.loc[gifted, "reach_rate"] = (0.6 * df.loc[gifted, "reach_rate"]).round(4)
    out.loc[gifted, "reach_rate_sd"] = np.minimum(2 * df.loc[gifted, "reach_rate_sd"],
                                                  0.9 * np.sqrt(out.loc[gifted, "reach_rate"]
                                                                * (1 - out.loc[gifted, "reach_rate"]))).round(4)
    out.loc[micro, "fee"] = (0.5 * df.loc[micro, "fee"]).round(0)
    out["commission_rate"] = np.where(micro, 0.15, 0.0)
    out["usage_fee"] = np.where(micro, 120.0, 0.0)
    third = micro & (np.cumsum(micro) % 3 == 0)
    out["min_guarantee"] = np.where(third, 100.0, 0.0)
    out["cap"] = np.where(third, 1500.0, np.nan)
    out["deal"] = np.where(gifted, "gifted", np.where(nano, "flat fee + kit", "commission"))
    return out


if __name__ == "__main__":
    fashion().to_csv(HERE / "fashion_shortlist.csv", index=False)
    nano_macro().to_csv(HERE / "nano_macro_shortlist.csv", index=False)
    deal_mix().to_csv(HERE / "deal_mix_shortlist.csv", index=False)
    print("wrote fashion_shortlist.csv, nano_macro_shortlist.csv and deal_mix_shortlist.csv")
