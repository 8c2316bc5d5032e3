"""Shortlists as they really arrive (issue 14, parts 1 and 2): numbers as spreadsheets and exports write them,
headers and platforms under other names, blank rows and cells, implausible values, and the file's own columns
carried into the selection."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import Scenario, plan
from optimizer.errors import InputError
from optimizer.io.candidates import load_candidates
from optimizer.io.cells import canonical_header, parse_numbers

EXPORT = """Creator,Network,Followers,Price,Reach Rate (%),Engagement Rate,CVR,AOV,Notes,Manager
@ana,Instagram,12.5K,$80,35%,6.5%,0.5%,$40,likes dogs,Kim
@ben,Tik Tok,"1,200",USD 25,60%,9%,0.2%,40 USD,,Kim
@cat,IG,1.2M,"$12,000",20%,1.5%,0.05%,$40,,Lee
@dan,YT,85k,900,25%,3%,0.3%,40,video,Lee
,,,,,,,,,
,,,,,,,,,
"""


def _parse(cells, percent_ok=True):
    return parse_numbers(pd.Series(cells, dtype=object), percent_ok=percent_ok, label="column 'x'")


@pytest.mark.parametrize(("cell", "value"), [
    ("12.5K", 12_500), ("1.2M", 1_200_000), ("3B", 3e9), ("1,200", 1200), ("1,200,000.50", 1_200_000.5),
    ("$80", 80), ("80 USD", 80), ("EUR 80", 80), ("€1,200", 1200), ("£3.5k", 3500), ("-$5", -5), ("6.5%", 0.065),
    ("12500", 12500), ("1e3", 1000), (" 7 ", 7),
])
def test_numbers_as_people_write_them(cell, value):
    got = _parse([cell])
    assert not got.bad[0] and got.values[0] == pytest.approx(value)


@pytest.mark.parametrize("cell", ["12,5", "1,20", "$$80", "80 USD EUR", "abc", "1.2.3", "K", "12 apples", "inf",
                                  "nan", "1e400", "5%%"])
def test_what_is_not_a_number_stays_bad(cell):
    assert _parse([cell]).bad[0], cell


def test_a_percent_sign_is_bad_where_no_share_is_meant():
    assert _parse(["6.5%"], percent_ok=False).bad[0]


@given(st.floats(0, 1e12, allow_nan=False), st.sampled_from(["", "$", "USD "]))
@settings(max_examples=60, deadline=None)
def test_separators_and_currency_never_change_a_value(x, prefix):
    x = round(x, 2)
    written = f"{prefix}{x:,.2f}"
    assert _parse([written]).values[0] == pytest.approx(x, rel=1e-12)


def test_notes_say_once_per_column_what_was_read_how():
    got = _parse(["12.5K", "1.2M", "3", "$4"])
    assert any("2 value(s) read with a K/M/B suffix, e.g. '12.5K' as 12,500" in n for n in got.notes)
    assert any("currency" in n for n in got.notes) and len(got.notes) == 2


def test_headers_are_read_as_people_write_them():
    assert canonical_header("Engagement Rate (%)") == "engagement_rate"
    assert canonical_header(" Followers ") == "followers"
    assert canonical_header("Reach-rate") == "reach_rate"


def test_a_discovery_platform_export_loads_as_written(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(EXPORT)
    cand = load_candidates(path)
    t = cand.table
    assert t["id"].tolist() == ["@ana", "@ben", "@cat", "@dan"]
    assert t["platform"].tolist() == ["instagram", "tiktok", "instagram", "youtube"]
    assert t["followers"].tolist() == [12_500, 1_200, 1_200_000, 85_000]
    assert t["fee"].tolist() == [80, 25, 12_000, 900]
    assert t["reach_rate"].tolist() == pytest.approx([0.35, 0.6, 0.2, 0.25])
    assert t["conversion_rate"].tolist() == pytest.approx([0.005, 0.002, 0.0005, 0.003])
    assert cand.rows.tolist() == [2, 3, 4, 5]  # the blank rows at the end are not candidates
    assert cand.carried == ("Notes", "Manager")
    text = " ".join(cand.warnings)
    for needle in ("column 'Creator' read as id", "column 'Price' read as fee", "platform 'tik tok' read as 'tiktok'",
                   "platform 'ig' read as 'instagram'", "K/M/B suffix", "thousands separators"):
        assert needle in text, needle


def test_the_files_other_columns_travel_into_the_selection_and_selection_csv(tmp_path):
    (tmp_path / "export.csv").write_text(EXPORT)
    (tmp_path / "s.yaml").write_text("budget: 20000\ncandidates: export.csv\n")
    out = subprocess.run([sys.executable, "-m", "optimizer", "run", str(tmp_path / "s.yaml"), "--out",
                          str(tmp_path / "out"), "--format", "json"], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    sel = pd.read_csv(tmp_path / "out" / "selection.csv", keep_default_na=False)
    assert {"Notes", "Manager"} <= set(sel.columns)
    row = sel.set_index("id").loc["'@ana"]  # a cell starting with @ is made inert for spreadsheets (OWASP)
    assert row["Notes"] == "likes dogs" and row["Manager"] == "Kim"
    doc = json.loads(out.stdout)
    assert {"Notes", "Manager"} <= set(doc["selection"][0])


def test_a_platform_cap_catches_every_spelling():
    df = pd.DataFrame({"id": list("abcd"), "platform": ["TikTok", "Tik Tok", "tt", "instagram"],
                       "followers": 5000, "fee": 100.0, "reach_rate": 0.5, "engagement_rate": 0.05,
                       "conversion_rate": [0.05, 0.05, 0.05, 0.001], "order_value": 40.0})
    r = plan(Scenario.from_dict({"budget": 400, "constraints": {"platforms": {"Tik Tok": {"max_count": 1}}}},
                                candidates=df))
    assert r.status == "optimal"
    assert (r.selection["platform"] == "tiktok").sum() == 1


def test_columns_map_reads_any_header_and_percent_works_in_yaml(tmp_path):
    (tmp_path / "list.csv").write_text("Who,Where,How many,What it costs,r,e,c,v\n"
                                       "a,instagram,5000,100,0.3,0.05,0.01,40\nb,tiktok,7000,120,0.5,0.07,0.01,40\n")
    (tmp_path / "s.yaml").write_text(
        "budget: $1K\ncandidates: list.csv\ncolumns: {id: Who, platform: Where, followers: How many,\n"
        "  fee: What it costs, reach_rate: r, engagement_rate: e, conversion_rate: c, order_value: v}\n"
        "constraints: {platforms: {tiktok: {max_share: 40%}}}\n")
    from optimizer.io.scenario import load_scenario

    sc = load_scenario(tmp_path / "s.yaml")
    assert sc.budget == 1000 and sc.candidates.table["followers"].tolist() == [5000, 7000]
    assert sc.constraints.groups("platforms")["tiktok"].max_share == pytest.approx(0.4)
    (tmp_path / "t.yaml").write_text("budget: 1000\ncandidates: list.csv\ncolumns: {id: Whom}\n")
    with pytest.raises(InputError, match="key 'columns.id': the header has no column 'Whom'"):
        load_scenario(tmp_path / "t.yaml")


@pytest.mark.parametrize(("cells", "needle"), [
    ({"followers": ""}, "rows 2, 3, column 'followers': empty: followers is required on every row"),
    ({"fee": ""}, "empty: fee is required on every row"),
    ({"followers": "2e10"}, "implausibly large"),
    ({"fee": "1e50"}, "implausibly large"),
    ({"followers": "12,5"}, "not a number ('12,5', '12,5'; write 12500, 12.5K, 1,200 or $80)"),
])
def test_blank_or_implausible_required_cells_are_errors_naming_the_row(cells, needle, tmp_path):
    row = {"id": "a", "platform": "instagram", "followers": "5000", "fee": "100", "reach_rate": "0.3",
           "engagement_rate": "0.05", "conversion_rate": "0.01", "order_value": "40", **cells}
    path = tmp_path / "list.csv"
    pd.DataFrame([row, {**row, "id": "b"}]).to_csv(path, index=False)
    with pytest.raises(InputError) as exc:
        load_candidates(path)
    assert needle in str(exc.value)
    (tmp_path / "s.yaml").write_text("budget: 500\ncandidates: list.csv\n")
    for command in ("validate", "run"):
        out = subprocess.run([sys.executable, "-m", "optimizer", command, str(tmp_path / "s.yaml")],
                             capture_output=True, text=True, check=False)
        assert out.returncode == 2 and "Traceback" not in out.stderr and needle in out.stderr, (command, out.stderr)


def test_a_repeated_header_is_an_error(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("id,platform,followers,fee,fee\na,instagram,5000,100,90\n")
    with pytest.raises(InputError, match="column 'fee'.*appears 2 times|appears 2 times.*column 'fee'"):
        load_candidates(path)
    posts = tmp_path / "posts.csv"
    posts.write_text("id,platform,date,followers,reach,engagements,orders,revenue,orders\n")
    from optimizer.io.history import load_posts

    with pytest.raises(InputError, match="appears 2 times"):
        load_posts(posts)


def test_a_missing_column_that_the_sheet_has_under_another_name_is_pointed_out_not_defaulted(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("id,platform,followers,fee,reach_rate,engagment rate,conversion_rate,order_value\n"
                    "a,instagram,5000,100,0.3,0.05,0.01,40\n")
    with pytest.raises(InputError) as exc:
        load_candidates(path)
    text = str(exc.value)
    assert "did you mean" in text and "columns:" in text and "defaults:" not in text


def test_an_xlsx_is_read_from_the_sheet_that_holds_the_shortlist(tmp_path):
    path = tmp_path / "book.xlsx"
    good = pd.DataFrame({"Creator": ["a", "b"], "Platform": ["IG", "TT"], "Followers": ["5K", "7K"],
                         "Fee": [100, 120], "reach_rate": 0.3, "engagement_rate": 0.05, "conversion_rate": 0.01,
                         "order_value": 40})
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"Campaign brief": ["spring launch"]}).to_excel(xl, sheet_name="Cover", index=False)
        good.to_excel(xl, sheet_name="Shortlist", index=False)
    cand = load_candidates(path)
    assert cand.table["followers"].tolist() == [5000, 7000] and cand.table["platform"].tolist() == [
        "instagram", "tiktok"]
    bad = tmp_path / "none.xlsx"
    with pd.ExcelWriter(bad) as xl:
        pd.DataFrame({"a": [1]}).to_excel(xl, sheet_name="Cover", index=False)
        pd.DataFrame({"b": [1]}).to_excel(xl, sheet_name="Notes", index=False)
    with pytest.raises(InputError, match="the sheets are 'Cover', 'Notes'"):
        load_candidates(bad)
    with pytest.raises(InputError, match="one sheet's name"):
        load_candidates(path, sheet=["Cover", "Shortlist"])  # type: ignore[arg-type]


def test_rows_are_numbered_as_the_spreadsheet_numbers_them_after_blank_rows(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("id,platform,followers,fee,reach_rate,engagement_rate,conversion_rate,order_value\n"
                    "a,instagram,5000,100,0.3,0.05,0.01,40\n,,,,,,,\nb,instagram,-5,100,0.3,0.05,0.01,40\n")
    with pytest.raises(InputError, match="row 4, column 'followers'"):
        load_candidates(path)


def test_calibrate_numbers_shortlist_rows_as_run_does(tmp_path):
    from history_sim import make_history

    from optimizer.learn.calibrate import calibrate

    posts, short, _ = make_history(3, creators_per_group=5)
    short = short.astype(object)
    short.loc[3, "fee"] = "oops"
    path = tmp_path / "short.csv"
    short.to_csv(path, index=False)
    with pytest.raises(InputError, match="row 5, column 'fee'"):
        calibrate(posts, path)


def test_engagement_per_follower_is_converted_to_per_reached_account():
    df = pd.DataFrame({"id": ["a", "b"], "platform": "instagram", "followers": [5000, 8000], "fee": 100.0,
                       "reach_rate": [0.25, 0.4], "audience_quality": [0.8, 1.0], "engagement_rate": ["1.5%", "2%"],
                       "engagement_rate_sd": [0.005, 0.0], "conversion_rate": 0.01, "order_value": 40.0})
    sc = Scenario.from_dict({"budget": 200, "engagement_basis": "followers"}, candidates=df)
    t = sc.candidates.table
    assert t["engagement_rate"].tolist() == pytest.approx([0.015 / 0.2, 0.02 / 0.4])
    assert t["engagement_rate_sd"][0] == pytest.approx(0.005 / 0.2)
    # the engagements themselves do not move: followers x per-follower rate
    assert sc.candidates.outcomes.engagements.tolist() == pytest.approx([5000 * 0.015, 8000 * 0.02])
    assert any("engagement_basis: followers" in w for w in sc.warnings)
    same = Scenario.from_dict({"budget": 200}, candidates=df).candidates.table
    assert same["engagement_rate"].tolist() == pytest.approx([0.015, 0.02])
    with pytest.raises(InputError, match="key 'engagement_basis'"):
        Scenario.from_dict({"budget": 200, "engagement_basis": "views"}, candidates=df)
    too_much = df.assign(engagement_rate=[0.5, 0.02])
    with pytest.raises(InputError, match="is engagement_basis right"):
        Scenario.from_dict({"budget": 200, "engagement_basis": "followers"}, candidates=too_much)


def test_a_parquet_shortlist_reads_as_its_csv(tmp_path, capsys):
    """The shipped shortlist written as Parquet (typed columns: numbers as numbers, a missing optional cell as
    null) plans exactly as the CSV; a bad cell is named by row and column as in a CSV; a file that is not Parquet
    is one line, exit 2."""
    import numpy as np
    from conftest import SCENARIOS

    from optimizer import load_scenario, plan
    from optimizer.cli import main

    csv = SCENARIOS / "skincare_shortlist.csv"
    df = pd.read_csv(csv)
    df.loc[4, "niche"] = None  # an optional cell left empty
    df.to_csv(tmp_path / "list.csv", index=False)
    df.to_parquet(tmp_path / "list.parquet")
    plans = {}
    for kind in ("csv", "parquet"):
        (tmp_path / f"{kind}.yaml").write_text(f"budget: 15000\ncandidates: list.{kind}\n"
                                               "constraints: {tiers: {nano: {min_count: 20}}}\n")
        sc = load_scenario(tmp_path / f"{kind}.yaml")
        plans[kind] = (sc, plan(sc, baselines=False))
    (a, ra), (b, rb) = plans["csv"], plans["parquet"]
    assert np.array_equal(a.candidates.outcomes.revenue, b.candidates.outcomes.revenue)
    assert a.candidates.table["niche"].tolist() == b.candidates.table["niche"].tolist()
    assert ra.selected == rb.selected and ra.objective_value == rb.objective_value
    bad = df.astype({"fee": str})  # a text column, as an export may write it
    bad.loc[6, "fee"] = "lots"
    bad.to_parquet(tmp_path / "list.parquet")
    assert main(["validate", str(tmp_path / "parquet.yaml")]) == 2
    assert "row 8, column 'fee': not a number ('lots'" in capsys.readouterr().err
    (tmp_path / "list.parquet").write_text("id,fee\nx,1\n")
    assert main(["run", str(tmp_path / "parquet.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot be read as Parquet" in err, err
