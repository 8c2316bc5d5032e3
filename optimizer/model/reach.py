"""Unique reach inside the integer program: the objective ``unique_reach`` and the floor ``min_unique_reach``.

The pools of ``audience.py`` are linearised piece by piece (x_i the hire decisions):

disjoint          u <= sum_i R_i x_i,  0 <= u <= N.                                              exact
nested cores      members of a group sorted by their part c, equal parts merged into one layer; layer l (level c_l,
                  the next smaller c_{l+1}) is covered when any member at least that large is hired:
                  z_1 <= sum_{layer 1} x,  z_l <= z_{l-1} + sum_{layer l} x,  0 <= z <= 1. The cores lie at random
                  in the population, so they enter its exponent: -log(1 - max hired c / N) = sum_l b_l z_l with
                  b_l = log(1 - c_{l+1} / N) - log(1 - c_l / N) (telescoping along the chain).       exact
random segments   with a_is = -log(1 - p_is), segment s's unique reach is N_s f(L_s), f(L) = 1 - exp(-L) and
                  L_s = sum_i a_is x_i (+ sum_l b_l z_l in the population holding the cores): concave in a linear
                  form, so it needs no binaries when maximised:
                  lam_s <= L_s, y_s <= 1, y_s <= sum_i p_is x_i (+ sum_l (c_l - c_{l+1}) / N z_l) (the union
                  bound, which keeps the LP relaxation from spreading fractions of many creators over the steep
                  start of f), and tangent
                  cuts y_s <= f(L_k) + f'(L_k) (lam_s - L_k). N_s y_s >= N_s f(L_s): an outer approximation.
one segment only  (Sainsbury, no cores) unique reach N (1 - exp(-a . x)) is increasing in a . x: the objective is
                  a . x and the floor a . x >= -log(1 - v / N), both linear.                       exact

With random segments the model starts from a few tangents (``COARSE_EPS``) and is refined where it matters
(outer approximation, :func:`ReachColumns.cuts`): after each solve, tangents are added at the solution's L_s wherever
the model overstated its unique reach, and the model is solved again. Because the model never understates unique
reach, every solve's bound is a valid bound for the true unique reach, and a mix that meets the floor in truth is
never cut off; the loop stops when the chosen mix meets the floor in truth and, for the unique-reach objective,
when its true unique reach is within the requested gap of the bound. So the floor is exact, and the gap reported
covers the linearisation.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from optimizer.io.audience import Audience
from optimizer.io.scenario import Scenario
from optimizer.model.extension import Extension
from optimizer.model.formulation import ConstraintStatus, MilpModel, Row

UNIQUE_ROWS = "audience.unique_reach_rows"  # the rows that define the unique-reach expression
MIN_UNIQUE = "constraints.min_unique_reach"
A_MAX = 40.0  # -log(1 - p) for p = 1: exp(-40) ~ 4e-18 of a segment is left, i.e. nobody
COARSE_EPS = 1e-2  # the first tangents overstate a segment's unique reach by at most 1%; refinement does the rest
_CUT_TOL = 1e-9  # relative: a segment whose model value exceeds f(L) by less needs no new tangent


@dataclass(frozen=True)
class ReachColumns:
    """How the extended model expresses unique reach. ``expression``: coefficients over the model's columns (as
    built) whose product with the solution is the model's unique reach in people, or, when ``log_space``, a . x
    with U = N (1 - exp(-a . x)). ``exact``: the model's unique reach is the true one (no tangents).
    ``lam``, ``y``, ``a``: the random segments' columns and coefficients a_is, for refinement."""

    expression: np.ndarray
    log_space: bool
    population: float
    exact: bool
    lam: np.ndarray
    y: np.ndarray
    a: sp.csc_matrix
    audience: Audience | None = None  # the pools the objective's unique reach counts (a phase's, or all)
    weight: float = 0.0  # the objective's weight on that unique reach (0: a floor only)
    # the cores' z columns, each entry's layer, the entries' candidates, chained, each layer's b_l in L
    layers: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
    core: int = -1  # the random segment the cores are placed in (-1: none)

    def bound(self, model_bound: float | None) -> float | None:
        """An upper bound on the best unique reach from the solver's bound on the model's objective."""
        if model_bound is None or not self.log_space:
            return model_bound
        return self.population * -math.expm1(-max(model_bound, 0.0))

    def repair(self, solution: np.ndarray) -> np.ndarray:
        """``solution`` with the random segments' and cores' auxiliary columns set to their true values at its hires
        (lam_s = L_s, y_s = f(L_s), z = the cores' exact coverage), which meet every tangent ever added."""
        x = np.asarray(solution, float).copy()
        level, z = self._levels(x)
        if self.layers is not None:
            x[self.layers[0]] = z
        if self.y.size:
            x[self.lam], x[self.y] = level, -np.expm1(-level)
        return x

    def _levels(self, solution: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(L_s per random segment, the cores' layer coverage z) at the hires of ``solution``."""
        hires = (np.asarray(solution, float)[: self.a.shape[0]] > 0.5).astype(float)
        level = np.asarray(self.a.T @ hires).ravel()
        z = np.zeros(0)
        if self.layers is not None:
            zc, layer, members, chained, zb = self.layers
            hit = np.bincount(layer, weights=hires[members], minlength=zc.size)
            total = np.cumsum(hit)
            start = np.maximum.accumulate(np.where(~chained, total - hit, 0.0))  # hires before each group's chain
            z = np.minimum(1.0, total - start)
            if self.core >= 0:
                level[self.core] += float(zb @ z)
        return level, z

    def cuts(self, model: MilpModel, solution: np.ndarray) -> MilpModel | None:
        """``model`` with tangents at the levels L_s of the hires in ``solution`` (a full solution of ``model``) for
        the segments whose y_s there overstates f(L_s); None when the model is exact at this solution."""
        if self.exact or not self.y.size:
            return None
        x = np.asarray(solution, float)
        level = self._levels(x)[0]
        truth = -np.expm1(-level)
        over = np.flatnonzero(x[self.y] > truth * (1 + _CUT_TOL) + 1e-12)
        if not over.size:
            return None
        k = over.size
        slope = np.exp(-level[over])
        new = sp.csr_matrix((np.concatenate([np.ones(k), -slope]),
                             (np.concatenate([np.arange(k), np.arange(k)]),
                              np.concatenate([self.y[over], self.lam[over]]))), shape=(k, model.shape[1]))
        return with_tangents(model, (new, np.full(k, -np.inf), truth[over] - slope * level[over]))


Tangents = tuple  # (A rows, lo, hi) of tangent rows: valid under any rules on the same shortlist and audience


def with_tangents(model: MilpModel, tangents: Tangents) -> MilpModel:
    """``model`` with tangent rows (``ReachColumns.cuts``, or an earlier plan's ``tangents_since``) appended."""
    a, lo, hi = tangents
    return replace(model, A=sp.vstack([model.A, a], format="csr"), lo=np.concatenate([model.lo, lo]),
                   hi=np.concatenate([model.hi, hi]),
                   rows=list(model.rows) + [Row(UNIQUE_ROWS, "<=", 0.0)] * a.shape[0])


def tangents_since(model: MilpModel, rows: int) -> Tangents | None:
    """The tangent rows refinement appended to ``model`` after its first ``rows`` rows (None: none)."""
    if model.shape[0] <= rows:
        return None
    return model.A[rows:], model.lo[rows:], model.hi[rows:]


@lru_cache(maxsize=16)
def tangent_points(eps: float) -> np.ndarray:
    """Points L_0 = 0 < L_1 < ... at which the tangents of f(L) = 1 - exp(-L), with the cap y <= 1, exceed f by
    at most a relative ``eps`` anywhere on [0, inf)."""
    f = lambda z: -math.expm1(-z)  # noqa: E731

    def excess(a: float, b: float) -> float:
        """Relative excess of min(tangent at a, tangent at b) over f, at the tangents' crossing."""
        ea, eb = math.exp(-a), math.exp(-b)
        z = (f(b) - f(a) + ea * a - eb * b) / (ea - eb)
        return (f(a) + ea * (z - a) - f(z)) / f(z)

    pts = [0.0]
    while math.exp(-(pts[-1] + 1)) > eps * f(pts[-1] + 1):  # the last tangent meets y = 1 at L + 1
        a = pts[-1]
        lo, hi = a, a + 1.0
        while excess(a, hi) <= eps:
            hi = a + 2 * (hi - a)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if excess(a, mid) <= eps:
                lo = mid
            else:
                hi = mid
        pts.append(lo)
    return np.array(pts)


def _log_coefficients(aud: Audience) -> sp.csc_matrix:
    """(n x S) a_is = -log(1 - p_is), capped at ``A_MAX``."""
    a = aud.probabilities()
    with np.errstate(divide="ignore"):
        a.data = np.minimum(-np.log1p(-a.data), A_MAX)
    return a


def _layers(aud: Audience) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nested-core layers: (layer of each group entry, entries in layer order, each layer's level (the part of its
    members), the next smaller level of its group (0 for the smallest), whether a layer continues the previous
    one's chain)."""
    g = aud.group_of_entry()
    order = np.lexsort((-aud.group_value, g))
    gs, vs = g[order], aud.group_value[order]
    start = np.ones(order.size, dtype=bool)
    start[1:] = (gs[1:] != gs[:-1]) | (vs[1:] != vs[:-1])
    layer = np.cumsum(start) - 1
    first = np.flatnonzero(start)
    lv, lg = vs[first], gs[first]
    nxt = np.zeros(lv.size)
    same = np.zeros(lv.size, dtype=bool)
    same[1:] = lg[1:] == lg[:-1]  # layer l continues the chain of layer l - 1
    nxt[:-1] = np.where(same[1:], lv[1:], 0.0)
    return layer, order, lv, nxt, same


def extend(model: MilpModel, scenario: Scenario, drop: Collection[str] = (),
           unique: tuple[float, Audience] | None = None) -> tuple[MilpModel, ReachColumns]:
    """``model`` (hire columns first; any auxiliary columns are kept) with unique reach: ``unique`` = (weight,
    audience) adds weight x the unique reach of that audience to the objective (``model/phases.py``); the floor
    ``constraints.min_unique_reach`` (on the whole plan's audience) unless dropped. One audience per model."""
    aud = unique[1] if unique is not None else scenario.audience
    if aud is None:
        raise ValueError("unique reach needs the scenario's audience: block")
    n, base_cols = model.n_candidates, model.shape[1]
    floor = scenario.constraints.min_unique_reach if MIN_UNIQUE not in drop else None
    triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, column, value), rows counted below
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    rows: list[Row] = []
    aux_lb: list[np.ndarray] = []
    aux_ub: list[np.ndarray] = []
    n_rows = 0
    col = base_cols
    expr: list[tuple[np.ndarray, np.ndarray]] = []  # (columns, coefficients) of the unique-reach expression

    def add_rows(r: np.ndarray, c: np.ndarray, v: np.ndarray, count: int, high: np.ndarray, key: str = UNIQUE_ROWS,
                 low: np.ndarray | None = None, sense: str = "<=", limit: float = 0.0) -> None:
        nonlocal n_rows
        triplets.append((r + n_rows, c, v))
        lo.append(np.full(count, -np.inf) if low is None else low)
        hi.append(high)
        rows.extend([Row(key, sense, limit)] * count)
        n_rows += count

    S = 0 if aud.disjoint else aud.segment_size.size
    a_mat = _log_coefficients(aud) if S else sp.csc_matrix((n, 0))
    weight = unique[0] if unique is not None else 0.0
    # the log-space form is exact but its objective is in log units: only alone (weight 1, no linear part)
    log_space = S == 1 and aud.group_value.size == 0 and (weight == 0 or (weight == 1 and not np.any(model.c)))
    lam = y = np.zeros(0, int)
    layers = None
    if aud.disjoint:
        u = col
        col += 1
        add_rows(np.zeros(n + 1, int), np.concatenate([[u], np.arange(n)]), np.concatenate([[1.0], -aud.reach]), 1,
                 np.zeros(1))
        aux_lb.append(np.zeros(1))
        aux_ub.append(np.array([aud.population]))
        expr.append((np.array([u]), np.ones(1)))
    elif log_space:
        expr.append((np.arange(n), a_mat[:, 0].toarray().ravel()))
    elif S:
        lam, y = np.arange(col, col + S), np.arange(col + S, col + 2 * S)
        col += 2 * S
        aux_lb += [np.zeros(S), np.zeros(S)]
        aux_ub += [np.full(S, np.inf), np.ones(S)]
        zb = zp = np.zeros(0)
        z = np.zeros(0, int)
        if aud.group_value.size:  # cores placed at random in the population: they enter its segment's exponent
            layer, order, levels, nxt, chained = _layers(aud)
            m = levels.size
            z = np.arange(col, col + m)
            col += m
            prev = np.flatnonzero(chained)
            # z_l - z_{l-1} - sum_{i in layer l} x_i <= 0
            add_rows(np.concatenate([np.arange(m), layer, prev]),
                     np.concatenate([z, aud.group_member[order], z[prev - 1]]),
                     np.concatenate([np.ones(m), -np.ones(layer.size), -np.ones(prev.size)]), m, np.zeros(m))
            aux_lb.append(np.zeros(m))
            aux_ub.append(np.ones(m))
            N = float(aud.segment_size[aud.core_segment])
            zb = np.minimum(np.log1p(-nxt / N) - np.log1p(-np.minimum(levels, N * (1 - 1e-15)) / N), A_MAX)
            zp = (levels - nxt) / N  # the layer's people as a share of the population, for the union bound
            layers = (z, layer, aud.group_member[order], chained, zb)
        core = np.arange(S) == aud.core_segment
        coo = a_mat.tocoo()
        zrow = np.repeat(np.flatnonzero(core), z.size)
        zcol = np.tile(z, int(core.sum()))
        # lam_s - sum_i a_is x_i (- sum_l b_l z_l in the population's segment) <= 0
        add_rows(np.concatenate([np.arange(S), coo.col, zrow]), np.concatenate([lam, coo.row, zcol]),
                 np.concatenate([np.ones(S), -coo.data, -np.tile(zb, int(core.sum()))]), S, np.zeros(S))
        # y_s - sum_i p_is x_i (- sum_l d_l / N z_l) <= 0 (the union bound)
        pc = aud.probabilities().tocoo()
        add_rows(np.concatenate([np.arange(S), pc.col, zrow]), np.concatenate([y, pc.row, zcol]),
                 np.concatenate([np.ones(S), -pc.data, -np.tile(zp, int(core.sum()))]), S, np.zeros(S))
        # y_s - f'(L_k) lam_s <= f(L_k) - f'(L_k) L_k, at the coarse points up to each segment's largest L
        pts = tangent_points(COARSE_EPS)
        lmax = np.asarray(a_mat.sum(axis=0)).ravel() + np.where(core, zb.sum(), 0.0)
        counts = np.minimum(np.searchsorted(pts, lmax, side="left") + 1, pts.size)
        seg = np.repeat(np.arange(S), counts)
        L = np.concatenate([pts[:k] for k in counts])
        slope = np.exp(-L)
        k = L.size
        add_rows(np.concatenate([np.arange(k), np.arange(k)]), np.concatenate([y[seg], lam[seg]]),
                 np.concatenate([np.ones(k), -slope]), k, -np.expm1(-L) - slope * L)
        expr.append((y, aud.segment_size.astype(float)))
    total_cols = col
    expression = np.zeros(total_cols)
    for c_idx, coef in expr:
        expression[c_idx] += coef
    if floor is not None:
        if log_space:
            size = float(aud.segment_size[0])
            rhs = -math.log1p(-floor / size) if floor < size else A_MAX * (n + 1)
        else:
            rhs = floor
        nz = np.flatnonzero(expression)
        add_rows(np.zeros(nz.size, int), nz, expression[nz], 1, np.array([np.inf]), MIN_UNIQUE, np.array([rhs]),
                 ">=", floor)
    r_all, c_all, v_all = (np.concatenate([t[k] for t in triplets]) for k in range(3)) if triplets else (
        np.zeros(0, int), np.zeros(0, int), np.zeros(0))
    new = sp.csr_matrix((v_all, (r_all, c_all)), shape=(n_rows, total_cols))
    extra = total_cols - base_cols
    A = sp.vstack([sp.hstack([model.A, sp.csr_matrix((model.shape[0], extra))]), new], format="csr")
    c = np.concatenate([model.c, np.zeros(extra)]) + weight * expression
    out = MilpModel(
        c=c, A=A, lo=np.concatenate([model.lo, *lo]), hi=np.concatenate([model.hi, *hi]),
        lb=np.concatenate([model.lb, *aux_lb]), ub=np.concatenate([model.ub, *aux_ub]),
        integer=np.concatenate([model.integer, np.zeros(extra, dtype=bool)]), rows=list(model.rows) + rows,
        n_candidates=n, offset=model.offset, bound_keys=model.bound_keys)
    return out, ReachColumns(expression=expression, log_space=log_space,
                             population=float(aud.segment_size[0]) if log_space else aud.population,
                             exact=not lam.size, lam=lam, y=y, a=a_mat, layers=layers, audience=aud, weight=weight,
                             core=aud.core_segment if layers is not None else -1)


def floor_violations(scenario: Scenario, x: np.ndarray) -> list[str]:
    """``[constraints.min_unique_reach]`` when the 0/1 mix ``x`` reaches fewer people than the floor, else []."""
    v = scenario.constraints.min_unique_reach
    if v is None or scenario.audience is None:
        return []
    return [MIN_UNIQUE] if scenario.audience.unique_reach(x) < v * (1 - 1e-9) - 1e-9 else []


def floor_status(scenario: Scenario, model: MilpModel, x: np.ndarray, floor: float) -> ConstraintStatus:
    """The unique-reach floor in people, from the exact unique reach of the mix. As for the other lower limits, it
    binds when there is no room for one fewer creator: dropping any hired creator that may be dropped would take
    the mix below the floor."""
    aud = scenario.audience
    n = scenario.candidates.n
    hired = x[:n] > 0.5
    value = aud.unique_reach(hired)
    slack = value - floor
    binding = slack <= 1e-9 * max(1.0, floor)
    droppable = np.flatnonzero(hired & (model.lb[:n] < 0.5))
    if not binding and droppable.size:
        smallest_loss = np.inf
        for j in droppable:
            without = hired.copy()
            without[j] = False
            smallest_loss = min(smallest_loss, value - aud.unique_reach(without))
        binding = smallest_loss > slack
    return ConstraintStatus(MIN_UNIQUE, ">=", floor, value, slack, bool(binding))


class UniqueReach(Extension):
    """Unique reach in the model: the objective's term (``unique``: its weight and the audience it counts, from
    ``phases.combination``) and the floor. ``columns`` is set by ``extend``."""

    name = "unique_reach"
    prefixes = (UNIQUE_ROWS, MIN_UNIQUE)

    def __init__(self, scenario: Scenario, unique: tuple[float, Audience] | None = None):
        self.scenario = scenario
        self.unique = unique
        self.columns: ReachColumns | None = None

    @staticmethod
    def applies(scenario: Scenario) -> bool:
        return scenario.uses_unique_reach

    def on(self, scenario: Scenario) -> UniqueReach:
        return UniqueReach(scenario, self.unique)

    def extend(self, model: MilpModel, drop: Collection[str] = frozenset()) -> MilpModel:
        floor = self.scenario.constraints.min_unique_reach if MIN_UNIQUE not in drop else None
        if floor is None and (self.unique is None or not self.unique[0]):
            self.columns = None  # neither a floor nor an objective term: no columns to add
            return model
        model, self.columns = extend(model, self.scenario, drop, self.unique)
        return model

    @property
    def exact(self) -> bool:
        return self.columns is None or self.columns.exact

    def cuts(self, model: MilpModel, solution: np.ndarray) -> MilpModel | None:
        return None if self.columns is None else self.columns.cuts(model, solution)

    def repair(self, solution: np.ndarray) -> np.ndarray:
        return solution if self.columns is None else self.columns.repair(solution)

    def bound(self, model_bound: float | None) -> float | None:
        if self.columns is None or not self.columns.weight or self.scenario.goal.minimises:
            return model_bound  # the objective holds no unique reach: the model's bound is the objective's
        return self.columns.bound(model_bound)

    @property
    def approximates_objective(self) -> bool:  # roi's subproblems do not weigh unique reach
        return self.columns is not None and self.columns.weight != 0 and self.scenario.goal.method != "ratio"

    def true_objective(self, hires: np.ndarray) -> float:
        c = self.columns
        if c is None or not c.weight:
            return 0.0
        return c.weight * c.audience.unique_reach(np.asarray(hires)[: self.scenario.candidates.n] > 0.5)

    def learned(self, model: MilpModel, fresh_rows: int) -> Tangents | None:
        return None if self.exact else tangents_since(model, fresh_rows)

    def reuse(self, model: MilpModel, learned: Tangents | None) -> MilpModel:
        if learned is None or self.exact or learned[0].shape[1] != model.shape[1]:
            return model
        return with_tangents(model, learned)

    def violations(self, hires: np.ndarray) -> list[str]:
        return floor_violations(self.scenario, hires)

    def status(self, model: MilpModel, i: int, x: np.ndarray, activity: np.ndarray) -> ConstraintStatus | None:
        row = model.rows[i]
        return floor_status(self.scenario, model, x, row.limit) if row.key == MIN_UNIQUE else None
