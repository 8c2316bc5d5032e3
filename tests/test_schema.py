"""Every command's JSON output validates against the published schema (docs/result.schema.json)."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import ROOT, SCENARIOS, random_shortlist

from optimizer.cli import main

SCHEMA = json.loads((ROOT / "docs" / "result.schema.json").read_text())


def _validate(doc: dict, kind: str) -> None:
    jsonschema.validate(doc, SCHEMA)  # the whole schema: exactly one kind of document
    jsonschema.validate(doc, {**SCHEMA, "oneOf": [{"$ref": f"#/$defs/{kind}"}]})
    assert doc["schema_version"] == "1"


def _run(capsys, argv: list[str]) -> tuple[int, dict]:
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("scenario", ["skincare_launch.yaml", "skincare_awareness.yaml"])
def test_run_json_validates(scenario, capsys):
    code, doc = _run(capsys, ["run", str(SCENARIOS / scenario), "--format", "json", "--runs", "2048"])
    assert code == 0
    _validate(doc, "plan")


@pytest.mark.slow
@pytest.mark.xdist_group("funnel")
def test_run_json_validates_on_the_funnel(funnel_run):
    code, doc, out = funnel_run  # run --format json --runs 2048 --out DIR
    assert code == 0
    _validate(doc, "plan")
    _validate(json.loads((out / "summary.json").read_text()), "plan")


def test_infeasible_plan_and_other_commands_validate(capsys, tmp_path):
    df = random_shortlist(6, 1)
    df.to_csv(tmp_path / "list.csv", index=False)
    (tmp_path / "bad.yaml").write_text("budget: 10\ncandidates: list.csv\nconstraints: {min_count: 5}\n")
    code, doc = _run(capsys, ["run", str(tmp_path / "bad.yaml"), "--format", "json"])
    assert code == 1 and doc["status"] == "infeasible"
    _validate(doc, "plan")
    launch = str(SCENARIOS / "skincare_launch.yaml")
    _validate(_run(capsys, ["simulate", launch, "--runs", "2048", "--no-compare", "--format", "json"])[1], "simulate")
    _validate(_run(capsys, ["sweep", launch, "--budgets", "5000,10000", "--jobs", "1", "--format", "json"])[1],
              "sweep")
    _validate(_run(capsys, ["validate", launch, "--format", "json"])[1], "validate")
    (tmp_path / "typo.yaml").write_text("budget: 10\ncandidates: list.csv\nconstraints: {min_cont: 5}\n")
    _validate(_run(capsys, ["validate", str(tmp_path / "typo.yaml"), "--format", "json"])[1], "validate")
    (tmp_path / "risk.yaml").write_text("budget: 3000\ncandidates: list.csv\nrisk: {scenarios: 200}\n")
    _validate(_run(capsys, ["frontier", str(tmp_path / "risk.yaml"), "--points", "2", "--jobs", "1", "--format",
                            "json"])[1], "frontier")
    code, doc = _run(capsys, ["calibrate", str(SCENARIOS / "skincare_posts.csv"), "--candidates",
                              str(SCENARIOS / "skincare_shortlist.csv"), "-o", str(tmp_path / "cal.csv"), "--format",
                              "json"])
    assert code == 0
    _validate(doc, "calibrate")


def test_schema_is_strict_enough_to_catch_a_missing_key(capsys):
    _, doc = _run(capsys, ["run", str(SCENARIOS / "skincare_launch.yaml"), "--format", "json"])
    del doc["totals"]["cpm"]
    with pytest.raises(jsonschema.ValidationError):
        _validate(doc, "plan")
