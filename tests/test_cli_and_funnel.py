"""The shipped scenario end to end, the JSON contract, the Python API, and the funnel arithmetic."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, metrics, random_shortlist

from optimizer import Scenario, load_scenario, plan
from optimizer.cli import main
from optimizer.domain.funnel import Totals
from optimizer.domain.tiers import assign


def test_run_shipped_scenario_json_and_out(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(SCENARIOS / "skincare_launch.yaml"), "--format", "json", "--out", str(out)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("status", "selected", "totals", "gap", "schema_version", "breakdown", "constraints", "baselines"):
        assert key in data
    for key in ("cost", "revenue", "profit", "roi", "reach", "engagements", "conversions"):
        assert key in data["totals"]
    assert data["status"] == "optimal" and data["gap"] <= 1e-4
    assert data["totals"]["cost"] <= 15000
    summary = json.loads((out / "summary.json").read_text())
    assert summary["selected"] == data["selected"]
    selection = pd.read_csv(out / "selection.csv")
    assert list(selection["id"]) == data["selected"]
    assert not list(out.glob(".*.tmp")), "temporary files must not be left behind"


def test_run_table_and_validate(capsys):
    assert main(["run", str(SCENARIOS / "skincare_launch.yaml"), "--solver", "highs"]) == 0
    text = capsys.readouterr().out
    assert "Status: optimal" in text and "Against the alternatives" in text and "By tier" in text
    assert main(["validate", str(SCENARIOS / "skincare_launch.yaml")]) == 0
    assert "valid" in capsys.readouterr().out


def test_infeasible_run_exits_1_and_names_conflicts(tmp_path, capsys):
    text = (SCENARIOS / "skincare_launch.yaml").read_text().replace("min_count: 20\n  max_count: 120",
                                                                     "min_count: 140\n  max_count: 150")
    (tmp_path / "s.yaml").write_text(text.replace("skincare_shortlist.csv", str(SCENARIOS / "skincare_shortlist.csv")))
    assert main(["run", str(tmp_path / "s.yaml"), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "infeasible"
    assert "constraints.min_count" in data["conflicts"]


def test_api_dict_and_dataframe():
    df = random_shortlist(30, 5)
    result = plan(Scenario.from_dict({"budget": 5000, "objective": "reach",
                                      "constraints": {"platforms": {"youtube": {"max_count": 2}}}}, candidates=df))
    d = result.to_dict()
    json.dumps(d)  # JSON-serialisable
    assert d["objective"] == "reach" and d["totals"]["cost"] <= 5000
    assert sum(1 for i in d["selected"] if df.set_index("id").loc[i, "platform"] == "youtube") <= 2


def test_funnel_and_kpis_match_the_formulas():
    df = random_shortlist(20, 9)
    sc = Scenario.from_dict({"budget": 1e9}, candidates=df)
    m = metrics(df)
    out = sc.candidates.outcomes
    for k in ("cost", "revenue", "profit", "reach", "engagements", "conversions"):
        assert np.allclose(out.metric(k), m[k])
    pos = np.array([0, 3, 7])
    t = Totals.of(out, pos)
    assert t.roi == pytest.approx((m["revenue"][pos].sum() - m["cost"][pos].sum()) / m["cost"][pos].sum())
    assert t.rois == pytest.approx(m["revenue"][pos].sum() / m["cost"][pos].sum())
    assert t.cpm == pytest.approx(m["cost"][pos].sum() / m["reach"][pos].sum() * 1000)
    assert t.cpe == pytest.approx(m["cost"][pos].sum() / m["engagements"][pos].sum())
    assert t.cac == pytest.approx(m["cost"][pos].sum() / m["conversions"][pos].sum())
    assert Totals.of(out, np.array([], dtype=int)).roi is None


def test_tiers_inclusive_lower_bounds_and_override():
    names, below = assign(np.array([999, 1000, 9999, 10000, 100000, 1000000]),
                          {"nano": 1000, "micro": 10000, "macro": 100000, "mega": 1000000})
    assert list(names) == ["nano", "nano", "nano", "micro", "macro", "mega"]
    assert list(below) == [True, False, False, False, False, False]
    names, _ = assign(np.array([1200, 8499, 8500, 50000, 2_000_000]), {"nano": 1200, "micro": 8500, "macro": 50000})
    assert list(names) == ["nano", "nano", "micro", "macro", "macro"]


def test_small_accounts_warn_and_excel_shortlist(tmp_path):
    df = random_shortlist(12, 4)
    df.loc[0, "followers"] = 500
    df.to_excel(tmp_path / "list.xlsx", index=False)
    (tmp_path / "s.yaml").write_text("candidates: list.xlsx\nbudget: 3000\n")
    sc = load_scenario(tmp_path / "s.yaml")
    assert sc.candidates.table.loc[0, "tier"] == "nano"
    assert any("fewer than 1,000 followers" in w and "row 2" in w for w in sc.warnings)
    assert plan(sc).status == "optimal"


def test_readme_api_example_runs(capsys):
    """docs/api.md's "A budgeting tool's first calls" (the README's API section before it moved to docs/)."""
    import re

    from conftest import ROOT

    text = (ROOT / "docs" / "api.md").read_text()
    section = text[text.index("## A budgeting tool's first calls"):]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 2
    namespace: dict = {}
    for code in blocks:  # in order, sharing one namespace, as a reader would run them
        exec(compile(code, "docs/api.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "optimal" in out and "portfolio" in out


def test_what_if_copy_changes_only_what_is_asked():
    sc = load_scenario(SCENARIOS / "skincare_launch.yaml")
    bigger = plan(sc.with_changes(budget=30000))
    base = plan(sc)
    assert bigger.budget == 30000 and bigger.objective_value >= base.objective_value
