"""Plan a campaign: solve the scenario's integer program and assemble the result with its baselines.

ROI is a ratio, R(x) / C(x) - 1. It is maximised exactly by Dinkelbach's method: with lambda the best ratio so
far, solve max R(x) - lambda C(x) over the same rules; a positive optimum gives a mix with a better ratio, a zero
optimum proves lambda optimal. For 0-1 problems this ends in a few iterations. With a MILP bound B on the last
subproblem, every feasible mix has R/C <= lambda + B / C_min, where C_min is the LP-relaxation minimum spend:
that is the ROI bound reported, so a time-limited ROI plan carries an honest gap too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from optimizer.domain import tiers as tiers_mod
from optimizer.domain.funnel import Totals
from optimizer.errors import InputError
from optimizer.io.audience import Audience
from optimizer.io.scenario import Scenario
from optimizer.model.combine import LEXICOGRAPHIC_TOL, Combination, alone, combination, phase_values
from optimizer.model.combine import mask as phase_mask
from optimizer.model.formulation import MilpModel, build_model
from optimizer.model.reach import MIN_UNIQUE, UNIQUE_ROWS, ReachColumns, floor_violations, tangents_since, with_tangents
from optimizer.model.reach import extend as reach_extend
from optimizer.model.risk import (
    MAX_PROB_LOSS,
    MIN_CVAR,
    extend,
    in_sample_settings,
    mix_cvar,
    out_of_sample_settings,
    profit_draws,
)
from optimizer.result import ConstraintStatus, PlanResult, RiskReport
from optimizer.simulation.engine import simulate_mixes
from optimizer.solve import (
    EMPTY,
    ERROR,
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    TIME_LIMIT,
    SolveOutcome,
    lp_relaxation,
    relative_gap,
    remaining,
    solve,
)
from optimizer.solve.diagnose import conflicting_keys
from optimizer.solve.heuristics import Baseline, best_single, greedy

MAX_REFINEMENTS = 60  # rounds of tangents added to the unique-reach model (model/reach.py) before giving up
RISK_MODEL_WARN = 5_000_000  # coefficients in the scenario rows beyond which a slow solve is worth a warning
NO_HISTORY_WARN = 0.25  # share of spend on creators without history of their own that earns a warning
THIN_WARN = 0.5  # share of spend on creators with thin or no history that earns a warning
SELECTION_COLUMNS = ("id", "handle", "platform", "tier", "niche", "region", "followers", "fee", "reach",
                     "engagements", "conversions", "revenue", "profit", "roi")


def optimize(scenario: Scenario, *, baselines: bool = True, threads: int | None = None,
             out_of_sample: bool = True, ideals: Mapping[str, float | None] | None = None,
             known_mix: np.ndarray | None = None, reach_cuts: tuple | None = None) -> PlanResult:
    """Choose the mix that maximises the scenario's objective within its budget and rules (the decision alone;
    :func:`optimizer.plan` also simulates it). ``baselines``: also build the greedy and best-single alternatives.
    With a ``risk:`` block the result carries ``risk``: CVaR and P(loss) in sample and, unless ``out_of_sample`` is
    False, on fresh runs (``threads`` for their simulation).

    For re-solves (``analysis/whatif.py``): ``ideals`` fixes the phases' scales (each phase's best alone) instead
    of solving each phase alone again; ``known_mix`` (0/1 per candidate) is a mix known to meet the rules, used as the
    first incumbent when it beats the greedy one (ignored if it breaks a rule); ``reach_cuts`` are an earlier
    plan's unique-reach tangents (``PlanResult.reach_cuts``), valid under any rules on the same shortlist."""
    start = time.perf_counter()
    s = scenario.solver
    n = scenario.candidates.n
    settings = scenario.phase_settings
    if scenario.phases and settings.only is None and settings.combine == "lexicographic":
        return _plan_lexicographic(scenario, baselines=baselines, threads=threads, out_of_sample=out_of_sample)
    if scenario.phases and settings.only is None and ideals is None:  # each phase's best alone scales it
        ideals = {}
        for ph in scenario.phases:
            alone_r = optimize(alone(scenario, ph.name), baselines=False, out_of_sample=False)
            ideals[ph.name] = alone_r.objective_value if alone_r.has_solution else None
    comb = combination(scenario, dict(ideals) if ideals is not None else None)
    goal = scenario.goal
    base = build_model(scenario, c=np.zeros(n) if goal.method == "ratio" else comb.c)
    draws = profit_draws(scenario, threads) if scenario.uses_risk_model else None
    model, reach = full_model(scenario, base, draws, unique=comb.unique)
    fresh_rows = model.shape[0]
    if reach_cuts is not None and reach is not None and not reach.exact and reach_cuts[0].shape[1] == model.shape[1]:
        model = with_tangents(model, reach_cuts)
    reduce = s.reduce and model.shape[1] == n  # reduced-cost fixing is written for models without auxiliary columns
    greedy_b = greedy(scenario, base, (comb.c, comb.unique))
    known = _best_known(base, [scenario.candidates.indicator(greedy_b.positions) if greedy_b.feasible else None,
                               known_mix])
    incumbent = known if reduce else None
    warm_mix = known if known_mix is not None else None  # a MIP start pays only from a mix near the optimum
    iterations = 1

    def run(m: MilpModel, time_limit: float | None, abs_gap: float = 1e-9, inc: np.ndarray | None = None,
            gap: float | None = None) -> tuple[SolveOutcome, MilpModel]:
        return _solve_refined(scenario, m, reach, gap=s.gap if gap is None else gap, abs_gap=abs_gap,
                              time_limit=time_limit, reduce=reduce, incumbent=inc, mip_start=warm_mix)

    if goal.method == "ratio":
        out, roi_bound, iterations, model = _solve_roi(scenario, model, incumbent, start, run)
    else:
        out, model = run(model, remaining(s.time_limit, start), inc=incumbent)  # the limit is the whole plan's
        roi_bound = None
    result = _assemble(scenario, model, out, roi_bound, iterations, draws, reach, comb)
    more: dict = {}  # what the plan adds to the assembled result; the result is built once more, then never changed
    if reach is not None and not reach.exact:
        more["reach_cuts"] = tangents_since(model, fresh_rows)
    warnings = list(result.warnings) + list(comb.notes)
    if draws is not None and draws.size > RISK_MODEL_WARN:
        warnings.append(f"the risk model holds {draws.shape[1]:,} candidates x {draws.shape[0]:,} runs "
                        f"({draws.size:,} coefficients); solves of this size can be slow: shortlist fewer "
                        "candidates or lower risk.scenarios")
    if baselines:
        found = {"greedy": _with_risk(greedy_b, scenario, draws)}
        single = best_single(scenario, base)
        if single is not None:
            found["best_single"] = _with_risk(single, scenario, draws)
        if scenario.phases:  # judged on the same combined objective as the plan
            found = {k: replace(b, objective_value=comb.value(scenario.candidates.indicator(b.positions)))
                     for k, b in found.items()}
        more["baselines"] = found
    if result.has_solution and scenario.risk is not None and out_of_sample:
        more["risk"] = risk_report(scenario, result.selected, threads, draws)
    if out.status == INFEASIBLE:
        plain = scenario.with_changes(objective="profit")

        def build(drop):
            return full_model(plain, build_model(plain, c=np.zeros(n), drop=drop), draws, drop, comb.unique)[0]

        conflicts = conflicting_keys(scenario, time_limit=s.time_limit, build=build)
        more["conflicts"] = conflicts
        more["message"] = ("no mix meets every rule; these conflict: " + ", ".join(conflicts)
                           if conflicts else "no mix meets every rule")
    return replace(result, warnings=warnings, seconds=time.perf_counter() - start, **more)


