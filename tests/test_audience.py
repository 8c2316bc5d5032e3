"""Unique reach and frequency: the estimates against formulas written here, the optimiser against enumeration,
and the simulation of who is reached against the estimates."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import feasible_rows, metrics, random_rules, random_shortlist, subsets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import Scenario, plan, simulate
from optimizer.errors import InputError
from optimizer.io.scenario import Shocks, SimulationSettings
from optimizer.model.reach import tangent_points

MODELS = ("independent", "cores", "pairs", "segments", "disjoint")
PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])


def shortlist(n: int, seed: int) -> pd.DataFrame:
    df = random_shortlist(n, seed)
    rng = np.random.default_rng(seed + 7)
    df["region"] = rng.choice(["fr", "de", ""], n)
    return df


def audience_spec(model: str, df: pd.DataFrame, rng: np.random.Generator, tmp_path) -> tuple[dict, dict]:
    """(scenario audience block, what the reference formulas need). The population is set near the shortlist's
    total reach so that overlaps matter."""
    R = metrics(df)["reach"]
    N = float(R.sum() * rng.uniform(0.6, 3.0))
    spec: dict = {"model": model, "N": N}
    if model == "independent":
        return {"population": N, "model": "independent"}, spec
    if model == "disjoint":
        return {"population": N, "model": "disjoint"}, spec
    if model == "cores":
        spec["niche"], spec["region"] = float(rng.uniform(0, 0.4)), float(rng.uniform(0, 0.3))
        return {"population": N, "same_niche_overlap": spec["niche"], "same_region_overlap": spec["region"]}, spec
    ids = df["id"].tolist()
    if model == "pairs":
        pairs = [(a, b) for k, a in enumerate(ids) for b in ids[k + 1:] if rng.random() < 0.3]
        if not pairs:
            pairs = [(ids[0], ids[1])]
        # small shares: no creator's pairs add up to more than its reach, so nothing is scaled down
        shared = rng.uniform(0, 0.8 / len(ids), len(pairs))
        path = tmp_path / "pairs.csv"
        pd.DataFrame({"id_a": [p[0] for p in pairs], "id_b": [p[1] for p in pairs], "shared": shared}).to_csv(
            path, index=False)
        spec["pairs"] = [(ids.index(a), ids.index(b), s) for (a, b), s in zip(pairs, shared, strict=True)]
        return {"population": N, "overlap": str(path)}, spec
    # segments, with sizes
    names = ["s1", "s2", "s3"]
    rows = []
    W = np.zeros((len(ids), 3))
    for i, c in enumerate(ids):
        w = rng.dirichlet(np.ones(4))[:3] * rng.uniform(0.3, 1.0)
        for k in range(3):
            if rng.random() < 0.7:
                W[i, k] = w[k]
                rows.append((c, names[k], w[k]))
    sizes = rng.uniform(0.05, 0.25, 3) * N
    path = tmp_path / "segments.csv"
    pd.DataFrame({"id": [r[0] for r in rows], "segment": [r[1] for r in rows], "share": [r[2] for r in rows],
                  "segment_size": [sizes[names.index(r[1])] for r in rows]}).to_csv(path, index=False)
    spec["W"], spec["sizes"] = W, sizes
    return {"population": N, "overlap": str(path)}, spec


def _sainsbury(size: float, reach: np.ndarray, X: np.ndarray) -> np.ndarray:
    p = np.minimum(1.0, reach / size) if size > 0 else np.zeros_like(reach)
    return size * (1.0 - np.prod(np.where(X > 0.5, 1.0 - p[None, :], 1.0), axis=1))


def reference_unique(X: np.ndarray, df: pd.DataFrame, spec: dict) -> np.ndarray:
    """Unique reach of each row of X, from the formulas of the audience model's documentation."""
    R = metrics(df)["reach"]
    N = spec["N"]
    X = np.atleast_2d(X)
    if spec["model"] == "disjoint":
        return np.minimum(N, X @ R)
    if spec["model"] == "independent":
        return _sainsbury(N, R, X)
    if spec["model"] in ("cores", "pairs"):
        # cores placed at random in the population; each creator's other reach at random, with the chance q_i
        # that makes it reach R_i alone: 1 - R_i / N = (1 - q_i) prod_g (1 - c_ig / N)
        cores = []  # (members, parts)
        if spec["model"] == "cores":
            for column, rate in (("niche", spec["niche"]), ("region", spec["region"])):
                col = df[column].to_numpy(object)
                cores += [(col == g, rate * R) for g in set(col) - {""}]
        else:
            for a, b, s in spec["pairs"]:
                member = np.isin(np.arange(len(df)), [a, b])
                cores.append((member, np.full(len(df), s * min(R[a], R[b]))))
        kept = np.ones(len(df))
        for member, part in cores:
            kept = np.where(member, kept * (1 - part / N), kept)
        q = 1 - (1 - np.minimum(R, N) / N) / kept
        missed = np.prod(np.where(X > 0.5, 1 - q[None, :], 1.0), axis=1)
        for member, part in cores:
            missed *= 1 - np.max(np.where((X > 0.5) & member[None, :], part[None, :], 0.0), axis=1) / N
        return N * (1 - missed)
    W, sizes = spec["W"], spec["sizes"]
    out = np.zeros(X.shape[0])
    for k in range(W.shape[1]):
        out += _sainsbury(sizes[k], R * W[:, k], X)
    taken = sizes[W.sum(axis=0) > 0].sum()  # a segment no row names is not in the file
    return out + _sainsbury(N - taken, R * (1 - W.sum(axis=1)), X)


