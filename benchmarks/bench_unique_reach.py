"""Unique reach in the integer program: 2,000 candidates with 50 audience segments, and what deduplication buys.

    python benchmarks/bench_unique_reach.py              # 2,000 x 50 (the issue's size) and 500 x 20
    python benchmarks/bench_unique_reach.py --sizes 5000x50

Each candidate puts its reach into 1 to 4 of the segments (shares from a Dirichlet, 20% left to the general
population); segment sizes are given, so the model is the segments model of ``audience.py`` with tangent cuts
(``reach_model.py``). The budget buys about 5% of the shortlist's fees; the gap is the default 1e-4.

Columns: the time to plan for unique reach (build + solve + baselines; CBC, then HiGHS) against the baseline in the
same run, the same plan maximising plain (duplicated) reach, a linear program of the same shortlist; then what
each mix actually reaches once duplicates are removed: the unique-reach optimum, the reach optimum and the greedy
pick. Last, the seconds to simulate the chosen mix for 20,000 runs with and without drawing who is reached.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from bench_simulate import synthetic  # noqa: E402

from optimizer import (  # noqa: E402
    Scenario,
    plan,
    simulate,  # noqa: E402
)
from optimizer.io.scenario import SimulationSettings  # noqa: E402


def shortlist_and_segments(n: int, segments: int, folder: Path, seed: int = 3) -> tuple[pd.DataFrame, float]:
    """A synthetic shortlist, its segments file written to ``folder``, and the population."""
    df = synthetic(n, seed=seed)
    rng = np.random.default_rng(seed)
    reach = (df["followers"] * df["audience_quality"] * df["reach_rate"]).to_numpy()
    rows = []
    load = np.zeros(segments)
    for i, cid in enumerate(df["id"]):
        k = int(rng.integers(1, 5))
        segs = rng.choice(segments, k, replace=False, p=np.linspace(2, 1, segments) / np.linspace(2, 1, segments).sum())
        w = rng.dirichlet(np.ones(k)) * 0.8
        for s, ws in zip(segs, w, strict=True):
            rows.append((cid, f"seg{s:02d}", ws))
            load[s] += ws * reach[i]
    sizes = np.maximum(load * rng.uniform(0.3, 1.2, segments), 1000.0)  # segments smaller than the reach aimed at them
    population = float(sizes.sum() + 0.2 * reach.sum() * 2)
    frame = pd.DataFrame(rows, columns=["id", "segment", "share"])
    frame["segment_size"] = frame["segment"].map({f"seg{s:02d}": sizes[s] for s in range(segments)})
    frame.to_csv(folder / "segments.csv", index=False)
    return df, population


def run(n: int, segments: int, folder: Path) -> dict:
    df, population = shortlist_and_segments(n, segments, folder)
    budget = float(df["fee"].sum()) * 0.05
    base = {"budget": budget, "audience": {"population": population, "overlap": "segments.csv"},
            "constraints": {"platforms": {"tiktok": {"max_share": 0.5}}}, "solver": {"time_limit": 300}}
    row: dict = {"size": f"{n:,} x {segments}"}
    for solver in ("cbc", "highs"):
        sc = Scenario.from_dict({**base, "objective": "unique_reach", "solver": {**base["solver"], "name": solver}},
                                candidates=df, base_dir=folder)
        t0 = time.perf_counter()
        r = plan(sc)
        row[f"{solver} s"] = time.perf_counter() - t0
        row[f"{solver} status"] = f"{r.status} {r.gap:.1e}" if r.gap is not None else r.status
        if solver == "cbc":
            best, greedy, chosen = r.objective_value, r.baselines["greedy"].objective_value, r.selected
    t0 = time.perf_counter()
    plain = plan(Scenario.from_dict({**base, "objective": "reach"}, candidates=df, base_dir=folder))
    row["reach plan s"] = time.perf_counter() - t0
    row["ratio"] = row["cbc s"] / row["reach plan s"]
    row["unique: optimum"] = best
    row["reach optimum"] = plain.totals.unique_reach
    row["greedy"] = greedy
    sc = Scenario.from_dict({**base, "objective": "unique_reach"}, candidates=df, base_dir=folder)
    settings = SimulationSettings(runs=20_000, seed=1)
    t0 = time.perf_counter()
    sim = simulate(sc, chosen, settings=settings)
    row["sim s"] = time.perf_counter() - t0
    plain_sc = Scenario.from_dict({"budget": budget}, candidates=df)
    t0 = time.perf_counter()
    simulate(plain_sc, chosen, settings=settings)
    row["sim ratio"] = row["sim s"] / (time.perf_counter() - t0)
    row["sim mean / estimate"] = sim.metrics["unique_reach"].mean / sim.expected["unique_reach"]
    row["creators"] = len(chosen)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="*", default=["500x20", "2000x50"], help="CANDIDATESxSEGMENTS")
    args = ap.parse_args()
    import tempfile

    rows = []
    for spec in args.sizes:
        n, s = (int(v) for v in spec.lower().split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(run(n, s, Path(tmp)))
    frame = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"))


if __name__ == "__main__":
    main()