def full_model(scenario: Scenario, base: MilpModel, draws: np.ndarray | None = None,
               drop: Collection[str] = frozenset(),
               unique: tuple[float, Audience] | None = None) -> tuple[MilpModel, ReachColumns | None]:
    """``base`` (from ``build_model``) with the scenario's unique-reach columns (``unique``: the objective's weight
    and audience, from ``combine.combination``) and, given the in-sample ``draws``, its risk columns: the whole
    integer program. Also how the model expresses unique reach (None if it does not)."""
    model, reach = base, None
    if scenario.uses_unique_reach:
        model, reach = reach_extend(model, scenario, drop, unique)
    if draws is not None:
        model, _ = extend(model, scenario, draws, scenario.risk_settings(), drop)
    return model, reach


def _best_known(base: MilpModel, mixes: list[np.ndarray | None]) -> np.ndarray | None:
    """The best of the given 0/1 mixes (per candidate) that meet every rule of ``base``, by its objective."""
    ok = [np.asarray(x, float) for x in mixes if x is not None and not base.violations(np.asarray(x, float))]
    return max(ok, key=lambda x: float(base.c @ x)) if ok else None


def _padded(model: MilpModel, c: np.ndarray) -> np.ndarray:
    """A per-candidate objective, with zeros on the auxiliary columns."""
    full = np.zeros(model.shape[1])
    full[: c.size] = c
    return full