def case(model: str, seed: int, n: int, tmp_path_factory) -> tuple[pd.DataFrame, np.random.Generator, dict, dict]:
    """A random shortlist with an audience of ``model``: (shortlist, its generator, audience block, spec)."""
    df = shortlist(n, seed)
    rng = np.random.default_rng(seed)
    block, spec = audience_spec(model, df, rng, tmp_path_factory.mktemp(model))
    return df, rng, block, spec


def make(df, audience, **data) -> Scenario:
    return Scenario.from_dict({"budget": float(df["fee"].sum()), **data, "audience": audience}, candidates=df)


# ------------------------------------------------------------------------------------------- estimates

@pytest.mark.parametrize("model", MODELS)
@PROPERTY
@given(seed=st.integers(0, 10**6), n=st.integers(2, 12))
def test_estimate_matches_the_formula(model, seed, n, tmp_path_factory):
    df, rng, block, spec = case(model, seed, n, tmp_path_factory)
    aud = make(df, block).audience
    X = (rng.random((20, n)) < 0.5).astype(float)
    got = np.array([aud.unique_reach(x) for x in X])
    assert got == pytest.approx(reference_unique(X, df, spec), rel=1e-9, abs=1e-6)


def test_disjoint_is_the_sum_capped_by_the_population():
    df = shortlist(8, 1)
    R = metrics(df)["reach"]
    for N in (R.sum() * 2, R.sum() * 0.5):
        aud = make(df, {"population": float(N), "model": "disjoint"}).audience
        x = np.ones(8)
        assert aud.unique_reach(x) == pytest.approx(min(N, R.sum()), rel=1e-12)
        assert aud.frequency(x) == pytest.approx(R.sum() / min(N, R.sum()), rel=1e-12)


def test_independence_is_sainsbury_exactly():
    df = shortlist(10, 2)
    R = metrics(df)["reach"]
    N = float(R.sum())
    aud = make(df, {"population": N, "model": "independent"}).audience
    x = np.ones(10)
    assert aud.unique_reach(x) == pytest.approx(N * (1 - np.prod(1 - R / N)), rel=1e-12)


def test_overlap_rates_mean_the_share_of_the_smaller_reach():
    """Two creators of one niche share same_niche_overlap of the smaller reach (a population so large that
    random duplication is nil); of one region, same_region_overlap; of both, the two added."""
    df = shortlist(2, 3)
    df["niche"], df["region"] = "beauty", ["fr", "de"]
    R = metrics(df)["reach"]
    aud = make(df, {"population": 1e13, "same_niche_overlap": 0.2, "same_region_overlap": 0.1}).audience
    assert aud.unique_reach(np.ones(2)) == pytest.approx(R.sum() - 0.2 * R.min(), rel=1e-6)
    df["region"] = "fr"
    aud = make(df, {"population": 1e13, "same_niche_overlap": 0.2, "same_region_overlap": 0.1}).audience
    assert aud.unique_reach(np.ones(2)) == pytest.approx(R.sum() - 0.3 * R.min(), rel=1e-6)


