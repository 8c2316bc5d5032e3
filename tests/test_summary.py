"""The plan in plain words (issue 16): the summary leads every output, speaks the planner's language and says so
when an obvious alternative looks better than the mix, and why."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SCENARIOS, random_shortlist

from optimizer import Scenario, plan
from optimizer.io.scenario import SimulationSettings
from optimizer.report.summary import rule_words, summary
from optimizer.report.tables import format_table


@pytest.mark.parametrize(("key", "sense", "limit", "words"), [
    ("budget", "<=", 20000, "the budget of 20,000 USD"),
    ("constraints.tiers.nano.min_count", ">=", 20, "at least 20 nano creators"),
    ("constraints.tiers.mega.max_count", "<=", 0, "no mega creators"),
    ("constraints.platforms.tiktok.max_share", "<=", 0.5, "TikTok at most 50.0% of the spend"),
    ("constraints.platforms.youtube.min_share", ">=", 0.2, "YouTube at least 20.0% of the spend"),
    ("constraints.regions.UK.min_count", ">=", 3, "at least 3 creators in UK"),
    ("constraints.max_count", "<=", 120, "at most 120 creators"),
    ("constraints.min_spend", ">=", 5000, "spend at least 5,000 USD"),
    ("constraints.min_roi", ">=", 1.5, "ROI at least 1.50"),
    ("constraints.min_reach", ">=", 1e6, "expected reach at least 1,000,000"),
    ("constraints.min_unique_reach", ">=", 250000, "at least 250,000 people reached"),
    ("phases.awareness.budget_share", "<=", 0.4, "phase awareness at most 40.0% of the budget"),
    ("phases.awareness.constraints.tiers.nano.min_count", ">=", 20, "in phase awareness: at least 20 nano creators"),
    ("risk.max_prob_loss", "<=", 0.05, "a chance of loss of at most 5.0%"),
])
def test_rules_read_as_a_planner_would_say_them(key, sense, limit, words):
    assert rule_words(key, sense, limit, "USD") == words


def _star_and_small_creators() -> pd.DataFrame:
    """A star whose expected profit dwarfs everyone's, and small creators the rules require."""
    df = random_shortlist(12, 4)
    df.loc[0, ["followers", "fee", "reach_rate", "conversion_rate", "order_value"]] = [900_000, 5_000, 0.9, 0.02, 60]
    return df


def test_an_alternative_that_looks_better_is_said_to_and_why():
    df = _star_and_small_creators()
    sc = Scenario.from_dict({"budget": 6000, "constraints": {"tiers": {"mega": {"max_count": 0},
                                                                        "macro": {"max_count": 0}}}}, candidates=df)
    r = plan(sc, simulate=SimulationSettings(runs=2000, seed=1))
    single = next(a for a in r.comparison if a.kind == "best_single")
    main = r.comparison[0]
    assert single.simulation.metrics["profit"].mean > main.simulation.metrics["profit"].mean  # the setting holds
    text = " ".join(summary(r))
    assert "is expected to earn more because it ignores the mix rules" in text
    assert "no mega creators" in text or "no macro creators" in text  # the rule that keeps it out, in words


def test_the_summary_leads_the_table_and_the_totals_come_before_the_mix():
    r = plan(Scenario.from_dict({"budget": 3000}, candidates=random_shortlist(30, 2)))
    text = format_table(r, top=5)
    assert text.index("Summary") < text.index("Status:") < text.index("Totals") < text.index("Chosen mix")
    mix = text[text.index("Chosen mix"):].split("\n\n")[0].splitlines()
    assert len(mix) == 2 + 5  # the heading, the header row, the five largest fees
    column = mix[1].split().index("fee")
    fees = [float(line.split()[column].replace(",", "")) for line in mix[2:]]
    assert fees == sorted(fees, reverse=True)
    assert fees[-1] >= sorted(r.selection["fee"], reverse=True)[4]
    assert f"{len(r.selected)} creators; the 5 with the largest fees" in text


def test_a_plan_without_a_mix_says_so_and_names_the_conflict():
    r = plan(Scenario.from_dict({"budget": 10, "constraints": {"min_count": 5}}, candidates=random_shortlist(6, 1)))
    lines = summary(r)
    assert lines[0].startswith("No plan:")
    assert "constraints.min_count" in " ".join(lines) or "budget" in " ".join(lines)


def test_the_shipped_launch_summary_is_true():
    """Every number the summary quotes is the plan's own."""
    from optimizer.io.scenario import load_scenario
    from optimizer.utils.numbers import num

    r = plan(load_scenario(SCENARIOS / "skincare_launch.yaml"), simulate=SimulationSettings(runs=2000, seed=0))
    text = " ".join(summary(r))
    t, p = r.totals, r.simulation.metrics["profit"]
    for figure in (num(t.cost), num(r.budget), num(t.profit), num(t.roi, 2), num(p.p5), num(p.p95)):
        assert figure in text, figure
    assert f"on {t.count} creators" in text
    assert r.simulation.prob_loss == 0  # no run lost money: said with what 2,000 runs prove, not as "0.0%"
    assert "no run lost money (the chance of a loss is under 0.15% at 95% confidence)" in text


def test_a_chance_of_loss_is_given_as_measured_when_runs_lose():
    from optimizer.report.summary import _loss_words

    assert _loss_words(0.084, 20_000) == "the chance of a loss is 8.4%"
    assert _loss_words(0.0, 20_000) == "no run lost money (the chance of a loss is under 0.015% at 95% confidence)"


def test_names_are_shown_as_the_shortlist_writes_them_and_the_json_keeps_its_keys():
    df = random_shortlist(12, 3)
    df["region"] = ["UK", "uk", "France"] * 4  # matched case-insensitively; shown as first written
    sc = Scenario.from_dict({"budget": 3000, "constraints": {"regions": {"uk": {"max_count": 2}}}}, candidates=df)
    r = plan(sc)
    text = format_table(r)
    assert "at most 2 creators in UK" in text and "creators in uk" not in text
    mix = text[text.index("Chosen mix"):].split("\n\n")[0]
    assert " uk " not in mix and (" UK " in mix or " France " in mix)
    assert set(r.to_dict()["selection"][0]) >= {"region"} and {row["region"] for row in r.to_dict()["selection"]} \
        <= {"uk", "france"}


def test_a_star_priced_by_defaults_is_said_to_be():
    """When the best single creator looks better and its rates came from scenario defaults, the summary says so."""
    df = _star_and_small_creators()
    df["conversion_rate"] = df["conversion_rate"].astype(float)
    df.loc[0, "conversion_rate"] = float("nan")  # the star's conversion rate is not stated
    sc = Scenario.from_dict({"budget": 6000, "defaults": {"conversion_rate": 0.02},
                             "constraints": {"tiers": {"mega": {"max_count": 0}, "macro": {"max_count": 0}}}},
                            candidates=df)
    r = plan(sc, simulate=SimulationSettings(runs=1000, seed=1))
    text = " ".join(summary(r))
    assert "its figures are not the shortlist's own (conversion_rate from scenario defaults)" in text