def _solve_roi(scenario: Scenario, model: MilpModel, incumbent: np.ndarray | None, start: float,
               run) -> tuple[SolveOutcome, float | None, int, MilpModel]:
    """Dinkelbach iterations; returns the last outcome (x = best mix), the ROI upper bound, the count, and the
    model as last solved (refined, with a unique-reach floor). ``run(model, time_limit, abs_gap, incumbent, gap)``
    solves one subproblem."""
    s = scenario.solver
    out_f = scenario.candidates.outcomes
    n = scenario.candidates.n
    rev, fee = out_f.revenue, out_f.cost
    status, _, min_cost_neg, _ = lp_relaxation(model.with_objective(_padded(model, -fee)),
                                               remaining(s.time_limit, start))
    if status == INFEASIBLE:
        return SolveOutcome(INFEASIBLE, None, None, None, 0.0, s.name), None, 0, model
    c_min = max(0.0, -min_cost_neg) if min_cost_neg is not None else 0.0
    best = incumbent
    lam = float(rev @ best[:n] / (fee @ best[:n])) if best is not None and fee @ best[:n] > 0 else 0.0
    iterations = 0
    while True:
        iterations += 1
        left = remaining(s.time_limit, start)
        abs_gap = s.gap * max(lam, 1e-9) * c_min if c_min > 0 else 1e-9
        out, model = run(model.with_objective(_padded(model, rev - lam * fee)), left, max(abs_gap, 1e-9), best,
                         0.0)
        if out.status == INFEASIBLE or out.x is None:
            if best is not None and out.status != INFEASIBLE:
                break
            return out, None, iterations, model
        cost = float(fee @ out.x[:n])
        if cost <= 0:
            raise InputError.at(scenario.source, "a mix with zero total fee meets every rule, so ROI is unbounded; "
                                "set constraints.min_spend above 0", "key 'objective'")
        ratio = float(rev @ out.x[:n]) / cost
        if ratio > lam * (1 + 1e-12) + 1e-12 or best is None:
            lam, best = ratio, out.x
            if out.status == TIME_LIMIT:
                break
            continue
        break
    value_bound = out.bound if out.bound is not None else np.inf
    if c_min > 0:
        rois_bound = lam + max(value_bound, 0.0) / c_min
    elif value_bound <= 1e-9:
        rois_bound = lam
    else:
        rois_bound = np.inf
    status = out.status if out.status in (OPTIMAL, TIME_LIMIT, FEASIBLE) else FEASIBLE
    if status == OPTIMAL and rois_bound > lam * (1 + max(s.gap, 1e-7)) + 1e-9:  # 1e-7: solver tolerances
        status = FEASIBLE
    final = SolveOutcome(status, best, lam - 1.0, rois_bound - 1.0, time.perf_counter() - start, s.name,
                         out.message)
    return final, rois_bound - 1.0, iterations, model