def test_pairs_file_means_the_share_of_the_smaller_reach(tmp_path):
    df = shortlist(3, 4)
    R = metrics(df)["reach"]
    path = tmp_path / "pairs.csv"
    pd.DataFrame({"id_a": ["c00"], "id_b": ["c01"], "shared": ["25%"]}).to_csv(path, index=False)
    aud = make(df, {"population": 1e13, "overlap": str(path)}).audience
    assert aud.unique_reach(np.array([1, 1, 1.0])) == pytest.approx(R.sum() - 0.25 * min(R[0], R[1]), rel=1e-6)
    assert aud.unique_reach(np.array([1, 0, 1.0])) == pytest.approx(R[0] + R[2], rel=1e-6)


@pytest.mark.parametrize("model", MODELS)
@PROPERTY
@given(seed=st.integers(0, 10**6), n=st.integers(2, 12))
def test_adding_a_creator_never_lowers_unique_reach(model, seed, n, tmp_path_factory):
    df, rng, block, _ = case(model, seed, n, tmp_path_factory)
    aud = make(df, block).audience
    x = (rng.random(n) < 0.5).astype(float)
    base = aud.unique_reach(x)
    gains = aud.gains(x)
    for j in np.flatnonzero(x < 0.5):
        y = x.copy()
        y[j] = 1.0
        assert aud.unique_reach(y) >= base - 1e-9 * max(1.0, base)
        assert gains[j] == pytest.approx(aud.unique_reach(y) - base, rel=1e-9, abs=1e-6)
    assert aud.unique_reach(x) <= aud.population * (1 + 1e-12)


@pytest.mark.parametrize("eps", [1e-2, 2.5e-5])
def test_tangents_stay_within_their_tolerance(eps):
    pts = tangent_points(eps)
    L = np.concatenate([np.geomspace(1e-7, 1, 2000), np.linspace(1, 30, 2000)])
    f = -np.expm1(-L)
    envelope = np.min(-np.expm1(-pts)[None, :] + np.exp(-pts)[None, :] * (L[:, None] - pts[None, :]), axis=1)
    envelope = np.minimum(envelope, 1.0)
    assert np.all(envelope >= f - 1e-15)
    assert np.max((envelope - f) / f) <= eps * (1 + 1e-6)


# ------------------------------------------------------------------------------------------ optimiser

def _brute(df, data, spec):
    X = subsets(len(df))
    ok = feasible_rows(X, metrics(df), data)
    unique = reference_unique(X, df, spec)
    return X, ok, unique


@pytest.mark.parametrize("solver", ["cbc", "highs"])
@pytest.mark.parametrize("model", MODELS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), n=st.integers(4, 10))
def test_optimiser_matches_enumeration(solver, model, seed, n, tmp_path_factory):
    df, rng, block, spec = case(model, seed, n, tmp_path_factory)
    data = random_rules(rng, df, "unique_reach")
    data["solver"] = {"name": solver, "gap": 1e-4, "time_limit": 60}
    data["audience"] = block
    X, ok, unique = _brute(df, data, spec)
    result = plan(Scenario.from_dict(data, candidates=df))
    if not ok.any():
        assert result.status == "infeasible" and result.conflicts
        return
    best = unique[ok].max()
    # the best mix may hire nobody: that is reported as "empty" (with a warning saying why), never as optimal
    assert result.status == ("empty" if not result.selected else "optimal"), (result.status, result.gap, data)
    x = np.isin(df["id"], result.selected).astype(float)
    assert feasible_rows(x[None, :], metrics(df), data)[0]
    value = reference_unique(x, df, spec)[0]
    assert result.objective_value == pytest.approx(value, rel=1e-9, abs=1e-6)
    assert result.totals.unique_reach == pytest.approx(value, rel=1e-9, abs=1e-6)
    assert best * (1 - 1e-4) - 1e-6 <= value <= best * (1 + 1e-9) + 1e-6
    assert result.bound >= best * (1 - 1e-9) - 1e-6  # the reported bound is a true bound
    greedy = result.baselines["greedy"]
    if greedy.feasible:
        assert greedy.objective_value <= best * (1 + 1e-9) + 1e-6


