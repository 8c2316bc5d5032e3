"""Exact problem reduction by LP reduced costs (reduced-cost fixing before branching).

Let z_LP be the LP-relaxation optimum (maximisation), x_bar its solution and d_j the reduced costs. For every
feasible x, z(x) <= z_LP - sum_j |d_j| |x_j - x_bar_j| over the nonbasic j (LP duality). So if a known
feasible solution has value z_inc and |d_j| > z_LP - z_inc, no solution at least as good as z_inc differs
from x_bar in x_j: it can be fixed. Every optimum survives, so the reduced MILP's optimum is the original
optimum and its bound is a valid global bound. A knapsack with a few side rows has at most one fractional
variable per row, so an incumbent from rounding the LP is close to z_LP and most variables are fixed: a
100,000-creator shortlist left 33 free in the benchmark (docs/speed.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from optimizer.model.formulation import MilpModel
from optimizer.solve.base import INFEASIBLE, OPTIMAL, TIME_LIMIT
from optimizer.solve.lp import lp_relaxation

_FILL_TRIES = 400  # candidates tried when filling up the rounded LP solution
_CORE_MIN = 300  # columns in the core problem solved for an incumbent
_CORE_PER_ROW = 20  # ... or this many per row of the model, if more


@dataclass
class Reduction:
    lp_infeasible: bool
    lp_timed_out: bool = False  # the LP relaxation did not finish within the time given
    lp_bound: float = np.inf
    incumbent: np.ndarray | None = None  # best known feasible solution (full length)
    keep: np.ndarray | None = None  # columns left free
    x0: np.ndarray | None = None  # full-length solution with the fixed values (free columns 0)
    model: MilpModel | None = None  # the reduced model over ``keep``


def is_feasible(model: MilpModel, x: np.ndarray) -> bool:
    return not model.violations(x)


def _rounded_incumbent(model: MilpModel, x_lp: np.ndarray, d: np.ndarray,
                       time_limit: float | None = None) -> np.ndarray | None:
    """Round the LP solution down, repair and fill greedily while rows stay satisfied. With continuous columns
    (paid boosts), the integer columns are rounded down and the continuous ones set to their best for those
    integers (``completed_by_lp``): filling with more integers first would spend what the continuous columns use."""
    x = x_lp.copy()
    frac = model.integer & (np.abs(x - np.round(x)) > 1e-9)
    x[frac] = np.floor(x[frac])
    if not model.integer.all():
        return completed_by_lp(model, np.clip(np.where(model.integer, np.round(x), 0.0), model.lb, model.ub),
                               time_limit)
    x = np.clip(np.round(x), model.lb, model.ub)
    A = sp.csc_matrix(model.A)
    act = A @ x
    tol = model.upper_tolerance()
    # Try to add the columns the LP liked best (smallest reduced-cost penalty) while nothing breaks.
    free = np.flatnonzero((x < model.ub - 0.5) & model.integer & (model.c > 0))
    order = free[np.argsort(np.abs(d[free]), kind="stable")][:_FILL_TRIES]
    for j in order:
        col = A[:, [j]].toarray().ravel()
        new = act + col
        if np.all(new <= model.hi + tol) and np.all((new >= model.lo - tol) | (col >= 0)):
            x[j] += 1.0
            act = new
    return x if is_feasible(model, x) else None


def completed_by_lp(model: MilpModel, x: np.ndarray, time_limit: float | None = None) -> np.ndarray | None:
    """``x``'s integer columns with the continuous columns at their best for them: the LP over the continuous
    columns with the integers fixed (the best boosts for a given mix). None when no continuous values make it
    feasible (or the LP does not finish)."""
    cont = ~model.integer
    x0 = np.where(cont, 0.0, x)
    sub = restrict(model, cont, x0)
    if sub is None:
        return None
    status, xs, _, _ = lp_relaxation(sub, time_limit)
    if status != OPTIMAL:
        return None
    out = x0.copy()
    out[cont] = np.clip(xs, model.lb[cont], model.ub[cont])
    return out if is_feasible(model, out) else None


def _forced(model: MilpModel, fix: np.ndarray, x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(``fix`` and ``x0`` with the continuous columns that the fixed columns force to a single value: a row left with
    one free continuous column bounds it, e.g. a boost b <= w x once its creator x is fixed at 0)."""
    cont = ~model.integer & ~fix
    if not cont.any() or not fix.any():
        return fix, x0
    A = sp.csc_matrix(model.A)
    shift = A[:, np.flatnonzero(fix)] @ x0[fix]
    free = A[:, np.flatnonzero(~fix)].tocsr()
    single = np.flatnonzero(np.diff(free.indptr) == 1)
    cols = np.flatnonzero(~fix)[free.indices[free.indptr[single]]]
    coef = free.data[free.indptr[single]]
    on = cont[cols]
    single, cols, coef = single[on], cols[on], coef[on]
    lo, hi = model.lo[single] - shift[single], model.hi[single] - shift[single]
    with np.errstate(divide="ignore", invalid="ignore"):
        upper = np.where(coef > 0, hi / coef, lo / coef)
        lower = np.where(coef > 0, lo / coef, hi / coef)
    ub, lb = model.ub.copy(), model.lb.copy()
    np.minimum.at(ub, cols, np.nan_to_num(upper, nan=np.inf))
    np.maximum.at(lb, cols, np.nan_to_num(lower, nan=-np.inf))
    pinned = cont & (ub <= lb + 1e-12) & (ub >= model.lb - 1e-9) & (lb <= model.ub + 1e-9)
    if not pinned.any():
        return fix, x0
    x0 = x0.copy()
    x0[pinned] = np.clip(lb[pinned], model.lb[pinned], model.ub[pinned])
    return fix | pinned, x0


