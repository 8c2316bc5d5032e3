"""MILP back ends: CBC (the binary bundled with PuLP, fed an MPS file written from arrays) and HiGHS
(through highspy, fed the arrays directly). Both maximise, report a proven bound, and never call a
time-limited solve optimal.

Gap, everywhere in this package: (bound - value) / max(|value|, |bound|), with bound the best proven upper
bound on the objective; 0 when the two agree.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .formulation import MilpModel
from .parallel import children

OPTIMAL, FEASIBLE, TIME_LIMIT, INFEASIBLE, ERROR = "optimal", "feasible", "time_limit", "infeasible", "error"
EMPTY = "empty"  # solved, and the best mix hires nobody (plan.py says why)


@dataclass
class SolveOutcome:
    """What a back end returns. ``x`` is None when no feasible solution was found."""

    status: str
    x: np.ndarray | None
    value: float | None  # c . x + offset
    bound: float | None  # proven upper bound on the optimum
    seconds: float
    solver: str
    message: str = ""

    @property
    def gap(self) -> float | None:
        return relative_gap(self.value, self.bound)

    @property
    def has_solution(self) -> bool:
        return self.x is not None


def relative_gap(value: float | None, bound: float | None) -> float | None:
    if value is None or bound is None or not math.isfinite(bound):
        return None
    den = max(abs(value), abs(bound))
    if den < 1e-12:
        return 0.0
    return max(0.0, (bound - value) / den)


def solve(model: MilpModel, solver: str = "cbc", *, time_limit: float | None = None, gap: float = 1e-4,
          abs_gap: float = 1e-9, reduce: bool = True, incumbent: np.ndarray | None = None) -> SolveOutcome:
    """Solve ``model`` to the relative ``gap`` (or the absolute ``abs_gap``) within ``time_limit`` seconds.

    With ``reduce``, an LP relaxation first fixes every variable whose reduced cost proves that flipping
    it cannot beat the best known solution (exact; see :mod:`optimizer.reduction`).
    """
    from .reduction import reduce_model  # local import: reduction uses this module's helpers

    start = time.perf_counter()
    chosen = {"cbc": _solve_cbc, "highs": _solve_highs}[solver]

    def backend(m: MilpModel, limit: float | None, g: float) -> SolveOutcome:
        return chosen(m, limit, g, abs_gap)

    if not reduce or model.shape[1] == 0:
        out = backend(model, time_limit, gap)
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
    out = backend(sub, remaining(time_limit, start), gap)
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
                        f"{sub.shape[1]} of {model.shape[1]} variables left after reduced-cost fixing")


def remaining(time_limit: float | None, start: float) -> float | None:
    """Seconds left of ``time_limit`` from ``start`` (``time.perf_counter()``), at least 0.01; None: no limit."""
    if time_limit is None:
        return None
    return max(0.01, time_limit - (time.perf_counter() - start))


def _round(model: MilpModel, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, float).copy()
    x[model.integer] = np.round(x[model.integer])
    return np.clip(x, model.lb, model.ub)


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


def _run(h) -> None:
    """``h.run()``, interruptible: in the main thread the solve runs in HiGHS's own thread while this one waits in
    steps of 0.1 s, so that Ctrl-C and SIGTERM (whose Python handlers run only here, between steps) stop the command
    at once; the solve is then cancelled and left behind (the process is ending). Elsewhere (a worker thread, where
    no signal arrives) it runs directly: highspy's solver thread guards one solve per process."""
    if threading.current_thread() is not threading.main_thread():
        h.run()
        return
    global abandoned
    h.HandleUserInterrupt = True
    h.startSolve()
    try:
        while not h.wait(0.1)[0]:
            pass
    except BaseException:
        h.cancelSolve()
        with contextlib.suppress(BaseException):
            if not h.wait(0.5)[0]:
                abandoned = True  # still running: the process must end without C++ teardown (cli.main)
        raise


