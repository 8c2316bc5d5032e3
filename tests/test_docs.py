"""The API reference's examples run as written (docs/api.md)."""

from __future__ import annotations

import json
import os
import re

import pytest
from conftest import ROOT


def test_api_reference_examples_run(capsys):
    text = (ROOT / "docs" / "api.md").read_text()
    text = text[:text.index("## A budgeting tool's first calls")]  # that section runs in test_cli_and_funnel.py
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 5
    namespace: dict = {}
    cwd = os.getcwd()
    os.chdir(ROOT)  # the examples load scenarios/ by a relative path, as a user in the repository would
    try:
        for block in blocks:
            exec(compile(block, "docs/api.md", "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "optimal" in out and "P(loss)" in out and "awareness" in out
    gain = re.search(r"\+([\d,]+) profit for 2,000 more budget, hiring \['dee'\]", out)
    assert gain and float(gain.group(1).replace(",", "")) > 0  # the what-if example changes something
    assert "dee enters at or below" in out
    added = re.search(r"choosing boosts with the creators adds ([\d,]+) of profit", out)
    assert added and float(added.group(1).replace(",", "")) > 0
    assert re.search(r"[\d,]+ on boosts behind \d+ posts, reaching [\d,]+ more accounts", out)


def test_the_amplification_block_runs_as_written(tmp_path):
    """The Scenario file section's amplification: block (docs/contracts.md), added to a scenario of the shipped
    deal shortlist, validates and plans with boosts."""
    import shutil
    import subprocess
    import sys

    text = (ROOT / "docs" / "contracts.md").read_text()
    section = text[text.index("## Scenario file (YAML)"):text.index("## JSON result")]
    block = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)[1]
    assert block.startswith("amplification:")
    shutil.copy(ROOT / "scenarios" / "deal_mix_shortlist.csv", tmp_path)
    (tmp_path / "s.yaml").write_text("budget: 15000\ncandidates: deal_mix_shortlist.csv\n" + block)
    out = subprocess.run([sys.executable, "-m", "optimizer", "run", str(tmp_path / "s.yaml"), "--format", "json"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["boosts"]


@pytest.mark.slow
def test_the_readme_scenario_block_runs_as_written(tmp_path):
    """The YAML block of the "Scenario file" section (docs/contracts.md), saved beside the shipped shortlist,
    validates and plans (every key it shows is real, every id it names exists)."""
    import shutil
    import subprocess
    import sys

    text = (ROOT / "docs" / "contracts.md").read_text()
    section = text[text.index("## Scenario file (YAML)"):]
    block = re.search(r"```yaml\n(.*?)```", section, flags=re.S).group(1)
    shutil.copy(ROOT / "scenarios" / "skincare_shortlist.csv", tmp_path)
    (tmp_path / "s.yaml").write_text(block)
    out = subprocess.run([sys.executable, "-m", "optimizer", "validate", str(tmp_path / "s.yaml")],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    from optimizer.decision import optimize  # the decision itself; the comparisons are tested elsewhere
    from optimizer.io.scenario import load_scenario

    r = optimize(load_scenario(tmp_path / "s.yaml"), baselines=False, out_of_sample=False)
    assert r.status == "optimal", (r.status, r.message)
    assert "in-nano-002" in r.selected and "ti-nano-001" not in r.selected  # its include and exclude hold


def test_the_readme_first_plan_runs_and_its_numbers_are_true(tmp_path, capsys):
    """The README's "A first plan" commands, run as written (the output folder moved under tmp), and the figures it
    quotes about the shipped launch."""
    from optimizer.cli import main
    from optimizer.io.scenario import load_scenario

    text = (ROOT / "README.md").read_text()
    block = re.search(r"## A first plan\n\n```bash\n(.*?)```", text, flags=re.S).group(1)
    commands = [line.split("#")[0].split() for line in block.strip().splitlines()]
    assert [c[:2] for c in commands] == [["influencer-mix", "run"]] * 2
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for argv in commands:
            argv = [str(tmp_path / "out") if a == "out/" else a for a in argv[1:]]
            assert main(argv) == 0, argv
    finally:
        os.chdir(cwd)
    assert {"report.html", "plan.xlsx"} <= {p.name for p in (tmp_path / "out").iterdir()}
    out = capsys.readouterr().out
    assert out.index("Summary") < out.index("Totals") < out.index("Chosen mix")
    sc = load_scenario(ROOT / "scenarios" / "skincare_launch.yaml")
    assert "150 shortlisted creators, a 15,000 USD budget" in block
    assert sc.candidates.n == 150 and sc.budget == 15_000 and sc.currency == "USD"
    for doc in ("guide", "contracts", "modelling", "api", "architecture", "benchmarks", "sources", "speed"):
        assert f"`docs/{doc}.md`" in text and (ROOT / "docs" / f"{doc}.md").exists(), doc


def test_the_modelling_guide_examples_run_as_written(tmp_path, capsys):
    """docs/modelling.md: the calibrate command (its output files moved under tmp) and the phases block (on the
    shipped shortlist) run as written."""
    import shlex

    from optimizer.cli import main
    from optimizer.io.scenario import load_scenario

    text = (ROOT / "docs" / "modelling.md").read_text()
    bash = re.search(r"```bash\n(.*?)```", text, flags=re.S).group(1).replace("\\\n", " ")
    argv = shlex.split(bash)
    assert argv[:2] == ["influencer-mix", "calibrate"]
    argv = [str(tmp_path / a) if a in ("calibrated.csv", "cal.json") else a for a in argv[1:]]
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        assert main(argv) == 0
    finally:
        os.chdir(cwd)
    assert (tmp_path / "calibrated.csv").exists() and (tmp_path / "cal.json").exists()
    phases = re.search(r"```yaml\n(phases:.*?)```", text, flags=re.S).group(1)
    shortlist = ROOT / "scenarios" / "skincare_shortlist.csv"
    (tmp_path / "funnel.yaml").write_text(f"budget: 20000\ncandidates: {shortlist}\n" + phases)
    sc = load_scenario(tmp_path / "funnel.yaml")
    assert [p.name for p in sc.phases] == ["awareness", "consideration", "conversion"]
    assert sc.phase_settings.combine == "weighted"
