"""What the rules cost: the plan re-solved without each rule (the budget: with 10% more), and without every rule
at once (the budget kept).

Every rule is priced, not only the binding ones: in an integer program a rule with slack at the plan can still cut
off a better mix further away (a TikTok cap with room to spare can be what keeps a different, larger mix out), and
two rules can hold a mix back only together, which the "all rules" row shows.

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

from optimizer.analysis.comparison import without, without_rules
from optimizer.decision import solve_value
from optimizer.errors import InputError
from optimizer.io.scenario import Scenario
from optimizer.result import PlanResult
from optimizer.utils.parallel import run_all

BUDGET_STEP = 1.1
ALL_RULES = "all rules"  # the row of the plan with no rule but the budget
MIN_RESOLVE_SECONDS = 0.5  # the least time a re-solve is given under a time budget


@dataclass(frozen=True)
class Loosening:
    """One rule loosened (``rule`` its key; ``ALL_RULES`` for every rule at once). ``gain``: the objective's change
    (for min_cost, the cost saved); ``gain_at_most``: what the proven bound allows (equal to ``gain`` within the
    gap when solved to optimality); ``binding``: whether the rule binds at the plan."""

    rule: str
    change: str  # "dropped", "+10% budget" or "all dropped"
    objective_after: float | None
    gain: float | None
    status: str
    gain_at_most: float | None = None
    binding: bool = False

    def to_dict(self) -> dict:
        return {"rule": self.rule, "change": self.change, "binding": self.binding,
                "objective after": self.objective_after, "gain": self.gain, "gain at most": self.gain_at_most,
                "status": self.status}


def loosening(scenario: Scenario, result: PlanResult, progress: Callable[[int, int], None] | None = None, *,
              executor: Executor | None = None, jobs: int | None = None,
              seconds: float | None = None) -> list[Loosening]:
    """Every rule of ``result`` re-solved loosened (binding ones first), then all rules at once; the re-solves are
    independent and run in parallel (``utils/parallel.py``: ``jobs`` processes, or ``executor``). ``seconds``: a
    time budget for the whole analysis (None: each re-solve has the scenario's own time limit). A rule the
    objective needs (roi's min_spend) is left out of the rows."""
    if not result.has_solution:
        return []
    binding = set(result.binding)
    keys = list(dict.fromkeys(c.key for c in result.constraints if not c.key.startswith("options.")))
    keys.sort(key=lambda k: k not in binding)  # binding first, each group in the plan's order
    ideals = result.ideals
    start = scenario.candidates.indicator(scenario.candidates.positions(result.selected))
    variants = []
    for key in [*keys, *([ALL_RULES] if any(k != "budget" for k in keys) else [])]:
        try:
            variants.append((key, scenario.with_changes(budget=scenario.budget * BUDGET_STEP) if key == "budget"
                             else without_rules(scenario) if key == ALL_RULES else without(scenario, key)))
        except (KeyError, ValueError, InputError):  # InputError: the objective needs the rule (roi's min_spend)
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
        change = f"+{BUDGET_STEP - 1:.0%} budget" if key == "budget" else "all dropped" if key == ALL_RULES \
            else "dropped"
        rows.append(Loosening(key, change, value, gain, status, most, key in binding))
    return rows


def _relaxed(item: tuple) -> tuple[float | None, float | None, str]:
    """One re-solve (in a worker process): the loosened scenario's objective value, proven bound and status."""
    _, variant, ideals, start, cuts = item
    r = solve_value(variant, ideals=ideals, known_mix=start, reach_cuts=cuts)
    return r.objective_value, r.bound, r.status
