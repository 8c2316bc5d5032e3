"""The simulator against closed forms, its reproducibility, and the portfolio-against-the-star comparison."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from optimizer import Scenario, load_scenario, plan, simulate
from optimizer.analysis.comparison import BEST_SINGLE, GREEDY, SINGLE_TIER, assess
from optimizer.domain.distributions import rate_marginal, value_marginal
from optimizer.io.scenario import Shocks, SimulationSettings
from optimizer.simulation.engine import BLOCK, simulate_mixes
from optimizer.simulation.measures import var_cvar

pytestmark = pytest.mark.xdist_group("simulation")  # one worker computes the module's shared fixture once

NO_SHOCKS = Shocks.none()


def creators(n: int = 4) -> pd.DataFrame:
    """Creators with whole audiences (audience_quality 1) and every kind of uncertainty."""
    rows = [
        # id, platform, niche, followers, fee, reach (mean, sd), engagement, conversion, order value
        ("a", "instagram", "skin", 4000, 60, 0.35, 0.08, 0.07, 0.02, 0.006, 0.003, 40.0, 8.0),
        ("b", "tiktok", "skin", 9000, 40, 1.3, 0.0, 0.09, 0.03, 0.004, 0.002, 35.0, 5.0),  # rate > 1: Poisson
        ("c", "youtube", "hair", 60000, 900, 0.2, 0.05, 0.04, 0.01, 0.003, 0.0015, 55.0, 0.0),
        ("d", "instagram", "", 2500, 25, 0.4, 0.0, 0.1, 0.0, 0.008, 0.0, 30.0, 0.0),  # only count noise
        ("e", "tiktok", "hair", 15000, 120, 0.6, 0.15, 0.05, 0.02, 0.005, 0.004, 45.0, 12.0),
    ][:n]
    cols = ["id", "platform", "niche", "followers", "fee", "reach_rate", "reach_rate_sd", "engagement_rate",
            "engagement_rate_sd", "conversion_rate", "conversion_rate_sd", "order_value", "order_value_sd"]
    return pd.DataFrame(rows, columns=cols)


def scenario_of(df: pd.DataFrame, **sim) -> Scenario:
    s = Scenario.from_dict({"budget": 1e9}, candidates=df)
    return s.with_changes(simulation=SimulationSettings(**{"shocks": NO_SHOCKS, **sim}))


def closed_form(row: pd.Series) -> tuple[float, float]:
    """Mean and variance of one creator's revenue: Beta rates, binomial counts (Poisson for a fixed rate > 1),
    lognormal order value, no shocks; written from the model's definition, not from the code."""
    n = float(row.followers)
    mr, sr = row.reach_rate, row.reach_rate_sd
    er2 = sr ** 2 + mr ** 2
    e_r = n * mr
    if mr > 1:
        assert sr == 0
        e_r2 = n * mr + n * n * er2  # Poisson(n r)
    else:
        e_r2 = n * (mr - er2) + n * n * er2  # Binomial(n, r), r ~ Beta
    mc, sc = row.conversion_rate, row.conversion_rate_sd
    ec2 = sc ** 2 + mc ** 2
    e_k = e_r * mc
    e_k2 = e_r * (mc - ec2) + e_r2 * ec2
    mv, sv = row.order_value, row.order_value_sd
    mean = e_k * mv
    return mean, e_k2 * (sv ** 2 + mv ** 2) - mean ** 2


def test_mean_and_variance_of_profit_match_the_closed_form():
    df = creators(5)
    s = scenario_of(df, runs=60_000, seed=11)
    sim = simulate(s, list(df["id"]), keep_draws=True)
    mean = sum(closed_form(r)[0] for r in df.itertuples()) - df["fee"].sum()
    var = sum(closed_form(r)[1] for r in df.itertuples())
    p = sim.draws["profit"].to_numpy()
    assert abs(p.mean() - mean) < 4 * sim.metrics["profit"].se
    m4 = np.mean((p - p.mean()) ** 4)
    se_var = math.sqrt((m4 - p.var() ** 2) / p.size)
    assert abs(p.var(ddof=1) - var) < 4 * se_var
    # each creator's mean and sd, from the per-creator accumulators
    c = sim.contributions.set_index("id")
    for r in df.itertuples():
        m, v = closed_form(r)
        assert abs(c.loc[r.id, "mean_profit"] - (m - r.fee)) < 4 * math.sqrt(v / p.size)
        assert c.loc[r.id, "sd_profit"] == pytest.approx(math.sqrt(v), rel=0.05)


