"""``influencer-mix``: the command line.

Exit codes: 0 a plan was found (optimal, or feasible/time-limited with its gap reported); 1 no plan (the rules
conflict, or the time limit ran out first); 2 bad input (one line naming the file, row, column or key).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from .errors import InputError
from .outputs import check_out_dir, write_outputs
from .plan import plan
from .report import format_table
from .scenario import SOLVERS, load_scenario


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="influencer-mix", description="Plan an influencer-marketing campaign as a "
                                "portfolio: an exact integer program picks the creator mix.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="solve a scenario and report the mix")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--format", choices=("table", "json"), default="table")
    run.add_argument("--out", metavar="DIR", help="also write selection.csv and summary.json to DIR")
    run.add_argument("--solver", choices=SOLVERS, help="override solver.name")
    run.add_argument("--time-limit", type=float, metavar="S", help="override solver.time_limit (seconds)")
    run.add_argument("--gap", type=float, help="override solver.gap (relative)")
    val = sub.add_parser("validate", help="check the scenario and its shortlist without solving")
    val.add_argument("scenario", help="scenario YAML file")
    val.add_argument("--format", choices=("table", "json"), default="table")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args)
        return _run(args)
    except InputError as exc:
        if args.command == "validate":
            if args.format == "json":
                print(json.dumps({"valid": False, "problems": [str(p) for p in exc.problems]}, indent=2))
            else:
                print(f"{len(exc.problems)} problem{'s' if len(exc.problems) > 1 else ''} found:", file=sys.stderr)
                for p in exc.problems:
                    print(f"  {p}", file=sys.stderr)
        else:
            print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2


def _overrides(args) -> dict:
    out = {"name": args.solver, "time_limit": args.time_limit, "gap": args.gap}
    return {k: v for k, v in out.items() if v is not None}


def _run(args) -> int:
    for flag, v in (("--time-limit", args.time_limit), ("--gap", args.gap)):
        if v is not None and (v < 0 or (flag == "--time-limit" and v == 0)):
            raise InputError.at("command line", f"{flag} must be positive, got {v:g}")
    scenario = load_scenario(args.scenario, solver_overrides=_overrides(args))
    out_dir = Path(args.out) if args.out else None
    if out_dir is not None:
        check_out_dir(out_dir, [args.scenario, scenario.candidates.source])
    result = plan(scenario)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_table(result))
    if out_dir is not None:
        written = write_outputs(result, out_dir)
        if args.format == "table":
            print("\nWrote " + ", ".join(str(p) for p in written))
    return 0 if result.has_solution else 1


def _validate(args) -> int:
    scenario = load_scenario(args.scenario)
    cand = scenario.candidates
    tiers = Counter(cand.table["tier"])
    platforms = Counter(cand.table["platform"])
    if args.format == "json":
        print(json.dumps({"valid": True, "candidates": cand.n, "tiers": dict(tiers), "platforms": dict(platforms),
                          "warnings": list(scenario.warnings)}, indent=2))
        return 0
    order = [t for t in sorted(scenario.tier_cutoffs, key=scenario.tier_cutoffs.get) if t in tiers]
    print(f"{args.scenario}: valid. {cand.n} candidates from {cand.source} "
          f"({', '.join(f'{t} {tiers[t]}' for t in order)}; {', '.join(f'{p} {k}' for p, k in platforms.items())}); "
          f"objective {scenario.objective}, budget {scenario.budget:,.0f} {scenario.currency}")
    for w in scenario.warnings:
        print(f"  warning: {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