@pytest.mark.parametrize("model", MODELS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), n=st.integers(4, 10), level=st.floats(0.1, 0.95))
def test_unique_reach_floor_holds_and_costs_what_enumeration_says(model, seed, n, level, tmp_path_factory):
    """Maximise profit subject to min_unique_reach: every returned mix reaches the floor, and the profit is the
    best that enumeration finds: the tangents are refined until the floor holds in truth, so it is exact."""
    df, rng, block, spec = case(model, seed, n, tmp_path_factory)
    data = random_rules(rng, df, "profit")
    data["solver"] = {"gap": 1e-4, "time_limit": 60}
    X, ok, unique = _brute(df, data, spec)
    top = unique[ok].max() if ok.any() else reference_unique(np.ones(n), df, spec)[0]
    floor = float(level * top)
    data["constraints"]["min_unique_reach"] = floor
    data["audience"] = block
    result = plan(Scenario.from_dict(data, candidates=df))
    profit = X @ metrics(df)["profit"]
    meets = ok & (unique >= floor)
    if not meets.any():
        assert result.status == "infeasible"
        assert "constraints.min_unique_reach" in result.conflicts or not ok.any()
        return
    assert result.has_solution, (result.status, data)
    x = np.isin(df["id"], result.selected).astype(float)
    assert reference_unique(x, df, spec)[0] >= floor * (1 - 1e-9)
    status = {c.key: c for c in result.constraints}["constraints.min_unique_reach"]
    assert status.value == pytest.approx(reference_unique(x, df, spec)[0], rel=1e-9)
    # binding: no room for one fewer creator under the floor (as for every lower limit)
    fixed = set(data["constraints"].get("include", []))
    drops = [j for j in np.flatnonzero(x > 0.5) if df["id"].iloc[j] not in fixed]
    without = np.array([np.where(np.arange(n) == j, 0.0, x) for j in drops]).reshape(-1, n)
    room = not drops or bool(np.any(reference_unique(without, df, spec) >= floor))  # as the other limits: none
    # to drop is not binding
    assert status.binding == (status.slack <= 1e-9 * floor or not room) or abs(status.slack) < 1e-6 * floor
    got = float(x @ metrics(df)["profit"])
    assert result.status == ("empty" if not result.selected else "optimal")
    assert got == pytest.approx(profit[meets].max(), rel=1e-4, abs=1e-6)
    if result.status == "optimal":  # the bound is on profit (a floor does not turn it into people)
        assert result.gap is not None and result.gap <= 1e-4 * (1 + 1e-6)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_more_budget_never_lowers_the_best_unique_reach(seed):
    df = shortlist(12, seed)
    R = metrics(df)["reach"]
    total = float(df["fee"].sum())
    values = []
    for share in (0.2, 0.4, 0.7):
        r = plan(make(df, {"population": float(R.sum())}, budget=share * total, objective="unique_reach"))
        assert r.status == "optimal"
        values.append(r.objective_value)
    assert values[0] <= values[1] * (1 + 1e-4) and values[1] <= values[2] * (1 + 1e-4)


def test_unique_reach_buys_different_creators_than_reach():
    """Four creators of one niche with heavy overlap and one outsider: maximising reach takes the niche's two
    biggest; unique reach sees that they share most of their people and takes the outsider."""
    df = pd.DataFrame({"id": ["a", "b", "c", "d", "out"], "platform": "instagram",
                       "followers": [100_000, 95_000, 90_000, 85_000, 70_000], "fee": 1000.0, "reach_rate": 0.3,
                       "engagement_rate": 0.03, "conversion_rate": 0.002, "order_value": 40.0,
                       "niche": ["beauty"] * 4 + ["gaming"]})
    aud = {"population": 1e9, "same_niche_overlap": 0.6, "same_region_overlap": 0.0}
    by_reach = plan(make(df, aud, budget=2000, objective="reach"))
    by_unique = plan(make(df, aud, budget=2000, objective="unique_reach"))
    assert set(by_reach.selected) == {"a", "b"}
    assert set(by_unique.selected) == {"a", "out"}
    assert by_unique.totals.unique_reach > by_reach.totals.unique_reach
    assert by_reach.totals.frequency > by_unique.totals.frequency


# ----------------------------------------------------------------------------------------- simulation

