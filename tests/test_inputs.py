"""Every bad input ends with one clear line naming the file, row, column or key; exit code 2; nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SCENARIOS

from optimizer.cli import main

SHORTLIST = (SCENARIOS / "skincare_shortlist.csv").read_text().splitlines()
HEADER = SHORTLIST[0].split(",")


def _setup(tmp_path: Path, yaml_text: str | None = None, csv_lines: list[str] | None = None) -> Path:
    (tmp_path / "list.csv").write_text("\n".join(csv_lines if csv_lines is not None else SHORTLIST[:31]) + "\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml_text if yaml_text is not None else "candidates: list.csv\nbudget: 2000\n")
    return scenario


def _edit(row: int, column: str, value: str) -> list[str]:
    """The first 30 candidates with one cell changed (row is the spreadsheet row, header = 1)."""
    lines = list(SHORTLIST[:31])
    cells = lines[row - 1].split(",")
    cells[HEADER.index(column)] = value
    lines[row - 1] = ",".join(cells)
    return lines


def _run_bad(capsys, tmp_path, scenario: Path, *expected: str, command: tuple[str, ...] = ("run",)) -> str:
    out = tmp_path / "out"
    code = main([command[0], str(scenario), "--out", str(out), *command[1:]])
    captured = capsys.readouterr()
    assert code == 2
    err = captured.err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    for text in expected:
        assert text in err, err
    assert not out.exists(), "nothing may be written on bad input"
    assert captured.out == ""
    return err


SIM = "candidates: list.csv\nbudget: 2000\nsimulation:\n"
CASES = {
    "missing scenario": (None, None, ["nope.yaml", "file not found"]),
    "bad yaml": ("candidates: list.csv\nbudget: [1, 2\n", None, ["s.yaml", "invalid YAML", "line"]),
    "unknown objective": ("candidates: list.csv\nbudget: 2000\nobjective: proft\n", None,
                          ["key 'objective'", "did you mean 'profit'"]),
    "unknown key": ("candidates: list.csv\nbudget: 2000\nconstraints: {max_cnt: 3}\n", None,
                    ["constraints.max_cnt", "did you mean 'max_count'"]),
    "unknown group key": ("candidates: list.csv\nbudget: 2000\nconstraints: {tiers: {nano: {min_cnt: 3}}}\n", None,
                          ["constraints.tiers.nano.min_cnt", "did you mean 'min_count'"]),
    "budget zero": ("candidates: list.csv\nbudget: 0\n", None, ["key 'budget'", "> 0"]),
    "budget negative": ("candidates: list.csv\nbudget: -5\n", None, ["key 'budget'"]),
    "missing candidates file": ("candidates: gone.csv\nbudget: 2000\n", None, ["gone.csv", "file not found"]),
    "missing id": (None, _edit(5, "id", ""), ["list.csv", "row 5", "column 'id'", "missing id"]),
    "duplicate id": (None, _edit(6, "id", "ti-nano-001"), ["rows 2, 6", "duplicate id 'ti-nano-001'"]),
    "negative fee": (None, _edit(7, "fee", "-10"), ["row 7", "column 'fee'", "negative"]),
    "text in numeric": (None, _edit(8, "followers", "lots"), ["row 8", "column 'followers'", "not a number"]),
    "nan in numeric": (None, _edit(9, "fee", "nan"), ["row 9", "column 'fee'", "not a number"]),
    "rate out of range": (None, _edit(10, "engagement_rate", "6.5"), ["row 10", "column 'engagement_rate'",
                                                                       "above 1"]),
    "empty shortlist": (None, SHORTLIST[:1], ["list.csv", "empty"]),
    "missing column": (None, [",".join(c for c in line.split(",")[:5]) for line in SHORTLIST[:5]],
                       ["column 'reach_rate'", "no scenario default"]),
    "included and excluded": ("candidates: list.csv\nbudget: 2000\nconstraints: {include: [ti-nano-001], "
                              "exclude: [ti-nano-001]}\n", None, ["both included and excluded", "ti-nano-001"]),
    "include unknown id": ("candidates: list.csv\nbudget: 2000\nconstraints: {include: [nobody]}\n", None,
                           ["constraints.include", "'nobody'", "not in"]),
    "roi without floor": ("candidates: list.csv\nbudget: 2000\nobjective: roi\n", None, ["'roi' needs a floor"]),
    "unknown tier": ("candidates: list.csv\nbudget: 2000\nconstraints: {tiers: {nanno: {min_count: 1}}}\n", None,
                     ["constraints.tiers.nanno", "did you mean 'nano'"]),
    "impossible sd": (None, _edit(11, "engagement_rate_sd", "0.5"), ["row 11", "column 'engagement_rate_sd'",
                                                                     "impossible", "needs an sd below"]),
    "negative sd": (None, _edit(12, "conversion_rate_sd", "-0.001"), ["row 12", "column 'conversion_rate_sd'",
                                                                       "negative"]),
    "simulation runs": (SIM + "  runs: 1\n", None, ["key 'simulation.runs'", ">= 2"]),
    "simulation alpha": (SIM + "  alpha: 1.5\n", None, ["key 'simulation.alpha'", "below 1"]),
    "shock typo": (SIM + "  shocks: {campain: 0.2}\n", None, ["simulation.shocks.campain", "did you mean 'campaign'"]),
    "negative shock": (SIM + "  shocks: {platform: -0.1}\n", None, ["key 'simulation.shocks.platform'", ">= 0"]),
    "counts typo": (SIM + "  counts: binomal\n", None, ["key 'simulation.counts'", "did you mean 'binomial'"]),
    "target typo": (SIM + "  targets: {rio: 3}\n", None, ["simulation.targets.rio", "did you mean 'roi'"]),
    "platform typo": ("candidates: list.csv\nbudget: 2000\nconstraints: {platforms: {tiktk: {max_share: 0.5}}}\n",
                      None, ["constraints.platforms.tiktk", "did you mean 'tiktok'"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gives_one_clear_line(case, tmp_path, capsys):
    yaml_text, csv_lines, expected = CASES[case]
    scenario = _setup(tmp_path, yaml_text, csv_lines)
    if case == "missing scenario":
        scenario = tmp_path / "nope.yaml"
    _run_bad(capsys, tmp_path, scenario, *expected)


SIMULATE_CASES = {
    "unknown id": (("--ids", "ti-nano-001,ti-nano-00"), ["--ids", "'ti-nano-00'", "did you mean"]),
    "repeated id": (("--ids", "ti-nano-001,ti-nano-001"), ["--ids", "given twice"]),
    "bad target": (("--target", "rio=3"), ["--target", "did you mean 'roi'"]),
    "target not a number": (("--target", "roi=lots"), ["--target", "not a number"]),
    "one run": (("--runs", "1"), ["--runs", "at least 2"]),
    "negative seed": (("--seed", "-1"), ["--seed"]),
}


@pytest.mark.parametrize("case", list(SIMULATE_CASES))
def test_simulate_bad_flags_give_one_clear_line(case, tmp_path, capsys):
    flags, expected = SIMULATE_CASES[case]
    _run_bad(capsys, tmp_path, _setup(tmp_path), *expected, command=("simulate", *flags))


def test_validate_lists_every_problem(tmp_path, capsys):
    lines = _edit(7, "fee", "-10")
    cells = lines[8].split(",")
    cells[HEADER.index("followers")] = "lots"
    lines[8] = ",".join(cells)
    scenario = _setup(tmp_path, "candidates: list.csv\nbudget: 2000\nobjective: proft\n", lines)
    assert main(["validate", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "3 problems found" in err
    for text in ("row 7, column 'fee'", "row 9, column 'followers'", "key 'objective'"):
        assert text in err


def test_output_never_overwrites_an_input(tmp_path, capsys):
    scenario = _setup(tmp_path, "candidates: selection.csv\nbudget: 2000\n")
    shutil.move(tmp_path / "list.csv", tmp_path / "selection.csv")
    before = (tmp_path / "selection.csv").read_text()
    assert main(["run", str(scenario), "--out", str(tmp_path)]) == 2
    assert "would overwrite an input" in capsys.readouterr().err
    assert (tmp_path / "selection.csv").read_text() == before


def test_defaults_fill_missing_cells_most_specific_first(tmp_path):
    from optimizer import load_scenario

    lines = [",".join(c for i, c in enumerate(line.split(",")) if HEADER[i] != "conversion_rate")
             for line in SHORTLIST]
    scenario = _setup(tmp_path, "candidates: list.csv\nbudget: 2000\ndefaults:\n  conversion_rate: 0.001\n"
                      "  tiers: {nano: {conversion_rate: 0.002}}\n  platforms: {tiktok: {conversion_rate: 0.003}}\n"
                      "  tier_platforms: {nano: {tiktok: {conversion_rate: 0.004}}}\n", lines)
    table = load_scenario(scenario).candidates.table
    expect = {("nano", "tiktok"): 0.004, ("micro", "tiktok"): 0.003, ("nano", "instagram"): 0.002,
              ("nano", "youtube"): 0.002, ("micro", "instagram"): 0.001}
    for (tier, platform), value in expect.items():
        rows = table[(table["tier"] == tier) & (table["platform"] == platform)]
        assert len(rows) and (rows["conversion_rate"] == value).all(), (tier, platform)


# ------------------------------------------------------------------------ derived scenarios (issue 15, item 5)

def test_with_changes_takes_yaml_shaped_values_and_validates_them(skincare_yaml):
    from optimizer.errors import InputError
    from optimizer.io.scenario import load_scenario

    sc = load_scenario(skincare_yaml)
    assert sc.with_changes(constraints={"max_count": 40}).constraints.max_count == 40
    weighted = sc.with_changes(objective={"profit": 1, "reach": 0.002})
    assert weighted.objective == "weighted" and weighted.objective_weights == {"profit": 1.0, "reach": 0.002}
    assert sc.with_changes(solver={"name": "highs", "gap": 0.001}).solver.name == "highs"
    assert sc.with_changes(risk={"min_cvar": 1000}).risk.min_cvar == 1000
    for kw, key in [({"constraints": {"platforms": {"tiktk": {"max_share": 0.3}}}}, "constraints.platforms.tiktk"),
                    ({"budget": -5}, "budget"), ({"budget": 5000}, "constraints.min_spend"),
                    ({"objective": "roi", "constraints": {"max_count": 5}}, "objective"),
                    ({"solver": {"name": "gurobi"}}, "solver.name"), ({"bugdet": 5}, "bugdet"),
                    ({"constraints": 5}, "constraints"), ({"constraints": {"min_count": 9, "max_count": 3}},
                                                          "constraints.min_count")]:
        with pytest.raises(InputError) as err:
            sc.with_changes(**kw)
        assert f"key '{key}'" in str(err.value), (kw, str(err.value))


def test_with_changes_keeps_the_audience_pools_unless_the_shortlist_changes():
    from conftest import SCENARIOS

    from optimizer.io.scenario import load_scenario

    sc = load_scenario(SCENARIOS / "three_phase_funnel.yaml")
    pools = sc.audience
    assert sc.with_changes(budget=sc.budget * 1.1).audience is pools
    assert sc.with_changes(constraints={"max_count": 60}).audience is pools
    sub = sc.with_changes(candidates=sc.candidates.subset(sc.candidates.table["tier"].to_numpy() == "nano"))
    assert sub.audience is not pools and sub.audience is not None


def test_the_scenario_knows_every_solver_back_end():
    from optimizer.io.scenario import SOLVERS
    from optimizer.solve import BACKENDS

    assert set(SOLVERS) == set(BACKENDS)
