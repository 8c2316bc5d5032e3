"""Regenerate ``skincare_posts.csv`` and ``skincare_touchpoints.csv`` (seeded): ``python generate_history.py``.

An example history for ``influencer-mix calibrate``, made up for the skincare shortlist (not real data):
- posts: 100 of the 150 shortlisted creators have 1 to 10 past sponsored posts in 2025; 30 creators who are not on
  the shortlist have some too (they inform the group priors). Each post's reach, engagement and conversion rates
  are the creator's shortlist rate times a lognormal "luck" factor with mean 1 (log-sd 0.5: one post that lands
  can double a rate), counts are binomial, order values gamma around the creator's. Orders are what discount
  codes tracked: about 60% of the sales the creators drove.
- touchpoints: the journeys behind the nano and micro creators' sales (discount codes tracked 60% of them): each
  sale's journey holds its creator and 0 to 3 other touches (other creators, "search", "email", "paid_social")
  over two weeks, in random order, and converts on its last touch with a basket around $38; macro and mega
  creators are not in the log and keep their codes' figures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
CHANNELS = ["search", "email", "paid_social"]


def generate(seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    short = pd.read_csv(HERE / "skincare_shortlist.csv")
    with_history = rng.choice(len(short), 100, replace=False)
    creators = short.iloc[np.sort(with_history)].to_dict("records")
    for k in range(30):  # creators not on the shortlist
        src = short.iloc[int(rng.integers(len(short)))].to_dict()
        creators.append({**src, "id": f"past-{k + 1:03d}", "followers": int(src["followers"] * rng.uniform(0.7, 1.3))})

    def luck() -> float:
        return float(rng.lognormal(-0.125, 0.5))

    posts = []
    for c in creators:
        for _ in range(int(rng.integers(1, 11))):
            followers = int(c["followers"] * rng.uniform(0.9, 1.0))
            accounts = int(followers * c["audience_quality"])
            rate = c["reach_rate"] * luck()
            reach = int(rng.poisson(accounts * rate)) if rate >= 1 else int(rng.binomial(accounts, rate))
            eng = int(rng.binomial(reach, min(c["engagement_rate"] * luck(), 1.0)))
            orders = int(rng.binomial(reach, min(0.6 * c["conversion_rate"] * luck(), 1.0)))
            revenue = float(rng.gamma(6.0, c["order_value"] / 6.0, orders).sum()) if orders else 0.0
            posts.append({"id": c["id"], "platform": c["platform"],
                          "date": str(pd.Timestamp("2025-01-06") + pd.Timedelta(days=int(rng.integers(0, 330)))),
                          "followers": followers, "reach": reach, "engagements": eng,
                          "clicks": orders + int(rng.binomial(max(reach, 0), 0.01)), "orders": orders,
                          "revenue": round(revenue, 2), "fee": c["fee"]})
    posts = pd.DataFrame(posts).sort_values(["id", "date"]).reset_index(drop=True)
    posts["date"] = posts["date"].str[:10]
    # Journeys for the nano and micro creators' sales: codes tracked 60% of them, so each tracked order stands for
    # 1 / 0.6 sales; each sale's journey holds the creator and 0 to 3 other touches, in random order.
    small = posts[posts["id"].str.contains("nano|micro") & ~posts["id"].str.startswith("past")]
    touches_pool = list(small["id"].unique()) + CHANNELS * 10
    rows = []
    j = 0
    for _, post in small.iterrows():
        sales = int(rng.poisson(post["orders"] / 0.6))
        for _ in range(sales):
            start = pd.Timestamp(post["date"]) + pd.Timedelta(hours=int(rng.integers(0, 24 * 14)))
            others = [str(rng.choice(touches_pool)) for _ in range(int(rng.integers(0, 4)))]
            path = others + [post["id"]]
            rng.shuffle(path)
            hours = sorted(int(rng.integers(0, 14 * 24)) for _ in path)
            for k, (touch, h) in enumerate(zip(path, hours, strict=True)):
                last = k == len(path) - 1
                value = round(float(rng.gamma(6.0, 38 / 6.0)), 2) if last else ""
                rows.append({"journey": f"j{j:05d}", "timestamp": str(start + pd.Timedelta(hours=h)), "touch": touch,
                             "converted": int(last), "value": value})
            j += 1
        if rng.random() < 0.3:  # journeys that never convert
            rows.append({"journey": f"j{j:05d}", "timestamp": str(pd.Timestamp(post["date"])), "touch": post["id"],
                         "converted": 0, "value": ""})
            j += 1
    return posts, pd.DataFrame(rows)


if __name__ == "__main__":
    posts, touches = generate()
    posts.to_csv(HERE / "skincare_posts.csv", index=False)
    touches.to_csv(HERE / "skincare_touchpoints.csv", index=False)
    print(f"wrote {len(posts)} posts and {len(touches)} touches")