abandoned = False  # a HiGHS solve was interrupted and did not stop: end the process with os._exit


def _highs(model: MilpModel, integral: bool, time_limit: float | None = None, gap: float = 0.0):
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
            out = _solve_cbc(model, remaining(time_limit, start), gap, abs_gap)  # still inconsistent
            out.message = "HiGHS returned an inconsistent optimum; solved by CBC instead"
    out.seconds = time.perf_counter() - start
    return out


def _solve_highs_once(model: MilpModel, time_limit: float | None, gap: float, abs_gap: float,
                      presolve: bool) -> SolveOutcome:
    import highspy

    start = time.perf_counter()
    h = _highs(model, True, time_limit, gap)
    h.setOptionValue("mip_abs_gap", float(max(abs_gap, 1e-12)))
    if not presolve:
        h.setOptionValue("presolve", "off")
    # No MIP start: the best known mix serves through reduced-cost fixing instead (see solve()).
    _run(h)
    ms = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    has = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = _round(model, np.asarray(h.getSolution().col_value)) if has else None
    value = float(model.c @ x + model.offset) if x is not None else None
    bound = -float(info.mip_dual_bound) + model.offset if math.isfinite(info.mip_dual_bound) else None
    if ms == S.kOptimal:
        status, bound = OPTIMAL, bound if bound is not None else value
    elif ms == S.kInfeasible:
        return SolveOutcome(INFEASIBLE, None, None, None, time.perf_counter() - start, "highs")
    elif ms == S.kTimeLimit:
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


COLUMN_GENERATION_MIN = 20_000  # columns from which the LP relaxation is solved by pricing (below: directly)
_FIRST_COLUMNS = 2_000  # columns in the first restricted LP
_MAX_ROUNDS = 50


def lp_relaxation(model: MilpModel, time_limit: float | None = None):
    """(status, x, objective, reduced costs in the max sense) of the LP relaxation, via HiGHS; status
    ``time_limit`` (and no solution) when ``time_limit`` seconds run out first.

    A long shortlist with few rules (many more columns than rows) is solved by column generation, exactly: a
    restricted LP over the most valuable columns, with an elastic slack of cost ``M`` on every row, is solved;
    every other column is priced with its duals (``d_j = -c_j - a_j . y``, one sparse product); those with
    ``d_j < 0`` join and it is solved again, until none prices out. Then the restricted solution, padded with
    zeros, is optimal for the whole LP (its duals are feasible for every column) provided no slack is used; if
    one is (the rows cannot be met by the columns seen, or the LP is infeasible), the whole LP is solved directly.
    On the 200,000-candidate benchmark shortlist this takes well under a second where the direct dual simplex
    took 13 s."""
    start = time.perf_counter()
    m, n = model.shape
    if n >= COLUMN_GENERATION_MIN and m and n >= 50 * m:
        out = _lp_by_columns(model, time_limit, start)
        if out is not None:
            return out
    return _lp_direct(model, remaining(time_limit, start))


def _lp_direct(model: MilpModel, time_limit: float | None):
    import highspy

    h = _highs(model, False, time_limit)
    _run(h)
    ms = h.getModelStatus()
    if ms == highspy.HighsModelStatus.kInfeasible:
        return INFEASIBLE, None, None, None
    if ms == highspy.HighsModelStatus.kTimeLimit:
        return TIME_LIMIT, None, None, None
    if ms != highspy.HighsModelStatus.kOptimal:
        return ERROR, None, None, None
    sol = h.getSolution()
    x = np.asarray(sol.col_value, float)
    # HiGHS minimises -c; its column duals d satisfy f(x) >= f_lp + sum d_j (x_j - xbar_j).
    d = np.asarray(sol.col_dual, float)
    return OPTIMAL, x, float(model.c @ x + model.offset), d


