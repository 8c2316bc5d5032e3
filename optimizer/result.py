"""The typed result of planning a campaign, with ``to_dict()`` for JSON.

``ConstraintStatus`` (``model/formulation.py``), ``RiskReport`` (``model/risk.py``) and ``PhaseResult``
(``model/phases.py``) are defined where they are computed and exported from here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimizer.domain.funnel import Totals
from optimizer.io.provenance import Assumption
from optimizer.model.extension import Panel
from optimizer.model.formulation import ConstraintStatus
from optimizer.model.phases import PhaseResult
from optimizer.model.risk import RiskReport
from optimizer.simulation.engine import SimulationResult
from optimizer.solve.base import Status
from optimizer.solve.heuristics import Baseline
from optimizer.utils.jsonable import SCHEMA_VERSION, json_ready

SELECTION_COLUMNS = ("id", "handle", "platform", "tier", "niche", "region", "followers", "fee", "reach",
                     "engagements", "conversions", "revenue", "profit", "roi")  # the mix table's first columns

__all__ = ["Alternative", "Assessment", "Assumption", "ConstraintStatus", "PhaseResult", "PlanResult", "RiskReport"]


PORTFOLIO, GIVEN, OPTIMISER, BEST_SINGLE, SINGLE_TIER, GREEDY, DEAL_STRUCTURE, NO_BOOST = (
    "portfolio", "given", "optimiser", "best_single", "single_tier", "greedy", "deal_structure", "no_boost")


@dataclass(frozen=True)
class Alternative:
    """One row of the comparison. ``simulation`` is None when the alternative has no mix (``status`` says why)."""

    name: str
    kind: str  # portfolio | given | optimiser | best_single | single_tier | greedy | deal_structure | no_boost
    status: str  # ok, or why there is no mix (infeasible, time_limit, ...)
    note: str
    meets_rules: bool | None
    simulation: SimulationResult | None
    unstated: str = ""  # the mix's figures the shortlist did not state ("conversion_rate from scenario defaults")

    def to_dict(self) -> dict:
        s = self.simulation
        row = {"name": self.name, "kind": self.kind, "status": self.status, "note": self.note,
               "meets_rules": self.meets_rules}
        if s is None:
            return {**row, "selected": [], "count": 0, "cost": None, "expected_profit": None, "mean_profit": None,
                    "sd_profit": None, "cv_profit": None, "p5_profit": None, "p95_profit": None, "prob_loss": None,
                    "var": None, "cvar": None, "roi": None, "roi_p5": None, "unique_reach": None,
                    "unique_reach_p5": None}
        p, u = s.metrics["profit"], s.metrics.get("unique_reach")
        return {**row, "selected": list(s.ids), "count": len(s.ids), "cost": s.cost,
                "expected_profit": s.expected["profit"], "mean_profit": p.mean, "sd_profit": p.sd,
                "cv_profit": p.sd / abs(p.mean) if p.mean else None, "p5_profit": p.p5, "p95_profit": p.p95,
                "prob_loss": s.prob_loss, "var": s.var, "cvar": s.cvar, "roi": s.metrics["roi"].mean,
                "roi_p5": s.metrics["roi"].p5, "unique_reach": u.mean if u else None,
                "unique_reach_p5": u.p5 if u else None}


@dataclass(frozen=True)
class Assessment:
    """The simulated distribution of the mix under study and, if asked, the comparison rows (that mix first)."""

    simulation: SimulationResult
    comparison: list[Alternative]



@dataclass(frozen=True)
class Solved:
    """A re-solve read for its value alone (prices, what-if, each phase's best): ``status``, ``objective_value`` at
    the mix found (None without one), the proven ``bound``, ``hires`` (0/1 per candidate; None without a mix) and
    ``seconds``. The same decision as a ``PlanResult``, without its tables (``decision.solve_value``)."""

    status: str
    objective_value: float | None
    bound: float | None
    hires: np.ndarray | None
    seconds: float

    @property
    def has_solution(self) -> bool:
        return self.objective_value is not None

    @classmethod
    def of(cls, plan: PlanResult) -> Solved:
        """A plan made in steps (lexicographic phases), read for its value (``hires`` None: a plan over options)."""
        return cls(plan.status, plan.objective_value, plan.bound, None, plan.seconds)


@dataclass(frozen=True)
class PlanResult:
    """Outcome of :func:`optimizer.plan`.

    ``status``: optimal (proven within the requested gap), feasible (a solution, gap not proven), time_limit
    (stopped by the time limit; never called optimal), infeasible (``conflicts`` names the rules that clash),
    or error. ``gap`` is (bound - value) / max(|value|, |bound|), None when no bound is known.
    """

    name: str
    currency: str
    objective: str
    status: Status  # a str: 'optimal', 'feasible', 'time_limit', 'infeasible', 'error' or 'empty'
    objective_value: float | None
    bound: float | None
    gap: float | None
    solver: str
    seconds: float
    selected: list[str]
    selection: pd.DataFrame
    totals: Totals | None
    breakdown: dict[str, list[dict]] = field(default_factory=dict)
    constraints: list[ConstraintStatus] = field(default_factory=list)
    baselines: dict[str, Baseline] = field(default_factory=dict)
    conflict_sets: list[list[str]] = field(default_factory=list)  # each set of rules that cannot all be met
    conflict_fixes: list[str] = field(default_factory=list)  # the rules whose removal alone makes a plan possible
    warnings: list[str] = field(default_factory=list)
    message: str = ""
    budget: float = 0.0
    iterations: int = 1
    simulation: SimulationResult | None = None  # set by optimizer.plan(..., simulate=True)
    comparison: list[Alternative] = field(default_factory=list)
    risk: RiskReport | None = None  # when the scenario has a ``risk:`` block
    phases: tuple[PhaseResult, ...] = ()  # per funnel phase (model/phases.py); () without phases
    panels: tuple[Panel, ...] = field(default=(), repr=False)  # the model extensions' report sections
    prices: tuple | None = None  # analysis.prices.Price per creator, when asked (run --explain); None: not computed
    assumptions: tuple[Assumption, ...] = ()  # figures that did not come from the shortlist (io/provenance.py)
    boosts: Mapping[str, float] = field(default_factory=dict)  # id -> paid boost behind its post (amplification:)
    # text values as the shortlist writes them, for display only (the JSON keeps the lower-case keys)
    display: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)
    # tangent rows (A, lo, hi) the unique-reach refinement added: valid under any rules on the same shortlist and
    # audience, so re-solves of a variant start from them (analysis/whatif.py); not part of the JSON
    reach_cuts: tuple | None = field(default=None, repr=False)

    @classmethod
    def failed(cls, *, name: str, currency: str, objective: str, status: Status, solver: str, budget: float,
               message: str = "", bound: float | None = None, seconds: float = 0.0, iterations: int = 1,
               warnings: list[str] | None = None) -> PlanResult:
        """A plan without a mix: ``status`` (infeasible, time_limit, error) and ``message`` say why."""
        return cls(name=name, currency=currency, objective=objective, status=status, objective_value=None,
                   bound=bound, gap=None, solver=solver, seconds=seconds, selected=[],
                   selection=pd.DataFrame(columns=list(SELECTION_COLUMNS)), totals=None, budget=budget,
                   iterations=iterations, warnings=list(warnings or []), message=message)

    @property
    def conflicts(self) -> list[str]:
        """The keys of every conflicting set, set after set (``conflict_sets``)."""
        return [k for s in self.conflict_sets for k in s]

    @property
    def has_solution(self) -> bool:
        return self.totals is not None

    @property
    def ideals(self) -> dict[str, float | None] | None:
        """Each phase's best on its own (the scales of the weighted combination, ``model/phases.py``), for
        re-solves of variants on the plan's objective (``optimize(..., ideals=)``); None without phases."""
        return {p.name: p.ideal for p in self.phases} if self.phases else None

    def boost_vector(self, ids) -> np.ndarray:
        """The plan's boost spend per candidate, for the shortlist ``ids`` (in order; 0 where none)."""
        index = {str(i): k for k, i in enumerate(ids)}
        out = np.zeros(len(index))
        for i, b in self.boosts.items():
            out[index[i]] = b
        return out

    @property
    def binding(self) -> list[str]:
        return [c.key for c in self.constraints if c.binding]

    def improvement_over(self, baseline: str) -> float | None:
        """(plan - baseline) / |baseline| on the objective; None when not comparable."""
        b = self.baselines.get(baseline)
        if b is None or b.objective_value is None or self.objective_value is None or b.objective_value == 0:
            return None
        return (self.objective_value - b.objective_value) / abs(b.objective_value)

    def to_dict(self) -> dict:
        """JSON-ready; keys are a contract (docs/contracts.md, "JSON result")."""
        sel = self.selection.to_dict(orient="records") if len(self.selection) else []
        return json_ready({
            "schema_version": SCHEMA_VERSION,
            "name": self.name,
            "currency": self.currency,
            "objective": self.objective,
            "status": self.status,
            "objective_value": self.objective_value,
            "bound": self.bound,
            "gap": self.gap,
            "solver": self.solver,
            "seconds": self.seconds,
            "iterations": self.iterations,
            "message": self.message,
            "budget": self.budget,
            "selected": list(self.selected),
            "totals": self.totals.to_dict() if self.totals else None,
            "selection": sel,
            "breakdown": self.breakdown,
            "constraints": [c.to_dict() for c in self.constraints],
            "binding": self.binding,
            "baselines": {k: {**b.to_dict(), "plan_improvement": self.improvement_over(k)}
                          for k, b in self.baselines.items()},
            "conflicts": list(self.conflicts),
            "conflict_sets": [list(s) for s in self.conflict_sets],
            "conflict_fixes": list(self.conflict_fixes),
            "warnings": list(dict.fromkeys(self.warnings)),  # each once
            "risk": self.risk.to_dict() if self.risk is not None else None,
            "phases": [p.to_dict() for p in self.phases],
            "simulation": self.simulation.to_dict() if self.simulation is not None else None,
            "comparison": [a.to_dict() for a in self.comparison],
            "prices": None if self.prices is None else [p.to_dict() for p in self.prices],
            "assumptions": [a.to_dict() for a in self.assumptions],
            "boosts": dict(self.boosts),
        })


