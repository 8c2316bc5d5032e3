"""Charts that hold up (issue 16, item 6): close frontier mixes are numbered and said to be close; the sweep
starts at zero and marks budgets with no mix apart."""

from __future__ import annotations

from dataclasses import dataclass

from conftest import SCENARIOS

from optimizer.analysis.sweep import sweep
from optimizer.io.scenario import load_scenario
from optimizer.report.plots import frontier_spread, sweep_chart, sweep_figure


@dataclass
class _Point:
    expected_profit: float
    cvar: float
    selected: tuple[str, ...]


def test_close_mixes_are_said_to_barely_differ_and_far_ones_are_not():
    close = [_Point(94_727, 42_922, ("a", "b", "c")), _Point(94_637, 42_980, ("a", "b", "d")),
             _Point(94_597, 42_993, ("a", "e", "d"))]
    text = frontier_spread(close)
    assert "differ by at most 130 in expected profit and 71 in CVaR" in text
    assert "at most 4 creators swapped" in text and text.endswith("they barely differ.")
    far = [_Point(90_000, 10_000, ("a",)), _Point(60_000, 30_000, ("b",))]
    assert "barely" not in frontier_spread(far)
    assert frontier_spread(far[:1]) == ""


def test_the_sweep_chart_marks_a_budget_with_no_mix_and_starts_at_zero(tmp_path):
    sc = load_scenario(SCENARIOS / "skincare_launch.yaml")  # min_spend 10,000: no mix at 5,000
    sw = sweep(sc, [5000, 10000, 15000], jobs=1)
    assert sw.points[0].expected_profit is None and sw.points[1].expected_profit is not None
    path = sweep_chart(sw, tmp_path / "sweep.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fig = sweep_figure(sw)
    top = fig.axes[0]
    assert top.get_ylim()[0] <= 0 < top.get_ylim()[1]  # from zero
    labels = [t.get_text() for t in top.get_legend().get_texts()]
    assert "no mix meets the rules at this budget" in labels
    marked = [c for c in top.collections if c.get_label() == "no mix meets the rules at this budget"][0]
    assert [tuple(xy) for xy in marked.get_offsets()] == [(5000.0, 0.0)]