def _lp_by_columns(model: MilpModel, time_limit: float | None, start: float):
    """Column generation (see ``lp_relaxation``); None when it cannot conclude (then the LP is solved directly)."""
    import highspy

    m, n = model.shape
    A = sp.csc_matrix(model.A)
    c = np.asarray(model.c, float)
    lo, hi = np.asarray(model.lo, float), np.asarray(model.hi, float)
    # Elastic slacks: row i reads a_i x + s_i - t_i within [lo_i, hi_i], s, t >= 0 at cost M each. M dwarfs what any
    # column is worth, so a slack is used only when the columns in the LP cannot meet the row.
    big = 1e3 * (1.0 + float(np.abs(c).max(initial=0.0))) * (1.0 + float(np.abs(model.ub[np.isfinite(model.ub)]).max(
        initial=1.0)))
    eye = sp.identity(m, format="csc")
    needed = np.flatnonzero((model.lb > 0) | (model.lb == model.ub))
    first = np.argsort(-c, kind="stable")[:_FIRST_COLUMNS]
    cols = np.union1d(needed, first)
    for _ in range(_MAX_ROUNDS):
        left = remaining(time_limit, start)
        if left is not None and left <= 0.01:
            return TIME_LIMIT, None, None, None
        sub = MilpModel(c=np.concatenate([c[cols], np.full(2 * m, -big)]), A=sp.hstack([A[:, cols], eye, -eye]).tocsr(),
                    lo=lo, hi=hi, lb=np.concatenate([model.lb[cols], np.zeros(2 * m)]),
                    ub=np.concatenate([model.ub[cols], np.full(2 * m, np.inf)]),
                    integer=np.zeros(cols.size + 2 * m, dtype=bool), rows=list(model.rows), n_candidates=0)
        h = _highs(sub, False, left)
        _run(h)
        ms = h.getModelStatus()
        if ms == highspy.HighsModelStatus.kTimeLimit:
            return TIME_LIMIT, None, None, None
        if ms != highspy.HighsModelStatus.kOptimal:
            return None
        sol = h.getSolution()
        y = np.asarray(sol.row_dual, float)
        d = -c - A.T @ y  # HiGHS's column duals for min -c.x, for every column
        outside = np.ones(n, dtype=bool)
        outside[cols] = False
        # a column outside sits at its lower bound 0: it can improve the LP when its reduced cost is negative
        price = np.flatnonzero(outside & (d < -1e-9 * (1.0 + np.abs(c))) & (model.ub > 0))
        if price.size == 0:
            slack = np.asarray(sol.col_value, float)[cols.size:]
            if np.any(slack > 1e-9):
                return None  # the rows need columns the restricted LP never saw, or cannot be met: solve directly
            x = np.zeros(n)
            x[cols] = np.asarray(sol.col_value, float)[: cols.size]
            return OPTIMAL, x, float(c @ x + model.offset), d
        add = price[np.argsort(d[price], kind="stable")[: max(_FIRST_COLUMNS, cols.size)]]
        cols = np.union1d(cols, add)
    return None


# -------------------------------------------------------------------------------------------------- CBC

@functools.lru_cache(maxsize=1)
def cbc_path() -> str:
    """The CBC binary: PuLP's COIN_CMD where a CBC is installed (e.g. ``pulp[cbc]``), else PuLP's bundled one."""
    import warnings

    import pulp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3 flags the bundled binary for removal in 4
        for cmd in (pulp.COIN_CMD(msg=False), pulp.PULP_CBC_CMD(msg=False)):
            if cmd.available():
                return cmd.path
    raise RuntimeError("no CBC binary found (PuLP's bundled one is missing); use solver: highs")