def _zero_sd(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(reach_rate_sd=0.0, engagement_rate_sd=0.0, conversion_rate_sd=0.0, order_value_sd=0.0)


@pytest.mark.parametrize("model", MODELS)
def test_expected_counts_without_spread_reproduce_the_estimate_exactly(model, tmp_path):
    df = _zero_sd(shortlist(9, 11))
    block, _ = audience_spec(model, df, np.random.default_rng(11), tmp_path)
    sc = make(df, block)
    ids = df["id"].tolist()[::2]
    sim = simulate(sc, ids, settings=SimulationSettings(runs=300, seed=3, counts="expected", shocks=Shocks.none()))
    est = sc.audience.unique_reach(np.isin(df["id"], ids))
    assert sim.expected["unique_reach"] == pytest.approx(est, rel=1e-12)
    assert sim.metrics["unique_reach"].mean == pytest.approx(est, rel=1e-9)
    assert sim.metrics["unique_reach"].sd == pytest.approx(0.0, abs=1e-6 * est)


@pytest.mark.parametrize("model", MODELS)
def test_simulated_unique_reach_agrees_with_the_estimate(model, tmp_path):
    """Who is reached is drawn (hypergeometric within segments). Random segments and disjoint audiences are
    unbiased; nested cores are a lower bound on the simulated mean (the larger of two random parts is on
    average more than the larger mean), by a small margin here."""
    df = shortlist(10, 12)
    block, _ = audience_spec(model, df, np.random.default_rng(12), tmp_path)
    sc = make(df, block)
    ids = df["id"].tolist()[1::2] + ["c00"]
    sim = simulate(sc, ids, settings=SimulationSettings(runs=6000, seed=5, shocks=Shocks.none()))
    u = sim.metrics["unique_reach"]
    est = sim.expected["unique_reach"]
    if model in ("cores", "pairs"):
        assert u.mean >= est - 4 * u.se
        assert u.mean <= est * 1.02 + 4 * u.se
    else:
        assert abs(u.mean - est) <= 4 * u.se, (u.mean, est, u.se)
    f = sim.metrics["frequency"]
    assert f.mean == pytest.approx(sim.expected["frequency"], rel=0.02)
    assert np.all(sim.to_dict()["unique_reach"]["p5"] <= sim.to_dict()["reach"]["p5"])


def test_unique_reach_draws_are_reproducible_and_chunk_independent(tmp_path):
    df = shortlist(8, 13)
    block, _ = audience_spec("segments", df, np.random.default_rng(13), tmp_path)
    sc = make(df, block)
    ids = df["id"].tolist()
    st_ = SimulationSettings(runs=5000, seed=9)
    a = simulate(sc, ids, settings=st_, keep_draws=True, chunk_runs=2048, threads=1)
    b = simulate(sc, ids, settings=st_, keep_draws=True, chunk_runs=4096, threads=2)
    assert np.array_equal(a.draws["unique_reach"].to_numpy(), b.draws["unique_reach"].to_numpy())
    c = simulate(sc, ids, settings=SimulationSettings(runs=5000, seed=10), keep_draws=True)
    assert not np.array_equal(a.draws["unique_reach"].to_numpy(), c.draws["unique_reach"].to_numpy())
    assert np.all(a.draws["unique_reach"] <= a.draws["reach"] + 1e-9)


# ------------------------------------------------------------------------------------- inputs and CLI

BAD = [
    ({"objective": "unique_reach"}, None, "key 'objective'"),
    ({"constraints": {"min_unique_reach": 10}}, None, "key 'constraints.min_unique_reach'"),
    ({"constraints": {"min_unique_reach": 5e6}}, {"population": 1e6}, "is above the population"),
    ({}, {"model": "independent"}, "key 'audience.population'"),
    ({}, {"population": 1e6, "model": "disjoin"}, "did you mean 'disjoint'"),
    ({}, {"population": 1e6, "same_niche_overlap": 1.5}, "key 'audience.same_niche_overlap'"),
    ({}, {"population": 1e6, "same_niche_overlap": 0.7, "same_region_overlap": 0.6}, "is above 1"),
    ({}, {"population": 1e6, "model": "disjoint", "same_niche_overlap": 0.1}, "does not apply"),
    ({}, {"population": 1e6, "populaton": 3}, "did you mean 'population'"),
    ({}, {"population": 10.0, "same_niche_overlap": 0.5}, "cannot hold"),
]


@pytest.mark.parametrize(("extra", "audience", "needle"), BAD)
def test_bad_audience_blocks_name_the_key(extra, audience, needle):
    df = shortlist(6, 14)
    data = {"budget": 1000.0, **extra}
    if audience is not None:
        data["audience"] = audience
    with pytest.raises(InputError) as exc:
        Scenario.from_dict(data, candidates=df)
    assert needle in str(exc.value)


OVERLAP_FILES = [
    ("id_a,id_b,shared\nc00,c01,0.2\nc01,c00,0.1\n", "given twice (also row 2)"),
    ("id_a,id_b,shared\nc00,c00,0.2\n", "cannot overlap with itself"),
    ("id_a,id_b,shared\nc00,c01,1.2\n", "row 2, column 'shared'"),
    ("id_a,id_b,shared\nc00,c01,lots\n", "not a number"),
    ("id_a,id_b,shared\nx1,x2,0.1\n", "no row names a creator on the shortlist"),
    ("id,segment,share\nc00,a,0.7\nc00,b,0.6\n", "add up to 1.3"),
    ("id,segment,share,segment_size\nc00,a,0.2,100\nc01,a,0.2,200\n", "segment 'a' has different sizes"),
    ("id,segment,share,segment_size\nc00,a,0.2,100\nc01,b,0.2,\n", "give every segment's size or none"),
    ("creator,other,overlap\nc00,c01,0.1\n", "the header must have the columns"),
]


@pytest.mark.parametrize(("text", "needle"), OVERLAP_FILES)
def test_bad_overlap_files_name_the_row_and_column(text, needle, tmp_path):
    path = tmp_path / "overlap.csv"
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        Scenario.from_dict({"budget": 1000.0, "audience": {"population": 1e6, "overlap": "overlap.csv"}},
                           candidates=shortlist(6, 15), base_dir=tmp_path)
    assert needle in str(exc.value)
    assert "overlap.csv" in str(exc.value)


def test_overlap_rows_for_creators_off_the_shortlist_are_skipped_with_a_warning(tmp_path):
    (tmp_path / "o.csv").write_text("id_a,id_b,shared\nc00,c01,0.2\nc00,zz,0.3\n")
    sc = Scenario.from_dict({"budget": 1000.0, "audience": {"population": 1e6, "overlap": "o.csv"}},
                            candidates=shortlist(6, 16), base_dir=tmp_path)
    assert any("row 3" in w and "skipped" in w for w in sc.warnings)
    assert sc.audience.group_names == ("pair:c00|c01",)


def test_json_and_cli_carry_unique_reach_and_frequency(tmp_path):
    df = shortlist(12, 17)
    df.to_csv(tmp_path / "list.csv", index=False)
    (tmp_path / "s.yaml").write_text(
        "budget: 3000\nobjective: unique_reach\ncandidates: list.csv\naudience: {population: 900000}\n"
        "constraints: {min_unique_reach: 1000}\nsimulation: {runs: 2048}\n")
    out = subprocess.run([sys.executable, "-m", "optimizer", "run", str(tmp_path / "s.yaml"), "--format", "json"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["totals"]["unique_reach"] > 0 and doc["totals"]["frequency"] >= 1
    assert doc["simulation"]["unique_reach"]["mean"] > 0
    assert doc["simulation"]["expected"]["unique_reach"] == pytest.approx(doc["totals"]["unique_reach"])
    assert any(c["key"] == "constraints.min_unique_reach" for c in doc["constraints"])
    assert all("unique_reach" in row for row in doc["comparison"])
    # without an audience the keys are there and null
    (tmp_path / "p.yaml").write_text("budget: 3000\ncandidates: list.csv\n")
    plain = json.loads(subprocess.run([sys.executable, "-m", "optimizer", "run", str(tmp_path / "p.yaml"),
                                       "--format", "json"], capture_output=True, text=True, check=True).stdout)
    assert plain["totals"]["unique_reach"] is None and plain["totals"]["frequency"] is None
    # a bad overlap file: exit 2, one line, nothing written
    (tmp_path / "bad.yaml").write_text("budget: 3000\ncandidates: list.csv\naudience: {population: 9e5, "
                                       "overlap: missing.csv}\n")
    bad = subprocess.run([sys.executable, "-m", "optimizer", "run", str(tmp_path / "bad.yaml"), "--out",
                          str(tmp_path / "o")], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "missing.csv" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "o").exists()


def test_shipped_awareness_scenario(tmp_path):
    from conftest import SCENARIOS

    from optimizer.io.scenario import load_scenario

    sc = load_scenario(SCENARIOS / "skincare_awareness.yaml")
    r = plan(sc, simulate=SimulationSettings(runs=4096, seed=0))
    assert r.status == "optimal" and r.gap <= 1e-4 and not r.warnings
    t = r.totals
    assert t.unique_reach < t.reach and t.frequency == pytest.approx(t.reach / t.unique_reach)
    assert t.roi >= 0.5
    by_profit = plan(sc.with_changes(objective="profit"), baselines=False)
    assert by_profit.totals.unique_reach < t.unique_reach  # what maximising unique reach buys
    u = r.simulation.metrics["unique_reach"]
    assert abs(u.mean - t.unique_reach) <= 0.01 * t.unique_reach
