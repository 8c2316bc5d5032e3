"""``influencer-mix``: the command line.

Exit codes: 0 a plan was found (optimal, or feasible/time-limited with its gap reported); 1 no plan (the rules
conflict, or the time limit ran out first); 2 bad input (one line naming the file, row, column or key).

Only the standard library and dependency-free modules load with this one (``--help`` and a bad flag answer at
once); each command imports the rooms it uses when it runs (``benchmarks/bench_startup.py`` measures it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from optimizer.errors import InputError, suggest
from optimizer.io.keys import MAX_RUNS, MAX_SEED, SOLVERS, TARGET_KEYS
from optimizer.learn.keys import DEFAULT_HALF_LIFE
from optimizer.learn.keys import MODELS as ATTRIBUTION_MODELS
from optimizer.utils import stopping
from optimizer.utils.jsonable import SCHEMA_VERSION
from optimizer.utils.sizing import check_risk_model

if TYPE_CHECKING:
    from optimizer.io.scenario import Scenario, SimulationSettings


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2), like every other input error of the tool."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, clean(f"error: {self.prog}: {message} (see {self.prog} --help)\n"))


def _parser() -> argparse.ArgumentParser:
    """The commands; flags shared by several are declared once, in parents."""
    def parent(*adders) -> argparse.ArgumentParser:
        q = _Parser(add_help=False)
        for add in adders:
            add(q)
        return q

    scenario = parent(lambda q: q.add_argument("scenario", help="scenario YAML file"))
    fmt = parent(lambda q: q.add_argument("--format", choices=("table", "json"), default="table"))
    top = parent(lambda q: q.add_argument("--top", type=int, metavar="N", help="in the table, show only the N "
                                          "creators with the largest fees (the files and the JSON keep them all)"))
    solver = parent(
        lambda q: q.add_argument("--solver", choices=SOLVERS, help="override solver.name"),
        lambda q: q.add_argument("--time-limit", type=float, metavar="S", help="override solver.time_limit "
                                 "(seconds; for frontier and sweep, per solve)"),
        lambda q: q.add_argument("--gap", type=float, help="override solver.gap (relative)"))
    simulation = parent(
        lambda q: q.add_argument("--runs", type=int, metavar="N", help="override simulation.runs"),
        lambda q: q.add_argument("--seed", type=int, metavar="S", help="override simulation.seed"),
        lambda q: q.add_argument("--target", action="append", default=[], metavar="KEY=VALUE",
                                 help="report P(KEY below VALUE), e.g. roi=3 or revenue=100000 (repeatable)"),
        lambda q: q.add_argument("--threads", type=int, metavar="K", help="simulation threads (the numbers do not "
                                 "depend on it)"))
    cluster = parent(lambda q: q.add_argument(
        "--scheduler", metavar="ADDRESS", help="run the independent solves (frontier, sweep, what-if, prices, "
        "compared scenarios) and the simulation's chunks of runs on a Dask cluster, e.g. tcp://10.0.0.5:8786 (pip "
        "install 'influencer-mix[dask]'; the numbers do not depend on it)"))
    menu = parent(
        lambda q: q.add_argument("--out", metavar="DIR", help="also write the JSON and a PNG chart to DIR"),
        lambda q: q.add_argument("--jobs", type=int, metavar="N", help="parallel solves (processes; default: the "
                                 "cores)"))

    p = _Parser(prog="influencer-mix", description="Plan an influencer-marketing campaign as a "
                "portfolio: an exact integer program picks the creator mix.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", parents=[scenario, fmt, top, solver, simulation, cluster],
                         help="solve a scenario and report the mix")
    run.add_argument("--out", metavar="DIR", help="also write selection.csv, summary.json and the report to DIR "
                     "(and, when simulating, histograms of profit and ROI)")
    run.add_argument("--explain", action="store_true", help="price every creator: the fee at which each one left "
                     "out would enter the plan, and up to which each one chosen stays (one solve per step of a "
                     "bisection; in the table, the JSON and the report)")
    run.add_argument("--simulate", action="store_true", help="simulate the mix and compare it with the alternatives "
                     "(implied by a simulation: block in the scenario)")
    run.add_argument("--frontier", type=int, metavar="K", help="also trace the return-risk frontier with K points "
                     "(in the table and, with --out, in the report, frontier.json and frontier.png)")
    run.add_argument("--sweep", metavar="BUDGETS", help="also sweep these budgets, e.g. 5000:50000:5000 (in the "
                     "table and, with --out, in the report, sweep.json and sweep.png)")
    sim = sub.add_parser("simulate", parents=[scenario, fmt, top, solver, simulation, cluster],
                         help="simulate a mix (the optimiser's, or --ids) and compare it with the alternatives")
    sim.add_argument("--ids", metavar="ID,ID,...", help="simulate these candidates instead of the optimiser's mix")
    sim.add_argument("--out", metavar="DIR", help="also write simulation.json and histograms of profit and ROI")
    sim.add_argument("--no-compare", action="store_true", help="skip the comparison with the alternatives")
    fr = sub.add_parser("frontier", parents=[scenario, fmt, solver, menu, cluster],
                        help="expected profit against CVaR: the distinct mixes from the risk-neutral optimum to the "
                        "safest (the scenario's risk: block sets alpha, scenarios and seed)")
    fr.add_argument("--points", type=int, default=10, metavar="K", help="CVaR floors to try (default 10)")
    sw = sub.add_parser("sweep", parents=[scenario, fmt, solver, menu, cluster], help="solve at each budget: expected "
                        "profit, ROI, P(loss), CVaR, marginal return")
    sw.add_argument("--budgets", required=True, metavar="A:B:STEP", help="e.g. 5000:50000:5000 (B included), or "
                    "a comma-separated list")
    cal = sub.add_parser("calibrate", parents=[fmt], help="estimate each shortlisted creator's rates from past "
                         "posts, shrunk toward its tier and platform, and write the shortlist with them")
    cal.add_argument("posts", help="past posts (CSV or .xlsx): id, platform, date, followers, reach or impressions, "
                     "engagements, [clicks], orders, revenue, [fee]")
    cal.add_argument("--candidates", required=True, metavar="SHORTLIST", help="the shortlist to calibrate")
    cal.add_argument("-o", "--output", required=True, metavar="CSV", help="the calibrated shortlist to write")
    cal.add_argument("--touchpoints", metavar="LOG", help="customer journeys: journey, timestamp, touch, converted, "
                     "[value]; orders and revenue are then credited by --model")
    cal.add_argument("--model", choices=ATTRIBUTION_MODELS, default="linear", help="attribution model (default "
                     "linear)")
    cal.add_argument("--half-life", type=float, default=DEFAULT_HALF_LIFE, metavar="DAYS",
                     help="time_decay: a touch this many days before the conversion counts half")
    cal.add_argument("--weights", default="0.4,0.2,0.4", metavar="F,M,L",
                     help="position_based: first, middle and last shares (default 0.4,0.2,0.4)")
    cal.add_argument("--report", metavar="JSON", help="also write the per-creator estimates, priors and "
                     "attribution as JSON")
    cal.add_argument("--skip-bad-rows", action="store_true", help="skip history rows that break the contract (they "
                     "are counted by reason) instead of stopping")
    sub.add_parser("validate", parents=[scenario, fmt], help="check the scenario and its shortlist without solving")
    cmp = sub.add_parser("compare", parents=[fmt, solver, simulation, cluster],
                         help="plan several scenarios and put them side by side: totals, risk, overlap of the mixes, "
                         "what differs")
    cmp.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two or more scenario YAML files")
    cmp.add_argument("--simulate", action="store_true", help="simulate each plan (implied by a scenario's "
                     "simulation: block)")
    cmp.add_argument("--out", metavar="DIR", help="also write comparison.json, comparison.html and comparison.md")
    return p


MAX_POINTS = 200  # frontier points
MAX_WORKERS = 256  # --jobs and --threads
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # terminal escapes and other control characters


def clean(text: str) -> str:
    """``text`` without control characters (an id or a name from a file cannot move the cursor or recolour the
    terminal); newlines and tabs stay."""
    return _CONTROL.sub("", text)


def _print(text: str = "", file=None) -> None:
    """Print for a terminal: control characters removed; on a stream that cannot encode a character (an ASCII-only
    terminal), the em dash of an undefined value becomes '-' and anything else '?'."""
    stream = file or sys.stdout
    text = clean(str(text))
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = text.replace("\u2014", "-").encode(encoding, errors="replace").decode(encoding, errors="replace")
    print(text, file=stream)


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring for exit codes). Ctrl-C exits 130 and SIGTERM 143, with one line
    and no traceback; a closed pipe (``| head``) ends quietly."""
    previous = stopping.install()
    try:
        code = _main(argv)
        stopping.check()  # a stop that arrived where Python swallows exceptions still ends the command as a stop
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return _stopped(130)
    except stopping.Terminated:
        print("terminated", file=sys.stderr)
        return _stopped(143)
    except BrokenPipeError:  # the reader went away: nothing more to say, and nowhere to say it
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 141
    finally:
        stopping.restore(previous)


