"""Deal terms beyond the fee (issue 18, item 1): commission on attributed revenue, product sent, usage rights.

Every figure is recomputed here from the definitions, independently of the package: upfront = fee + product +
usage, commission = rate x revenue, cost = upfront + commission, profit = revenue - cost, and the budget holds the
upfront part (plus the expected commission with ``deals.commission_in_budget``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import random_shortlist, subsets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import Scenario, plan, simulate
from optimizer.cli import main
from optimizer.io.scenario import SimulationSettings
from optimizer.model.risk import profit_draws


def with_terms(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = df.copy()
    n = len(df)
    df["commission_rate"] = np.where(rng.random(n) < 0.5, rng.uniform(0.05, 0.4, n), 0.0)
    df["product_cost"] = np.where(rng.random(n) < 0.4, rng.uniform(5, 80, n).round(2), 0.0)
    df["usage_fee"] = np.where(rng.random(n) < 0.3, rng.uniform(10, 200, n).round(2), 0.0)
    paid = df["commission_rate"].to_numpy() > 0
    df["min_guarantee"] = np.where(paid & (rng.random(n) < 0.4), rng.uniform(5, 60, n).round(2), 0.0)
    df["cap"] = np.where(paid & (rng.random(n) < 0.4), df["min_guarantee"] + rng.uniform(10, 300, n).round(2),
                         np.nan)
    gifted = rng.random(n) < 0.2
    df.loc[gifted, "fee"] = 0.0  # gifted creators: product only
    df.loc[gifted, "product_cost"] = rng.uniform(10, 60, int(gifted.sum())).round(2)
    return df


def economics(df: pd.DataFrame) -> dict[str, np.ndarray]:
    reach = df["followers"].to_numpy(float) * df["reach_rate"].to_numpy(float)
    revenue = reach * df["conversion_rate"].to_numpy(float) * df["order_value"].to_numpy(float)
    upfront = df["fee"].to_numpy(float) + df["product_cost"].to_numpy(float) + df["usage_fee"].to_numpy(float)
    guarantee = df["min_guarantee"].to_numpy(float) if "min_guarantee" in df else np.zeros(len(df))
    cap = df["cap"].fillna(np.inf).to_numpy(float) if "cap" in df else np.full(len(df), np.inf)
    commission = np.clip(df["commission_rate"].to_numpy(float) * revenue, guarantee, cap)
    return {"revenue": revenue, "upfront": upfront, "commission": commission, "cost": upfront + commission,
            "profit": revenue - upfront - commission, "committed": upfront + guarantee}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("counted", [False, True])
@pytest.mark.parametrize("objective", ["profit", "roi"])
def test_the_plan_is_the_enumerated_optimum_with_deal_terms(seed, counted, objective):
    """Profit and ROI (of the whole cost, commissions included) against enumeration, with the budget holding the
    upfront part or, with ``deals.commission_in_budget``, the expected commissions too."""
    n = 10
    df = with_terms(random_shortlist(n, seed), seed)
    e = economics(df)
    spend = e["cost"] if counted else e["committed"]
    X = subsets(n)
    budget = float(np.quantile(X @ spend, 0.3))
    ok = X @ spend <= budget + 1e-9
    data = {"budget": budget, "objective": objective, "deals": {"commission_in_budget": counted},
            "solver": {"gap": 0.0}}
    if objective == "roi":
        data["constraints"] = {"min_spend": 1.0}
        ok &= X @ spend >= 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(X @ e["cost"] > 0, (X @ e["profit"]) / (X @ e["cost"]), -np.inf)
    else:
        value = X @ e["profit"]
    best = float(np.max(np.where(ok, value, -np.inf)))
    r = plan(Scenario.from_dict(data, candidates=df), baselines=False)
    assert r.status in ("optimal", "empty")
    assert r.objective_value == pytest.approx(max(best, 0.0) if objective == "profit" and r.status == "empty"
                                              else best, rel=1e-6, abs=1e-6)
    x = np.zeros(n)
    x[[int(i.removeprefix("c")) for i in r.selected]] = 1.0
    assert x @ spend <= budget + 1e-6
    assert r.totals.spend == pytest.approx(x @ spend)
    assert r.totals.cost == pytest.approx(x @ e["cost"])
    assert r.totals.commission == pytest.approx(x @ e["commission"])
    assert r.totals.profit == pytest.approx(x @ e["profit"])


def test_a_gifted_creator_has_a_defined_roi():
    """Fee 0, product 30: its cost is the product, so its ROI is a number, not NaN."""
    df = pd.DataFrame({"id": ["gift"], "platform": ["instagram"], "followers": [5000], "fee": [0],
                       "product_cost": [30], "reach_rate": [0.3], "engagement_rate": [0.05],
                       "conversion_rate": [0.01], "order_value": [40]})
    r = plan(Scenario.from_dict({"budget": 100}, candidates=df))
    assert r.selected == ["gift"]
    assert r.totals.cost == 30 and r.totals.roi == pytest.approx((600 - 30) / 30)


def test_defaults_fill_deal_terms_and_bad_cells_are_named(tmp_path, capsys):
    df = random_shortlist(6, 1)
    sc = Scenario.from_dict({"budget": 5000, "defaults": {"commission_rate": "10%", "product_cost": 25}},
                            candidates=df)
    assert (sc.candidates.table["commission_rate"] == 0.1).all()
    assert (sc.candidates.table["product_cost"] == 25).all()
    assert (sc.candidates.table["usage_fee"] == 0).all()  # no term and no default: none
    bad = df.assign(commission_rate=[0.1, 1.5, 0, 0, 0, 0], product_cost=[0, 0, -3, 0, 0, 0])
    bad.to_csv(tmp_path / "list.csv", index=False)
    (tmp_path / "s.yaml").write_text("budget: 5000\ncandidates: list.csv\ndeals: {commission_in_budget: maybe}\n")
    assert main(["validate", str(tmp_path / "s.yaml")]) == 2
    err = capsys.readouterr().err
    assert "row 3, column 'commission_rate'" in err and "above 1" in err
    assert "row 4, column 'product_cost'" in err and "negative" in err
    assert "deals.commission_in_budget" in err and "true or false" in err
    df.assign(commission_rate=0.2, min_guarantee=[0, 0, 0, 0, 0, 50], cap=[None, None, None, None, None, 30]).to_csv(
        tmp_path / "list.csv", index=False)
    (tmp_path / "s.yaml").write_text("budget: 5000\ncandidates: list.csv\n")
    assert main(["validate", str(tmp_path / "s.yaml")]) == 2
    err = capsys.readouterr().err
    assert "row 7, column 'cap'" in err and "below the minimum guarantee" in err


def test_the_simulation_pays_commission_on_what_each_run_sells():
    """Per run: profit = revenue kept after commission - upfront; cost = upfront + the run's commission; their means
    match the expected funnel's."""
    df = with_terms(random_shortlist(8, 3), 3).assign(reach_rate_sd=0.02, conversion_rate_sd=0.004)
    df["commission_rate"] = np.linspace(0.0, 0.35, 8)
    sc = Scenario.from_dict({"budget": 1e9}, candidates=df)
    e = economics(df)
    ids = list(sc.candidates.ids)
    sim = simulate(sc, ids, settings=SimulationSettings(runs=40_000, seed=4), keep_draws=True)
    rev, profit = sim.draws["revenue"].to_numpy(), sim.draws["profit"].to_numpy()
    paid = rev - profit - e["upfront"].sum()  # the run's commission: at least the guarantees, at most the caps
    guarantees, caps = df["min_guarantee"].sum(), np.clip(0.35 * rev, 0, df["cap"].fillna(np.inf).sum())
    assert (paid >= guarantees - 1e-6).all() and (paid <= np.maximum(caps, guarantees) + 1e-6).all()
    assert sim.metrics["profit"].mean == pytest.approx(e["profit"].sum(), rel=0.01)
    assert sim.metrics["cost"].mean == pytest.approx(e["cost"].sum(), rel=0.01)
    assert sim.cost == pytest.approx(e["cost"].sum(), rel=0.01)
    one = simulate(sc, [ids[-1]], settings=SimulationSettings(runs=5_000, seed=4), keep_draws=True)
    rate, upfront = df["commission_rate"].iloc[-1], e["upfront"][-1]
    guarantee, cap = df["min_guarantee"].iloc[-1], df["cap"].fillna(np.inf).iloc[-1]
    assert np.allclose(one.draws["profit"], one.draws["revenue"] - np.clip(rate * one.draws["revenue"], guarantee, cap)
                       - upfront)
    # a guarantee and a cap: the commission of each run is clipped, not the expected one
    g = df.iloc[[-1]].assign(min_guarantee=20.0, cap=60.0)
    rev_mean = economics(g)["revenue"][0]
    g = g.assign(commission_rate=40.0 / rev_mean)  # expected commission 40: runs below 20 and above 60 exist
    sc_g = Scenario.from_dict({"budget": 1e9}, candidates=g)
    clipped = simulate(sc_g, list(sc_g.candidates.ids), settings=SimulationSettings(runs=20_000, seed=5),
                       keep_draws=True)
    rev_g = clipped.draws["revenue"].to_numpy()
    paid_g = np.clip(g["commission_rate"].iloc[0] * rev_g, 20.0, 60.0)
    assert np.allclose(clipped.draws["profit"], rev_g - economics(g)["upfront"][0] - paid_g)
    assert ((g["commission_rate"].iloc[0] * rev_g) < 20).any() and ((g["commission_rate"].iloc[0] * rev_g) > 60).any()
    assert sc_g.candidates.outcomes.commission[0] == pytest.approx(40.0)  # the plan's, on the expected revenue


