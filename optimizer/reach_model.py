"""Unique reach inside the integer program: the objective ``unique_reach`` and the floor ``min_unique_reach``.

The pools of ``audience.py`` are linearised piece by piece (x_i the hire decisions):

disjoint          u <= sum_i R_i x_i,  0 <= u <= N.                                              exact
nested cores      members of a group sorted by their part c, equal parts merged into one layer; layer l of width
                  d_l (its part less the next smaller one) is covered when any member at least that large is
                  hired: z_1 <= sum_{layer 1} x,  z_l <= z_{l-1} + sum_{layer l} x,  0 <= z <= 1.
                  The core's unique reach is sum_l d_l z_l = max of the hired parts.                exact
random segments   with a_is = -log(1 - p_is), segment s's unique reach is N_s f(L_s), f(L) = 1 - exp(-L) and
                  L_s = sum_i a_is x_i: concave in a linear form. lam_s <= sum_i a_is x_i and y_s <= 1 and
                  y_s <= f(L_k) + f'(L_k) (lam_s - L_k) at tangent points L_k, so N_s y_s >= N_s f(L_s): an
                  outer approximation. The points are spaced so that the tangents exceed f by at most a relative
                  ``eps`` (a quarter of the solver gap), which needs no binaries when maximised.
one segment only  (Sainsbury, no cores) unique reach N (1 - exp(-a . x)) is increasing in a . x: the objective is
                  a . x and the floor a . x >= -log(1 - v / N), both linear.                       exact

The model's unique reach E(x) is therefore at least the true U(x) and at most (1 + eps) U(x). Maximising E gives a
bound that is valid for U, and the plan reports the true U of the chosen mix against it, so the gap shown covers
the linearisation too; the floor is written E >= (1 + eps) v, so every mix it admits has U >= v.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from .audience import Audience
from .formulation import MilpModel, Row
from .scenario import Scenario

UNIQUE_ROWS = "audience.unique_reach_rows"  # the rows that define the unique-reach expression
MIN_UNIQUE = "constraints.min_unique_reach"
A_MAX = 40.0  # -log(1 - p) for p = 1: exp(-40) ~ 4e-18 of a segment is left, i.e. nobody


@dataclass(frozen=True)
class ReachColumns:
    """How the extended model expresses unique reach. ``expression``: full-length coefficients whose product with
    the solution is the model's unique reach (people), or, when ``log_space``, a . x with U = N (1 - exp(-a . x)).
    ``eps``: the relative over-estimate allowed in the model's unique reach."""

    expression: np.ndarray
    log_space: bool
    population: float
    eps: float
    complete: Callable[[np.ndarray], np.ndarray]  # 0/1 hires -> full solution with the auxiliary columns filled

    def bound(self, model_bound: float | None) -> float | None:
        """An upper bound on the best unique reach from the solver's bound on the model's objective."""
        if model_bound is None or not self.log_space:
            return model_bound
        return self.population * -math.expm1(-max(model_bound, 0.0))


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


