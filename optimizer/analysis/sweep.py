"""The budget sweep: how much to spend, before on whom.

Each budget is an independent solve of the scenario (its objective, rules and risk floors) through an executor
(``parallel.py``). Every distinct mix is then simulated in one pass on common random numbers (the scenario's
``simulation:`` settings; with a ``risk:`` block, its out-of-sample runs), so P(loss) and CVaR are comparable
across budgets. ``marginal_return`` at a budget is the objective gained per unit of budget up to the next budget
(forward difference; one extra solve one step beyond the last budget gives the last point its value).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field

from optimizer.decision import optimize
from optimizer.errors import InputError
from optimizer.io.scenario import Scenario
from optimizer.model.risk import out_of_sample_settings
from optimizer.result import PlanResult
from optimizer.simulation.engine import Progress, simulate_mixes
from optimizer.solve.base import INFEASIBLE
from optimizer.utils.jsonable import SCHEMA_VERSION, json_ready
from optimizer.utils.parallel import run_all


@dataclass(frozen=True)
class SweepPoint:
    budget: float
    status: str
    gap: float | None
    objective_value: float | None
    selected: tuple[str, ...]
    cost: float | None
    expected_profit: float | None
    roi: float | None
    prob_loss: float | None
    cvar: float | None
    marginal_return: float | None
    message: str = ""

    def to_dict(self) -> dict:
        return {"budget": self.budget, "status": self.status, "gap": self.gap, "objective_value": self.objective_value,
                "count": len(self.selected), "cost": self.cost, "expected_profit": self.expected_profit,
                "roi": self.roi, "prob_loss": self.prob_loss, "cvar": self.cvar,
                "marginal_return": self.marginal_return, "message": self.message, "selected": list(self.selected)}


@dataclass
class SweepResult:
    name: str
    currency: str
    objective: str
    alpha: float
    runs: int
    seed: int
    points: list[SweepPoint]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return json_ready({"schema_version": SCHEMA_VERSION, "name": self.name, "currency": self.currency,
                       "objective": self.objective, "alpha": self.alpha, "runs": self.runs, "seed": self.seed,
                       "points": [p.to_dict() for p in self.points], "warnings": list(self.warnings),
                       "seconds": self.seconds})


MAX_BUDGET = 1e15  # as a scenario's budget (scenario.MAX_NUMBER)


def parse_budgets(text: str, label: str = "--budgets") -> list[float]:
    """``5000:50000:5000`` (start:stop:step, stop included) or ``5000,10000,20000``."""
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3 or not all(math.isfinite(p) for p in parts):
                raise ValueError
            a, b, step = parts
            if step <= 0 or b < a:
                raise InputError.at(label, f"'{text}': the step must be positive and the stop at least the start")
            count = int(round((b - a) / step)) + 1
            if count > 1000:
                raise InputError.at(label, f"'{text}' asks for {count} budgets; at most 1,000")
            values = [a + k * step for k in range(count) if a + k * step <= b * (1 + 1e-12)]
        else:
            values = [float(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise InputError.at(label, f"'{text}' is not START:STOP:STEP or a comma-separated list of budgets") from None
    if not values:
        raise InputError.at(label, "no budgets given")
    bad = [v for v in values if not (0 < v <= MAX_BUDGET)]
    if bad:
        raise InputError.at(label, f"budgets must be positive and finite (at most {MAX_BUDGET:g}), got {bad[0]:g}")
    if len(values) > 1000:
        raise InputError.at(label, f"asks for {len(values)} budgets; at most 1,000")
    return sorted(set(values))


def _solve(args: tuple[Scenario, float]) -> PlanResult:
    scenario, budget = args
    try:
        variant = scenario.with_changes(budget=budget)
    except InputError as exc:  # e.g. min_spend above this budget: no mix at this budget, which is the answer
        return PlanResult.failed(name=scenario.name, currency=scenario.currency, objective=scenario.objective,
                                 status=INFEASIBLE, solver=scenario.solver.name, budget=budget,
                                 message="no mix at this budget: " + exc.problems[0].message)
    return optimize(variant, baselines=False, out_of_sample=False)


def _key(r: PlanResult) -> tuple:
    """What makes two plans the same mix: their creators and the boosts behind their posts."""
    return frozenset(r.selected), tuple(sorted((i, round(b, 6)) for i, b in r.boosts.items()))


def sweep(scenario: Scenario, budgets: list[float], *, executor: Executor | None = None, jobs: int | None = None,
          progress: Progress | None = None) -> SweepResult:
    """Solve at each budget and report expected profit, ROI, P(loss), CVaR and the marginal return."""
    start = time.perf_counter()
    budgets = sorted(set(float(b) for b in budgets))
    extra = budgets[-1] + (budgets[-1] - budgets[-2]) if len(budgets) > 1 else None
    todo = budgets + ([extra] if extra is not None else [])
    results = run_all(_solve, [(scenario, b) for b in todo], executor=executor, jobs=jobs, progress=progress)
    settings = out_of_sample_settings(scenario) if scenario.risk is not None else scenario.simulation_settings()
    cand = scenario.candidates
    mixes, boosts = {}, {}
    for r in results:
        if r.has_solution and r.selected:
            key = _key(r)
            mixes.setdefault(key, cand.positions(r.selected))
            if r.boosts:
                boosts[key] = r.boost_vector(cand.ids)
    names = {key: str(k) for k, key in enumerate(mixes)}
    sims = simulate_mixes(scenario, {names[k]: p for k, p in mixes.items()}, settings=settings,
                          boosts={names[k]: b for k, b in boosts.items()}) if mixes else {}
    points, warnings = [], []
    for k, b in enumerate(budgets):
        r = results[k]
        nxt = results[k + 1] if k + 1 < len(results) else None
        marginal = None
        if nxt is not None and r.objective_value is not None and nxt.objective_value is not None:
            marginal = (nxt.objective_value - r.objective_value) / (todo[k + 1] - b)
        if not r.has_solution:
            points.append(SweepPoint(b, r.status, None, None, (), None, None, None, None, None, None, r.message))
            warnings.append(f"budget {b:,.0f}: {r.message or r.status}")
            continue
        sim = sims.get(names.get(_key(r), ""))
        t = r.totals
        points.append(SweepPoint(b, r.status, r.gap, r.objective_value, tuple(r.selected), t.cost, t.profit, t.roi,
                                 sim.prob_loss if sim else 0.0, sim.cvar if sim else 0.0, marginal, r.message))
        if r.status != "optimal":
            warnings.append(f"budget {b:,.0f}: {r.status} (gap {r.gap})")
    return SweepResult(scenario.name, scenario.currency, scenario.objective, settings.alpha, settings.runs,
                       settings.seed, points, warnings, time.perf_counter() - start)
