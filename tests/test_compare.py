"""Scenarios side by side (issue 16, item 8): ``influencer-mix compare`` and ``optimizer.compare``."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
from conftest import ROOT, SCENARIOS, random_shortlist

from optimizer import Scenario, compare
from optimizer.cli import main


def test_the_api_puts_plans_side_by_side_with_their_overlap_and_differences():
    df = random_shortlist(20, 4)
    a = Scenario.from_dict({"name": "lean", "budget": 2000}, candidates=df)
    b = Scenario.from_dict({"name": "rich", "budget": 5000, "constraints": {"max_count": 6}}, candidates=df)
    c = compare([a, b])
    assert c.labels == ("lean", "rich")
    ra, rb = c.plans
    (o,) = c.overlaps
    shared = set(ra.selected) & set(rb.selected)
    assert o.shared == len(shared)
    assert o.jaccard == pytest.approx(len(shared) / len(set(ra.selected) | set(rb.selected)))
    diffs = {d.key: d.values for d in c.differences}
    assert diffs["budget"] == (2000.0, 5000.0)
    assert diffs["constraints.max_count (<=)"] == (None, 6.0)
    assert "objective" not in diffs  # the same in both
    rows = c.rows()
    assert [r["profit"] for r in rows] == [ra.totals.profit, rb.totals.profit]
    schema = json.loads((ROOT / "docs" / "result.schema.json").read_text())
    jsonschema.validate(c.to_dict(), schema)


def test_the_command_prints_writes_one_page_and_validates(tmp_path, capsys):
    files = [str(SCENARIOS / "skincare_launch.yaml"), str(SCENARIOS / "skincare_reach.yaml")]
    assert main(["compare", *files, "--runs", "500", "--out", str(tmp_path / "out")]) == 0
    text = capsys.readouterr().out
    assert "2 scenarios side by side" in text and "Overlap of the mixes" in text and "P(loss)" in text
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["comparison.html", "comparison.json",
                                                                    "comparison.md"]
    page = (tmp_path / "out" / "comparison.html").read_text()
    assert "<h2>Side by side" in page and "<h2>Skincare launch: summary" in page
    doc = json.loads((tmp_path / "out" / "comparison.json").read_text())
    assert doc["kind"] == "compare" and len(doc["plans"]) == 2 and doc["scenarios"][0]["p5_profit"] is not None


def test_one_scenario_is_not_a_comparison():
    out = subprocess.run([sys.executable, "-m", "optimizer", "compare", str(SCENARIOS / "skincare_launch.yaml")],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 2 and "at least two scenario files" in out.stderr and "Traceback" not in out.stderr


def test_side_by_side_spend_is_what_counts_against_the_budget():
    """With deals and boosts, the side-by-side table's spend is what counts against the budget, and the cost
    (commissions included), the commissions and the paid boosts get columns of their own."""
    from optimizer import compare
    from optimizer.io.scenario import load_scenario
    from optimizer.report.tables import compare_frames

    c = compare([load_scenario(SCENARIOS / "deal_mix.yaml"), load_scenario(SCENARIOS / "skincare_launch.yaml")])
    deal, launch = c.rows()
    for row, plan in zip((deal, launch), c.plans, strict=True):
        t = plan.totals
        assert (row["spend"], row["cost"], row["commission"], row["boost"]) == (t.spend, t.cost, t.commission, t.boost)
        assert row["spend"] <= row["budget"] * (1 + 1e-9)
    assert deal["cost"] > deal["spend"] and deal["commission"] > 0 and deal["boost"] > 0  # commissions on sales
    assert launch["cost"] == launch["spend"] and not launch["commission"] and not launch["boost"]
    table = compare_frames(c)[0].set_index("scenario")
    assert table.loc["Deal mix", "spend"] == f"{deal['spend']:,.0f}"
    assert table.loc["Deal mix", "cost"] == f"{deal['cost']:,.0f}"
    assert table.loc["Deal mix", "paid boosts"] == f"{deal['boost']:,.0f}"
