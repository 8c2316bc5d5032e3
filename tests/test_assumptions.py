"""Assumptions (issue 16, item 3): every figure that did not come from the shortlist is named, with its source
and how much of the mix rests on it, in the result, the JSON, the table, the report and the workbook."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import random_shortlist

from optimizer import Scenario, plan
from optimizer.report.summary import summary
from optimizer.report.tables import format_table


def _gappy() -> pd.DataFrame:
    df = random_shortlist(12, 6)
    df.loc[:3, "conversion_rate"] = np.nan  # four blank cells the defaults fill
    df.loc[[8, 9], "engagement_rate"] = np.nan  # two Instagram cells the benchmark priors fill
    return df


def test_each_filled_cell_is_traced_to_its_source_and_weighed_in_the_mix():
    df = _gappy()
    sc = Scenario.from_dict({"budget": 3000, "defaults": {"from": "benchmarks", "conversion_rate": 0.004}},
                            candidates=df)
    r = plan(sc, baselines=False)
    rows = {(a.figure, a.source): a for a in r.assumptions}
    conv = rows[("conversion_rate", "scenario defaults")]
    assert conv.creators == 4
    chosen = set(r.selected)
    mine = [i for i in df["id"][:4] if i in chosen]
    assert conv.in_mix == len(mine)
    fees = df.set_index("id")["fee"]
    assert conv.spend_share == pytest.approx(fees[mine].sum() / r.totals.cost if mine else 0.0)
    eng = rows[("engagement_rate", "benchmark priors (docs/benchmarks.md)")]
    assert eng.creators == 2
    aq = rows[("audience_quality", "default 1 (every follower real)")]
    assert aq.creators == len(df)  # the random shortlist has no audience_quality column
    assert any(a.figure.startswith("simulation.shocks") and a.source == "the default" for a in r.assumptions)
    doc = r.to_dict()
    assert {"figure", "source", "value", "creators", "in_mix", "spend_share"} <= doc["assumptions"][0].keys()
    text = format_table(r)
    assert "Assumptions (figures that did not come from the shortlist)" in text and "scenario defaults" in text
    if conv.in_mix:
        assert "conversion_rate from scenario defaults" in " ".join(summary(r))


def test_a_shortlist_with_every_figure_says_only_the_model_defaults():
    r = plan(Scenario.from_dict({"budget": 3000, "audience": {"population": 300_000}},
                                candidates=random_shortlist(10, 1).assign(audience_quality=0.9)), baselines=False)
    figures = {a.figure: a for a in r.assumptions}
    assert "conversion_rate" not in figures and "audience_quality" not in figures
    assert figures["audience.same_niche_overlap"].source == "the default (no overlap file)"
