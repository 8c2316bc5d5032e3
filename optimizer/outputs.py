"""Writing results to disk: atomically, and never over an input file."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .errors import InputError
from .result import SCHEMA_VERSION, PlanResult, json_ready

OUTPUT_FILES = ("selection.csv", "summary.json")
SIMULATION_FILES = ("simulation.json",)
PLOT_FILES = ("profit_histogram.png", "roi_histogram.png")
FRONTIER_FILES = ("frontier.json", "frontier.png")
SWEEP_FILES = ("sweep.json", "sweep.png")
REPORT_FILES = ("report.html", "report.md", "mix.png", "profit_distribution.png", "roi_distribution.png")


def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes files private; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def inert_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula (one starting with = + - @, a tab
    or a carriage return) prefixed with a single quote, as OWASP advises for CSV exports; numbers are untouched."""
    out = frame.copy()
    for c in [c for c in out.columns if not pd.api.types.is_numeric_dtype(out[c])]:
        out[c] = out[c].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA) else v)
    return out


def check_out_dir(out_dir: Path, inputs: Iterable[str | Path], names: Iterable[str] = OUTPUT_FILES) -> None:
    """Raise InputError (before anything is solved or written) if ``out_dir`` cannot take the outputs: it is a
    file or under one, it cannot be created or written (a read-only place such as /proc), an output's name is a
    folder there, or an output would replace an input. Folders it creates to find out are removed again."""
    label = str(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError.at(label, "--out must be a folder, and this is a file")
    protected = {Path(p).resolve() for p in inputs}
    for name in names:
        target = out_dir / name
        if target.resolve() in protected:
            raise InputError.at(str(target), "would overwrite an input file; choose another --out folder")
        if target.is_dir():
            raise InputError.at(str(target), "is a folder: the output of that name cannot be written there")
    created = []
    try:
        missing = [p for p in (out_dir, *out_dir.parents) if not p.exists()]
        for p in reversed(missing):
            p.mkdir()
            created.append(p)
        fd, probe = tempfile.mkstemp(dir=out_dir, prefix=".influencer-mix-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError.at(label, f"--out cannot be written here: {exc.strerror or exc}") from None
    finally:
        for p in reversed(created):
            with contextlib.suppress(OSError):
                p.rmdir()


class OutputSet:
    """A command's output files as one set: written into a staging folder inside ``out_dir``, then moved into
    place together with Ctrl-C and SIGTERM held back for those few renames, under a lock on the folder so that two
    runs cannot interleave. Leaving the block without :meth:`commit` (an error, an interrupt) removes the staging
    folder: nothing half-written is left."""

    LOCK = ".influencer-mix.lock"

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.dir = out_dir
        self._lock = None

    def __enter__(self) -> OutputSet:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.out_dir / self.LOCK, "w")  # noqa: SIM115 (held until __exit__)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            self._lock = None
            raise InputError.at(str(self.out_dir), "another run is writing to this --out folder; wait for it or "
                                "choose another") from None
        self.dir = Path(tempfile.mkdtemp(dir=self.out_dir, prefix=".influencer-mix-staging-"))
        return self

    def commit(self) -> list[Path]:
        """Move every staged file into ``out_dir``; returns their final paths."""
        names = sorted(p.name for p in self.dir.iterdir())
        held = {signal.SIGINT, signal.SIGTERM}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            for name in names:
                os.replace(self.dir / name, self.out_dir / name)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        return [self.out_dir / n for n in names]

    def __exit__(self, *exc) -> None:
        if self.dir != self.out_dir:  # the staging folder: empty after a commit, half-written after an error
            shutil.rmtree(self.dir, ignore_errors=True)
        if self._lock is not None:
            with contextlib.suppress(OSError):
                (self.out_dir / self.LOCK).unlink()
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()


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


def write_report(scenario, result: PlanResult, out_dir: Path, frontier=None, sweep=None) -> list[Path]:
    """``report.html`` (self-contained) and ``report.md`` with the PNG files it shows (``report_page.py``); with
    the frontier and the sweep when they were computed (their charts must already be in ``out_dir``)."""
    from .report_page import sections, to_html, to_markdown

    out_dir.mkdir(parents=True, exist_ok=True)
    parts = sections(scenario, result, frontier=frontier, sweep=sweep, out_dir=out_dir)
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
    from .plots import histogram  # matplotlib is imported only when a chart is drawn

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
    from .plots import frontier_chart, sweep_chart

    files, chart = (FRONTIER_FILES, frontier_chart) if kind == "frontier" else (SWEEP_FILES, sweep_chart)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(out_dir / files[0], json.dumps(result.to_dict(), indent=2) + "\n")
    return [out_dir / files[0], chart(result, out_dir / files[1])]