def test_expected_counts_without_spread_reproduce_the_funnel_exactly():
    df = creators(5)
    df["audience_quality"] = [0.93, 0.871, 1.0, 0.55, 0.999]  # fractional audiences too
    for c in ("reach_rate_sd", "engagement_rate_sd", "conversion_rate_sd", "order_value_sd"):
        df[c] = 0.0
    s = scenario_of(df, runs=3000, counts="expected")
    sim = simulate(s, list(df["id"]), keep_draws=True)
    t = plan(s.with_changes(objective="revenue"), baselines=False).totals  # every creator is worth hiring
    assert t.count == 5
    for m in ("reach", "engagements", "conversions", "revenue", "profit"):
        col = sim.draws[m].to_numpy()
        assert np.all(col == col[0]), m
        assert col[0] == getattr(t, m), m  # exactly: the same arithmetic in the same order
        assert sim.metrics[m].sd == 0.0


def test_count_noise_alone_keeps_the_funnel_mean():
    df = creators(5)
    df["audience_quality"] = [0.93, 0.871, 1.0, 0.55, 0.999]
    for c in ("reach_rate_sd", "engagement_rate_sd", "conversion_rate_sd", "order_value_sd"):
        df[c] = 0.0
    s = scenario_of(df, runs=40_000, seed=5)
    sim = simulate(s, list(df["id"]))
    for m in ("reach", "engagements", "conversions", "revenue"):
        v = sim.metrics[m]
        assert v.sd > 0
        assert abs(v.mean - sim.expected[m]) < 4 * v.se, m


def test_shocks_change_the_spread_not_the_mean():
    df = creators(5)
    df.loc[0, ["reach_rate", "reach_rate_sd"]] = [0.95, 0.0]  # a platform shock pushes this rate above 1
    base = simulate(scenario_of(df, runs=40_000, seed=3), list(df["id"]))
    shocked = simulate(scenario_of(df, runs=40_000, seed=3, shocks=Shocks(0.3, 0.4, 0.3)), list(df["id"]))
    for m in ("reach", "engagements", "conversions", "revenue", "profit"):
        a, b = base.metrics[m], shocked.metrics[m]
        assert abs(b.mean - shocked.expected[m]) < 4 * b.se, m
        assert b.sd > 1.1 * a.sd, m


def test_variance_contributions_sum_to_the_total():
    df = creators(5)
    sim = simulate(scenario_of(df, runs=10_000, seed=2, shocks=Shocks(0.25, 0.15, 0.1)), list(df["id"]),
                   keep_draws=True)
    c = sim.contributions
    assert c["share"].sum() == pytest.approx(1.0, abs=1e-9)
    assert c["covariance"].sum() == pytest.approx(sim.draws["profit"].var(ddof=1), rel=1e-9)
    assert sim.diversification_ratio >= 1.0 - 1e-12  # sd of a sum never exceeds the sum of sds


def test_same_seed_same_numbers_whatever_the_chunks_and_threads():
    df = creators(5)
    s = scenario_of(df, runs=3 * BLOCK + 123, seed=9, shocks=Shocks(0.25, 0.15, 0.1))
    ids = list(df["id"])
    ref = simulate(s, ids, keep_draws=True, threads=1, chunk_runs=BLOCK)
    for threads, chunk in ((1, None), (3, 2 * BLOCK), (2, 4 * BLOCK)):
        other = simulate(s, ids, keep_draws=True, threads=threads, chunk_runs=chunk)
        assert other.to_dict() | {"seconds": 0} == ref.to_dict() | {"seconds": 0}
        pd.testing.assert_frame_equal(other.draws, ref.draws, check_exact=True)
        pd.testing.assert_frame_equal(other.contributions, ref.contributions, check_exact=True)
    moved = simulate(s.with_changes(simulation=SimulationSettings(runs=s.simulation.runs, seed=10)), ids)
    assert moved.metrics["profit"].mean != ref.metrics["profit"].mean