def core_columns(model: MilpModel, x_lp: np.ndarray, d: np.ndarray) -> np.ndarray | None:
    """The columns the LP is least sure about (fractional, then the smallest |reduced cost|; every continuous
    column): the classic knapsack core, where an optimum differs from the LP's rounding. None: the core would be
    the whole model."""
    n = model.shape[1]
    rows = model.shape[0]
    if not model.integer.all():  # rows tying one continuous column to one integer (a boost to its hire) are not
        rows = int((np.diff(sp.csr_matrix(model.A).indptr) > 2).sum())  # side rows: they do not widen the core
    size = min(n, max(_CORE_MIN, _CORE_PER_ROW * rows))
    if size >= n:
        return None
    frac = np.abs(x_lp - np.round(x_lp)) > 1e-9
    score = np.where(frac | ~model.integer, -1.0, np.abs(d))
    core = np.zeros(n, dtype=bool)
    core[np.argsort(score, kind="stable")[:size]] = True
    core |= ~model.integer
    return core


def _core_incumbent(model: MilpModel, x_lp: np.ndarray, d: np.ndarray, core_solver) -> np.ndarray | None:
    """Solve the MILP over the core (``core_columns``), the rest held at their LP values: a feasible solution close
    to the optimum, cheaply."""
    core = None if core_solver is None else core_columns(model, x_lp, d)
    if core is None:
        return None
    x0 = np.where(core, 0.0, np.round(x_lp))
    fix, x0 = _forced(model, ~core, x0)  # continuous columns the fixed ones pin (boosts of creators left out)
    core = ~fix
    sub = restrict(model, core, x0)
    if sub is None:
        return None
    out = core_solver(sub)
    if out.x is None:
        return None
    x = x0.copy()
    x[core] = out.x
    return x if is_feasible(model, x) else None


def restrict(model: MilpModel, free: np.ndarray, x0: np.ndarray) -> MilpModel | None:
    """The model over the ``free`` columns with the others fixed at ``x0`` (None if a row is left violated)."""
    fixed = ~free
    A = sp.csc_matrix(model.A)
    shift = A[:, np.flatnonzero(fixed)] @ x0[fixed] if fixed.any() else np.zeros(model.shape[0])
    keep = np.flatnonzero(free)
    sub_A = A[:, keep].tocsr()
    live = np.diff(sub_A.indptr) > 0
    lo, hi = model.lo - shift, model.hi - shift
    tol = model.upper_tolerance()
    if np.any(~live & ((lo > tol) | (hi < -tol))):
        return None
    return MilpModel(
        c=model.c[keep], A=sub_A[live], lo=lo[live], hi=hi[live], lb=model.lb[keep], ub=model.ub[keep],
        integer=model.integer[keep], rows=[r for r, ok in zip(model.rows, live, strict=True) if ok],
        n_candidates=int(np.sum(keep < model.n_candidates)), offset=model.offset + float(model.c[fixed] @ x0[fixed]),
    )


