"""Work is sized before it starts (issue 14): a simulation or a risk model whose size would take a machine hours
or its memory is refused with one line that says the size, the limit and how to raise it, instead of running on.

Sizes, and the defaults (about what a 2-core laptop does in a few minutes; raise them in the scenario's ``limits:``
block on a bigger machine):

* ``creator_runs``: simulated runs x creators simulated (the mix and the alternatives it is compared with). The
  simulator draws about 2 million creator-runs a second on 2 cores, so the default 1e9 is about 8 minutes.
* ``risk_cells``: ``risk.scenarios`` x candidates, the profit draws the risk model holds (8 bytes each). The default
  5e7 is 400 MB of draws (10,000 candidates x 5,000 runs: about 2 GB at the peak of drawing them, and a CVaR plan
  in about 30 s on 2 cores, ``benchmarks/bench_risk.py``); the integer program itself is aggregated cuts from
  50,000 cells on (``model/risk.py``), so it no longer grows with the runs, and the limit guards memory and the
  simulation of the draws.

Frontier and sweep points are capped on the command line (``cli.MAX_POINTS``); each of their solves is sized here.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.errors import InputError

CREATOR_RUNS = 1e9
RISK_CELLS = 5e7


@dataclass(frozen=True)
class Limits:
    """The scenario's ``limits:`` block (see the module docstring)."""

    creator_runs: float = CREATOR_RUNS
    risk_cells: float = RISK_CELLS


class WorkTooLarge(InputError):
    """A command asked for more work than the scenario's limits allow (exit 2, before the work starts)."""


def check_simulation(limits: Limits, source: str, runs: int, creators: int) -> None:
    """Refuse a simulation of ``runs`` x ``creators`` above ``limits.creator_runs``."""
    size = float(runs) * float(creators)
    if size > limits.creator_runs:
        raise WorkTooLarge.at(source, f"simulating {runs:,} runs x {creators:,} creators = {size:.3g} creator-runs "
                              f"is above the limit of {limits.creator_runs:.3g} (about "
                              f"{_minutes(size / 2e6)} on 2 cores); lower simulation.runs (or --runs), or raise "
                              "limits.creator_runs in the scenario", "key 'limits.creator_runs'")


def check_risk_model(limits: Limits, source: str, scenarios: int, candidates: int) -> None:
    """Refuse a CVaR model of ``scenarios`` runs x ``candidates`` above ``limits.risk_cells``."""
    size = float(scenarios) * float(candidates)
    if size > limits.risk_cells:
        raise WorkTooLarge.at(source, f"the risk model would hold {scenarios:,} runs x {candidates:,} candidates = "
                              f"{size:.3g} coefficients, above the limit of {limits.risk_cells:.3g}; lower "
                              "risk.scenarios, shortlist fewer candidates, or raise limits.risk_cells in the scenario",
                              "key 'limits.risk_cells'")


def _minutes(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"
