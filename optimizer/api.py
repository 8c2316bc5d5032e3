"""The two calls most callers need, above every room: :func:`plan` (decide, and optionally simulate and compare)
and :func:`simulate` (the distribution of a mix, planning it first when none is given)."""

from __future__ import annotations

from collections.abc import Sequence

from optimizer.analysis.comparison import assess
from optimizer.decision import optimize
from optimizer.io.scenario import Scenario, SimulationSettings
from optimizer.result import PlanResult
from optimizer.simulate.engine import Progress, SimulationResult, simulate_mix


def plan(scenario: Scenario, *, baselines: bool = True, simulate: bool | SimulationSettings = False,
         threads: int | None = None, progress: Progress | None = None, out_of_sample: bool = True) -> PlanResult:
    """Choose the mix that maximises the scenario's objective within its budget and rules.

    With ``simulate`` (True: the scenario's ``simulation:`` settings or the defaults; or explicit settings), the
    mix is also simulated and, unless the settings say ``compare: false``, set against the alternatives
    (``result.simulation``, ``result.comparison``). ``threads`` and ``progress`` are passed to the simulator.
    With a ``risk:`` block the result carries ``risk``: CVaR and P(loss) in sample and, unless ``out_of_sample`` is
    False, on fresh runs."""
    result = optimize(scenario, baselines=baselines, threads=threads, out_of_sample=out_of_sample)
    if simulate and result.has_solution:
        settings = simulate if isinstance(simulate, SimulationSettings) else None
        a = assess(scenario, result, settings=settings, threads=threads, progress=progress)
        result.simulation, result.comparison = a.simulation, a.comparison
    return result


def simulate(scenario: Scenario, mix: PlanResult | Sequence[str] | None = None, *,
             settings: SimulationSettings | None = None, keep_draws: bool = False, threads: int | None = None,
             chunk_runs: int | None = None, progress: Progress | None = None) -> SimulationResult:
    """Simulate one mix: a :class:`~optimizer.result.PlanResult`, a list of candidate ids, or None (plan the
    scenario first). Settings default to the scenario's ``simulation:`` block, then to the documented defaults."""
    if mix is None:
        mix = optimize(scenario, baselines=False)
    return simulate_mix(scenario, mix, settings=settings, keep_draws=keep_draws, threads=threads,
                        chunk_runs=chunk_runs, progress=progress)
