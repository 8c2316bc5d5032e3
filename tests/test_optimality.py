"""The optimiser's claim of optimality against exhaustive enumeration, for every objective and both solvers."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import brute_force, feasible_rows, metrics, random_rules, random_shortlist
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import Scenario, plan
from optimizer.io.scenario import OBJECTIVES as ALL_OBJECTIVES

# cvar needs the runs (tests/test_risk.py); unique_reach an audience (tests/test_audience.py); min_cost floors
# (tests/test_campaign_structure.py)
OBJECTIVES = tuple(o for o in ALL_OBJECTIVES if o not in ("cvar", "unique_reach", "min_cost"))

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_against_brute_force(seed: int, objective: str, solver: str, reduce: bool, n: int) -> None:
    rng = np.random.default_rng(seed)
    df = random_shortlist(n, seed)
    data = random_rules(rng, df, objective)
    data["solver"] = {"name": solver, "gap": 0.0, "time_limit": 60, "reduce": reduce}
    best, _ = brute_force(df, data)
    result = plan(Scenario.from_dict(data, candidates=df))
    if best is None:
        assert result.status == "infeasible", (data, result.objective_value)
        assert result.conflicts, "an infeasible scenario must name the conflicting rules"
        return
    # the best mix may hire nobody: that is reported as "empty" (with a warning saying why), never as optimal
    assert result.status == ("empty" if not result.selected else "optimal"), (result.status, data)
    x = np.isin(df["id"], result.selected).astype(float)[None, :]
    assert feasible_rows(x, metrics(df), data)[0], f"returned mix breaks a rule: {data}"
    assert result.objective_value == pytest.approx(best, rel=1e-7, abs=1e-6), data


@pytest.mark.parametrize("objective", OBJECTIVES)
@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(4, 12))
def test_cbc_matches_enumeration(objective, seed, n):
    _check_against_brute_force(seed, objective, "cbc", True, n)


@pytest.mark.parametrize("objective", OBJECTIVES)
@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(4, 12))
def test_highs_matches_enumeration(objective, seed, n):
    _check_against_brute_force(seed, objective, "highs", True, n)


@pytest.mark.parametrize("solver", ["cbc", "highs"])
@pytest.mark.parametrize("objective", ["profit", "roi"])
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_without_reduced_cost_fixing(solver, objective, seed):
    _check_against_brute_force(seed, objective, solver, False, 12)


def test_fourteen_candidates_every_objective():
    """The largest size the issue names, once per objective."""
    for k, objective in enumerate(OBJECTIVES):
        _check_against_brute_force(1000 + k, objective, "cbc", True, 14)


def test_conflicts_are_minimal_and_named():
    df = random_shortlist(10, 3)
    data = {"budget": 100.0, "objective": "profit",
            "constraints": {"min_count": 8, "platforms": {"tiktok": {"max_share": 0.4}}}}
    result = plan(Scenario.from_dict(data, candidates=df))
    assert result.status == "infeasible"
    assert set(result.conflicts) == {"budget", "constraints.min_count"}
    assert "constraints.min_count" in result.message
    # Relaxing any one named rule makes it feasible.
    for key in result.conflicts:
        relaxed = {**data, "constraints": dict(data["constraints"])}
        if key == "budget":
            relaxed["budget"] = float(df["fee"].sum())
        else:
            relaxed["constraints"].pop(key.split(".")[-1])
        assert plan(Scenario.from_dict(relaxed, candidates=df)).status == "optimal"


@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_the_value_only_solve_is_the_plan(objective, seed):
    """``decision.solve_value`` (the re-solves of prices and what-if) reports the status, objective value, bound
    and mix of ``optimize`` on the same scenario, and the enumeration's optimum."""
    from optimizer.decision import optimize, solve_value

    rng = np.random.default_rng(seed)
    df = random_shortlist(9, seed)
    data = random_rules(rng, df, objective)
    data["solver"] = {"gap": 0.0}
    sc = Scenario.from_dict(data, candidates=df)
    full, light = optimize(sc, baselines=False, explain=False), solve_value(sc)
    assert (light.status, light.has_solution) == (full.status, full.has_solution)
    best, _ = brute_force(df, data)
    if best is None:
        assert light.objective_value is None and light.hires is None
        return
    assert light.objective_value == pytest.approx(full.objective_value, rel=1e-9, abs=1e-9)
    assert light.objective_value == pytest.approx(best, rel=1e-7, abs=1e-6)
    assert light.bound == pytest.approx(full.bound, rel=1e-9, abs=1e-9)
    assert list(sc.candidates.ids[light.hires > 0.5]) == full.selected


def test_two_independent_conflicts_are_each_named():
    """A count cap below a tier minimum, and separately a reach floor above what the whole shortlist reaches: both
    are named, each as its own set, and no one rule relaxed alone makes a plan possible (the old diagnosis named
    one set, whose rule relaxed left the scenario infeasible)."""
    from optimizer.report.summary import conflict_words

    df = random_shortlist(12, 5)
    nano = int((df["followers"] < 10_000).sum())
    assert nano >= 3
    data = {"budget": float(df["fee"].sum()), "objective": "profit",
            "constraints": {"max_count": 2, "tiers": {"nano": {"min_count": 3}},
                            "min_reach": float(metrics(df)["reach"].sum()) + 1}}
    sc = Scenario.from_dict(data, candidates=df)
    r = plan(sc)
    assert r.status == "infeasible"
    assert sorted(map(sorted, r.conflict_sets)) == [["constraints.max_count", "constraints.tiers.nano.min_count"],
                                                    ["constraints.min_reach"]]
    assert r.conflict_fixes == []
    assert "and separately" in r.message
    from optimizer.analysis.comparison import without

    for key in ("constraints.min_reach", "constraints.max_count"):  # a rule of one set relaxed leaves the other
        assert plan(without(sc, key), baselines=False).status == "infeasible"
    relaxed = without(without(sc, "constraints.min_reach"), "constraints.max_count")
    assert plan(relaxed, baselines=False).status == "optimal"  # one rule of each: a plan
    words = " ".join(conflict_words(r))
    assert "2 separate sets of rules cannot be met" in words and "relax a rule in each" in words
    doc = r.to_dict()
    assert doc["conflict_sets"] == r.conflict_sets and doc["conflict_fixes"] == []


def test_a_single_conflict_says_which_rule_to_relax():
    df = random_shortlist(10, 3)
    data = {"budget": 100.0, "objective": "profit",
            "constraints": {"min_count": 8, "platforms": {"tiktok": {"max_share": 0.4}}}}
    r = plan(Scenario.from_dict(data, candidates=df))
    assert r.conflict_sets == [r.conflicts] and set(r.conflict_fixes) == set(r.conflicts)
    from optimizer.report.summary import conflict_words

    assert conflict_words(r)[-1] == "Relaxing any one of them makes a plan possible."
