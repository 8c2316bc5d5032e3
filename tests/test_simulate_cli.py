"""The simulation on the command line: JSON contract, outputs, progress, reproducibility."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from conftest import SCENARIOS

from optimizer.cli import main
from optimizer.utils.progress import TerminalProgress

SUMMARY_KEYS = {"mean", "sd", "se", "p5", "p50", "p95"}


@pytest.fixture()
def scenario(tmp_path):
    """The skincare launch with a small simulation block (fast) in a scratch folder."""
    shutil.copy(SCENARIOS / "skincare_shortlist.csv", tmp_path)
    text = (SCENARIOS / "skincare_launch.yaml").read_text()
    path = tmp_path / "launch.yaml"
    path.write_text(text + "simulation:\n  runs: 3000\n  seed: 7\n  targets: {roi: 5, revenue: 100000}\n")
    return path


def _json(capsys, argv) -> tuple[int, dict, str]:
    code = main(argv)
    cap = capsys.readouterr()
    return code, json.loads(cap.out), cap.err


def _strip_seconds(obj):
    if isinstance(obj, dict):
        return {k: _strip_seconds(v) for k, v in obj.items() if k != "seconds"}
    if isinstance(obj, list):
        return [_strip_seconds(v) for v in obj]
    return obj


def test_simulate_json_contract(scenario, capsys):
    code, doc, err = _json(capsys, ["simulate", str(scenario), "--format", "json"])
    assert code == 0
    assert err == ""  # no progress bar outside a terminal, nothing else on stderr
    sim = doc["simulation"]
    assert sim["runs"] == 3000 and sim["seed"] == 7 and sim["alpha"] == 0.95
    for m in ("profit", "revenue", "roi", "reach", "conversions", "engagements", "cost"):
        assert set(sim[m]) == SUMMARY_KEYS
    for k in ("prob_loss", "var", "cvar"):
        assert isinstance(sim[k], float)
    assert sim["cvar"] <= sim["var"]
    assert set(sim["contributions"]) == set(sim["selected"]) == set(doc["plan"]["selected"])
    assert sum(sim["contributions"].values()) == pytest.approx(1.0)
    assert set(sim["targets"]) == {"roi", "revenue"} and 0 <= sim["targets"]["roi"]["prob_miss"] <= 1
    kinds = [row["kind"] for row in doc["comparison"]]
    assert kinds[0] == "portfolio" and "best_single" in kinds and "greedy" in kinds and "single_tier" in kinds
    row = doc["comparison"][0]
    assert row["mean_profit"] == sim["profit"]["mean"] and row["cvar"] == sim["cvar"]
    assert doc["schema_version"] == "1"


def test_simulate_given_ids_compares_with_the_optimiser(scenario, capsys):
    ids = "ti-nano-001,in-nano-002,ti-macro-139"
    code, doc, _ = _json(capsys, ["simulate", str(scenario), "--ids", ids, "--runs", "2500", "--seed", "3",
                                  "--format", "json"])
    assert code == 0
    assert doc["simulation"]["selected"] == ids.split(",") and doc["simulation"]["runs"] == 2500
    names = [row["name"] for row in doc["comparison"]]
    assert names[:2] == ["given mix", "optimiser"]
    assert doc["comparison"][0]["meets_rules"] is False  # three creators cannot meet min_count 20
    code, alone, _ = _json(capsys, ["simulate", str(scenario), "--ids", ids, "--runs", "2500", "--seed", "3",
                                    "--no-compare", "--format", "json"])
    assert alone["comparison"] == [] and alone["plan"] is None
    assert _strip_seconds(alone["simulation"]) == _strip_seconds(doc["simulation"])  # common random numbers


def test_run_gains_the_simulation_from_the_block_or_the_flag(scenario, capsys, tmp_path):
    code, doc, err = _json(capsys, ["run", str(scenario), "--format", "json"])
    assert code == 0 and err == ""
    assert doc["simulation"]["runs"] == 3000 and doc["comparison"]
    plain = SCENARIOS / "skincare_launch.yaml"
    code, doc, _ = _json(capsys, ["run", str(plain), "--format", "json"])
    assert doc["simulation"] is None and doc["comparison"] == []
    code, doc, _ = _json(capsys, ["run", str(plain), "--simulate", "--runs", "2000", "--format", "json"])
    assert doc["simulation"]["runs"] == 2000 and doc["simulation"]["shocks"]["campaign"] == 0.25  # defaults


def test_out_writes_histograms_and_the_same_json(scenario, capsys, tmp_path):
    out = tmp_path / "out"
    code, doc, _ = _json(capsys, ["simulate", str(scenario), "--format", "json", "--out", str(out)])
    assert code == 0
    for name in ("profit_histogram.png", "roi_histogram.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _strip_seconds(json.loads((out / "simulation.json").read_text())) == _strip_seconds(doc)
    run_out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(run_out)]) == 0
    text = capsys.readouterr().out
    assert "Simulated outcome" in text and "against the alternatives" in text and "P(roi below 5)" in text
    assert sorted(p.name for p in run_out.iterdir()) == sorted([
        "profit_histogram.png", "roi_histogram.png", "selection.csv", "summary.json", "report.html", "report.md",
        "mix.png", "profit_distribution.png", "roi_distribution.png", "plan.xlsx"])


def test_same_seed_same_json(scenario, capsys):
    argv = ["simulate", str(scenario), "--format", "json", "--no-compare", "--threads", "1"]
    _, a, _ = _json(capsys, argv)
    _, b, _ = _json(capsys, argv[:-1] + ["2"])
    assert _strip_seconds(a) == _strip_seconds(b)
    _, c, _ = _json(capsys, argv + ["--seed", "8"])
    assert c["simulation"]["profit"]["mean"] != a["simulation"]["profit"]["mean"]


def test_progress_bar_draws_only_after_its_delay():
    stream = io.StringIO()
    quiet = TerminalProgress("simulating", stream, delay=60.0)
    quiet(10, 100)
    quiet.close()
    assert stream.getvalue() == ""
    bar = TerminalProgress("simulating", stream, delay=0.0)
    bar(50, 100)
    bar(100, 100)
    bar.close()
    text = stream.getvalue()
    assert "50%" in text and "100%" in text and "100/100 runs" in text and text.endswith("\n")
    assert TerminalProgress.for_terminal("x") is None  # pytest's stderr is not a terminal


def test_simulate_an_infeasible_plan_says_so(tmp_path, capsys):
    shutil.copy(SCENARIOS / "skincare_shortlist.csv", tmp_path)
    path = tmp_path / "tight.yaml"
    path.write_text("candidates: skincare_shortlist.csv\nbudget: 100\nconstraints: {min_count: 50}\n")
    code, doc, _ = _json(capsys, ["simulate", str(path), "--format", "json", "--runs", "100"])
    assert code == 1
    assert doc["plan"]["status"] == "infeasible" and doc["simulation"] is None and doc["comparison"] == []
