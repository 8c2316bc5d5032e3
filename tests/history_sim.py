"""Synthetic post histories from known per-creator rates, for the calibration tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

GROUPS = {  # (tier, platform): (followers range, reach, engagement, conversion): group means
    ("nano", "instagram"): ((1_500, 9_000), 0.35, 0.07, 0.006),
    ("micro", "instagram"): ((12_000, 90_000), 0.23, 0.045, 0.003),
    ("nano", "tiktok"): ((1_500, 9_000), 0.6, 0.09, 0.002),
}


def beta(rng, mean, concentration, size=None):
    return rng.beta(mean * concentration, (1 - mean) * concentration, size)


def make_history(seed: int, creators_per_group: int = 40, max_posts: int = 12, *, concentration: float = 200.0,
                 within: float = 0.5, order_value: float = 40.0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(posts, shortlist, truth). Each creator's true rates are drawn from its group's Beta (``concentration``
    a + b); each post's rates vary around the creator's by a lognormal factor (sd ``within``); counts are binomial."""
    rng = np.random.default_rng(seed)

    def lift() -> float:
        """A post's luck: a lognormal factor with mean 1 and log-sd ``within``."""
        return rng.lognormal(-within ** 2 / 2, within)

    posts, short, truth = [], [], []
    k = 0
    for (tier, platform), ((lo, hi), r, e, c) in GROUPS.items():
        for _ in range(creators_per_group):
            k += 1
            cid = f"{platform[:2]}-{tier}-{k:03d}"
            followers = int(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            true = {"reach_rate": beta(rng, r, concentration), "engagement_rate": beta(rng, e, concentration),
                    "conversion_rate": beta(rng, c, concentration),
                    "order_value": order_value * rng.lognormal(0, 0.15)}
            m = int(rng.integers(0, max_posts + 1))
            for p in range(m):
                f = int(followers * rng.uniform(0.95, 1.05))
                rr = min(true["reach_rate"] * lift(), 1.0)
                reach = rng.binomial(f, rr)
                eng = rng.binomial(reach, min(true["engagement_rate"] * lift(), 1.0))
                orders = rng.binomial(reach, min(true["conversion_rate"] * lift(), 1.0))
                revenue = float(rng.gamma(4.0, true["order_value"] / 4.0, orders).sum()) if orders else 0.0
                posts.append({"id": cid, "platform": platform, "date": f"2025-{1 + p % 12:02d}-{1 + p:02d}",
                              "followers": f, "reach": reach, "engagements": eng,
                              "clicks": orders + rng.integers(0, 50),
                              "orders": orders, "revenue": round(revenue, 2), "fee": round(followers / 100, 2)})
            short.append({"id": cid, "platform": platform, "followers": followers, "fee": round(followers / 100, 2)})
            truth.append({"id": cid, "posts": m, "tier": tier, **true})
    return pd.DataFrame(posts), pd.DataFrame(short), pd.DataFrame(truth)