def test_the_risk_model_sees_the_commission():
    df = with_terms(random_shortlist(6, 5), 5).assign(reach_rate_sd=0.02)
    sc = Scenario.from_dict({"budget": 1e9, "risk": {"scenarios": 500, "seed": 2}}, candidates=df)
    plain = Scenario.from_dict({"budget": 1e9, "risk": {"scenarios": 500, "seed": 2}},
                               candidates=df.assign(commission_rate=0.0, product_cost=0.0, usage_fee=0.0,
                                                    min_guarantee=0.0, cap=np.nan))
    rev = profit_draws(plain) + df["fee"].to_numpy(float)[None, :]
    e = economics(df)
    paid = np.clip(rev * df["commission_rate"].to_numpy(float)[None, :], df["min_guarantee"].to_numpy(float),
                   df["cap"].fillna(np.inf).to_numpy(float))
    assert np.allclose(profit_draws(sc), rev - paid - e["upfront"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), share=st.floats(0.05, 0.9), counted=st.booleans())
def test_the_budget_holds_what_counts_against_it(seed, share, counted):
    df = with_terms(random_shortlist(12, seed), seed)
    e = economics(df)
    spend = e["cost"] if counted else e["committed"]
    budget = float(share * spend.sum())
    r = plan(Scenario.from_dict({"budget": budget, "deals": {"commission_in_budget": counted}}, candidates=df),
             baselines=False)
    x = np.zeros(len(df))
    x[[int(i.removeprefix("c")) for i in r.selected]] = 1.0
    assert x @ spend <= budget * (1 + 1e-9) + 1e-6


