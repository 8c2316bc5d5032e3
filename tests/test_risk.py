"""Risk inside the decision: CVaR and chance constraints against brute force, the frontier, the sweep."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, feasible_rows, metrics, random_rules, random_shortlist, subsets

from optimizer import Scenario, plan, simulate
from optimizer.analysis.frontier import frontier
from optimizer.analysis.sweep import sweep
from optimizer.cli import main
from optimizer.io.scenario import RiskSettings, SolverSettings
from optimizer.model.risk import profit_draws

pytestmark = pytest.mark.xdist_group("risk")  # one worker computes the module's shared fixture once


def uncertain(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["reach_rate_sd"] = np.minimum(0.3 * df["reach_rate"], 0.5 * np.sqrt(df["reach_rate"] * (1 - df["reach_rate"])))
    df["conversion_rate_sd"] = 0.6 * df["conversion_rate"]
    df["order_value_sd"] = 10.0
    return df


def tail_mean(profits: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k smallest profits in each row: CVaR when (1 - alpha) x runs = k, computed independently."""
    return np.sort(profits, axis=1)[:, :k].mean(axis=1)


def _between(values: np.ndarray, q: float) -> float:
    """A level strictly between two neighbouring distinct values, near quantile q (so no mix sits on it)."""
    u = np.unique(np.round(values, 6))
    k = min(max(int(q * (u.size - 1)), 0), u.size - 2)
    return float((u[k] + u[k + 1]) / 2)


CASES = [(seed, solver, kind, cuts) for seed in (1, 4, 5, 7) for solver in ("cbc", "highs")
         for kind in ("min_cvar", "max_prob_loss", "cvar", "min_cvar+max_prob_loss") for cuts in (False, True, "core")
         if not (cuts and kind == "max_prob_loss")]


@pytest.mark.parametrize(("seed", "solver", "kind", "cuts"), CASES)
def test_risk_model_matches_brute_force(seed, solver, kind, cuts, monkeypatch):
    """Both formulations of CVaR (the S dense rows, and aggregated cuts refined until exact: ``cuts``) against
    enumeration on the same runs, for a CVaR floor, a chance constraint, both, and the CVaR objective. With cuts the
    LP relaxation is refined and columns are fixed by reduced costs; ``core``: the incumbent is also the best mix
    of a core of 4 columns (the others at the LP's values), as on long shortlists."""
    import optimizer.model.risk as risk_model
    import optimizer.solve.reduction as reduction

    monkeypatch.setattr(risk_model, "CUTS_FROM", 0 if cuts else 10**12)
    if cuts == "core":
        monkeypatch.setattr(reduction, "_CORE_MIN", 4)
        monkeypatch.setattr(reduction, "_CORE_PER_ROW", 0)
    n, runs = 10, 200
    df = uncertain(random_shortlist(n, seed))
    data = random_rules(np.random.default_rng(seed), df, "profit")
    data["solver"] = {"gap": 0.0, "time_limit": 60, "name": solver}
    data["risk"] = {"scenarios": runs, "seed": seed, "alpha": 0.95}
    if kind == "cvar":
        data["objective"] = "cvar"
    base = Scenario.from_dict(data, candidates=df)
    draws = profit_draws(base)  # the runs the model sees; the enumeration below is independent of the model
    X = subsets(n)
    ok = feasible_rows(X, metrics(df), data)
    profits = X @ draws.T
    cvar = tail_mean(profits, 10)  # (1 - 0.95) x 200 = 10 runs
    p_loss = (profits < 0).mean(axis=1)
    expected = X @ metrics(df)["profit"]
    if ok.sum() < 3:
        pytest.skip("the random rules leave too few mixes")
    target = cvar if kind == "cvar" else expected
    if kind in ("max_prob_loss", "min_cvar+max_prob_loss"):
        limit = (np.quantile(np.round(p_loss[ok] * runs), 0.6 if "+" in kind else 0.3) + 0.5) / runs
        data["risk"]["max_prob_loss"] = float(limit)
        ok &= p_loss <= limit
    if kind in ("min_cvar", "min_cvar+max_prob_loss") and ok.any():
        floor = _between(cvar[ok], 0.6)
        data["risk"]["min_cvar"] = floor
        ok &= cvar >= floor
    result = plan(Scenario.from_dict(data, candidates=df))
    if not ok.any():
        assert result.status == "infeasible"
        return
    best = float(np.max(np.where(ok, target, -np.inf)))
    assert result.status == ("empty" if not result.selected else "optimal"), result.message
    assert result.objective_value == pytest.approx(best, rel=1e-6, abs=1e-4)
    x = np.zeros(n)
    x[base.candidates.positions(result.selected)] = 1.0
    row = int(np.flatnonzero((x == X).all(axis=1))[0])
    assert ok[row], "the returned mix breaks a rule"


