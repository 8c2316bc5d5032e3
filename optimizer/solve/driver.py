"""The solve: reduced-cost fixing (``reduction.py``), then a back end on what is left (``BACKENDS``)."""

from __future__ import annotations

import math
import time

import numpy as np

from optimizer.model.formulation import MilpModel
from optimizer.solve.base import FEASIBLE, INFEASIBLE, OPTIMAL, TIME_LIMIT, SolveOutcome, remaining
from optimizer.solve.cbc import CbcBackend
from optimizer.solve.highs import HighsBackend
from optimizer.solve.reduction import reduce_model

BACKENDS = {b.name: b for b in (CbcBackend(), HighsBackend())}  # solver.name -> back end


def start_cost(model: MilpModel) -> float:
    """Seconds a back end needs before it can search at all (writing and reading the model; CBC read 58,000
    columns in 0.9 s on a loaded 2-core machine): below it, starting a solve only overruns the time limit."""
    return 0.05 + 4e-6 * (model.shape[1] + model.A.nnz)


def _looser(out: SolveOutcome, gap: float, abs_gap: float) -> bool:
    """Whether ``out``'s proven gap, in the plan's own terms, is wider than both the relative ``gap`` and the
    absolute ``abs_gap`` (beyond rounding)."""
    if out.value is None or out.bound is None or not math.isfinite(out.bound):
        return False
    width = out.bound - out.value
    scale = max(abs(out.value), abs(out.bound))
    return width > max(abs_gap, gap * scale) * (1 + 1e-9) + 8 * math.ulp(scale)  # ulps: value + gap rounds


def solve(model: MilpModel, solver: str = "cbc", *, time_limit: float | None = None, gap: float = 1e-4,
          abs_gap: float = 1e-9, reduce: bool = True, incumbent: np.ndarray | None = None,
          mip_start: np.ndarray | None = None) -> SolveOutcome:
    """Solve ``model`` to the relative ``gap`` (or the absolute ``abs_gap``) within ``time_limit`` seconds.

    With ``reduce``, an LP relaxation first fixes every variable whose reduced cost proves that flipping
    it cannot beat the best known solution (exact; see :mod:`optimizer.solve.reduction`): ``incumbent``, a
    feasible full solution, is where the fixing starts. ``mip_start``, a feasible full solution, is handed to the
    back end as its first incumbent (worth it when it is near the optimum, e.g. a plan re-solved with one rule
    loosened; from a greedy mix CBC only spends longer).
    """
    start = time.perf_counter()
    chosen = BACKENDS[solver].solve

    def backend(m: MilpModel, limit: float | None, g: float, warm: np.ndarray | None = None) -> SolveOutcome:
        """A back end's solve, held to the gap asked for in the plan's own terms. A back end measures its relative
        gap on the objective it is handed, without the model's constant (the fixed columns of a reduced model, or
        a negative constant that leaves a small plan value), so its "optimal" can be looser than ``g`` of the
        plan's value: then it solves once more from its mix, to an absolute gap of ``g`` times that value, and
        a plan still short of ``g`` is only "feasible", with the gap it has."""
        began = time.perf_counter()
        out = chosen(m, limit, g, abs_gap, warm)
        if out.status != OPTIMAL or out.value is None or not _looser(out, g, abs_gap):
            return out
        target = g * abs(out.value) * (1 - 1e-12)
        if target > abs_gap and out.x is not None:
            again = chosen(m, remaining(limit, began), 0.0, target, out.x)
            if again.status == OPTIMAL and again.value is not None and again.value >= out.value:
                out = again
        if _looser(out, g, abs_gap):
            out.status = FEASIBLE
        return out

    if not reduce or model.shape[1] == 0:
        out = backend(model, time_limit, gap, mip_start)
        out.seconds = time.perf_counter() - start
        return out

    def core(m: MilpModel) -> SolveOutcome:
        limit = remaining(time_limit, start)
        return chosen(m, None if limit is None else limit / 4, max(gap, 1e-6), abs_gap)

    red = reduce_model(model, incumbent, core, time_limit)
    if red.lp_infeasible:
        return SolveOutcome(INFEASIBLE, None, None, None, time.perf_counter() - start, solver,
                            "the LP relaxation is infeasible")
    if red.lp_timed_out and incumbent is not None:  # no time left for the whole model: the known mix stands
        value = float(model.c @ incumbent + model.offset)
        return SolveOutcome(TIME_LIMIT, np.asarray(incumbent, float), value, None, time.perf_counter() - start,
                            solver, "stopped by the time limit during the LP relaxation; the mix is the greedy one")
    if red.incumbent is None:  # nothing to fix against: solve the whole model
        out = backend(model, remaining(time_limit, start), gap)
        out.seconds = time.perf_counter() - start
        return out
    inc_value = float(model.c @ red.incumbent + model.offset)
    if red.keep.size == 0:
        return SolveOutcome(OPTIMAL, red.incumbent, inc_value, inc_value, time.perf_counter() - start, solver,
                            "every variable fixed by reduced costs")
    sub = red.model
    left = remaining(time_limit, start)
    skipped = left is not None and left < start_cost(sub)  # too little time to even hand the core to a back end
    out = (SolveOutcome(TIME_LIMIT, None, None, None, 0.0, solver) if skipped
           else backend(sub, left, gap, None if mip_start is None else red.incumbent[red.keep]))
    x_full = red.incumbent.copy()
    if out.x is not None and out.value is not None and out.value >= inc_value:
        x_full = red.x0.copy()
        x_full[red.keep] = out.x
        value = float(model.c @ x_full + model.offset)
    else:
        value = inc_value
    if out.status == INFEASIBLE:  # cannot be right: the incumbent is feasible; fall back to the full model
        out = backend(model, remaining(time_limit, start), gap)
        out.seconds = time.perf_counter() - start
        return out
    # Solutions outside the reduced space are worse than the incumbent, so the reduced bound is global.
    # and the LP relaxation's bound holds even when the back end proved none (stopped by the time limit)
    bound = red.lp_bound if out.bound is None else min(max(out.bound, value), red.lp_bound)
    bound = None if not math.isfinite(bound) else max(bound, value)
    # The back end's verdict carries over: every optimum of the whole lies in the reduced space.
    status = out.status
    return SolveOutcome(status, x_full, value, bound, time.perf_counter() - start, solver,
                        f"{sub.shape[1]} of {model.shape[1]} variables left after reduced-cost fixing"
                        + ("; stopped by the time limit before branch and bound" if skipped else ""))


