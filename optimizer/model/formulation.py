"""The integer program, built from arrays.

One binary x_i per candidate (1 = hire). Maximise c . x, where c is the objective's per-creator expected
value (profit, revenue, reach, engagements or conversions; ROI is a ratio, see ``plan.py``), subject to

    budget            fee . x <= budget
    min_spend         fee . x >= min_spend
    min/max_count     1 . x   >= / <= k
    group counts      1[g] . x >= / <= k                  for each tier, platform, niche, region g
    group shares      ((1[g] - s) * fee) . x >= / <= 0    share of spend, linear because s is a constant
    floors            metric . x >= v                     reach, engagements, conversions, revenue
    min_roi           (revenue - (1 + r) fee) . x >= 0
    include/exclude   x_i = 1 / x_i = 0                   (variable bounds)

Every row carries the scenario key it comes from, so binding constraints and conflicts can be named.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from optimizer.io.options import option_matrix
from optimizer.io.scenario import FLOORS, GROUP_COLUMN, GROUPS, Scenario
from optimizer.model.combine import combination, phase_linear

INCLUDE = "constraints.include"
EXCLUDE = "constraints.exclude"
ONE_PER_CREATOR = "options.one_per_creator"


@dataclass(frozen=True)
class Row:
    """One linear constraint lo <= a . x <= hi, named by its scenario key."""

    key: str  # scenario key, e.g. "constraints.tiers.nano.min_count"; "budget"
    sense: str  # "<=" or ">="
    limit: float  # the planner's number (budget, count, share, floor, ROI)


@dataclass
class MilpModel:
    """max c . x + offset  s.t.  lo <= A x <= hi,  lb <= x <= ub,  x integer where ``integer``.

    Columns 0..n_candidates-1 are the hire decisions; later columns (if any) are auxiliary.
    """

    c: np.ndarray
    A: sp.csr_matrix
    lo: np.ndarray
    hi: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray
    rows: list[Row]
    n_candidates: int
    offset: float = 0.0
    bound_keys: tuple[str, ...] = ()  # keys realised as variable bounds (include/exclude)

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    def with_objective(self, c: np.ndarray, offset: float = 0.0) -> MilpModel:
        return MilpModel(c=np.asarray(c, float), A=self.A, lo=self.lo, hi=self.hi, lb=self.lb, ub=self.ub,
                         integer=self.integer, rows=self.rows, n_candidates=self.n_candidates, offset=offset,
                         bound_keys=self.bound_keys)

    def upper_tolerance(self, rel: float = 1e-9) -> np.ndarray:
        """Per-row slack allowed on the upper limits: ``rel`` times the limit, at least ``rel``."""
        return rel * np.maximum(1.0, np.abs(np.where(np.isfinite(self.hi), self.hi, 0.0)))

    def activity(self, x: np.ndarray) -> np.ndarray:
        return self.A @ x

    def violations(self, x: np.ndarray, tol: float = 1e-6) -> list[str]:
        """Keys of the constraints (rows and bounds) that ``x`` breaks."""
        act = self.activity(x)
        rowmax = abs(self.A).max(axis=1).toarray().ravel() if self.A.shape[0] else np.zeros(0)
        finite = lambda v: np.abs(np.where(np.isfinite(v), v, 0.0))  # noqa: E731
        scale = tol * np.maximum.reduce([np.ones_like(act), finite(self.lo), finite(self.hi), rowmax])
        bad = (act < self.lo - scale) | (act > self.hi + scale)
        out = [self.rows[i].key for i in np.flatnonzero(bad)]
        if np.any(x < self.lb - tol):
            out.append(INCLUDE)
        if np.any(x > self.ub + tol):
            out.append(EXCLUDE)
        return out


def objective_vector(scenario: Scenario) -> np.ndarray:
    """Per-candidate coefficients of the objective's linear part (``objectives.py``; -fee for min_cost; phases
    unscaled, see ``model/combine.py``). CVaR and unique reach live in auxiliary columns (``model/risk.py``,
    ``model/reach.py``)."""
    if scenario.goal.method == "ratio":
        raise ValueError("roi is a ratio; decision.optimize solves it by Dinkelbach iterations")
    return combination(scenario).c


def build_model(scenario: Scenario, c: np.ndarray | None = None, drop: Collection[str] = ()) -> MilpModel:
    """The MILP of ``scenario`` with objective ``c`` (default: the scenario's linear objective).

    ``drop`` lists scenario keys to leave out (used to find which constraints conflict). With packages or phases
    (``options.py``) the columns are options: at most one per creator (key ``options.one_per_creator``), each
    phase's budget share and rules over its own options (keys ``phases.NAME.budget_share``,
    ``phases.NAME.constraints.*``), and include/exclude by creator."""
    cand = scenario.candidates
    out = cand.outcomes
    table = cand.table
    cons = scenario.constraints
    n = cand.n
    fee = out.cost
    dense: list[np.ndarray] = []
    rows: list[Row] = []
    bounds: list[tuple[float, float]] = []

    def add(key: str, coef: np.ndarray, sense: str, rhs: float, limit: float | None = None) -> None:
        if key in drop:
            return
        dense.append(coef)
        rows.append(Row(key, sense, rhs if limit is None else limit))
        bounds.append((rhs, np.inf) if sense == ">=" else (-np.inf, rhs))

    add("budget", fee, "<=", scenario.budget)
    _rules(add, cons, table, out, np.ones(n), "constraints")
    for phase in scenario.phases:
        mask = (table["phase"].to_numpy(object) == phase.name).astype(float)
        key = f"phases.{phase.name}"
        if phase.budget_hi is not None:
            add(f"{key}.budget_share", fee * mask, "<=", phase.budget_hi * scenario.budget, phase.budget_hi)
        if phase.budget_lo is not None and phase.budget_lo > 0:
            add(f"{key}.budget_share", fee * mask, ">=", phase.budget_lo * scenario.budget, phase.budget_lo)
        _rules(add, phase.constraints, table, out, mask, f"{key}.constraints")
    for name, level in scenario.phase_settings.kept:  # lexicographic: earlier phases keep their best
        phase = next(ph for ph in scenario.phases if ph.name == name)
        add(f"phases.{name}.kept", phase_linear(scenario, phase), ">=", level)

    A = sp.csr_matrix(np.vstack(dense)) if dense else sp.csr_matrix((0, n))
    lo = np.array([b[0] for b in bounds], float)
    hi = np.array([b[1] for b in bounds], float)
    lb = np.zeros(n)
    ub = np.ones(n)
    keys = []
    structured = "creator" in table
    if structured and ONE_PER_CREATOR not in drop:  # at most one option per creator (per phase if allowed)
        M, _ = option_matrix(table, per_phase=scenario.phase_settings.repeat_creators)
        if M.shape[0]:
            A = sp.vstack([A, M], format="csr")
            lo = np.concatenate([lo, np.full(M.shape[0], -np.inf)])
            hi = np.concatenate([hi, np.ones(M.shape[0])])
            rows += [Row(ONE_PER_CREATOR, "<=", 1.0)] * M.shape[0]
    if cons.include and INCLUDE not in drop:
        if structured:  # an included creator takes one of its options: one row per creator
            creators = table["creator"].to_numpy(object)
            inc = sp.csr_matrix(np.vstack([(creators == i).astype(float) for i in cons.include]))
            A = sp.vstack([A, inc], format="csr")
            lo = np.concatenate([lo, np.ones(inc.shape[0])])
            hi = np.concatenate([hi, np.full(inc.shape[0], np.inf)])
            rows += [Row(INCLUDE, ">=", 1.0)] * inc.shape[0]
        else:
            lb[cand.positions(cons.include)] = 1.0
            keys.append(INCLUDE)
    if cons.exclude and EXCLUDE not in drop:
        ids = table["creator"] if structured else table["id"]
        ub[ids.isin(list(cons.exclude)).to_numpy()] = 0.0
        keys.append(EXCLUDE)
    A.eliminate_zeros()
    c = objective_vector(scenario) if c is None else np.asarray(c, float)
    return MilpModel(c=c, A=A, lo=lo, hi=hi, lb=lb, ub=ub, integer=np.ones(n, dtype=bool), rows=rows,
                     n_candidates=n, bound_keys=tuple(keys))


def _rules(add, cons, table, out, mask: np.ndarray, prefix: str) -> None:
    """The rows of one ``Constraints`` over the candidates where ``mask`` is 1 (all of them, or one phase's)."""
    fee = out.cost * mask
    ones = mask
    if cons.min_spend is not None:
        add(f"{prefix}.min_spend", fee, ">=", cons.min_spend)
    if cons.min_count is not None:
        add(f"{prefix}.min_count", ones, ">=", cons.min_count)
    if cons.max_count is not None:
        add(f"{prefix}.max_count", ones, "<=", cons.max_count)
    for kind in GROUPS:
        column = table[GROUP_COLUMN[kind]].to_numpy(dtype=object)
        for name, lim in cons.groups(kind).items():
            member = (column == name).astype(float) * mask
            key = f"{prefix}.{kind}.{name}"
            if lim.min_count is not None:
                add(f"{key}.min_count", member, ">=", lim.min_count)
            if lim.max_count is not None:
                add(f"{key}.max_count", member, "<=", lim.max_count)
            if lim.min_share is not None:
                add(f"{key}.min_share", (member - lim.min_share * mask) * out.cost, ">=", 0.0, lim.min_share)
            if lim.max_share is not None:
                add(f"{key}.max_share", (member - lim.max_share * mask) * out.cost, "<=", 0.0, lim.max_share)
    for floor in FLOORS:
        v = getattr(cons, floor)
        if v is not None:
            add(f"{prefix}.{floor}", out.metric(floor.removeprefix("min_")) * mask, ">=", v)
    if cons.min_roi is not None:
        add(f"{prefix}.min_roi", (out.revenue - (1.0 + cons.min_roi) * out.cost) * mask, ">=", 0.0, cons.min_roi)


def constraint_keys(scenario: Scenario) -> list[str]:
    """Every key that ``build_model`` can drop, in model order."""
    m = build_model(scenario, c=np.zeros(scenario.candidates.n))
    return [r.key for r in m.rows] + list(m.bound_keys)
