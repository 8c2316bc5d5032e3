"""The calls most callers need, above every room: :func:`plan` (decide, and optionally simulate and compare),
:func:`simulate` (the distribution of a mix, planning it first when none is given) and :func:`deliver` (everything
``influencer-mix run`` computes, in one call)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace

from optimizer.analysis.compare import ScenarioComparison, side_by_side
from optimizer.analysis.comparison import assess
from optimizer.analysis.frontier import FrontierResult, check_frontier, frontier
from optimizer.analysis.prices import kept_out, prices
from optimizer.analysis.sweep import SweepResult, sweep
from optimizer.analysis.whatif import Loosening, loosening
from optimizer.decision import optimize
from optimizer.io.scenario import Scenario, SimulationSettings
from optimizer.result import PlanResult
from optimizer.simulation.engine import Progress, SimulationResult, simulate_mix
from optimizer.utils.parallel import run_all


def plan(scenario: Scenario, *, baselines: bool = True, simulate: bool | SimulationSettings = False,
         threads: int | None = None, progress: Progress | None = None, out_of_sample: bool = True,
         executor: Executor | None = None) -> PlanResult:
    """Choose the mix that maximises the scenario's objective within its budget and rules.

    With ``simulate`` (True: the scenario's ``simulation:`` settings or the defaults; or explicit settings), the
    mix is also simulated and, unless the settings say ``compare: false``, set against the alternatives
    (``result.simulation``, ``result.comparison``). ``threads`` and ``progress`` are passed to the simulator.
    With a ``risk:`` block the result carries ``risk``: CVaR and P(loss) in sample and, unless ``out_of_sample`` is
    False, on fresh runs. ``executor`` (a ``concurrent.futures.Executor`` or a Dask ``distributed.Client``) draws
    the simulation's chunks of runs (the same numbers as here)."""
    result = optimize(scenario, baselines=baselines, threads=threads, out_of_sample=out_of_sample)
    if simulate and result.has_solution:
        settings = simulate if isinstance(simulate, SimulationSettings) else None
        a = assess(scenario, result, settings=settings, threads=threads, progress=progress, executor=executor)
        result = replace(result, simulation=a.simulation, comparison=a.comparison)
    return result


def simulate(scenario: Scenario, mix: PlanResult | Sequence[str] | None = None, *,
             settings: SimulationSettings | None = None, keep_draws: bool = False, threads: int | None = None,
             chunk_runs: int | None = None, progress: Progress | None = None,
             executor: Executor | None = None) -> SimulationResult:
    """Simulate one mix: a :class:`~optimizer.result.PlanResult`, a list of candidate ids, or None (plan the
    scenario first). Settings default to the scenario's ``simulation:`` block, then to the documented defaults.
    ``executor`` (a ``concurrent.futures.Executor`` or a Dask ``distributed.Client``) draws the chunks of runs:
    the same numbers as in this process."""
    if mix is None:
        mix = optimize(scenario, baselines=False)
    return simulate_mix(scenario, mix, settings=settings, keep_draws=keep_draws, threads=threads,
                        chunk_runs=chunk_runs, progress=progress, executor=executor)


# (stage name, unit) -> a context that gives the stage's progress callback
Stage = Callable[[str, str], contextlib.AbstractContextManager[Progress | None]]


@dataclass(frozen=True)
class Deliverable:
    """Everything a run computes: the plan (simulated and compared when asked), the frontier and the budget sweep
    when asked, and what loosening each binding rule would buy (``loosened``; None when not computed)."""

    scenario: Scenario
    result: PlanResult
    frontier: FrontierResult | None = None
    sweep: SweepResult | None = None
    loosened: tuple[Loosening, ...] | None = None


def deliver(scenario: Scenario, *, simulate: bool | SimulationSettings = False, frontier_points: int | None = None,
            budgets: Sequence[float] | None = None, whatif: bool = False, keep_draws: bool = False,
            threads: int | None = None, stage: Stage | None = None, explain: bool = False,
            executor: Executor | None = None) -> Deliverable:
    """Plan ``scenario``; with ``simulate`` (True or settings) simulate and compare the mix (``keep_draws`` keeps
    the runs, for histograms); trace the frontier with ``frontier_points`` points; sweep ``budgets``; with
    ``whatif`` re-solve each binding rule loosened; with ``explain`` price every creator (``analysis/prices.py``:
    the fee at which each one left out would enter, and up to which each one chosen stays; ``result.prices``).
    ``stage(name, unit)`` gives each long stage its progress callback (the command line's bars). ``executor``
    (a ``concurrent.futures.Executor`` or a Dask ``distributed.Client``) runs the independent solves of the
    prices, the frontier, the sweep and the what-if, and the simulation's chunks of runs; by default they run in
    local processes (the simulation in this one, with threads)."""
    def bar(name: str, unit: str) -> contextlib.AbstractContextManager[Progress | None]:
        return stage(name, unit) if stage is not None else contextlib.nullcontext()

    if frontier_points:
        check_frontier(scenario)  # before the plan, not after it

    result = optimize(scenario)
    if simulate and result.has_solution:
        settings = simulate if isinstance(simulate, SimulationSettings) else None
        with bar("simulating", "runs") as progress:
            a = assess(scenario, result, settings=settings, keep_draws=keep_draws, threads=threads, progress=progress,
                       executor=executor)
        result = replace(result, simulation=a.simulation, comparison=a.comparison)
    if explain and result.has_solution:
        with bar("prices", "creators") as progress:
            found = prices(scenario, result, progress=progress, executor=executor)
            result = replace(result, prices=tuple(kept_out(scenario, result, found)))
    front = sweep_result = loosened = None
    if frontier_points:
        with bar("frontier", "solves") as progress:
            front = frontier(scenario, frontier_points, progress=progress, executor=executor)
    if budgets:
        with bar("sweep", "solves") as progress:
            sweep_result = sweep(scenario, list(budgets), progress=progress, executor=executor)
    if whatif and result.has_solution:
        with bar("what-if", "solves") as progress:
            # the analysis takes about as long as the plan did; a re-solve it stops says what it proved
            loosened = tuple(loosening(scenario, result, progress=progress, seconds=max(2.0, result.seconds),
                                       executor=executor))
    return Deliverable(scenario, result, front, sweep_result, loosened)


def compare(scenarios: Sequence[Scenario], *, simulate: bool | SimulationSettings = False,
            threads: int | None = None, executor: Executor | None = None, jobs: int | None = 1) -> ScenarioComparison:
    """Plan each scenario (simulated and compared with its alternatives when asked) and set the plans side by side
    (``analysis/compare.py``): totals, risk, how much the mixes overlap, and the settings that differ. The plans
    are independent: ``executor`` (a ``concurrent.futures.Executor`` or a Dask ``distributed.Client``) or
    ``jobs`` processes make them in parallel (default: one after another, here)."""
    plans = plan_all(scenarios, simulate=simulate, threads=threads, executor=executor, jobs=jobs)
    return side_by_side(scenarios, plans)


def plan_all(scenarios: Sequence[Scenario], *,
             simulate: bool | SimulationSettings | Sequence[bool | SimulationSettings] = False,
             threads: int | None = None, executor: Executor | None = None, jobs: int | None = 1) -> list[PlanResult]:
    """:func:`plan` for each scenario (``simulate``: one setting for all, or one per scenario), through
    ``executor`` or ``jobs`` processes (default: one after another, here); the plans in the scenarios' order."""
    each = list(simulate) if isinstance(simulate, Sequence) else [simulate] * len(scenarios)
    return run_all(_plan_one, [(sc, s, threads) for sc, s in zip(scenarios, each, strict=True)], executor=executor,
                   jobs=jobs)


def _plan_one(item: tuple) -> PlanResult:
    scenario, simulate, threads = item
    return plan(scenario, simulate=simulate, threads=threads)
