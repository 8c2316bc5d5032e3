"""Shared helpers: random shortlists, and an independent evaluation of the rules over every subset."""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

# The suite is a gate (.ci/run): its property tests draw the same examples on every run ("gate", the default), so
# a run fails only when the code changed. HYPOTHESIS_PROFILE=explore draws fresh examples to hunt for new failures.
settings.register_profile("gate", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
PLATFORMS = ("instagram", "tiktok", "youtube")


def random_shortlist(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    followers = np.exp(rng.uniform(np.log(1_000), np.log(400_000), n)).astype(int)
    return pd.DataFrame({
        "id": [f"c{i:02d}" for i in range(n)],
        "platform": rng.choice(PLATFORMS, n),
        "followers": followers,
        "fee": np.round(followers / 1000 * rng.uniform(5, 30, n)),
        "reach_rate": rng.uniform(0.1, 0.9, n),
        "engagement_rate": rng.uniform(0.005, 0.12, n),
        "conversion_rate": rng.uniform(0.0005, 0.01, n),
        "order_value": rng.uniform(20, 60, n),
        "niche": rng.choice(["skincare", "beauty"], n),
    })


def random_rules(rng: np.random.Generator, df: pd.DataFrame, objective: str) -> dict:
    """A scenario dict with a random subset of the rules (often feasible, sometimes not)."""
    total = float(df["fee"].sum())
    budget = float(rng.uniform(0.15, 0.6) * total)
    cons: dict = {}
    if rng.random() < 0.5 or objective == "roi":
        cons["min_spend"] = round(budget * rng.uniform(0.2, 0.8), 2)
    if rng.random() < 0.3:
        cons["min_count"] = int(rng.integers(1, 4))
    if rng.random() < 0.4:
        cons["max_count"] = int(rng.integers(3, len(df)))
    if rng.random() < 0.5:
        cons["tiers"] = {"nano": {"min_count": int(rng.integers(0, 3))},
                         "macro": {"max_count": int(rng.integers(0, 3))}}
    if rng.random() < 0.5:
        cons["platforms"] = {"tiktok": {"max_share": round(float(rng.uniform(0.2, 0.7)), 2)},
                             "instagram": {"min_share": round(float(rng.uniform(0.0, 0.3)), 2)}}
    if rng.random() < 0.3:
        cons["niches"] = {"beauty": {"max_count": int(rng.integers(1, 5))}}
    if rng.random() < 0.3:
        cons["min_reach"] = float(rng.uniform(0, 0.3) * (df["followers"] * df["reach_rate"]).sum())
    if rng.random() < 0.3:
        cons["min_roi"] = float(rng.uniform(0.5, 3))
    if rng.random() < 0.3:
        cons["include"] = [str(df["id"].iloc[int(rng.integers(len(df)))])]
    if rng.random() < 0.3:
        cons["exclude"] = [str(df["id"].iloc[int(rng.integers(len(df)))])]
        if cons.get("include") == cons["exclude"]:
            del cons["exclude"]
    return {"budget": budget, "objective": objective, "constraints": cons,
            "solver": {"gap": 0.0, "time_limit": 60}}


def subsets(n: int) -> np.ndarray:
    """Every 0/1 vector of length n, as rows."""
    return np.array(list(itertools.product((0, 1), repeat=n)), dtype=float)


def metrics(df: pd.DataFrame, tiers: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """Per-creator funnel, computed here independently of the package."""
    aq = df["audience_quality"].to_numpy(float) if "audience_quality" in df else np.ones(len(df))
    reach = df["followers"].to_numpy(float) * aq * df["reach_rate"].to_numpy(float)
    conv = reach * df["conversion_rate"].to_numpy(float)
    rev = conv * df["order_value"].to_numpy(float)
    fee = df["fee"].to_numpy(float)
    cut = sorted((tiers or {"nano": 1e3, "micro": 1e4, "macro": 1e5, "mega": 1e6}).items(), key=lambda kv: kv[1])
    f = df["followers"].to_numpy(float)
    tier = np.array([cut[0][0]] * len(df), dtype=object)
    for name, lo in cut:
        tier[f >= lo] = name
    return {"cost": fee, "revenue": rev, "profit": rev - fee, "reach": reach,
            "engagements": reach * df["engagement_rate"].to_numpy(float), "conversions": conv, "tier": tier,
            "platform": df["platform"].str.lower().to_numpy(object),
            "niche": df["niche"].to_numpy(object) if "niche" in df else np.array([""] * len(df), dtype=object),
            "id": df["id"].astype(str).to_numpy(object)}


def feasible_rows(X: np.ndarray, m: dict, data: dict, tol: float = 1e-7) -> np.ndarray:
    """Which rows of X (0/1 mixes) meet every rule of the scenario dict ``data``."""
    c = data.get("constraints", {})
    cost = X @ m["cost"]
    ok = cost <= data["budget"] * (1 + tol) + tol
    if "min_spend" in c:
        ok &= cost >= c["min_spend"] * (1 - tol) - tol
    count = X.sum(axis=1)
    if "min_count" in c:
        ok &= count >= c["min_count"]
    if "max_count" in c:
        ok &= count <= c["max_count"]
    for kind, col in (("tiers", "tier"), ("platforms", "platform"), ("niches", "niche")):
        for name, lim in c.get(kind, {}).items():
            member = (m[col] == name).astype(float)
            k = X @ member
            spend = X @ (member * m["cost"])
            if "min_count" in lim:
                ok &= k >= lim["min_count"]
            if "max_count" in lim:
                ok &= k <= lim["max_count"]
            if "min_share" in lim:
                ok &= spend >= lim["min_share"] * cost - tol * (1 + cost)
            if "max_share" in lim:
                ok &= spend <= lim["max_share"] * cost + tol * (1 + cost)
    for floor in ("reach", "engagements", "conversions", "revenue"):
        if f"min_{floor}" in c:
            ok &= X @ m[floor] >= c[f"min_{floor}"] * (1 - tol) - tol
    if "min_roi" in c:
        rev = X @ m["revenue"]
        ok &= rev - (1 + c["min_roi"]) * cost >= -tol * (1 + cost)
    for i in c.get("include", []):
        ok &= X[:, list(m["id"]).index(i)] == 1
    for i in c.get("exclude", []):
        ok &= X[:, list(m["id"]).index(i)] == 0
    return ok


def brute_force(df: pd.DataFrame, data: dict) -> tuple[float | None, np.ndarray]:
    """(best objective, feasibility mask over all subsets) by enumeration."""
    m = metrics(df)
    X = subsets(len(df))
    ok = feasible_rows(X, m, data)
    if not ok.any():
        return None, ok
    obj = data["objective"]
    if obj == "roi":
        cost = X @ m["cost"]
        with np.errstate(divide="ignore", invalid="ignore"):
            val = np.where(cost > 0, (X @ m["profit"]) / np.where(cost > 0, cost, 1), -np.inf)
    else:
        val = X @ m[obj]
    return float(np.max(np.where(ok, val, -np.inf))), ok


@pytest.fixture
def skincare_yaml() -> Path:
    return SCENARIOS / "skincare_launch.yaml"


# ------------------------------------------------------------------ expensive results shared by several tests
# A plan is immutable (PlanResult is frozen), so tests that only read one can share it. The funnel scenario is the
# slowest shipped plan; its tests are one xdist group, so that one worker computes it once.

FUNNEL = "three_phase_funnel.yaml"


@functools.cache
def shipped_plan(name: str):
    """``plan(load_scenario(scenarios/NAME))``, computed once per test process."""
    from optimizer import plan
    from optimizer.io.scenario import load_scenario

    return plan(load_scenario(SCENARIOS / name))


@pytest.fixture(scope="session")
def funnel_run(tmp_path_factory) -> tuple[int, dict, Path]:
    """``influencer-mix run three_phase_funnel.yaml --format json --runs 2048 --out DIR``, once per session: (exit
    code, the JSON printed, DIR)."""
    from optimizer.cli import main

    out = tmp_path_factory.mktemp("funnel") / "out"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["run", str(SCENARIOS / FUNNEL), "--format", "json", "--runs", "2048", "--out", str(out)])
    return code, json.loads(printed.getvalue()), out


def pytest_configure(config):
    """With the suite spread over processes (pytest-xdist), each process's numerical libraries use one thread:
    OpenBLAS threads spin while they wait, and two processes' spinning threads on two cores slowed some tests
    six-fold. Set before the workers start, so they and the commands the tests run inherit it."""
    if getattr(config.option, "numprocesses", None) and "PYTEST_XDIST_WORKER" not in os.environ:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: one worker more than the cores. Some tests wait on a command they will signal or on a solver's
    clock (``test_hostile.py``, ``test_time_limits.py``); the extra worker keeps the cores busy meanwhile."""
    return (os.cpu_count() or 1) + 1