def _layers(aud: Audience) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nested-core layers: (layer of each group entry, entries in layer order, layer widths, whether a layer
    continues the previous one's chain)."""
    g = np.searchsorted(aud.group_ptr, np.arange(aud.group_member.size), side="right") - 1
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
    return layer, order, lv - nxt, same


def extend(model: MilpModel, scenario: Scenario, drop: Collection[str] = ()) -> tuple[MilpModel, ReachColumns]:
    """``model`` (hire columns first; any auxiliary columns are kept) with unique reach: the objective when the
    scenario's objective is ``unique_reach``, the floor ``constraints.min_unique_reach`` unless dropped."""
    aud = scenario.audience
    if aud is None:
        raise ValueError("unique reach needs the scenario's audience: block")
    n, base_cols = model.n_candidates, model.shape[1]
    floor = scenario.constraints.min_unique_reach if MIN_UNIQUE not in drop else None
    eps = max(scenario.solver.gap / 4.0, 1e-6)  # tangents' relative excess; 0 below where the form is exact
    x_cols = np.arange(n)
    triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, col, value) with rows counted below
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    rows: list[Row] = []
    aux_lb: list[np.ndarray] = []
    aux_ub: list[np.ndarray] = []
    fills: list[Callable[[np.ndarray], np.ndarray]] = []
    n_rows = 0
    col = base_cols
    expr: list[tuple[np.ndarray, np.ndarray]] = []  # (columns, coefficients) of the unique-reach expression

    def add_rows(r: np.ndarray, c: np.ndarray, v: np.ndarray, count: int, low: np.ndarray, high: np.ndarray,
                 key: str, sense: str = "<=", limit: float = 0.0) -> None:
        nonlocal n_rows
        triplets.append((r + n_rows, c, v))
        lo.append(low)
        hi.append(high)
        rows.extend([Row(key, sense, limit)] * count)
        n_rows += count

    a_mat = _log_coefficients(aud) if not aud.disjoint and aud.segment_size.size else sp.csc_matrix((n, 0))
    log_space = (not aud.disjoint and aud.group_value.size == 0 and aud.segment_size.size == 1)
    if aud.disjoint or log_space or not aud.segment_size.size:
        eps = 0.0  # exact: no tangents
    if aud.disjoint:
        u = col
        col += 1
        add_rows(np.zeros(n + 1, int), np.concatenate([[u], x_cols]), np.concatenate([[1.0], -aud.reach]), 1,
                 np.array([-np.inf]), np.array([0.0]), UNIQUE_ROWS)
        aux_lb.append(np.zeros(1))
        aux_ub.append(np.array([aud.population]))
        expr.append((np.array([u]), np.ones(1)))
        fills.append(lambda x: np.array([min(aud.population, float(aud.reach @ x))]))
    elif log_space:
        a = a_mat[:, 0].toarray().ravel()
        expr.append((x_cols, a))
    else:
        S = aud.segment_size.size
        if S:
            lam = np.arange(col, col + S)
            y = np.arange(col + S, col + 2 * S)
            col += 2 * S
            coo = a_mat.tocoo()
            # lam_s - sum_i a_is x_i <= 0
            add_rows(np.concatenate([np.arange(S), coo.col]), np.concatenate([lam, coo.row]),
                     np.concatenate([np.ones(S), -coo.data]), S, np.full(S, -np.inf), np.zeros(S), UNIQUE_ROWS)
            pts = tangent_points(eps)
            lmax = np.asarray(a_mat.sum(axis=0)).ravel()
            counts = np.minimum(np.searchsorted(pts, lmax, side="left") + 1, pts.size)
            seg = np.repeat(np.arange(S), counts)
            L = np.concatenate([pts[:k] for k in counts])
            slope = np.exp(-L)
            k = L.size
            # y_s - f'(L_k) lam_s <= f(L_k) - f'(L_k) L_k
            add_rows(np.concatenate([np.arange(k), np.arange(k)]), np.concatenate([y[seg], lam[seg]]),
                     np.concatenate([np.ones(k), -slope]), k, np.full(k, -np.inf), -np.expm1(-L) - slope * L,
                     UNIQUE_ROWS)
            aux_lb += [np.zeros(S), np.zeros(S)]
            aux_ub += [np.full(S, np.inf), np.ones(S)]
            expr.append((y, aud.segment_size.astype(float)))

            def fill_segments(x: np.ndarray) -> np.ndarray:
                level = np.asarray(a_mat.T @ x).ravel()
                return np.concatenate([level, -np.expm1(-level)])

            fills.append(fill_segments)
        if aud.group_value.size:
            layer, order, width, chained = _layers(aud)
            m = width.size
            z = np.arange(col, col + m)
            col += m
            members = aud.group_member[order]
            prev = np.flatnonzero(chained)
            # z_l - z_{l-1} - sum_{i in layer l} x_i <= 0
            add_rows(np.concatenate([np.arange(m), layer, prev]), np.concatenate([z, members, z[prev - 1]]),
                     np.concatenate([np.ones(m), -np.ones(layer.size), -np.ones(prev.size)]), m, np.full(m, -np.inf),
                     np.zeros(m), UNIQUE_ROWS)
            aux_lb.append(np.zeros(m))
            aux_ub.append(np.ones(m))
            expr.append((z, width))

            def fill_layers(x: np.ndarray) -> np.ndarray:
                hit = np.bincount(layer, weights=x[members], minlength=m)
                # cumulative within each group's chain: restart where a layer does not continue the previous one
                total = np.cumsum(hit)
                base = np.maximum.accumulate(np.where(~chained, total - hit, 0.0))
                return np.minimum(1.0, total - base)

            fills.append(fill_layers)
    total_cols = col
    expression = np.zeros(total_cols)
    for c_idx, coef in expr:
        expression[c_idx] += coef
    if floor is not None:
        if log_space:
            size = float(aud.segment_size[0])
            rhs = -math.log1p(-floor / size) if floor < size else A_MAX * (n + 1)
        else:
            rhs = floor * (1.0 + eps)
        nz = np.flatnonzero(expression)
        add_rows(np.zeros(nz.size, int), nz, expression[nz], 1, np.array([rhs]), np.array([np.inf]), MIN_UNIQUE,
                 ">=", floor)
    r_all = np.concatenate([t[0] for t in triplets]) if triplets else np.zeros(0, int)
    c_all = np.concatenate([t[1] for t in triplets]) if triplets else np.zeros(0, int)
    v_all = np.concatenate([t[2] for t in triplets]) if triplets else np.zeros(0)
    new = sp.csr_matrix((v_all, (r_all, c_all)), shape=(n_rows, total_cols))
    A = sp.vstack([sp.hstack([model.A, sp.csr_matrix((model.shape[0], total_cols - base_cols))]), new], format="csr")
    c = np.concatenate([model.c, np.zeros(total_cols - base_cols)])
    if scenario.objective == "unique_reach":
        c = expression.copy()
    extra = total_cols - base_cols
    out = MilpModel(
        c=c, A=A, lo=np.concatenate([model.lo, *lo]), hi=np.concatenate([model.hi, *hi]),
        lb=np.concatenate([model.lb, *aux_lb]) if extra else model.lb,
        ub=np.concatenate([model.ub, *aux_ub]) if extra else model.ub,
        integer=np.concatenate([model.integer, np.zeros(extra, dtype=bool)]), rows=list(model.rows) + rows,
        n_candidates=n, offset=model.offset, bound_keys=model.bound_keys)

    def complete(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        head = x[:base_cols] if x.size >= base_cols else np.concatenate([x, np.zeros(base_cols - x.size)])
        return np.concatenate([head, *(f(head[:n]) for f in fills)])

    return out, ReachColumns(expression=expression, log_space=log_space, population=float(
        aud.segment_size[0]) if log_space else aud.population, eps=eps,
        complete=complete)


def floor_violations(scenario: Scenario, x: np.ndarray) -> list[str]:
    """``[constraints.min_unique_reach]`` when the 0/1 mix ``x`` reaches fewer people than the floor, else []."""
    v = scenario.constraints.min_unique_reach
    if v is None or scenario.audience is None:
        return []
    return [MIN_UNIQUE] if scenario.audience.unique_reach(x) < v * (1 - 1e-9) - 1e-9 else []