def _solve_refined(scenario: Scenario, model: MilpModel, reach: ReachColumns | None, *, gap: float, abs_gap: float,
                   time_limit: float | None, reduce: bool, incumbent: np.ndarray | None,
                   mip_start: np.ndarray | None = None) -> tuple[SolveOutcome, MilpModel]:
    """Solve ``model``; when its unique reach is an outer approximation (``model/reach.py``), add tangents where
    the solution's unique reach was overstated and solve again, until the mix meets the unique-reach floor in
    truth and, for the unique-reach objective, its true unique reach is within ``gap`` of the bound. Returns the
    outcome and the model as last solved."""
    s = scenario.solver
    if reach is None or reach.exact:
        return solve(model, s.name, time_limit=time_limit, gap=gap, abs_gap=abs_gap, reduce=reduce,
                     incumbent=incumbent, mip_start=mip_start), model
    start = time.perf_counter()
    aud, n = scenario.audience, model.n_candidates
    floor = scenario.constraints.min_unique_reach
    weight = reach.weight
    wants_unique = weight != 0 and scenario.goal.method != "ratio"  # roi's subproblems do not weigh unique reach
    linear = model.c[:n]

    def truth(x_full: np.ndarray) -> float:
        """The objective at these hires with the true unique reach (the model's may be overstated)."""
        hires = (x_full[:n] > 0.5).astype(float)
        return float(linear @ hires) + weight * reach.audience.unique_reach(hires) + model.offset

    best: SolveOutcome | None = None
    best_u, bound, timed_out, out = -np.inf, np.inf, False, None
    warm = None
    if mip_start is not None:  # a known mix, with its auxiliary columns at their true values
        warm = np.zeros(model.shape[1])
        warm[:n] = mip_start[:n]
        warm = reach.repair(warm)
    for _ in range(MAX_REFINEMENTS):
        out = solve(model, s.name, time_limit=remaining(time_limit, start), gap=gap / 2 if wants_unique else gap,
                    abs_gap=abs_gap, reduce=False, mip_start=warm)
        timed_out |= out.status == TIME_LIMIT
        if out.x is None:
            break
        if out.bound is not None:
            bound = min(bound, out.bound)
        u = aud.unique_reach(out.x[:n])
        meets = floor is None or u >= floor * (1 - 1e-9) - 1e-9
        if meets and not wants_unique:  # optimal for a relaxation and feasible in truth: optimal
            return replace(out, bound=bound, seconds=time.perf_counter() - start), model
        value = truth(out.x) if meets else -np.inf
        if meets and value > best_u:
            best, best_u = out, value
        if best is not None and relative_gap(best_u, bound) <= gap:
            break
        refined = None if timed_out else reach.cuts(model, out.x)
        if refined is None:
            break
        model = refined
    seconds = time.perf_counter() - start
    if best is None:
        if out is not None and out.x is None:
            return replace(out, seconds=seconds), model
        return SolveOutcome(TIME_LIMIT if timed_out else ERROR, None, None, None, seconds, s.name,
                            "no mix was confirmed to meet the unique-reach floor"), model
    proven = relative_gap(best_u, bound) <= gap
    status = TIME_LIMIT if timed_out else OPTIMAL if proven else FEASIBLE
    # later rounds' tangents may cut the auxiliary values the solver gave this mix: set them to the true ones
    return replace(best, x=reach.repair(best.x), status=status, bound=bound, seconds=seconds,
                   message=f"{best.message}; unique reach refined until the model was exact at the mix"), model