def test_reported_cvar_is_the_empirical_cvar_of_the_mix_on_the_same_runs():
    df = uncertain(random_shortlist(30, 4))
    s = Scenario.from_dict({"budget": float(df["fee"].sum()) / 3, "objective": "cvar",
                            "risk": {"scenarios": 400, "seed": 9}}, candidates=df)
    r = plan(s)
    assert r.status == "optimal"
    ins = simulate(s, r.selected, settings=replace(s.simulation_settings(), runs=400, seed=9))
    assert r.objective_value == pytest.approx(ins.cvar, rel=1e-9)
    assert r.risk.cvar_in_sample == pytest.approx(ins.cvar, rel=1e-9)
    assert r.bound >= r.objective_value and r.gap <= s.solver.gap
    floor = 0.9 * r.objective_value
    s2 = Scenario.from_dict({"budget": float(df["fee"].sum()) / 3, "risk": {"scenarios": 400, "seed": 9,
                                                                           "min_cvar": floor}}, candidates=df)
    r2 = plan(s2)
    row = next(c for c in r2.constraints if c.key == "risk.min_cvar")
    assert row.value >= floor * (1 - 1e-9)
    assert r2.risk.cvar_in_sample == pytest.approx(row.value, rel=1e-9)
    assert r2.objective_value <= plan(s2.with_changes(risk=None)).objective_value + 1e-6


def test_without_a_risk_rule_the_plan_is_issue_2s():
    df = uncertain(random_shortlist(40, 5))
    data = {"budget": float(df["fee"].sum()) / 4, "constraints": {"min_count": 3}}
    plain = plan(Scenario.from_dict(data, candidates=df))
    reported = plan(Scenario.from_dict({**data, "risk": {"scenarios": 300}}, candidates=df))
    loose = plan(Scenario.from_dict({**data, "risk": {"scenarios": 300, "min_cvar": -1e12}}, candidates=df))
    assert reported.selected == plain.selected and reported.risk is not None and plain.risk is None
    assert loose.objective_value == pytest.approx(plain.objective_value, rel=1e-9)
    d = reported.to_dict()["risk"]
    for key in ("cvar_in_sample", "cvar_out_of_sample", "prob_loss_in_sample", "prob_loss_out_of_sample",
                "scenarios", "alpha"):
        assert key in d


def test_unreachable_floor_names_the_risk_rule(tmp_path, capsys):
    df = uncertain(random_shortlist(20, 6))
    s = Scenario.from_dict({"budget": float(df["fee"].sum()) / 3, "risk": {"scenarios": 200, "min_cvar": 1e9}},
                           candidates=df)
    r = plan(s)
    assert r.status == "infeasible" and r.conflicts == ["risk.min_cvar"]
    shutil.copy(SCENARIOS / "skincare_shortlist.csv", tmp_path)
    path = tmp_path / "s.yaml"
    path.write_text("candidates: skincare_shortlist.csv\nbudget: 15000\nrisk: {scenarios: 200, min_cvar: 1.0e9}\n")
    assert main(["run", str(path)]) == 1
    assert "risk.min_cvar" in capsys.readouterr().out


@pytest.fixture(scope="module")
def risky() -> Scenario:
    """Large creators whose conversion rates are very uncertain: the risk-neutral mix is not the safest."""
    df = uncertain(random_shortlist(14, 9))
    limit = np.sqrt(df["conversion_rate"] * (1 - df["conversion_rate"]))
    df["conversion_rate_sd"] = np.where(df["followers"] > 100_000, 0.9 * limit, df["conversion_rate_sd"])
    return Scenario.from_dict({"budget": float(df["fee"].sum()) / 2.5, "constraints": {"max_count": 8},
                               "risk": {"scenarios": 300, "seed": 2, "validation_runs": 4000},
                               "solver": {"gap": 0.0}}, candidates=df)


def test_frontier_trades_profit_for_cvar(risky):
    f = frontier(risky, points=6, jobs=1)
    assert len(f.points) >= 2
    profit = [p.expected_profit for p in f.points]
    cvar = [p.cvar for p in f.points]
    assert all(a >= b - 1e-6 for a, b in zip(profit, profit[1:], strict=False))  # never rises as the floor tightens
    assert all(a <= b + 1e-6 for a, b in zip(cvar, cvar[1:], strict=False))
    assert profit[0] == pytest.approx(plan(risky.with_changes(risk=None)).objective_value, rel=1e-9)
    safest = plan(risky.with_changes(objective="cvar"))
    assert cvar[-1] == pytest.approx(safest.objective_value, rel=1e-6)
    assert len({frozenset(p.selected) for p in f.points}) == len(f.points)
    assert {m.kind for m in f.markers} >= {"best_single", "single_tier"}


def test_frontier_is_the_same_through_any_executor(risky):
    one = frontier(risky, points=4, jobs=1, markers=False).to_dict()
    pool = frontier(risky, points=4, jobs=2, markers=False).to_dict()  # the default: a process pool
    with ThreadPoolExecutor(2) as ex:
        threads = frontier(risky, points=4, executor=ex, markers=False).to_dict()
    for d in (one, pool, threads):
        d.pop("seconds")
    assert one == pool == threads


