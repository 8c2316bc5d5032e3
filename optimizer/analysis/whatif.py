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
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from optimizer.analysis.comparison import without
from optimizer.decision import optimize
from optimizer.io.scenario import Scenario
from optimizer.result import PlanResult
from optimizer.utils.parallel import run_all

MAX_RELAXATIONS = 6  # binding rules re-solved without them (each is one more solve)
BUDGET_STEP = 1.1


@dataclass(frozen=True)
class Loosening:
    """One binding rule, loosened. ``gain``: the objective's change (for min_cost, the cost saved)."""

    rule: str
    change: str  # "dropped" or "+10% budget"
    objective_after: float | None
    gain: float | None
    status: str

    def to_dict(self) -> dict:
        return {"rule": self.rule, "change": self.change, "objective after": self.objective_after,
                "gain": self.gain, "status": self.status}


def loosening(scenario: Scenario, result: PlanResult, progress: Callable[[int, int], None] | None = None, *,
              executor: Executor | None = None, jobs: int | None = None) -> list[Loosening]:
    """The binding rules of ``result`` (at most ``MAX_RELAXATIONS``), each re-solved loosened; the re-solves are
    independent and run in parallel (``utils/parallel.py``: ``jobs`` processes, or ``executor``)."""
    keys = [k for k in result.binding if not k.startswith(("risk.", "options."))][:MAX_RELAXATIONS]
    if not result.has_solution or not keys:
        return []
    ideals = {p.name: p.ideal for p in result.phases} if result.phases else None
    start = scenario.candidates.indicator(scenario.candidates.positions(result.selected))
    work = []
    for key in keys:
        try:
            variant = (scenario.with_changes(budget=scenario.budget * BUDGET_STEP) if key == "budget"
                       else without(scenario, key))
        except (KeyError, ValueError):
            continue
        work.append((key, variant, ideals, start, result.reach_cuts))
    solved = run_all(_relaxed, work, executor=executor, jobs=jobs, progress=progress)
    rows = []
    for (key, *_), (value, status) in zip(work, solved, strict=True):
        gain = value - result.objective_value if value is not None and result.objective_value is not None else None
        if gain is not None and scenario.goal.minimises:
            gain = -gain  # a cost saved
        rows.append(Loosening(key, f"+{BUDGET_STEP - 1:.0%} budget" if key == "budget" else "dropped", value, gain,
                              status))
    return rows


def _relaxed(item: tuple) -> tuple[float | None, str]:
    """One re-solve (in a worker process): the loosened scenario's objective value and status."""
    _, variant, ideals, start, cuts = item
    r = optimize(variant, baselines=False, out_of_sample=False, ideals=ideals, known_mix=start, reach_cuts=cuts)
    return r.objective_value, r.status