def _assemble(scenario: Scenario, model: MilpModel, out: SolveOutcome, roi_bound: float | None,
              iterations: int, draws: np.ndarray | None, reach: ReachColumns | None = None,
              comb: Combination | None = None) -> PlanResult:
    cand = scenario.candidates
    warnings = list(scenario.warnings)
    common = dict(name=scenario.name, currency=scenario.currency, objective=scenario.objective,
                  solver=out.solver, seconds=out.seconds, budget=scenario.budget, iterations=iterations,
                  warnings=warnings, message=out.message)
    if out.x is None:
        status = out.status if out.status in (INFEASIBLE, TIME_LIMIT) else ERROR
        if status == TIME_LIMIT:
            warnings.append("the time limit ran out before any mix meeting the rules was found")
        return PlanResult(status=status, objective_value=None, bound=out.bound, gap=None, selected=[],
                          selection=pd.DataFrame(columns=list(SELECTION_COLUMNS)), totals=None, **common)
    x_full = np.asarray(out.x, float)
    x = x_full[: cand.n]
    pos = np.flatnonzero(x > 0.5)
    totals = Totals.of(cand.outcomes, pos, scenario.audience)
    status = out.status
    goal = scenario.goal
    if goal.method == "sampled":  # the mix's CVaR on the in-sample runs (the model's value, recomputed exactly)
        value = mix_cvar(draws, x, scenario.risk_settings().alpha)[0]
        bound = goal.bound(out.bound, model.offset, value)
    elif goal.method == "ratio":
        value = goal.value(totals)
        bound = goal.bound(roi_bound, model.offset, value)
    else:
        # phases: the combined objective (combine.py), with each phase's true unique reach
        value = comb.value(cand.indicator(pos)) if scenario.phases else goal.value(totals)
        model_bound = reach.bound(out.bound) if reach is not None and not goal.minimises else out.bound
        bound = goal.bound(model_bound, model.offset, value)
    gap = _gap(scenario, value, bound)
    if status == OPTIMAL and reach is not None and not reach.exact and (gap or 0.0) > _requested_gap(scenario):
        status = FEASIBLE  # the linearisation's share of the gap left it above the requested gap
    if out.status == TIME_LIMIT:
        warnings.append(f"stopped by the time limit ({scenario.solver.time_limit:g} s); the mix is the best found "
                        f"and may be up to {gap:.2%} from the optimum" if gap is not None else
                        "stopped by the time limit; no bound on the optimum is known")
    warnings += evidence_warnings(totals)
    if pos.size == 0 and status in (OPTIMAL, FEASIBLE):
        status = EMPTY
        warnings.append(empty_reason(scenario))
    violated = model.violations(x_full) + floor_violations(scenario, x)
    if violated:  # a solver bug or numerical trouble: never hand out a plan that breaks the rules
        raise RuntimeError(f"solver returned a mix that breaks {', '.join(violated)}")
    return PlanResult(status=status, objective_value=value, bound=bound, gap=gap,
                      selected=[str(i) for i in cand.ids[pos]], selection=selection_frame(scenario, pos),
                      totals=totals, breakdown=breakdown(scenario, pos),
                      constraints=constraint_status(scenario, model, x_full, draws),
                      phases=phase_breakdown(scenario, pos, comb), **common)


def empty_reason(scenario: Scenario) -> str:
    """Why the best mix hires nobody: no fee fits the budget, no creator adds to the objective at its fee, or the
    rules leave nobody."""
    cand = scenario.candidates
    fees = cand.outcomes.cost
    if not (fees <= scenario.budget).any():
        return (f"the mix is empty: no creator's fee fits the budget of {scenario.budget:,.0f} (the cheapest is "
                f"{fees.min():,.0f})")
    goal = scenario.goal
    if goal.weights and goal.method == "linear" and not goal.minimises and not (goal.vector(cand.outcomes) > 0).any():
        return (f"the mix is empty: no creator adds to {scenario.objective} at its fee (every one's expected "
                f"{scenario.objective} is 0 or less)")
    return "the mix is empty: the rules leave no creator worth hiring (see the rules below)"


