"""Calibration quality on histories simulated from known rates: shrinkage against raw ratios, interval coverage.

    python benchmarks/bench_calibrate.py            # 20 seeds for each setting
    python benchmarks/bench_calibrate.py --seeds 40

Histories come from ``tests/history_sim.py``: three tier x platform groups, each creator's true rates drawn from
its group's Beta, 0 to ``max_posts`` posts per creator whose rates vary around the creator's by a lognormal "luck"
factor (mean 1, log-sd 0.5), binomial counts. The baseline in the same run is the raw ratio (the average of the
creator's own posts). Columns: the shrunk estimates' mean squared error against the true rates as a share of the
raw ratios' (mean over seeds, and the share of seeds where shrinkage wins), the coverage of the 90% posterior
intervals, and the seconds per calibration against computing the raw ratios with pandas.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from history_sim import make_history  # noqa: E402

from optimizer.learn.calibrate import calibrate  # noqa: E402

RATES = ("reach_rate", "engagement_rate", "conversion_rate")


def one(seed: int, creators: int, max_posts: int) -> dict:
    posts, short, truth = make_history(seed, creators_per_group=creators, max_posts=max_posts)
    t0 = time.perf_counter()
    res = calibrate(posts, short)
    t_cal = time.perf_counter() - t0
    t0 = time.perf_counter()
    posts.assign(r=posts["reach"] / posts["followers"]).groupby("id")["r"].mean()
    t_raw = time.perf_counter() - t0
    c = res.creators.merge(truth, on="id", suffixes=("", "_true"))
    out = {"seconds": t_cal, "raw seconds": t_raw}
    for rate in RATES:
        has = c[f"{rate}_posts"] > 0
        tr = c.loc[has, f"{rate}_true"]
        out[f"{rate} mse"] = float(((c.loc[has, rate] - tr) ** 2).mean() /
                                   ((c.loc[has, f"{rate}_raw"].astype(float) - tr) ** 2).mean())
        out[f"{rate} cover"] = float(((c[f"{rate}_p5"] <= c[f"{rate}_true"]) &
                                      (c[f"{rate}_true"] <= c[f"{rate}_p95"])).mean())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=20)
    args = ap.parse_args()
    rows = []
    for creators, max_posts in ((40, 3), (40, 12), (100, 3), (100, 12)):
        runs = pd.DataFrame([one(s, creators, max_posts) for s in range(args.seeds)])
        row = {"creators/group": creators, "max posts": max_posts}
        for rate in RATES:
            short = rate.split("_")[0]
            row[f"{short} mse/raw"] = runs[f"{rate} mse"].mean()
            row[f"{short} wins"] = (runs[f"{rate} mse"] < 1).mean()
            row[f"{short} 90% cover"] = runs[f"{rate} cover"].mean()
        row["s/calibration"] = runs["seconds"].median()
        row["x raw"] = float(np.median(runs["seconds"] / runs["raw seconds"]))
        rows.append(row)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