def reduce_model(model: MilpModel, incumbent: np.ndarray | None = None, core_solver=None,
                 time_limit: float | None = None) -> Reduction:
    """LP relaxation (within ``time_limit`` seconds), an incumbent (given, LP rounding, or the core MILP), then
    reduced-cost fixing. ``core_solver(model) -> SolveOutcome`` solves the small core problem; without it no core
    is tried. No reduction (and no bound) when the LP does not finish in time."""
    status, x_lp, z_lp, d = lp_relaxation(model, time_limit)
    if status == INFEASIBLE:
        return Reduction(lp_infeasible=True)
    if status != OPTIMAL:
        return Reduction(lp_infeasible=False, lp_timed_out=status == TIME_LIMIT)
    cands = [x for x in (incumbent, _rounded_incumbent(model, x_lp, d, time_limit),
                         _core_incumbent(model, x_lp, d, core_solver))
             if x is not None and is_feasible(model, x)]
    if not cands:
        return Reduction(lp_infeasible=False, lp_bound=z_lp)
    values = [float(model.c @ x + model.offset) for x in cands]
    best = int(np.argmax(values))
    inc, z_inc = np.asarray(cands[best], float), values[best]
    fixed = fix_by_reduced_costs(model, x_lp, z_lp, d, inc, z_inc)
    if fixed is None:
        return Reduction(lp_infeasible=False, lp_bound=z_lp)
    fix, x0 = _forced(model, *fixed)
    if np.any(np.abs(inc[fix] - x0[fix]) > 1e-9):  # the incumbent must lie in the reduced space
        return Reduction(lp_infeasible=False, lp_bound=z_lp)
    sub = restrict(model, ~fix, x0)
    if sub is None:
        return Reduction(lp_infeasible=False, lp_bound=z_lp)
    return Reduction(lp_infeasible=False, lp_bound=z_lp + lp_margin(model, z_lp), incumbent=inc,
                     keep=np.flatnonzero(~fix), x0=x0, model=sub)


def lp_margin(model: MilpModel, z_lp: float) -> float:
    """What an LP optimum of value ``z_lp`` may be short of the true one by the solver's tolerances."""
    return 1e-7 * max(1.0, abs(z_lp)) + 1e-9 * float(np.abs(model.c).sum())


def fix_by_reduced_costs(model: MilpModel, x_lp: np.ndarray, z_lp: float, d: np.ndarray, inc: np.ndarray,
                         z_inc: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(the integer columns fixed, the full solution holding their values with the others 0) from an LP optimum
    ``x_lp`` of value ``z_lp`` with reduced costs ``d`` (HiGHS's, for min -c) and a feasible ``inc`` of value
    ``z_inc``; None when the duals contradict ``inc`` (then they are not trusted). ``z_lp`` may come from any
    relaxation of the model whose feasible set holds every feasible mix (an LP with valid cuts, say): the argument
    of the module docstring needs nothing more."""
    threshold = max(0.0, z_lp - z_inc) + lp_margin(model, z_lp)
    at_lb = np.abs(x_lp - model.lb) <= 1e-9
    at_ub = np.abs(x_lp - model.ub) <= 1e-9
    # At a lower bound the (minimisation) reduced cost is >= 0, at an upper bound <= 0.
    fix = model.integer & (((at_lb & (d > threshold)) | (at_ub & (-d > threshold))) | (model.lb == model.ub))
    x0 = np.where(fix, np.round(x_lp), 0.0)
    x0[model.lb == model.ub] = model.lb[model.lb == model.ub]
    if np.any(inc[fix] != x0[fix]):  # cannot happen with exact duals; do not trust the reduction then
        return None
    return fix, x0