def test_common_random_numbers_a_creator_behaves_the_same_in_every_mix():
    df = creators(5)
    s = scenario_of(df, runs=5000, seed=4, shocks=Shocks(0.25, 0.15, 0.1))
    together = simulate_mixes(s, {"ab": [0, 1], "all": [0, 1, 2, 3, 4], "b": [1]}, keep_draws=True)
    alone = simulate_mixes(s, {"ab": [0, 1]}, keep_draws=True)
    pd.testing.assert_frame_equal(together["ab"].draws, alone["ab"].draws, check_exact=True)
    # creator b's revenue is the same in every run whichever mix it is in
    b_alone = together["b"].draws["revenue"].to_numpy()
    a_only = simulate_mixes(s, {"a": [0]}, keep_draws=True)["a"].draws["revenue"].to_numpy()
    assert np.array_equal(together["ab"].draws["revenue"].to_numpy(), a_only + b_alone)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(k=st.integers(2, 40), rate=st.floats(0.2, 0.8), conv=st.floats(0.002, 0.02), seed=st.integers(0, 10_000))
def test_cv_of_k_independent_similar_creators_falls_like_one_over_root_k(k, rate, conv, seed):
    one = pd.DataFrame({"id": [f"x{i}" for i in range(k)], "platform": "instagram", "followers": 5000, "fee": 0.0,
                        "reach_rate": rate, "reach_rate_sd": rate / 4, "engagement_rate": 0.05,
                        "conversion_rate": conv, "conversion_rate_sd": conv / 2, "order_value": 40.0,
                        "order_value_sd": 8.0})
    s = scenario_of(one, runs=20_000, seed=seed)
    res = simulate_mixes(s, {"one": [0], "k": list(range(k))})

    def cv(r):
        return r.metrics["revenue"].sd / r.metrics["revenue"].mean

    assert cv(res["k"]) * math.sqrt(k) / cv(res["one"]) == pytest.approx(1.0, abs=0.1)


@settings(max_examples=60, deadline=None)
@given(x=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=60), alpha=st.floats(0.01, 0.99))
def test_cvar_is_the_rockafellar_uryasev_maximum(x, alpha):
    x = np.array(x)
    var, cvar = var_cvar(x, alpha)
    ru = max(t - np.maximum(t - x, 0).mean() / (1 - alpha) for t in x)  # the maximum is at a sample point
    assert cvar == pytest.approx(ru, rel=1e-9, abs=1e-6)
    assert cvar <= var + 1e-9 and var >= x.min()


def test_moment_matching():
    m = rate_marginal(np.array([0.3, 1.4, 0.05, 0.2]), np.array([0.1, 0.5, 0.0, np.nan]), allow_above_one=True)
    a, b = m.p1[0], m.p2[0]
    assert stats.beta(a, b).mean() == pytest.approx(0.3) and stats.beta(a, b).std() == pytest.approx(0.1)
    k, theta = m.p1[1], m.p2[1]
    assert stats.gamma(k, scale=theta).mean() == pytest.approx(1.4)
    assert stats.gamma(k, scale=theta).std() == pytest.approx(0.5)
    assert list(m.kind[2:]) == [0, 0]  # sd 0 or missing: fixed
    v = value_marginal(np.array([40.0]), np.array([8.0]))
    dist = stats.lognorm(v.p2[0], scale=math.exp(v.p1[0]))
    assert dist.mean() == pytest.approx(40.0) and dist.std() == pytest.approx(8.0)


def test_comparison_uses_common_runs_and_the_right_mixes(skincare):
    result = plan(skincare)
    st_ = SimulationSettings(runs=4000, seed=1)
    a = assess(skincare, result, settings=st_)
    main = a.comparison[0]
    assert main.kind == "portfolio" and main.simulation is a.simulation
    alone = simulate(skincare, result, settings=st_)
    assert alone.to_dict() | {"seconds": 0} == a.simulation.to_dict() | {"seconds": 0}
    kinds = [alt.kind for alt in a.comparison]
    assert BEST_SINGLE in kinds and GREEDY in kinds and kinds.count(SINGLE_TIER) == 4
    tiers = skincare.candidates.table.set_index("id")["tier"]
    for alt in a.comparison:
        if alt.kind == SINGLE_TIER and alt.simulation is not None:
            assert set(tiers[list(alt.simulation.ids)]) == {alt.name.split()[0]}
        if alt.kind == BEST_SINGLE:
            assert len(alt.simulation.ids) == 1 and alt.simulation.cost <= skincare.budget
        if alt.meets_rules and alt.simulation is not None:  # the optimiser is optimal among rule-abiding mixes
            assert alt.simulation.expected["profit"] <= main.simulation.expected["profit"] + 1e-6
    d = result.to_dict()
    assert d["simulation"] is None and d["comparison"] == []


@pytest.fixture(scope="module")
def skincare():
    return load_scenario(SCENARIOS / "skincare_launch.yaml")