def _stopped(code: int) -> int:
    """``code``; or, when a HiGHS solve was interrupted and is still winding down in its thread, the process ends
    here with ``code`` (a normal exit would tear down HiGHS's threads under it and abort)."""
    solvers = sys.modules.get("optimizer.solve.highs")
    if solvers is not None and solvers.abandoned:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    return code


def _main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "simulate":
            return _simulate(args)
        if args.command in ("frontier", "sweep"):
            return _menu(args)
        if args.command == "calibrate":
            return _calibrate(args)
        if args.command == "compare":
            return _compare(args)
        return _run(args)
    except InputError as exc:
        if args.command == "validate":
            if args.format == "json":

                print(json.dumps({"schema_version": SCHEMA_VERSION, "valid": False,
                                  "problems": [str(p) for p in exc.problems]}, indent=2))
            else:
                _print(f"{len(exc.problems)} problem{'s' if len(exc.problems) > 1 else ''} found:", file=sys.stderr)
                for p in exc.problems:
                    _print(f"  {p}", file=sys.stderr)
        elif args.command == "calibrate":
            _print(f"error: {exc.one_line('--skip-bad-rows skips bad history rows and counts them')}",
                   file=sys.stderr)
        else:
            _print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2


def _overrides(args) -> dict:
    out = {"name": args.solver, "time_limit": args.time_limit, "gap": args.gap}
    return {k: v for k, v in out.items() if v is not None}