def write_mps(model: MilpModel, path: str) -> None:
    """Free-format MPS of ``min -c . x`` (CBC minimises), written from the sparse arrays."""
    m, n = model.shape
    rnames = np.array([f"r{i}" for i in range(m)], dtype=object)
    kinds = np.where(np.isfinite(model.lo) & np.isfinite(model.hi),
                     np.where(model.lo == model.hi, "E", "G"),
                     np.where(np.isfinite(model.lo), "G", np.where(np.isfinite(model.hi), "L", "N")))
    full = sp.vstack([sp.csr_matrix(-np.asarray(model.c, float).reshape(1, -1)), model.A]).tocsc()
    full.eliminate_zeros()
    cols = np.repeat(np.arange(n), np.diff(full.indptr))
    names = np.concatenate([["obj"], rnames]) if m else np.array(["obj"], dtype=object)
    rows = names[full.indices]
    entry = [f" x{j} {r} {v!r}" for j, r, v in zip(cols.tolist(), rows.tolist(), full.data.tolist(), strict=False)]
    # Columns with no entry at all still need a line so that they exist.
    empty = np.flatnonzero(np.diff(full.indptr) == 0)
    entry += [f" x{j} obj 0" for j in empty.tolist()]
    order = np.argsort(np.concatenate([cols, empty]), kind="stable")
    entry = [entry[k] for k in order]
    out = ["NAME mix", "ROWS", " N obj"]
    out += [f" {k} {r}" for k, r in zip(kinds.tolist(), rnames.tolist(), strict=False)]  # extra N rows are free rows
    out += ["COLUMNS", " M1 'MARKER' 'INTORG'"] if model.integer.all() else ["COLUMNS"]
    if model.integer.all():
        out += entry + [" M2 'MARKER' 'INTEND'"]
    else:  # integer columns between markers, continuous ones outside
        starts = np.searchsorted(np.sort(np.concatenate([cols, empty])), np.arange(n + 1))
        for j in range(n):
            block = entry[starts[j]:starts[j + 1]]
            out += ([" M 'MARKER' 'INTORG'"] + block + [" M 'MARKER' 'INTEND'"]) if model.integer[j] else block
    out.append("RHS")
    for i, (k, lo, hi) in enumerate(zip(kinds.tolist(), model.lo.tolist(), model.hi.tolist(), strict=False)):
        rhs = lo if k in ("G", "E") else hi if k == "L" else None
        if rhs is not None and rhs != 0:
            out.append(f" rhs r{i} {rhs!r}")
    ranged = [i for i, k in enumerate(kinds) if k == "G" and np.isfinite(model.hi[i])]
    if ranged:
        out.append("RANGES")
        out += [f" rng r{i} {model.hi[i] - model.lo[i]!r}" for i in ranged]
    out.append("BOUNDS")
    for j, (lb, ub) in enumerate(zip(model.lb.tolist(), model.ub.tolist(), strict=False)):
        if lb == ub:
            out.append(f" FX bnd x{j} {lb!r}")
            continue
        if lb != 0:
            out.append(f" LO bnd x{j} {lb!r}" if math.isfinite(lb) else f" MI bnd x{j}")
        out.append(f" UP bnd x{j} {ub!r}" if math.isfinite(ub) else f" PL bnd x{j}")
    out.append("ENDATA")
    with open(path, "w") as fh:
        fh.write("\n".join(out))
        fh.write("\n")


_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"


def _run_cbc(args: list[str], time_limit: float | None) -> tuple[int, str, str, bool]:
    """Run CBC: (exit code, stdout, stderr, whether it had to be stopped). CBC checks its ``-sec`` only between
    steps (reading a large model or preprocessing it can overrun), so past ``time_limit`` + 2% + 0.3 s it is sent
    Ctrl-C, on which it writes its best mix, and half a second later killed. Ctrl-C or SIGTERM to this process
    kills it (``parallel.children``), so no solve outlives the command."""
    limit = None if time_limit is None else 1.02 * time_limit + 0.3
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children.add(proc)
    stopped = False
    try:
        try:
            out, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            stopped = True
            proc.send_signal(signal.SIGINT)
            try:
                out, err = proc.communicate(timeout=0.5)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        children.discard(proc)
    return proc.returncode, out, err, stopped