def test_sweep_reports_marginal_returns(risky):
    s = risky.with_changes(risk=None, solver=SolverSettings(gap=0.0))
    total = float(s.candidates.outcomes.cost.sum())
    budgets = [total * f for f in (0.1, 0.2, 0.3, 0.4)]
    sw = sweep(s, budgets, jobs=1)
    values = [p.objective_value for p in sw.points]
    assert all(a <= b + 1e-6 for a, b in zip(values, values[1:], strict=False))  # more budget never lowers it
    for a, b in zip(sw.points, sw.points[1:], strict=False):
        assert a.marginal_return == pytest.approx((b.objective_value - a.objective_value) / (b.budget - a.budget))
    assert sw.points[-1].marginal_return is not None  # from one extra solve beyond the last budget
    for p in sw.points:
        assert 0 <= p.prob_loss <= 1 and p.cost <= p.budget + 1e-9


def test_frontier_and_sweep_on_the_command_line(tmp_path, capsys):
    shutil.copy(SCENARIOS / "skincare_shortlist.csv", tmp_path)
    path = tmp_path / "s.yaml"
    path.write_text("candidates: skincare_shortlist.csv\nbudget: 8000\nconstraints: {max_count: 25}\n"
                    "risk: {scenarios: 200, validation_runs: 2000}\nsimulation: {runs: 2000}\n")
    out = tmp_path / "out"
    assert main(["frontier", str(path), "--points", "3", "--jobs", "1", "--format", "json", "--out", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    for p in doc["points"]:
        assert {"expected_profit", "cvar", "prob_loss", "roi", "selected"} <= set(p)
    assert (out / "frontier.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "frontier.json").read_text())["points"] == doc["points"]
    assert main(["sweep", str(path), "--budgets", "4000:8000:2000", "--jobs", "1", "--format", "json",
                 "--out", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [p["budget"] for p in doc["points"]] == [4000, 6000, 8000]
    for p in doc["points"]:
        assert {"budget", "expected_profit", "roi", "prob_loss", "cvar", "marginal_return", "selected"} <= set(p)
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["sweep", str(path), "--budgets", "9000:1000:10", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "--budgets" in err and len(err.strip().splitlines()) == 1 and not (tmp_path / "x").exists()


def test_risk_block_errors_name_the_key(tmp_path, capsys):
    shutil.copy(SCENARIOS / "skincare_shortlist.csv", tmp_path)
    for text, expect in (("risk: {alpha: 1.2}", "risk.alpha"), ("risk: {max_prob_los: 0.1}", "did you mean"),
                         ("risk: {max_prob_loss: 2}", "risk.max_prob_loss"),
                         ("risk: {scenarios: 0}", "risk.scenarios"), ("risk: {min_cvar: lots}", "risk.min_cvar")):
        path = tmp_path / "s.yaml"
        path.write_text(f"candidates: skincare_shortlist.csv\nbudget: 8000\n{text}\n")
        assert main(["run", str(path)]) == 2
        err = capsys.readouterr().err
        assert expect in err and len(err.strip().splitlines()) == 1


def test_risk_settings_defaults():
    r = RiskSettings()
    assert r.out_of_sample_seed == r.seed + 1 and not r.constrains


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_the_models_cvar_of_a_fixed_mix_is_its_empirical_cvar(solver):
    """The formulation itself: with the mix fixed, maximising t - sum(u) / ((1 - alpha) S) gives the mean of the
    worst 5% of the mix's runs, and the chance rows count exactly the losing runs."""
    from optimizer.model.program import build_model
    from optimizer.model.risk import extend
    from optimizer.solve import solve

    df = uncertain(random_shortlist(12, 3))
    s = Scenario.from_dict({"budget": 1e9, "objective": "cvar", "risk": {"scenarios": 200, "seed": 1}},
                           candidates=df)
    draws = profit_draws(s)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = (rng.random(12) < 0.5).astype(float)
        model, cols = extend(build_model(s), s, draws, s.risk_settings())
        model.lb[:12] = model.ub[:12] = x
        out = solve(model, solver, gap=0.0, reduce=False)
        expect = tail_mean((draws @ x)[None, :], 10)[0]
        assert out.value == pytest.approx(expect, rel=1e-7, abs=1e-6)
        losses = int(((draws @ x) < 0).sum())
        for allowed, feasible in ((losses, True), (losses - 1, False)):
            if allowed < 0:
                continue
            chance = s.with_changes(objective="profit",
                                    risk=replace(s.risk_settings(), max_prob_loss=(allowed + 0.5) / 200))
            m2, _ = extend(build_model(chance), chance, draws, chance.risk_settings())
            m2.lb[:12] = m2.ub[:12] = x
            assert (solve(m2, solver, gap=0.0, reduce=False).status != "infeasible") == feasible
