"""CBC: the binary bundled with PuLP (or an installed one), fed a free-format MPS file written from the arrays."""

from __future__ import annotations

import functools
import math
import os
import re
import signal
import subprocess
import tempfile
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
    remaining,
    rounded,
)
from optimizer.utils import stopping
from optimizer.utils.parallel import children


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
    steps (reading a large model or preprocessing it can overrun), so past ``time_limit`` + 2% + 0.2 s it is sent
    Ctrl-C, on which it writes its best mix, and half a second later killed. Ctrl-C or SIGTERM to this process
    kills it (``parallel.children``), so no solve outlives the command."""
    limit = None if time_limit is None else 1.02 * time_limit + 0.2
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children.add(proc)
    stopped = False
    deadline = None if limit is None else time.perf_counter() + limit
    try:
        while True:  # in steps, so that a stop swallowed elsewhere (utils.stopping) is acted on within a step
            step = 0.25 if deadline is None else max(0.0, min(0.25, deadline - time.perf_counter()))
            try:
                out, err = proc.communicate(timeout=step)
                break
            except subprocess.TimeoutExpired:
                stopping.check()
                if deadline is not None and time.perf_counter() >= deadline:
                    stopped = True
                    proc.send_signal(signal.SIGINT)
                    try:
                        out, err = proc.communicate(timeout=0.5)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        out, err = proc.communicate()
                    break
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        children.discard(proc)
    return proc.returncode, out, err, stopped


def _solve_cbc(model: MilpModel, time_limit: float | None, gap: float, abs_gap: float,
               mip_start: np.ndarray | None = None) -> SolveOutcome:
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
        if mip_start is not None and not model.violations(mip_start):
            # CBC's MIP start: the integer columns' values; it solves the LP for the rest. Half the time on the
            # what-if re-solves of three_phase_funnel.yaml, whose start (the plan's mix) is often optimal.
            path = os.path.join(tmp, "start.txt")
            cols = np.flatnonzero(model.integer)
            with open(path, "w") as fh:
                fh.write("Stopped on iterations - objective value 0\n")
                fh.writelines(f"{j} x{j} {v!r}\n" for j, v in zip(cols.tolist(), np.round(mip_start[cols]).tolist(),
                                                                     strict=True))
            args += ["-mipStart", path]
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
    x = rounded(model, x)
    value = float(model.c @ x + model.offset)
    lower = re.search(r"Lower bound:\s*" + _NUM, log)
    possible = re.findall(r"best possible " + _NUM, log)  # progress lines: each a bound proven when printed
    bounds = [_maximised(lower.group(1), model.offset)] if lower else []
    bounds += [_maximised(possible[-1], model.offset)] if possible else []
    if "time" in result.lower():
        status = TIME_LIMIT
    elif "Optimal" in result:
        status = OPTIMAL
    else:
        status = FEASIBLE
    if status == OPTIMAL:
        # The search ended: CBC pruned every node that could not beat the incumbent by more than the gaps it was
        # given, and when it ends that way it prints no bound. What it proved is the incumbent plus that
        # allowance (0 only at gap 0); a bound it printed (rounded) may be looser.
        bounds.append(value + _allowance(model.offset - value, gap, abs_gap))
    bound = max(min(bounds), value) if bounds and math.isfinite(min(bounds)) else None
    return SolveOutcome(status, x, value, bound, time.perf_counter() - start, "cbc", result)


def _allowance(incumbent: float, gap: float, abs_gap: float) -> float:
    """How far CBC's best possible may lie below its ``incumbent`` (of the minimisation it solves) when it ends a
    search with ``-ratioGap gap -allowableGap abs_gap``: it stops once best possible >= incumbent - max(abs_gap,
    gap * max(|incumbent|, |best possible|)), which for a positive incumbent is ``gap * incumbent`` below it and for
    a negative one ``gap / (1 - gap) * |incumbent|``; less a few units in the last place of the incumbent (far
    below the solver's own tolerances), so that floating-point rounding alone never reports a gap above the one
    asked for."""
    if gap >= 1:
        return math.inf
    a = gap * incumbent if incumbent >= 0 else gap / (1.0 - gap) * -incumbent
    return max(abs_gap, a - 16 * math.ulp(incumbent), 0.0)


def _maximised(printed: str, offset: float) -> float:
    """A bound CBC printed for its minimisation of -c . x, as a bound of the maximisation: negated, plus the
    objective's constant, widened by one unit of the last digit printed (CBC rounds what it prints)."""
    m = re.fullmatch(r"[-+]?\d*\.?(\d*)(?:[eE]([-+]?\d+))?", printed)
    unit = 10.0 ** (int(m.group(2) or 0) - len(m.group(1))) if m else 1e-3 * max(1.0, abs(float(printed)))
    return -float(printed) + offset + unit



class CbcBackend(Backend):
    """CBC (``solver: cbc``, the default)."""

    name = "cbc"

    def solve(self, model: MilpModel, time_limit: float | None, gap: float, abs_gap: float,
              start: np.ndarray | None = None) -> SolveOutcome:
        return _solve_cbc(model, time_limit, gap, abs_gap, start)

    def available(self) -> bool:
        try:
            cbc_path()
        except RuntimeError:
            return False
        return True