def _solve_cbc(model: MilpModel, time_limit: float | None, gap: float, abs_gap: float) -> SolveOutcome:
    start = time.perf_counter()
    n = model.shape[1]
    with tempfile.TemporaryDirectory(prefix="influencer-mix-") as tmp:
        mps = os.path.join(tmp, "model.mps")
        sol = os.path.join(tmp, "solution.txt")
        write_mps(model, mps)
        args = [cbc_path(), mps, "-ratioGap", repr(float(gap)), "-allowableGap", repr(float(max(abs_gap, 1e-12))),
                "-timeMode", "elapsed"]
        if time_limit is not None:
            args += ["-sec", repr(float(time_limit))]
        # CBC 2.10's preprocessing (CglPreProcess) can fix a variable wrongly and report a worse mix as optimal
        # (a 10-column phase model whose optimum 44,462 it reported as 19,037: test_phases_match_enumeration,
        # seed 990136), so the MILP is solved without it; the same binary then crashes on some infeasible models
        # (segmentation fault, no output), and those are solved again with it, where it proves infeasibility.
        code, log, err, stopped = _run_cbc(args + ["-preprocess", "off", "-branch", "-solution", sol], time_limit)
        left = remaining(time_limit, start)
        if not stopped and (code != 0 or not os.path.exists(sol)) and (left is None or left > 0.1):
            if left is not None:
                args[args.index("-sec") + 1] = repr(float(left))
            code, log, err, stopped = _run_cbc(args + ["-branch", "-solution", sol], left)
        if stopped and not os.path.exists(sol):
            return SolveOutcome(TIME_LIMIT, None, None, None, time.perf_counter() - start, "cbc",
                                "stopped by the time limit before a mix was found")
        if code != 0 and not stopped or not os.path.exists(sol):
            return SolveOutcome(ERROR, None, None, None, time.perf_counter() - start, "cbc", (err or log)[-500:])
        with open(sol) as fh:
            head = fh.readline()
            body = fh.read().split("\n")
    result = re.search(r"Result - (.*)", log)
    result = result.group(1).strip() if result else head
    if stopped:  # CBC overran its -sec and was interrupted: its best mix stands, unproven
        result = "Stopped on time (interrupted after overrunning the time limit)"
    if "infeasible" in result.lower() or head.lower().startswith("infeasible"):
        elapsed = time.perf_counter() - start
        if time_limit is not None and elapsed >= 0.8 * time_limit:
            # CBC 2.10 reports "infeasible" when the clock runs out inside preprocessing: not a proof.
            return SolveOutcome(TIME_LIMIT, None, None, None, elapsed, "cbc", "stopped by the time limit")
        return SolveOutcome(INFEASIBLE, None, None, None, elapsed, "cbc", result)
    x = np.zeros(n)
    found = False
    for line in body:
        parts = line.split()
        if len(parts) >= 3 and parts[1].startswith("x"):
            if parts[0] == "**":
                parts = parts[1:]
            x[int(parts[1][1:])] = float(parts[2])
            found = True
    no_solution = "no feasible solution" in log.lower() or "no integer solution" in head.lower()
    if no_solution or (not found and "objective value" not in head.lower()):
        status = TIME_LIMIT if "time" in result.lower() else ERROR
        return SolveOutcome(status, None, None, None, time.perf_counter() - start, "cbc", result)
    x = _round(model, x)
    value = float(model.c @ x + model.offset)
    lower = re.search(r"Lower bound:\s*" + _NUM, log)
    if "Optimal solution found" in result and lower is None:
        bound, status = value, OPTIMAL
    else:
        # CBC prints its bound (of the minimisation) with three decimals: widen by that rounding.
        bound = -float(lower.group(1)) + 0.0005 + model.offset if lower else None
        if "time" in result.lower():
            status = TIME_LIMIT
        elif "Optimal" in result:
            status = OPTIMAL
        else:
            status = FEASIBLE
    if bound is not None:
        bound = max(bound, value)
    return SolveOutcome(status, x, value, bound, time.perf_counter() - start, "cbc", result)
