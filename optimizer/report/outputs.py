"""Writing a command's results: the CSV, JSON, report and chart files (through ``files.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from optimizer.report.files import (
    COMPARE_FILES,
    FRONTIER_FILES,
    PLOT_FILES,
    REPORT_FILES,
    SWEEP_FILES,
    atomic_write,
    atomic_write_bytes,
    inert_cells,
)
from optimizer.report.page import compare_sections, sections, to_html, to_markdown
from optimizer.report.plots import frontier_chart, histogram, sweep_chart
from optimizer.report.workbook import write_workbook
from optimizer.result import PlanResult
from optimizer.utils.jsonable import SCHEMA_VERSION, json_ready


def write_outputs(result: PlanResult, out_dir: Path) -> list[Path]:
    """``selection.csv`` (the chosen rows with expected outcomes) and ``summary.json`` (the full result)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sel = out_dir / "selection.csv"
    summary = out_dir / "summary.json"
    atomic_write(sel, inert_cells(result.selection).to_csv(index=False))
    atomic_write(summary, json.dumps(result.to_dict(), indent=2) + "\n")
    written = [sel, summary]
    if result.simulation is not None:
        written += write_histograms(result.simulation, out_dir, result.currency)
    return written


def write_report(scenario, result: PlanResult, out_dir: Path, frontier=None, sweep=None,
                 loosened=None) -> list[Path]:
    """``report.html`` (self-contained) and ``report.md`` with the PNG files it shows (``report/page.py``); with
    the frontier and the sweep when they were computed (their charts must already be in ``out_dir``) and the
    what-if rows (``analysis.whatif.loosening``; computed here when not given)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = sections(scenario, result, frontier=frontier, sweep=sweep, out_dir=out_dir, loosened=loosened)
    title = f"{result.name}: influencer mix"
    written = []
    for s in parts:
        if s.image is not None and s.image[0] in REPORT_FILES:  # the frontier and sweep charts are written already
            atomic_write_bytes(out_dir / s.image[0], s.image[1])
            written.append(out_dir / s.image[0])
    atomic_write(out_dir / "report.html", to_html(title, parts))
    atomic_write(out_dir / "report.md", to_markdown(title, parts))
    return [out_dir / "report.html", out_dir / "report.md", *written]


def simulation_document(scenario, result: PlanResult | None, assessment) -> dict:
    """The JSON of ``influencer-mix simulate``: ``simulation`` and ``comparison``, with the plan's status."""
    warnings = list(scenario.warnings) if result is None else list(result.warnings)
    return json_ready({
        "schema_version": SCHEMA_VERSION,
        "name": scenario.name,
        "currency": scenario.currency,
        "plan": None if result is None else {"status": result.status, "objective": result.objective,
                                             "objective_value": result.objective_value, "gap": result.gap,
                                             "selected": list(result.selected), "message": result.message},
        "simulation": None if assessment is None else assessment.simulation.to_dict(),
        "comparison": [] if assessment is None else [a.to_dict() for a in assessment.comparison],
        "warnings": warnings,
    })


def write_simulation(doc: dict, sim, out_dir: Path) -> list[Path]:
    """``simulation.json`` (the document above) and, with the draws, histograms of profit and ROI."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "simulation.json"
    atomic_write(path, json.dumps(doc, indent=2) + "\n")
    return [path] + write_histograms(sim, out_dir, doc.get("currency", ""))


def write_histograms(sim, out_dir: Path, currency: str = "") -> list[Path]:
    """Histograms of the simulated profit and ROI with P5, P50 and P95 marked (needs ``sim.draws``)."""
    if sim.draws is None:
        return []
    written = []
    for metric, fname, label in (("profit", PLOT_FILES[0], "profit"), ("roi", PLOT_FILES[1], "ROI")):
        v = sim.metrics[metric]
        if v.mean is None:
            continue
        marks = {"P5": v.p5, "P50": v.p50, "P95": v.p95}
        title = (f"{label} of the mix over {sim.runs:,} simulated runs; P(loss) {sim.prob_loss:.1%}, "
                 f"CVaR {sim.alpha:.0%} {sim.cvar:,.0f}")
        xlabel = label if metric == "roi" or not currency else f"{label} ({currency})"
        written.append(histogram(sim.draws[metric].to_numpy(), out_dir / fname, title=title, xlabel=xlabel,
                                 marks=marks, zero_line=True))
    return written


def write_menu(result, out_dir: Path, kind: str) -> list[Path]:
    """``frontier.json`` and ``frontier.png`` (kind ``frontier``), or ``sweep.json`` and ``sweep.png`` (``sweep``)."""
    files, chart = (FRONTIER_FILES, frontier_chart) if kind == "frontier" else (SWEEP_FILES, sweep_chart)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(out_dir / files[0], json.dumps(result.to_dict(), indent=2) + "\n")
    return [out_dir / files[0], chart(result, out_dir / files[1])]



def write_deliverable(d, out_dir: Path) -> list[Path]:
    """Everything ``influencer-mix run --out`` writes for an ``api.Deliverable``: selection.csv and summary.json,
    the histograms when simulated, the frontier's and the sweep's JSON and charts, the report and plan.xlsx."""
    written = write_outputs(d.result, out_dir)
    extras = {k: v for k, v in (("frontier", d.frontier), ("sweep", d.sweep)) if v is not None}
    for kind, menu in extras.items():
        written += write_menu(menu, out_dir, kind)
    written += write_report(d.scenario, d.result, out_dir, loosened=None if d.loosened is None else list(d.loosened),
                            **extras)
    written.append(write_workbook(d.result, out_dir, d.loosened))
    return written


def write_comparison(c, out_dir: Path) -> list[Path]:
    """``comparison.json``, and the page as ``comparison.html`` and ``comparison.md`` (``influencer-mix compare``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = [out_dir / n for n in COMPARE_FILES]
    atomic_write(names[0], json.dumps(c.to_dict(), indent=2) + "\n")
    parts = compare_sections(c)
    title = "Scenarios side by side: " + ", ".join(c.labels)
    atomic_write(names[1], to_html(title, parts))
    atomic_write(names[2], to_markdown(title, parts))
    return names

