"""plan.xlsx (issue 16, item 7): the format planners hand on, opened as they would open it."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from conftest import random_shortlist

from optimizer import Scenario, plan
from optimizer.analysis.whatif import loosening
from optimizer.io.scenario import SimulationSettings
from optimizer.report.workbook import WORKBOOK, write_workbook


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    df = random_shortlist(25, 3)
    df["agency"] = [f"agency {i % 4}" for i in range(len(df))]  # a column of the user's own, carried through
    sc = Scenario.from_dict({"budget": 4000, "currency": "EUR",
                             "constraints": {"platforms": {"tiktok": {"max_share": 0.4}}}}, candidates=df)
    r = plan(sc, simulate=SimulationSettings(runs=1000, seed=3))
    out = tmp_path_factory.mktemp("book")
    path = write_workbook(r, out, loosening(sc, r, jobs=1))
    return r, openpyxl.load_workbook(path), pd.read_excel(path, sheet_name=None)


def test_the_sheets_a_planner_expects(book):
    r, wb, frames = book
    assert wb.sheetnames == ["Summary", "Mix", "By tier", "By platform", "Rules", "Assumptions", "Alternatives",
                             "What-if"]
    assert WORKBOOK == "plan.xlsx"
    summary = frames["Summary"]["summary"].dropna().tolist()
    assert any("run with --explain to add them (a Prices sheet" in line for line in summary)  # says what it lacks


def test_the_mix_carries_every_shortlist_column_and_the_plans_figures(book):
    r, _, frames = book
    mix = frames["Mix"]
    assert list(mix["id"]) == list(r.selected)
    assert "agency" in mix.columns and "followers" in mix.columns
    assert mix["fee"].sum() == pytest.approx(r.totals.cost)
    assert mix["profit"].sum() == pytest.approx(r.totals.profit)


def test_numbers_are_numbers_with_formats_and_the_summary_leads(book):
    r, wb, frames = book
    ws = wb["Mix"]
    header = [c.value for c in ws[1]]
    fee = ws.cell(row=2, column=header.index("fee") + 1)
    assert isinstance(fee.value, (int, float)) and fee.number_format == "#,##0"
    tiers = wb["By tier"]
    share_col = [c.value for c in tiers[1]].index("share_of_spend") + 1
    assert tiers.cell(row=2, column=share_col).number_format == "0.0%"
    summary = frames["Summary"]["summary"].dropna().tolist()
    assert summary[0].startswith("This is the best mix") and "EUR" in " ".join(summary)
    rules = frames["Rules"]
    assert set(rules["binding"]) <= {"yes", "no"}
    assert "TikTok at most 40.0% of the spend" in set(rules["rule"])
    alts = frames["Alternatives"]
    assert alts["mix"].iloc[0] == "portfolio" and alts["P(loss)"].dropna().between(0, 1).all()
    assert alts["P(loss)"].notna().sum() == sum(a.simulation is not None for a in r.comparison)