def _check_solver_flags(args) -> None:
    for flag, v in (("--time-limit", args.time_limit), ("--gap", args.gap)):
        if v is not None and not (math.isfinite(v) and (v > 0 if flag == "--time-limit" else 0 <= v < 1)):
            what = "a positive number of seconds" if flag == "--time-limit" else "a relative gap from 0 to below 1"
            raise InputError.at("command line", f"{flag} must be {what}, got {v:g}")
    if getattr(args, "jobs", None) is not None and not 1 <= args.jobs <= MAX_WORKERS:
        raise InputError.at("command line", f"--jobs must be at least 1 and at most {MAX_WORKERS}, got {args.jobs}")


def _check_flags(args) -> None:
    _check_solver_flags(args)
    if getattr(args, "top", None) is not None and args.top < 1:  # run and simulate have --top
        raise InputError.at("command line", f"--top must be at least 1, got {args.top}")
    if args.runs is not None and not 2 <= args.runs <= MAX_RUNS:
        raise InputError.at("command line", f"--runs must be at least 2 and at most {MAX_RUNS:,}, got {args.runs:,}")
    if args.seed is not None and not 0 <= args.seed <= MAX_SEED:
        raise InputError.at("command line", f"--seed must be 0 or more and below 2**63, got {args.seed}")
    if args.threads is not None and not 1 <= args.threads <= MAX_WORKERS:
        raise InputError.at("command line", f"--threads must be at least 1 and at most {MAX_WORKERS}, "
                            f"got {args.threads}")


def _settings(args, scenario: Scenario) -> SimulationSettings:
    """The scenario's simulation settings (or the defaults) with the command line's overrides."""
    from optimizer.io.scenario import SimulationSettings

    st = scenario.simulation or SimulationSettings()
    targets = dict(st.targets)
    for item in args.target:
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or key not in TARGET_KEYS:
            raise InputError.at("command line", f"--target '{item}' must be KEY=VALUE with KEY one of "
                                f"{', '.join(TARGET_KEYS)}{suggest(key, TARGET_KEYS)}")
        try:
            targets[key] = float(value)
        except ValueError:
            raise InputError.at("command line", f"--target '{item}': '{value}' is not a number") from None
        if not math.isfinite(targets[key]):
            raise InputError.at("command line", f"--target '{item}': the value must be a finite number")
    return replace(st, runs=args.runs or st.runs, seed=st.seed if args.seed is None else args.seed, targets=targets)


