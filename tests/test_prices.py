"""The price to enter and the price to stay (issue 16, item 4), checked against enumeration: at the reported price
the creator earns its place in an optimal plan, at ``not_at`` it does not, and the two are within the tolerance."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import brute_force, random_rules, random_shortlist
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import Scenario, plan
from optimizer.analysis.prices import TIE, TOLERANCE, kept_out, prices, runners_up
from optimizer.report.tables import price_tables


def _best(df, data, fee_of=None, include=(), exclude=()):
    """The enumerated optimum with one creator's fee changed and some creators forced in or out."""
    df = df.copy()
    if fee_of is not None:
        df.loc[df["id"] == fee_of[0], "fee"] = fee_of[1]
    d = copy.deepcopy(data)
    cons = d.setdefault("constraints", {})
    cons["include"] = sorted(set(cons.get("include", [])) | set(include))
    cons["exclude"] = sorted((set(cons.get("exclude", [])) | set(exclude)) - set(include))
    return brute_force(df, d)[0]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n=st.integers(4, 7), objective=st.sampled_from(["profit", "reach"]))
def test_prices_agree_with_enumeration(seed, n, objective):
    rng = np.random.default_rng(seed)
    df = random_shortlist(n, seed)
    data = random_rules(rng, df, objective)
    data["objective"] = objective
    data["solver"] = {"gap": 1e-6}
    data.get("constraints", {}).pop("include", None)
    data.get("constraints", {}).pop("exclude", None)
    sc = Scenario.from_dict(data, candidates=df)
    r = plan(sc, baselines=False)
    if not r.has_solution or not r.selected:
        return
    best = r.objective_value
    tol = 1e-5 * max(abs(best), 1.0) + 1e-6
    for p in prices(sc, r, jobs=1):
        fee = float(df.loc[df["id"] == p.id, "fee"].iloc[0])
        assert p.fee == pytest.approx(fee)
        if p.kind == "enter":
            assert p.id not in r.selected
            if p.verdict == "never":
                v0 = _best(df, data, (p.id, 0.0), include=[p.id])
                assert v0 is None or v0 <= best + tol
                continue
            assert _best(df, data, (p.id, p.price), include=[p.id]) >= best - tol
            if p.not_at is not None:
                v = _best(df, data, (p.id, p.not_at), include=[p.id])
                assert v is None or v <= best + tol
                assert p.not_at - p.price <= max(TOLERANCE * fee, 1.0) + 1e-9
        else:
            assert p.id in r.selected
            out = _best(df, data, exclude=[p.id])
            if p.verdict == "always":
                if out is not None and p.price is not None:
                    assert _best(df, data, (p.id, p.price), include=[p.id]) >= out - tol
                continue
            assert p.price >= fee - 1e-9
            assert _best(df, data, (p.id, p.price), include=[p.id]) >= out - tol
            v = _best(df, data, (p.id, p.not_at), include=[p.id])
            assert v is None or v <= out + tol
            assert p.not_at - p.price <= max(TOLERANCE * fee, 1.0) + 1e-9


def test_runners_up_need_the_smallest_discount_and_the_json_carries_every_price(tmp_path):
    df = random_shortlist(14, 5)
    sc = Scenario.from_dict({"budget": float(df["fee"].sum()) * 0.35, "constraints": {"max_count": 5}},
                            candidates=df)
    r = plan(sc, baselines=False)
    found = prices(sc, r, jobs=1)
    assert {p.id for p in found} == set(df["id"])
    assert {p.id for p in found if p.kind == "stay"} == set(r.selected)
    top = runners_up(found, 3)
    discounts = [(p.fee - p.price) / p.fee for p in top]
    assert discounts == sorted(discounts)
    left = [p for p in found if p.kind == "enter" and p.price is not None]
    assert all((p.fee - p.price) / p.fee >= discounts[-1] - 1e-12 for p in left if p not in top)


def test_explain_on_the_command_line_prints_writes_and_validates(tmp_path, capsys):
    import json

    import jsonschema
    import openpyxl
    from conftest import ROOT

    from optimizer.cli import main

    df = random_shortlist(10, 2)
    df.to_csv(tmp_path / "list.csv", index=False)
    (tmp_path / "s.yaml").write_text("budget: 2500\ncandidates: list.csv\nconstraints: {max_count: 4}\n")
    assert main(["run", str(tmp_path / "s.yaml"), "--explain", "--out", str(tmp_path / "out")]) == 0
    text = capsys.readouterr().out
    assert "Price to enter" in text and "Price to stay" in text
    doc = json.loads((tmp_path / "out" / "summary.json").read_text())
    schema = json.loads((ROOT / "docs" / "result.schema.json").read_text())
    jsonschema.validate(doc, {**schema, "oneOf": [{"$ref": "#/$defs/plan"}]})
    assert {p["id"] for p in doc["prices"]} == set(df["id"])
    book = openpyxl.load_workbook(tmp_path / "out" / "plan.xlsx")
    assert "Prices" in book.sheetnames
    assert not any("--explain" in str(c.value) for c in book["Summary"]["A"])  # no pointer to what it has
    assert "<h2>Price to stay" in (tmp_path / "out" / "report.html").read_text()
    assert main(["run", str(tmp_path / "s.yaml"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["prices"] is None  # not asked: not computed


def test_a_runner_up_kept_out_by_a_rule_is_let_in_by_dropping_it():
    """With at most 3 creators, a creator left out for the cap is named as kept out by constraints.max_count: the
    plan without the cap hires it at its fee; one left out for its fee is kept out by 'its fee'."""
    from optimizer.analysis.comparison import without
    from optimizer.analysis.prices import kept_out

    df = random_shortlist(10, 9)
    sc = Scenario.from_dict({"budget": float(df["fee"].sum()), "constraints": {"max_count": 3}}, candidates=df)
    r = plan(sc, baselines=False)
    assert "constraints.max_count" in r.binding
    found = kept_out(sc, r, prices(sc, r, jobs=1))
    named = [p for p in found if p.kept_out_by == "constraints.max_count"]
    assert named  # the budget allows everyone: the cap is what keeps them out
    free = plan(without(sc, "constraints.max_count"), baselines=False)
    for p in named:
        forced = sc.with_changes(constraints={"include": [p.id]})
        assert plan(forced, baselines=False).objective_value >= free.objective_value * (1 - 1e-6)
    assert all(p.kept_out_by is None for p in found if p.kind == "stay")


def test_a_tie_is_kept_out_by_nothing():
    """Two identical creators and room for one (max_count): the one left out enters another optimal plan at its
    own fee, so its verdict is a tie and nothing but the choice between equals keeps it out (not "its fee")."""
    df = pd.DataFrame({"id": ["a", "b", "c"], "platform": ["instagram"] * 3, "followers": [5_000, 5_000, 9_000],
                       "fee": [50.0, 50.0, 400.0], "reach_rate": [0.4, 0.4, 0.2], "engagement_rate": [0.05] * 3,
                       "conversion_rate": [0.01, 0.01, 0.001], "order_value": [30.0] * 3})
    sc = Scenario.from_dict({"budget": 1000, "constraints": {"max_count": 1}}, df)
    r = plan(sc, baselines=False)
    found = {p.id: p for p in kept_out(sc, r, prices(sc, r, jobs=1))}
    out = ({"a", "b"} - set(r.selected)).pop()
    assert found[out].verdict == "tie" and found[out].kept_out_by == TIE
    enter, _, _ = price_tables(replace(r, prices=tuple(found.values())))
    row = enter.set_index("creator").loc[out]
    assert row["kept out by"].startswith("nothing: a tie")
