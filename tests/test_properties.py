"""Properties of every plan: rules hold, the optimum beats the heuristics, more budget never hurts, and the same
input gives the same answer."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import feasible_rows, metrics, random_rules, random_shortlist
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import Scenario, plan

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
objectives = st.sampled_from(["profit", "revenue", "reach", "engagements", "conversions", "roi"])


def _scenario(seed: int, n: int, objective: str, solver: str = "cbc", budget_factor: float = 1.0):
    rng = np.random.default_rng(seed)
    df = random_shortlist(n, seed)
    data = random_rules(rng, df, objective)
    data["budget"] *= budget_factor
    data["solver"] = {"name": solver, "gap": 1e-6}
    return df, data


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(5, 60), objective=objectives)
def test_every_plan_meets_every_rule_and_beats_the_baselines(seed, n, objective):
    df, data = _scenario(seed, n, objective)
    result = plan(Scenario.from_dict(data, candidates=df))
    if not result.has_solution:
        assert result.status == "infeasible"
        return
    x = np.isin(df["id"], result.selected).astype(float)[None, :]
    assert feasible_rows(x, metrics(df), data)[0]
    assert result.totals.cost <= data["budget"] + 1e-6
    greedy = result.baselines["greedy"]
    if greedy.feasible:
        assert result.objective_value >= greedy.objective_value - 1e-6 * max(1.0, abs(greedy.objective_value))
    single = result.baselines.get("best_single")
    if single is not None and single.feasible:
        assert result.objective_value >= single.objective_value - 1e-6 * max(1.0, abs(single.objective_value))


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(5, 40), extra=st.floats(1.0, 3.0),
       objective=st.sampled_from(["profit", "revenue", "reach", "conversions"]))
def test_more_budget_never_lowers_the_optimum(seed, n, extra, objective):
    df, data = _scenario(seed, n, objective)
    small = plan(Scenario.from_dict(data, candidates=df))
    big = plan(Scenario.from_dict({**data, "budget": data["budget"] * extra}, candidates=df))
    if small.has_solution:
        assert big.has_solution
        assert big.objective_value >= small.objective_value - 1e-6 * max(1.0, abs(small.objective_value))


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(20, 150), objective=objectives)
def test_cbc_and_highs_agree_within_the_gap(seed, n, objective):
    df, data = _scenario(seed, n, objective)
    a = plan(Scenario.from_dict(data, candidates=df))
    b = plan(Scenario.from_dict({**data, "solver": {"name": "highs", "gap": 1e-6}}, candidates=df))
    assert a.status == b.status
    if a.has_solution:
        assert a.objective_value == pytest.approx(b.objective_value, rel=2e-6, abs=1e-6)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10**6), objective=objectives)
def test_same_input_same_selection(seed, objective):
    df, data = _scenario(seed, 80, objective)
    first = plan(Scenario.from_dict(data, candidates=df)).to_dict()
    second = plan(Scenario.from_dict(data, candidates=df)).to_dict()
    assert first["selected"] == second["selected"]
    assert first["totals"] == second["totals"]


def test_time_limited_solve_is_never_called_optimal():
    df = random_shortlist(3000, 11)
    data = {"budget": float(df["fee"].sum()) * 0.05, "objective": "profit",
            "constraints": {"platforms": {"tiktok": {"max_share": 0.33}, "youtube": {"min_share": 0.2}}},
            "solver": {"gap": 0.0, "time_limit": 0.01, "reduce": False}}
    result = plan(Scenario.from_dict(data, candidates=df))
    assert result.status in ("time_limit", "optimal")
    if result.status == "optimal":  # it can happen only when the solver proved optimality in time
        assert result.gap == pytest.approx(0.0, abs=1e-9)
    else:
        assert result.status != "optimal"