def _run(args) -> int:
    from optimizer.analysis.sweep import parse_budgets
    from optimizer.api import deliver
    from optimizer.io.scenario import load_scenario
    from optimizer.report.files import (
        FRONTIER_FILES,
        OUTPUT_FILES,
        PLOT_FILES,
        REPORT_FILES,
        SWEEP_FILES,
        WORKBOOK_FILES,
        OutputSet,
        check_out_dir,
    )
    from optimizer.report.outputs import write_deliverable
    from optimizer.report.tables import format_frontier, format_prices, format_sweep, format_table
    from optimizer.utils.progress import terminal_progress

    _check_flags(args)
    scenario = load_scenario(args.scenario, solver_overrides=_overrides(args))
    simulate = bool(args.simulate or scenario.simulation is not None or args.runs or args.seed is not None
                    or args.target)
    settings = _settings(args, scenario) if simulate else None
    out_dir = Path(args.out) if args.out else None
    if args.frontier is not None and not 2 <= args.frontier <= MAX_POINTS:
        raise InputError.at("command line", f"--frontier must be at least 2 points and at most {MAX_POINTS}, "
                            f"got {args.frontier}")
    budgets = parse_budgets(args.sweep) if args.sweep else None
    _size_up(scenario, frontier=bool(args.frontier))
    if out_dir is not None:
        check_out_dir(out_dir, scenario.input_files, OUTPUT_FILES + REPORT_FILES + WORKBOOK_FILES
                      + (PLOT_FILES if simulate else ())
                      + (FRONTIER_FILES if args.frontier else ()) + (SWEEP_FILES if budgets else ()))
    bars = lambda name, unit: terminal_progress(name, enabled=args.format == "table", unit=unit)  # noqa: E731
    with _cluster(args) as executor:
        d = deliver(scenario, simulate=settings if settings is not None else False, frontier_points=args.frontier,
                    budgets=budgets, whatif=out_dir is not None, keep_draws=out_dir is not None, threads=args.threads,
                    stage=bars, explain=args.explain, executor=executor)
    result = d.result
    parts = [format_table(result, args.top)] + ([format_prices(result)] if result.prices is not None else []) \
        + ([format_frontier(d.frontier)] if d.frontier else []) + ([format_sweep(d.sweep)] if d.sweep else [])
    _emit(args, result.to_dict(), "\n\n".join(parts))
    if out_dir is not None:
        with OutputSet(out_dir) as out:
            write_deliverable(d, out.dir)
            written = out.commit()
        _wrote(args, written)
    return 0 if result.has_solution and result.status not in ("error", "empty") else 1


def _compare(args) -> int:
    """``influencer-mix compare A.yaml B.yaml ...``: each planned as ``run`` would, then side by side."""
    from optimizer.analysis.compare import side_by_side
    from optimizer.api import plan_all
    from optimizer.io.scenario import load_scenario
    from optimizer.report.files import COMPARE_FILES, OutputSet, check_out_dir
    from optimizer.report.outputs import write_comparison
    from optimizer.report.tables import format_compare

    _check_flags(args)
    if len(args.scenarios) < 2:
        raise InputError.at("command line", "compare needs at least two scenario files")
    scenarios = [load_scenario(path, solver_overrides=_overrides(args)) for path in args.scenarios]
    for sc in scenarios:
        _size_up(sc)
    simulate = bool(args.simulate or args.runs or args.seed is not None or args.target
                    or any(sc.simulation is not None for sc in scenarios))
    out_dir = Path(args.out) if args.out else None
    if out_dir is not None:
        check_out_dir(out_dir, [f for sc in scenarios for f in sc.input_files], COMPARE_FILES)
    with _cluster(args) as executor:
        plans = plan_all(scenarios, simulate=[_settings(args, sc) if simulate else False for sc in scenarios],
                         threads=args.threads, executor=executor)
    c = side_by_side(scenarios, plans)
    _emit(args, c.to_dict(), format_compare(c))
    if out_dir is not None:
        with OutputSet(out_dir) as out:
            write_comparison(c, out.dir)
            written = out.commit()
        _wrote(args, written)
    return 0 if all(r.has_solution and r.status not in ("error", "empty") for r in plans) else 1