def evidence_warnings(totals: Totals) -> list[str]:
    """Warnings when much of the spend rests on creators with no history of their own (``NO_HISTORY_WARN``) or
    on thin or no history together (``THIN_WARN``)."""
    none, thin = totals.no_history_spend_share, totals.thin_evidence_spend_share
    if none is None or totals.cost <= 0:
        return []
    if none >= NO_HISTORY_WARN:
        return [f"{none:.0%} of the spend goes to creators with no history of their own: their rates are those of a "
                "typical creator of their size and platform (size model, defaults or benchmark priors), so the "
                "plan's figures for them are guesses; a test post before committing the budget would tell"]
    if none + thin >= THIN_WARN:
        return [f"{none + thin:.0%} of the spend rests on thin or no history (under half the weight on the creators' "
                "own posts): expect the plan's figures to move as their results come in"]
    return []


def _gap(scenario: Scenario, value: float | None, bound: float | None) -> float | None:
    """The proven gap; for min_cost (a lower bound) the same formula with the roles turned."""
    return scenario.goal.gap(value, bound)


def _requested_gap(scenario: Scenario) -> float:
    """The requested gap, with room for solver tolerances (1e-7)."""
    return max(scenario.solver.gap, 1e-7) * (1 + 1e-9)


def phase_breakdown(scenario: Scenario, pos: np.ndarray, comb: Combination | None) -> list[dict]:
    """Per phase: its name, objective, weight and scale, budget (shares and money), the creators it hires, its
    totals and its own objective value."""
    if not scenario.phases:
        return []
    cand = scenario.candidates
    hires = cand.indicator(pos)
    values = phase_values(scenario, hires)
    table = cand.table
    out = []
    for ph in scenario.phases:
        mine = pos[phase_mask(scenario, ph.name)[pos]]
        out.append({
            "name": ph.name, "objective": ph.objective, "objective_weights": dict(ph.objective_weights),
            "weight": ph.weight, "scale": comb.scale.get(ph.name) if comb else None,
            "ideal": comb.ideals.get(ph.name) if comb else None,
            "budget": {"share_low": ph.budget_lo, "share_high": ph.budget_hi,
                       "low": None if ph.budget_lo is None else ph.budget_lo * scenario.budget,
                       "high": None if ph.budget_hi is None else ph.budget_hi * scenario.budget},
            "selected": [str(i) for i in table["creator"].to_numpy(object)[mine]],
            "options": [str(i) for i in cand.ids[mine]],
            "totals": Totals.of(cand.outcomes, mine, scenario.audience).to_dict(),
            "objective_value": values[ph.name],
        })
    return out


def _plan_lexicographic(scenario: Scenario, **kwargs) -> PlanResult:
    """Phases in order, each keeping the ones before at their best (combine.py)."""
    settings = scenario.phase_settings
    kept: list[tuple[str, float]] = []
    result = None
    seconds = 0.0
    for name in settings.order:
        variant = scenario.with_changes(phase_settings=replace(settings, only=name, kept=tuple(kept)))
        last = name == settings.order[-1]
        result = optimize(variant, **(kwargs if last else {**kwargs, "baselines": False}))
        seconds += result.seconds
        if not result.has_solution:
            result = replace(result, message=f"lexicographic, phase {name}: {result.message or result.status}")
            break
        level = next(p["objective_value"] for p in result.phases if p["name"] == name)
        kept.append((name, level - LEXICOGRAPHIC_TOL * abs(level)))
    return replace(result, seconds=seconds, objective="phases")


