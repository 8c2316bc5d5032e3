"""Time limits are honoured by every back end and by the whole plan, and what was found by then is reported
with its status and gap, never as optimal (issue 14, item 5). The LP relaxation by column generation is exact."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from optimizer import Scenario, plan
from optimizer.model.formulation import MilpModel
from optimizer.model.program import build_model
from optimizer.solve import INFEASIBLE, OPTIMAL, TIME_LIMIT, lp_relaxation, solve
from optimizer.solve.cbc import _run_cbc
from optimizer.solve.lp import _lp_direct


def market_split(m: int = 5, seed: int = 0) -> MilpModel:
    """Cornuejols and Dawande's market split (m equality rows of random coefficients over 10 (m - 1) binaries),
    with elastic slacks so that it is always feasible: tiny, and hard for branch and bound (minutes at m = 5)."""
    n = 10 * (m - 1)
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 100, size=(m, n)).astype(float)
    d = np.floor(a.sum(1) / 2)
    A = sp.hstack([sp.csr_matrix(a), sp.identity(m), -sp.identity(m)]).tocsr()
    k = n + 2 * m
    return MilpModel(c=np.concatenate([np.zeros(n), -np.ones(2 * m)]), A=A, lo=d, hi=d, lb=np.zeros(k),
                     ub=np.concatenate([np.ones(n), np.full(2 * m, np.inf)]),
                     integer=np.concatenate([np.ones(n, bool), np.zeros(2 * m, bool)]), rows=[], n_candidates=n)


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_every_back_end_stops_at_its_time_limit_and_says_so(solver):
    limit = 2.0
    start = time.perf_counter()
    out = solve(market_split(), solver, time_limit=limit, reduce=False)
    elapsed = time.perf_counter() - start
    assert elapsed <= 1.1 * limit + 1.0, elapsed
    assert out.status == TIME_LIMIT, out.status
    assert out.x is not None and out.value is not None
    # the bound is the solver's own: at least the mix found, and the gap is what it is, never 0 unproven
    assert out.bound is not None and out.bound >= out.value
    assert out.gap is not None and out.gap > 0


def test_a_cbc_that_overruns_its_limit_is_stopped():
    """CBC checks -sec only between steps; a process that ignores it (here: sleep) is interrupted, then killed."""
    start = time.perf_counter()
    code, _, _, stopped = _run_cbc(["sleep", "30"], 0.5)
    assert stopped and code != 0
    assert time.perf_counter() - start < 0.5 * 1.02 + 0.2 + 0.5 + 0.5


def _wide_model(n: int, seed: int, *, floor_on_poor: bool = False) -> MilpModel:
    """A knapsack with a count cap, a share cap and a group floor: many more columns than rows."""
    rng = np.random.default_rng(seed)
    fee = rng.lognormal(4, 0.8, n)
    value = fee * rng.lognormal(0.3, 0.5, n) - fee
    group = rng.random(n) < 0.3
    rows = [fee, np.ones(n), np.where(group, 0.6, -0.4) * fee, group.astype(float)]
    lo = [-np.inf, -np.inf, -np.inf, 50.0 if floor_on_poor else 0.0]
    if floor_on_poor:  # the floor's group is worth least: none of its columns is among the first priced
        value = np.where(group, -np.abs(value) - 100, np.abs(value))
    A = sp.csr_matrix(np.vstack(rows))
    return MilpModel(c=value, A=A, lo=np.array(lo), hi=np.array([0.01 * fee.sum(), n / 40, 0.0, np.inf]),
                     lb=np.zeros(n), ub=np.ones(n), integer=np.ones(n, bool), rows=[], n_candidates=n)


@pytest.mark.parametrize(("seed", "floor"), [(0, False), (1, True), (2, False)])
def test_the_lp_by_column_generation_is_the_lp(seed, floor):
    model = _wide_model(40_000, seed, floor_on_poor=floor)
    status, x, z, d = lp_relaxation(model)
    s2, x2, z2, d2 = _lp_direct(model, None)
    assert status == s2 == OPTIMAL
    assert z == pytest.approx(z2, rel=1e-9, abs=1e-6)
    assert np.all(model.A @ x <= model.hi + 1e-6) and np.all(model.A @ x >= model.lo - 1e-6)
    # reduced costs agree wherever the LP's solution is unique enough to pin them (nonbasic columns)
    assert np.median(np.abs(d - d2)) < 1e-6


def test_an_infeasible_wide_lp_is_found_infeasible():
    model = _wide_model(30_000, 3)
    model = MilpModel(c=model.c, A=model.A, lo=np.array([-np.inf, -np.inf, -np.inf, 1e6]), hi=model.hi, lb=model.lb,
                      ub=model.ub, integer=model.integer, rows=[], n_candidates=model.n_candidates)
    assert lp_relaxation(model)[0] == INFEASIBLE


def _big_shortlist(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tier = rng.choice(3, n, p=[0.6, 0.32, 0.08])
    followers = np.floor(np.array([1e3, 1e4, 1e5])[tier] * 10 ** rng.uniform(0, 1, n)).astype(int)
    return pd.DataFrame({
        "id": [f"c{i}" for i in range(n)], "platform": rng.choice(["instagram", "tiktok", "youtube"], n),
        "followers": followers, "fee": np.round(followers / 1000 * rng.lognormal(np.log(12), 0.5, n), 2),
        "reach_rate": rng.beta(3, 7, n), "engagement_rate": rng.beta(2, 30, n),
        "conversion_rate": rng.beta(2, 600, n), "order_value": rng.lognormal(np.log(40), 0.2, n)})


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_the_whole_plan_keeps_to_the_time_limit(solver):
    """60,000 candidates given half a second: the plan ends in time with a mix that meets the rules, and its
    status says whether it was proven (it is never called optimal without its gap)."""
    df = _big_shortlist(60_000)
    limit = 0.5
    sc = Scenario.from_dict({"budget": float(df["fee"].sum()) * 0.02, "solver": {"name": solver, "time_limit": limit},
                             "constraints": {"max_count": 1500, "tiers": {"nano": {"min_count": 20}},
                                             "platforms": {"tiktok": {"max_share": 0.4}}}}, df)
    r = plan(sc, baselines=False)
    assert r.seconds <= 1.1 * limit + 1.0, r.seconds
    assert r.has_solution
    x = sc.candidates.indicator(np.flatnonzero(np.isin(sc.candidates.ids, r.selected)))
    assert not build_model(sc, c=np.zeros(sc.candidates.n)).violations(x)
    if r.status == OPTIMAL:
        assert r.gap is not None and r.gap <= sc.solver.gap + 1e-12
    else:
        assert r.status == TIME_LIMIT