@contextlib.contextmanager
def _cluster(args):
    """A Dask client connected to ``--scheduler`` for the command's independent solves (closed after), or None
    (local processes). A missing extra or a scheduler that does not answer is a one-line input error."""
    address = getattr(args, "scheduler", None)
    if not address:
        yield None
        return
    try:
        from distributed import Client
    except ImportError:
        raise InputError.at("command line", "--scheduler needs Dask: pip install 'influencer-mix[dask]'") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError.at("command line", f"--scheduler {address}: no Dask scheduler answered ({exc})") from None
    try:
        yield client
    finally:
        client.close()


def _emit(args, doc: dict, text: str) -> None:
    """The one way a command prints its result: the JSON document, or the text for a terminal."""
    if args.format == "json":
        print(json.dumps(doc, indent=2))
    else:
        _print(text)


def _wrote(args, written) -> None:
    if args.format == "table":
        _print("\nWrote " + ", ".join(str(p) for p in written))


def _simulate(args) -> int:
    from optimizer.analysis.comparison import assess
    from optimizer.api import plan
    from optimizer.io.scenario import load_scenario
    from optimizer.report.files import PLOT_FILES, SIMULATION_FILES, OutputSet, check_out_dir
    from optimizer.report.outputs import simulation_document, write_simulation
    from optimizer.report.tables import format_simulation, format_table
    from optimizer.simulation.engine import positions_of
    from optimizer.utils.progress import terminal_progress

    _check_flags(args)
    scenario = load_scenario(args.scenario, solver_overrides=_overrides(args))
    settings = _settings(args, scenario)
    ids = [i.strip() for i in args.ids.split(",") if i.strip()] if args.ids is not None else None
    if ids is not None:
        positions_of(scenario, ids, "--ids")  # bad ids are input errors, before anything is solved
    out_dir = Path(args.out) if args.out else None
    if out_dir is not None:
        check_out_dir(out_dir, scenario.input_files, SIMULATION_FILES + PLOT_FILES)
    compare = not args.no_compare
    result = plan(scenario) if ids is None or compare else None
    if result is not None and ids is None and not result.has_solution:
        _emit(args, simulation_document(scenario, result, None), format_table(result, args.top))
        return 1
    with _cluster(args) as executor, terminal_progress("simulating", enabled=args.format == "table") as bar:
        a = assess(scenario, result, ids=ids, settings=settings, compare=compare, keep_draws=out_dir is not None,
                   threads=args.threads, progress=bar, executor=executor)
    doc = simulation_document(scenario, result, a)
    head = f"{scenario.name}: {'the given mix' if ids is not None else 'the optimiser' + chr(39) + 's mix'}"
    if result is not None:
        gap = "-" if result.gap is None else f"{result.gap:.4%}"
        head += f" (plan {result.status}, proven gap {gap})"
    _emit(args, doc, "\n".join([head, format_simulation(a.simulation, a.comparison)]
                               + [f"  warning: {w}" for w in doc["warnings"]]))
    if out_dir is not None:
        with OutputSet(out_dir) as out:
            write_simulation(doc, a.simulation, out.dir)
            written = out.commit()
        _wrote(args, written)
    return 0


def _menu(args) -> int:
    """``frontier`` and ``sweep``: many independent solves, a table or JSON, and a chart with --out."""
    from optimizer.analysis.frontier import frontier
    from optimizer.analysis.sweep import parse_budgets, sweep
    from optimizer.io.scenario import load_scenario
    from optimizer.report.files import FRONTIER_FILES, SWEEP_FILES, OutputSet, check_out_dir
    from optimizer.report.outputs import write_menu
    from optimizer.report.tables import format_frontier, format_sweep
    from optimizer.utils.progress import terminal_progress

    _check_solver_flags(args)
    if args.command == "frontier" and not 2 <= args.points <= MAX_POINTS:
        raise InputError.at("command line", f"--points must be at least 2 and at most {MAX_POINTS}, got {args.points}")
    budgets = parse_budgets(args.budgets) if args.command == "sweep" else None
    scenario = load_scenario(args.scenario, solver_overrides=_overrides(args))
    out_dir = Path(args.out) if args.out else None
    files = FRONTIER_FILES if args.command == "frontier" else SWEEP_FILES
    _size_up(scenario, frontier=args.command == "frontier")
    if out_dir is not None:
        check_out_dir(out_dir, scenario.input_files, files)
    with _cluster(args) as executor, \
            terminal_progress("solving", enabled=args.format == "table", unit="solves") as bar:
        if args.command == "frontier":
            result = frontier(scenario, args.points, jobs=args.jobs, executor=executor, progress=bar)
        else:
            result = sweep(scenario, budgets, jobs=args.jobs, executor=executor, progress=bar)
    _emit(args, result.to_dict(), format_frontier(result) if args.command == "frontier" else format_sweep(result))
    if out_dir is not None:
        with OutputSet(out_dir) as out:
            write_menu(result, out.dir, args.command)
            written = out.commit()
        _wrote(args, written)
    return 0 if result.points and any(p.status != "infeasible" for p in result.points) else 1