def test_the_report_says_what_the_commissions_cost(tmp_path):
    """The summary, the table, the page and the workbook show the spend against the budget and the commissions on
    top of it; the selection carries each creator's terms and its cost."""
    import openpyxl

    df = with_terms(random_shortlist(8, 1), 1)
    df.to_csv(tmp_path / "list.csv", index=False)
    (tmp_path / "s.yaml").write_text("budget: 3000\ncandidates: list.csv\n")
    assert main(["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "out")]) == 0
    r = plan(Scenario.from_dict({"budget": 3000}, candidates=df))
    e = economics(df)
    x = np.zeros(len(df))
    x[[int(i.removeprefix("c")) for i in r.selected]] = 1.0
    assert r.totals.spend == pytest.approx(x @ e["committed"]) and r.totals.commission > 0
    page = (tmp_path / "out" / "report.html").read_text()
    assert "Commissions on what the creators sell are expected to come to" in page and "on top of the budget" in page
    sheet = openpyxl.load_workbook(tmp_path / "out" / "plan.xlsx")["Mix"]
    header = [c.value for c in sheet[1]]
    assert {"commission_rate", "product_cost", "usage_fee", "commission", "cost"} <= set(header)
    roi = [row[header.index("roi")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(v is not None and v == v for v in roi)  # gifted creators included: never NaN


def test_the_comparison_sets_flat_fees_against_commission_only():
    """Item 3: the same creators paid on flat fees only, and on commission only, at the same expected cost, on the
    same runs: the same revenue run by run; flat fees leave the brand all of the revenue's swings, commission only
    shares them with the creators."""
    from optimizer.analysis.comparison import assess
    from optimizer.result import DEAL_STRUCTURE

    df = with_terms(random_shortlist(12, 2), 2).assign(reach_rate_sd=0.05, conversion_rate_sd=0.003)
    sc = Scenario.from_dict({"budget": 6000}, candidates=df)
    settings = SimulationSettings(runs=20_000, seed=3)
    a = assess(sc, plan(sc), settings=settings)
    rows = {alt.name: alt for alt in a.comparison if alt.kind == DEAL_STRUCTURE}
    flat, share = rows["same creators, flat fees only"].simulation, rows["same creators, commission only"].simulation
    mine = a.simulation
    for sim in (flat, share):
        assert sim.ids == mine.ids
        assert sim.metrics["revenue"].mean == mine.metrics["revenue"].mean  # the same runs
        assert sim.expected["cost"] == pytest.approx(mine.expected["cost"])  # the same expected cost
        assert sim.expected["profit"] == pytest.approx(mine.expected["profit"])
    assert flat.metrics["profit"].sd == pytest.approx(flat.metrics["revenue"].sd)  # cost fixed: profit swings as sales
    assert share.metrics["profit"].sd < mine.metrics["profit"].sd <= flat.metrics["profit"].sd * (1 + 1e-9)
    assert share.cvar > flat.cvar
    from optimizer.report.summary import summary

    words = " ".join(summary(plan(sc, simulate=settings)))
    assert (f"a 5th-percentile profit of {share.metrics['profit'].p5:,.0f} USD, against "
            f"{flat.metrics['profit'].p5:,.0f} on flat fees only") in words
    plain = Scenario.from_dict({"budget": 6000}, candidates=random_shortlist(12, 2))
    assert not [alt for alt in assess(plain, plan(plain), settings=settings).comparison
                if alt.kind == DEAL_STRUCTURE]  # a shortlist of flat fees has nothing to compare