def selection_frame(scenario: Scenario, pos: np.ndarray) -> pd.DataFrame:
    """The chosen rows with their expected outcomes, in shortlist order."""
    cand = scenario.candidates
    frame = pd.concat([cand.table.iloc[pos].reset_index(drop=True),
                       cand.outcomes.frame().iloc[pos].reset_index(drop=True).drop(columns=["cost"])], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["roi"] = np.where(frame["fee"] > 0, frame["profit"] / frame["fee"].where(frame["fee"] > 0), np.nan)
    frame["followers"] = frame["followers"].astype("int64")
    extra = [c for c in ("creator", "phase", "posts") if c in frame]  # options (packages, phases)
    extra += ["history_posts", "evidence_weight", "evidence"]  # what the rates rest on (candidates.evidence)
    return frame[list(SELECTION_COLUMNS) + extra + list(cand.carried)]  # the file's other columns, unchanged


def breakdown(scenario: Scenario, pos: np.ndarray) -> dict[str, list[dict]]:
    """Spend and outcomes of the mix by tier and by platform (``available``: creators on the shortlist)."""
    cand = scenario.candidates
    frame = pd.concat([cand.table[["tier", "platform"]], cand.outcomes.frame()], axis=1)
    chosen = np.zeros(cand.n, dtype=bool)
    chosen[pos] = True
    aud = scenario.audience
    total_cost = float(frame["cost"][chosen].sum())
    out: dict[str, list[dict]] = {}
    tier_order = tiers_mod.names(scenario.tier_cutoffs)
    for column, order in (("tier", tier_order), ("platform", sorted(set(frame["platform"])))):
        rows = []
        for name in order:
            member = (frame[column] == name).to_numpy()
            if not member.any():
                continue
            sel = frame[member & chosen]
            rows.append({column: name, "available": int(member.sum()), "count": len(sel),
                         "cost": float(sel["cost"].sum()),
                         "share_of_spend": float(sel["cost"].sum()) / total_cost if total_cost > 0 else 0.0,
                         **{m: float(sel[m].sum()) for m in ("reach", "engagements", "conversions", "revenue",
                                                               "profit")},
                         **({"unique_reach": aud.unique_reach(member & chosen)} if aud is not None else {})})
        out[column] = rows
    return out


def constraint_status(scenario: Scenario, model: MilpModel, x: np.ndarray,
                      draws: np.ndarray | None = None) -> list[ConstraintStatus]:
    """Each rule's value at ``x`` in the planner's units, its slack, and whether it binds. Risk rules are
    evaluated on the in-sample runs ``draws``: a risk rule binds when its slack is below 0.1% of its limit (CVaR)
    or when no further run may lose money (chance constraint)."""
    act = model.activity(x)
    fee = scenario.candidates.outcomes.cost
    cost = float(fee @ x[: len(fee)])
    A = model.A.tocsr()
    out = []
    for i, row in enumerate(model.rows):
        if row.key.startswith("risk.") or row.key == UNIQUE_ROWS:
            continue
        if row.key == MIN_UNIQUE:
            out.append(_unique_floor_status(scenario, model, x, row.limit))
            continue
        if row.sense == "<=":
            slack_m = float(model.hi[i] - act[i])
            movable = (x < 0.5) & (model.ub > 0.5)  # creators that could still be added
        else:
            slack_m = float(act[i] - model.lo[i])
            movable = (x > 0.5) & (model.lb < 0.5)  # creators that could be dropped
        coef = A.getrow(i).toarray().ravel()
        step = coef[movable & (coef > 0)]  # one such move uses up this much of the slack
        tol = 1e-9 * max(1.0, abs(row.limit))
        binding = slack_m <= tol or (step.size > 0 and slack_m < step.min() - tol)
        base_cost = cost
        if row.key.startswith("phases."):  # a phase's shares are of its own spend
            mask = phase_mask(scenario, row.key.split(".")[1])
            base_cost = float(fee[mask] @ x[: len(fee)][mask])
        if row.key.endswith("budget_share"):
            value = float(act[i]) / scenario.budget
        elif row.key.endswith("_share") or row.key.endswith("min_roi"):
            value = act[i] / base_cost + row.limit if base_cost > 0 else None
        else:
            value = float(act[i])
        slack = (row.limit - value if row.sense == "<=" else value - row.limit) if value is not None else slack_m
        out.append(ConstraintStatus(row.key, row.sense, float(row.limit), value, float(slack), bool(binding)))
    if draws is not None:
        risk = scenario.risk_settings()
        cvar, p_loss, _ = mix_cvar(draws, x, risk.alpha)
        if risk.min_cvar is not None:
            slack = cvar - risk.min_cvar
            out.append(ConstraintStatus(MIN_CVAR, ">=", risk.min_cvar, cvar, slack,
                                        slack <= 1e-3 * max(1.0, abs(risk.min_cvar))))
        if risk.max_prob_loss is not None:
            allowed = math.floor(risk.max_prob_loss * draws.shape[0] + 1e-9)
            losses = int(round(p_loss * draws.shape[0]))
            out.append(ConstraintStatus(MAX_PROB_LOSS, "<=", risk.max_prob_loss, p_loss,
                                        risk.max_prob_loss - p_loss, losses >= allowed))
    return out


def _unique_floor_status(scenario: Scenario, model: MilpModel, x: np.ndarray, floor: float) -> ConstraintStatus:
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


def _with_risk(b: Baseline, scenario: Scenario, draws: np.ndarray | None) -> Baseline:
    """A baseline mix checked against the risk rules too (on the in-sample runs)."""
    if draws is None:
        return b
    risk = scenario.risk_settings()
    cvar, p_loss, _ = mix_cvar(draws, scenario.candidates.indicator(b.positions), risk.alpha)
    broken = []
    if risk.min_cvar is not None and cvar < risk.min_cvar - 1e-6 * max(1.0, abs(risk.min_cvar)):
        broken.append(MIN_CVAR)
    if risk.max_prob_loss is not None and p_loss > risk.max_prob_loss + 1e-12:
        broken.append(MAX_PROB_LOSS)
    value = cvar if scenario.goal.method == "sampled" else b.objective_value
    if not broken and value == b.objective_value:
        return b
    violated = (*b.violated, *broken)
    return replace(b, violated=violated, feasible=not violated, objective_value=value)


def risk_report(scenario: Scenario, ids: list[str], threads: int | None = None,
                draws: np.ndarray | None = None) -> RiskReport:
    """The mix's CVaR and P(loss) on the in-sample runs (those in the model; ``draws`` when the plan already has
    them, else simulated for the mix alone) and on fresh out-of-sample runs."""
    risk = scenario.risk_settings()
    pos = scenario.candidates.positions(ids)
    if draws is not None:
        cvar_in, loss_in, mean_in = mix_cvar(draws, scenario.candidates.indicator(pos), risk.alpha)
    else:
        ins = simulate_mixes(scenario, {"mix": pos}, settings=in_sample_settings(scenario), threads=threads)["mix"]
        cvar_in, loss_in, mean_in = ins.cvar, ins.prob_loss, ins.metrics["profit"].mean
    outs = simulate_mixes(scenario, {"mix": pos}, settings=out_of_sample_settings(scenario), threads=threads)["mix"]
    return RiskReport(alpha=risk.alpha, scenarios=risk.scenarios, seed=risk.seed,
                      validation_runs=risk.validation_runs, validation_seed=risk.out_of_sample_seed,
                      min_cvar=risk.min_cvar, max_prob_loss=risk.max_prob_loss,
                      cvar_in_sample=cvar_in, cvar_out_of_sample=outs.cvar,
                      prob_loss_in_sample=loss_in, prob_loss_out_of_sample=outs.prob_loss,
                      mean_profit_in_sample=mean_in, mean_profit_out_of_sample=outs.metrics["profit"].mean)
