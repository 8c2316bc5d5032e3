"""The scenario library: every shipped scenario runs, and each shows what its header says."""

from __future__ import annotations

import pytest
from conftest import FUNNEL, SCENARIOS, shipped_plan

from optimizer import plan
from optimizer.io.scenario import SimulationSettings, load_scenario

SIM = SimulationSettings(runs=4096, seed=0)


@pytest.mark.parametrize("path", [pytest.param(p, marks=[pytest.mark.slow, pytest.mark.xdist_group("funnel")])
                                  if p.name == FUNNEL else p for p in sorted(SCENARIOS.glob("*.yaml"))],
                         ids=lambda p: p.name)
def test_every_shipped_scenario_plans(path):
    sc = load_scenario(path)
    r = shipped_plan(path.name)
    assert r.status == "optimal", (path.name, r.status, r.message)
    assert r.totals.spend <= sc.budget * (1 + 1e-9)  # what counts against it (commissions are paid on sales)
    text = path.read_text()
    assert text.startswith("#") and f"scenarios/{path.name}" in text  # documented at the top, with its command


def test_the_two_launches_side_by_side():
    """Seed 003: 150 nano creators for $15,000 (about $120,000 of sales, ROI about 7x) against one 8M mega creator
    for $250,000 (about $800,000, ROI 2.2x); the single creator's profit is far riskier."""
    nano = plan(load_scenario(SCENARIOS / "skincare_launch.yaml"), simulate=SIM)
    mega = plan(load_scenario(SCENARIOS / "fashion_mega_launch.yaml"), simulate=SIM)
    assert 90_000 <= nano.totals.revenue <= 150_000 and 5 <= nano.totals.roi <= 9
    assert mega.totals.revenue == pytest.approx(800_000) and mega.totals.roi == pytest.approx(2.2)
    cv = {k: r.simulation.metrics["profit"].sd / r.simulation.metrics["profit"].mean for k, r in
          (("nano", nano), ("mega", mega))}
    assert cv["mega"] > 2 * cv["nano"]
    assert mega.simulation.prob_loss > nano.simulation.prob_loss + 0.03


def test_nano_against_macro_study_rois():
    r = plan(load_scenario(SCENARIOS / "nano_vs_macro_study.yaml"), simulate=SIM)
    rows = {a.name: a.to_dict() for a in r.comparison}
    assert rows["nano only"]["roi"] + 1 == pytest.approx(17.85, rel=0.1)  # the study: ROIS 17.85
    assert rows["macro only"]["roi"] + 1 == pytest.approx(4.67, rel=0.1)  # and 4.67


def test_objectives_shift_the_tiers_on_one_shortlist():
    share = {}
    for objective in ("reach", "engagements", "conversions"):
        r = plan(load_scenario(SCENARIOS / f"skincare_{objective}.yaml"), baselines=False)
        share[objective] = {row["tier"]: row["share_of_spend"] for row in r.breakdown["tier"]}
    assert share["reach"]["macro"] > 0.6  # most people per dollar: macro creators
    assert share["engagements"]["macro"] < 0.4 and share["conversions"]["macro"] < 0.4
    assert share["engagements"]["nano"] + share["engagements"]["micro"] > 0.6
