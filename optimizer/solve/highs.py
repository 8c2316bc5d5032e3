"""HiGHS through highspy, fed the model's arrays directly (no file). Interruptible: see ``run_interruptibly``."""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time

import numpy as np
import scipy.sparse as sp

from optimizer.model.formulation import MilpModel
from optimizer.solve.base import (
    ERROR,
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    TIME_LIMIT,
    Backend,
    SolveOutcome,
    relative_gap,
    remaining,
    rounded,
)
from optimizer.utils import stopping

# ------------------------------------------------------------------------------------------------ HiGHS

_banner_shown = False


def _new_highs():
    """A Highs object; the first one prints a banner on the C-level stdout, which would corrupt JSON output."""
    global _banner_shown
    import highspy

    if _banner_shown:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _banner_shown = True
    return h


def run_interruptibly(h, time_limit: float | None = None) -> bool:
    """``h.run()``, interruptible: in the main thread the solve runs in HiGHS's own thread while this one waits in
    steps of 0.1 s, so that Ctrl-C and SIGTERM (whose Python handlers run only here, between steps) stop the command
    at once; the solve is then cancelled and left behind (the process is ending). Elsewhere (a worker thread, where
    no signal arrives) it runs directly: highspy's solver thread guards one solve per process.

    HiGHS does not check its own ``time_limit`` everywhere (upstream issues 885, 1501 and 2226: a large LP or a
    presolve can run far past it), so in the main thread a solve still running ``DEADLINE_GRACE`` past
    ``time_limit`` is cancelled here; returns True when it was (the caller reports the time limit)."""
    if threading.current_thread() is not threading.main_thread():
        h.run()
        return False
    global abandoned
    h.HandleUserInterrupt = True
    began = time.perf_counter()
    deadline = None if time_limit is None else began + time_limit + max(1.0, DEADLINE_GRACE * time_limit)
    h.startSolve()
    try:
        while not h.wait(0.1)[0]:
            stopping.check()  # a stop swallowed elsewhere (see utils.stopping) is acted on within 0.1 s
            if deadline is not None and time.perf_counter() > deadline:
                h.cancelSolve()
                if not h.wait(2.0)[0]:
                    abandoned = True  # still running: the process must end without C++ teardown (cli.main)
                return True
    except BaseException:
        h.cancelSolve()
        with contextlib.suppress(BaseException):
            if not h.wait(0.5)[0]:
                abandoned = True  # still running: the process must end without C++ teardown (cli.main)
        raise
    return False


abandoned = False  # a HiGHS solve was interrupted and did not stop: end the process with os._exit
DEADLINE_GRACE = 0.05  # a share of the time limit (at least 1 s) HiGHS may run past it before it is cancelled


def highs_model(model: MilpModel, integral: bool, time_limit: float | None = None, gap: float = 0.0):
    """A quiet, single-threaded, seeded Highs object holding ``model`` (minimising -c), as a MIP when ``integral``
    or as its LP relaxation; also used by ``lp.py``."""
    import highspy

    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if integral:
        h.setOptionValue("mip_rel_gap", float(gap))
    A = sp.csc_matrix(model.A)
    lp = highspy.HighsLp()
    lp.num_col_ = A.shape[1]
    lp.num_row_ = A.shape[0]
    lp.col_cost_ = -np.asarray(model.c, float)
    lp.col_lower_ = np.asarray(model.lb, float)
    lp.col_upper_ = np.asarray(model.ub, float)
    lp.row_lower_ = np.asarray(model.lo, float)
    lp.row_upper_ = np.asarray(model.hi, float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    if integral:
        kinds = np.where(model.integer, highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous)
        lp.integrality_ = list(kinds)
    h.passModel(lp)
    return h


def _solve_highs(model: MilpModel, time_limit: float | None, gap: float, abs_gap: float) -> SolveOutcome:
    """HiGHS MIP. An "optimal" whose solution is far from its own dual bound is not trusted (highspy 1.16 did that
    when given a MIP start through setSolution, which is no longer passed; kept as a guard): it is solved again
    with presolve off, then by CBC."""
    start = time.perf_counter()
    out = _solve_highs_once(model, time_limit, gap, abs_gap, presolve=True)
    if out.status == OPTIMAL and out.bound is not None and out.value is not None and \
            out.bound - out.value > max(abs_gap, 1e-6 * max(1.0, abs(out.value))) and \
            (relative_gap(out.value, out.bound) or 0.0) > max(gap, 1e-6):
        out = _solve_highs_once(model, remaining(time_limit, start), gap, abs_gap, presolve=False)
        if out.status == OPTIMAL and (relative_gap(out.value, out.bound) or 0.0) > max(gap, 1e-6):
            from optimizer.solve.cbc import CbcBackend  # the other back end, as a referee

            out = CbcBackend().solve(model, remaining(time_limit, start), gap, abs_gap)  # still inconsistent
            out.message = "HiGHS returned an inconsistent optimum; solved by CBC instead"
    out.seconds = time.perf_counter() - start
    return out


def _solve_highs_once(model: MilpModel, time_limit: float | None, gap: float, abs_gap: float,
                      presolve: bool) -> SolveOutcome:
    import highspy

    start = time.perf_counter()
    h = highs_model(model, True, time_limit, gap)
    h.setOptionValue("mip_abs_gap", float(max(abs_gap, 1e-12)))
    if not presolve:
        h.setOptionValue("presolve", "off")
    # No MIP start: the best known mix serves through reduced-cost fixing instead (see solve()).
    cancelled = run_interruptibly(h, time_limit)
    ms = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    has = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = rounded(model, np.asarray(h.getSolution().col_value)) if has else None
    value = float(model.c @ x + model.offset) if x is not None else None
    bound = -float(info.mip_dual_bound) + model.offset if math.isfinite(info.mip_dual_bound) else None
    if ms == S.kOptimal:
        status, bound = OPTIMAL, bound if bound is not None else value
    elif ms == S.kInfeasible:
        return SolveOutcome(INFEASIBLE, None, None, None, time.perf_counter() - start, "highs")
    elif ms == S.kTimeLimit or cancelled:
        status = TIME_LIMIT
    elif has:
        status = FEASIBLE
    else:
        return SolveOutcome(ERROR, None, None, None, time.perf_counter() - start, "highs",
                            h.modelStatusToString(ms))
    if bound is not None and value is not None:
        bound = max(bound, value)
    return SolveOutcome(status, x, value, bound, time.perf_counter() - start, "highs",
                        h.modelStatusToString(ms))




class HighsBackend(Backend):
    """HiGHS MIP (``solver: highs``)."""

    name = "highs"

    def solve(self, model: MilpModel, time_limit: float | None, gap: float, abs_gap: float,
              start: np.ndarray | None = None) -> SolveOutcome:
        # no MIP start: highspy 1.16 returned "optimal" far from its own bound when given one (see _solve_highs)
        return _solve_highs(model, time_limit, gap, abs_gap)

    def available(self) -> bool:
        try:
            import highspy  # noqa: F401
        except ImportError:
            return False
        return True