def _calibrate(args) -> int:
    from optimizer.learn.calibrate import calibrate
    from optimizer.report.files import atomic_write
    from optimizer.report.tables import format_calibration

    try:
        weights = tuple(float(v) for v in args.weights.split(","))
    except ValueError:
        weights = ()
    if len(weights) != 3 or not all(math.isfinite(w) and w >= 0 for w in weights) or sum(weights) <= 0:
        raise InputError.at("command line", f"--weights must be three finite shares such as 0.4,0.2,0.4, not all "
                            f"0, got {args.weights}")
    if not (math.isfinite(args.half_life) and args.half_life > 0):
        raise InputError.at("command line", f"--half-life must be a positive number of days, got {args.half_life:g}")
    inputs = [p for p in (args.posts, args.candidates, args.touchpoints) if p]
    protected = {Path(p).resolve() for p in inputs}
    outputs = [Path(p) for p in (args.output, args.report) if p]
    if len(outputs) == 2 and outputs[0].resolve() == outputs[1].resolve():
        raise InputError.at(str(outputs[1]), "-o and --report name the same file; give each its own")
    for out in outputs:
        if out.resolve() in protected:
            raise InputError.at(str(out), "would overwrite an input file; write the output elsewhere")
        if out.is_dir():
            raise InputError.at(str(out), "is a folder; name a file to write")
        if not out.parent.is_dir():
            raise InputError.at(str(out), f"the folder {out.parent} does not exist")
    if args.model != "linear" and not args.touchpoints:
        raise InputError.at("command line", f"--model {args.model} needs --touchpoints (an attribution model credits "
                            "journeys; without a log the posts' own orders are used)")
    result = calibrate(args.posts, args.candidates, touchpoints=args.touchpoints, model=args.model,
                       half_life=args.half_life, weights=weights, skip_bad=args.skip_bad_rows)
    atomic_write(Path(args.output), result.candidates.to_csv(index=False))
    if args.report:
        atomic_write(Path(args.report), json.dumps(result.to_dict(), indent=2))
    _emit(args, result.to_dict(), format_calibration(result))
    _wrote(args, outputs)
    return 0


def _size_up(scenario: Scenario, frontier: bool = False) -> None:
    """Refuse, before any work, a risk model beyond the scenario's limits (``sizing.py``); the simulation is sized
    when its creators are known, before it starts."""
    if frontier or scenario.uses_risk_model:
        check_risk_model(scenario.limits, scenario.source, scenario.risk_settings().scenarios, scenario.candidates.n)


def _validate(args) -> int:
    from optimizer.domain import tiers as tiers_mod
    from optimizer.io.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    _size_up(scenario)
    cand = scenario.candidates
    tiers = Counter(cand.table["tier"])
    platforms = Counter(cand.table["platform"])
    order = tiers_mod.names(scenario.tier_cutoffs, tiers)
    text = (f"{args.scenario}: valid. {cand.n} candidates from {cand.source} "
            f"({', '.join(f'{t} {tiers[t]}' for t in order)}; "
            f"{', '.join(f'{p} {k}' for p, k in platforms.items())}); "
            f"objective {scenario.objective}, budget {scenario.budget:,.0f} {scenario.currency}")
    _emit(args, {"schema_version": SCHEMA_VERSION, "valid": True, "candidates": cand.n, "tiers": dict(tiers),
                 "platforms": dict(platforms), "warnings": list(scenario.warnings)},
          "\n".join([text] + [f"  warning: {w}" for w in scenario.warnings]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
