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

Every row carries the scenario key it comes from, so binding constraints and conflicts can be named. Packages,
phases, unique reach and risk add their own columns and rows as extensions (``extension.py``); ``program.py`` puts
the whole model together.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from optimizer.io.scenario import FLOORS, GROUP_COLUMN, GROUPS, Constraints, Scenario

INCLUDE = "constraints.include"
EXCLUDE = "constraints.exclude"


@dataclass(frozen=True)
class ConstraintStatus:
    """One rule of the scenario at the chosen mix, in the planner's units.

    ``binding``: the slack is too small for one more creator (upper limits) or one fewer (lower limits)."""

    key: str
    sense: str
    limit: float
    value: float | None
    slack: float
    binding: bool

    def to_dict(self) -> dict:
        return {"key": self.key, "sense": self.sense, "limit": self.limit, "value": self.value,
                "slack": self.slack, "binding": self.binding}


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

    def with_rows(self, A: sp.spmatrix, lo: np.ndarray, hi: np.ndarray, rows: list[Row]) -> MilpModel:
        """This model with rows ``lo <= A x <= hi`` appended (``A`` may cover only the first columns)."""
        if A.shape[0] == 0:
            return self
        if A.shape[1] < self.shape[1]:
            A = sp.hstack([A, sp.csr_matrix((A.shape[0], self.shape[1] - A.shape[1]))])
        return replace(self, A=sp.vstack([self.A, A], format="csr"), lo=np.concatenate([self.lo, lo]),
                       hi=np.concatenate([self.hi, hi]), rows=list(self.rows) + list(rows))

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


class RowBlock:
    """Rows being built over the hire columns: each ``add`` is one rule, named by its key; keys in ``drop`` are
    left out. ``onto(model)`` appends them."""

    def __init__(self, n: int, drop: Collection[str] = ()):
        self.n, self.drop = n, drop
        self.coefs: list[np.ndarray] = []
        self.rows: list[Row] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, key: str, coef: np.ndarray, sense: str, rhs: float, limit: float | None = None) -> None:
        if key in self.drop:
            return
        self.coefs.append(np.asarray(coef, float))
        self.rows.append(Row(key, sense, rhs if limit is None else limit))
        self.lo.append(rhs if sense == ">=" else -np.inf)
        self.hi.append(np.inf if sense == ">=" else rhs)

    def matrix(self) -> sp.csr_matrix:
        return sp.csr_matrix(np.vstack(self.coefs)) if self.coefs else sp.csr_matrix((0, self.n))

    def onto(self, model: MilpModel) -> MilpModel:
        A = self.matrix()
        A.eliminate_zeros()
        return model.with_rows(A, np.array(self.lo, float), np.array(self.hi, float), self.rows)

    def rules(self, scenario: Scenario, cons: Constraints, mask: np.ndarray, prefix: str) -> None:
        """The rows of one ``Constraints`` over the candidates where ``mask`` is 1 (all of them, or one phase's)."""
        out, table = scenario.candidates.outcomes, scenario.candidates.table
        fee = out.spend * mask  # spend rules and shares are of what counts against the budget
        add = self.add
        if cons.min_spend is not None:
            add(f"{prefix}.min_spend", fee, ">=", cons.min_spend)
        if cons.min_count is not None:
            add(f"{prefix}.min_count", mask, ">=", cons.min_count)
        if cons.max_count is not None:
            add(f"{prefix}.max_count", mask, "<=", cons.max_count)
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
                    add(f"{key}.min_share", (member - lim.min_share * mask) * out.spend, ">=", 0.0, lim.min_share)
                if lim.max_share is not None:
                    add(f"{key}.max_share", (member - lim.max_share * mask) * out.spend, "<=", 0.0, lim.max_share)
        for floor in FLOORS:
            v = getattr(cons, floor)
            if v is not None:
                add(f"{prefix}.{floor}", out.metric(floor.removeprefix("min_")) * mask, ">=", v)
        if cons.min_roi is not None:  # ROI is of the whole cost, commissions included
            add(f"{prefix}.min_roi", (out.revenue - (1.0 + cons.min_roi) * out.cost) * mask, ">=", 0.0,
                cons.min_roi)


def core_model(scenario: Scenario, c: np.ndarray, drop: Collection[str] = ()) -> MilpModel:
    """The model of the budget and the ``constraints:`` block over one 0/1 column per candidate, objective ``c``.

    ``drop`` lists scenario keys to leave out (used to find which constraints conflict). Include and exclude are
    variable bounds on a shortlist of one row per creator; with options (packages, phases) they are by creator,
    and ``model/packages.py`` adds the include rows."""
    cand = scenario.candidates
    n = cand.n
    block = RowBlock(n, drop)
    block.add("budget", cand.outcomes.spend, "<=", scenario.budget)
    block.rules(scenario, scenario.constraints, np.ones(n), "constraints")
    lb, ub = np.zeros(n), np.ones(n)
    cons = scenario.constraints
    keys = []
    table = cand.table
    by_creator = "creator" in table
    if cons.include and INCLUDE not in drop and not by_creator:
        lb[cand.positions(cons.include)] = 1.0
        keys.append(INCLUDE)
    if cons.exclude and EXCLUDE not in drop:
        ids = table["creator"] if by_creator else table["id"]
        ub[ids.isin(list(cons.exclude)).to_numpy()] = 0.0
        keys.append(EXCLUDE)
    A = block.matrix()
    A.eliminate_zeros()
    return MilpModel(c=np.asarray(c, float), A=A, lo=np.array(block.lo, float), hi=np.array(block.hi, float),
                     lb=lb, ub=ub, integer=np.ones(n, dtype=bool), rows=block.rows, n_candidates=n,
                     bound_keys=tuple(keys))


def row_status(scenario: Scenario, model: MilpModel, i: int, x: np.ndarray, activity: np.ndarray,
               base_cost: float | None = None) -> ConstraintStatus:
    """Row ``i``'s rule at the solution ``x`` in the planner's units (shares of ``base_cost``, by default the mix's
    spend), its slack, and whether it binds: no room for one more creator (upper limits) or one fewer (lower)."""
    row = model.rows[i]
    out = scenario.candidates.outcomes
    fee = out.cost if row.key.endswith("min_roi") else out.spend  # ROI is of the cost, shares of the spend
    if base_cost is None or row.key.endswith("min_roi"):
        base_cost = float(fee @ x[: len(fee)])
    if row.sense == "<=":
        slack_m = float(model.hi[i] - activity[i])
        movable = (x < 0.5) & (model.ub > 0.5)  # creators that could still be added
    else:
        slack_m = float(activity[i] - model.lo[i])
        movable = (x > 0.5) & (model.lb < 0.5)  # creators that could be dropped
    coef = model.A.getrow(i).toarray().ravel()
    step = coef[movable & (coef > 0)]  # one such move uses up this much of the slack
    tol = 1e-9 * max(1.0, abs(row.limit))
    binding = slack_m <= tol or (step.size > 0 and slack_m < step.min() - tol)
    if row.key.endswith("budget_share"):
        value = float(activity[i]) / scenario.budget
    elif row.key.endswith("_share") or row.key.endswith("min_roi"):
        value = activity[i] / base_cost + row.limit if base_cost > 0 else None
    else:
        value = float(activity[i])
    slack = (row.limit - value if row.sense == "<=" else value - row.limit) if value is not None else slack_m
    return ConstraintStatus(row.key, row.sense, float(row.limit), value, float(slack), bool(binding))
