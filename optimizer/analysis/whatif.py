"""What loosening each binding rule would buy: the plan re-solved without the rule (the budget: with 10% more).

Each re-solve reuses what the plan already knows, exactly:
* the chosen mix is feasible for every loosened scenario (dropping a rule or adding budget only widens the
  choice), so it is the re-solve's starting incumbent, and reduced-cost fixing (``solve/reduction.py``) works from
  it at once;
* the unique-reach tangents the plan's refinement added hold under any rules on the same shortlist, so each
  re-solve starts from them instead of finding them again;
* with phases, the combined objective is scaled by each phase's best on its own (``model/phases.py``); the
  re-solves keep the plan's scales, so every gain is in the units of the objective the plan reported and no phase
  is solved alone again (on ``three_phase_funnel.yaml`` that was 3 of every 4 solves).

Proving that a loosened plan gains nothing can take a solver longer than the plan took. Given ``seconds`` (the
report's default: as long as the plan took), the analysis shares that time among its re-solves; a re-solve
stopped by it reports the best it found (never below the plan: the plan's mix is its start), status
``time_limit``, and the most the loosening could gain (``gain_at_most``, from the solver's proven bound).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace

from optimizer.analysis.comparison import without
from optimizer.decision import optimize
from optimizer.io.scenario import Scenario
from optimizer.result import PlanResult
from optimizer.utils.parallel import run_all

MAX_RELAXATIONS = 6  # binding rules re-solved without them (each is one more solve)
BUDGET_STEP = 1.1
MIN_RESOLVE_SECONDS = 0.5  # the least time a re-solve is given under a time budget


@dataclass(frozen=True)
class Loosening:
    """One binding rule, loosened. ``gain``: the objective's change (for min_cost, the cost saved);
    ``gain_at_most``: what the proven bound allows (equal to ``gain`` within the gap when solved to optimality)."""

    rule: str
    change: str  # "dropped" or "+10% budget"
    objective_after: float | None
    gain: float | None
    status: str
    gain_at_most: float | None = None

    def to_dict(self) -> dict:
        return {"rule": self.rule, "change": self.change, "objective after": self.objective_after,
                "gain": self.gain, "gain at most": self.gain_at_most, "status": self.status}


def loosening(scenario: Scenario, result: PlanResult, progress: Callable[[int, int], None] | None = None, *,
              executor: Executor | None = None, jobs: int | None = None,
              seconds: float | None = None) -> list[Loosening]:
    """The binding rules of ``result`` (at most ``MAX_RELAXATIONS``), each re-solved loosened; the re-solves are
    independent and run in parallel (``utils/parallel.py``: ``jobs`` processes, or ``executor``). ``seconds``: a
    time budget for the whole analysis (None: each re-solve has the scenario's own time limit)."""
    keys = [k for k in result.binding if not k.startswith(("risk.", "options."))][:MAX_RELAXATIONS]
    if not result.has_solution or not keys:
        return []
    ideals = result.ideals
    start = scenario.candidates.indicator(scenario.candidates.positions(result.selected))
    variants = []
    for key in keys:
        try:
            variants.append((key, scenario.with_changes(budget=scenario.budget * BUDGET_STEP) if key == "budget"
                             else without(scenario, key)))
        except (KeyError, ValueError):
            continue
    if seconds is not None and variants:  # rounds of parallel re-solves share the budget
        workers = 1 if executor is None and jobs == 1 else min(len(variants), jobs or os.cpu_count() or 1)
        each = max(MIN_RESOLVE_SECONDS, seconds / math.ceil(len(variants) / workers))
        limit = scenario.solver.time_limit
        variants = [(k, v.with_changes(solver=replace(v.solver, time_limit=min(each, limit or each))))
                    for k, v in variants]
    work = [(key, variant, ideals, start, result.reach_cuts) for key, variant in variants]
    solved = run_all(_relaxed, work, executor=executor, jobs=jobs, progress=progress)
    rows = []
    base = result.objective_value
    sign = -1.0 if scenario.goal.minimises else 1.0  # min_cost: a cost saved
    for (key, *_), (value, bound, status) in zip(work, solved, strict=True):
        gain = sign * (value - base) if value is not None and base is not None else None
        most = sign * (bound - base) if bound is not None and base is not None else None
        rows.append(Loosening(key, f"+{BUDGET_STEP - 1:.0%} budget" if key == "budget" else "dropped", value, gain,
                              status, most))
    return rows


def _relaxed(item: tuple) -> tuple[float | None, float | None, str]:
    """One re-solve (in a worker process): the loosened scenario's objective value, proven bound and status."""
    _, variant, ideals, start, cuts = item
    r = optimize(variant, baselines=False, out_of_sample=False, ideals=ideals, known_mix=start, reach_cuts=cuts)
    return r.objective_value, r.bound, r.status
