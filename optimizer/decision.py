"""Plan a campaign: solve the scenario's integer program and assemble the result with its baselines.

ROI is a ratio, R(x) / C(x) - 1. It is maximised exactly by Dinkelbach's method: with lambda the best ratio so
far, solve max R(x) - lambda C(x) over the same rules; a positive optimum gives a mix with a better ratio, a zero
optimum proves lambda optimal. For 0-1 problems this ends in a few iterations. With a MILP bound B on the last
subproblem, every feasible mix has R/C <= lambda + B / C_min, where C_min is the LP-relaxation minimum spend:
that is the ROI bound reported, so a time-limited ROI plan carries an honest gap too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from optimizer.domain import tiers as tiers_mod
from optimizer.domain.funnel import Totals
from optimizer.errors import InputError
from optimizer.io.candidates import DEAL_COLUMNS
from optimizer.io.provenance import assumptions
from optimizer.io.scenario import Scenario
from optimizer.model import program
from optimizer.model.extension import Extension, mix_value
from optimizer.model.formulation import MilpModel
from optimizer.result import SELECTION_COLUMNS, PlanResult, Solved
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
from optimizer.solve.diagnose import conflict_sets, single_fixes
from optimizer.solve.heuristics import Baseline, best_single, greedy
from optimizer.solve.reduction import core_columns, fix_by_reduced_costs, lp_margin, restrict

REFINED_GAP = 1e-7  # the least gap a refined approximation is held to (gap 0: up to the cuts' own tolerance)
MAX_REFINEMENTS = 60  # rounds of cuts added to an approximated model (unique reach: model/reach.py) before giving up
MAX_LP_ROUNDS = 60  # rounds of cuts added to the LP relaxation before reduced-cost fixing (fractional_cuts)
NO_HISTORY_WARN = 0.25  # share of spend on creators without history of their own that earns a warning
THIN_WARN = 0.5  # share of spend on creators with thin or no history that earns a warning


def optimize(scenario: Scenario, *, baselines: bool = True, threads: int | None = None,
             out_of_sample: bool = True, ideals: Mapping[str, float | None] | None = None,
             known_mix: np.ndarray | None = None, reach_cuts: tuple | None = None, explain: bool = True) -> PlanResult:
    """Choose the mix that maximises the scenario's objective within its budget and rules (the decision alone;
    :func:`optimizer.plan` also simulates it). ``baselines``: also build the greedy and best-single alternatives.
    With a ``risk:`` block the result carries ``risk``: CVaR and P(loss) in sample and, unless ``out_of_sample`` is
    False, on fresh runs (``threads`` for their simulation). ``explain``: when no mix meets the rules, name the rules
    that conflict (``conflicts``; a diagnosis of several solves).

    The model's features (packages, phases, unique reach, risk) are extensions (``model/extension.py``) that
    ``model/program.py`` lists for the scenario; this function asks them and does not branch on any.

    For re-solves (``analysis/whatif.py``): ``ideals`` fixes the phases' scales (each phase's best alone) instead
    of solving each phase alone again; ``known_mix`` (0/1 per candidate) is a mix known to meet the rules, used as the
    first incumbent when it beats the greedy one (ignored if it breaks a rule); ``reach_cuts`` are rows an earlier
    plan's refinement learned (``PlanResult.reach_cuts``: unique-reach tangents), valid under any rules on the same
    shortlist."""
    kwargs = dict(baselines=baselines, threads=threads, out_of_sample=out_of_sample, explain=explain)
    in_steps = program.in_steps(scenario, optimize, **kwargs)  # e.g. lexicographic phases, one after another
    if in_steps is not None:
        return in_steps
    start = time.perf_counter()
    d = _decide(scenario, threads, out_of_sample, ideals, known_mix, reach_cuts, start)
    exts, model, out = d.exts, d.model, d.out
    fields = _assemble(scenario, model, out, d.roi_bound, d.iterations, exts)
    learned = [c for e in exts if (c := e.learned(model, d.fresh_rows)) is not None]
    fields["reach_cuts"] = learned[0] if learned else None
    fields["warnings"] += [w for e in exts for w in e.notes()]
    if baselines:
        found = {"greedy": _judged(d.greedy, scenario, exts)}
        single = best_single(scenario, d.base)
        if single is not None:
            found["best_single"] = _judged(single, scenario, exts)
        fields["baselines"] = found
    if out.status == INFEASIBLE and not explain:
        fields["message"] = "no mix meets every rule"
    elif out.status == INFEASIBLE:
        plain = scenario.with_changes(objective="profit")
        n = scenario.candidates.n

        def build(drop):  # the same features (risk's runs, the objective's unique reach) on the plain scenario
            again = [e.on(plain) for e in exts if type(e).applies(plain)]
            return program.models(plain, np.zeros(n), again, drop)[1]

        limit = scenario.solver.time_limit
        sets = conflict_sets(scenario, time_limit=limit, build=build, known_infeasible=True)
        fields["conflict_sets"] = sets
        fields["conflict_fixes"] = single_fixes(scenario, sets, time_limit=limit, build=build)
        fields["message"] = ("no mix meets every rule; " + "; and separately, ".join(
            "these conflict: " + ", ".join(s) for s in sets) if sets else "no mix meets every rule")
    return PlanResult(**fields, seconds=time.perf_counter() - start)


def solve_value(scenario: Scenario, *, ideals: Mapping[str, float | None] | None = None,
                known_mix: np.ndarray | None = None, reach_cuts: tuple | None = None) -> Solved:
    """The same decision as :func:`optimize` (same model, solver and proven bound), reporting only its status,
    objective value, bound and mix: for the many re-solves of prices and what-if questions, which read nothing
    else, without assembling the tables of a plan, its baselines or a conflict diagnosis."""
    start = time.perf_counter()
    steps = program.in_steps(scenario, optimize, baselines=False, out_of_sample=False, explain=False)
    if steps is not None:
        return Solved.of(steps)
    d = _decide(scenario, None, False, ideals, known_mix, reach_cuts, start)
    if d.out.x is None:
        status = d.out.status if d.out.status in (INFEASIBLE, TIME_LIMIT) else ERROR
        return Solved(status, None, d.out.bound, None, time.perf_counter() - start)
    hires, _, _, status, value, bound, _ = _valued(scenario, d.model, d.out, d.roi_bound, d.exts)
    return Solved(status, value, bound, hires, time.perf_counter() - start)


@dataclass(frozen=True)
class _Decision:
    """What :func:`_decide` leaves for assembling a plan."""

    out: SolveOutcome
    model: MilpModel  # as last solved (refined, reduced columns restored)
    exts: list[Extension]
    base: MilpModel  # the core model, without extensions
    greedy: Baseline
    roi_bound: float | None
    iterations: int
    fresh_rows: int  # rows of the model before cuts learned earlier were added


def _decide(scenario: Scenario, threads: int | None, out_of_sample: bool, ideals: Mapping[str, float | None] | None,
            known_mix: np.ndarray | None, reach_cuts: tuple | None, start: float) -> _Decision:
    """Build the scenario's model with its extensions and solve it (Dinkelbach for ROI), from a greedy incumbent
    or ``known_mix``, within the plan's time limit counted from ``start``."""
    s = scenario.solver
    n = scenario.candidates.n
    comb = program.objective(scenario, ideals, solve_value)
    goal = scenario.goal
    exts = program.extensions(scenario, comb, threads=threads, out_of_sample=out_of_sample)
    base, model = program.models(scenario, np.zeros(n) if goal.method == "ratio" else comb.c, exts)
    fresh_rows = model.shape[0]
    for e in exts:
        model = e.reuse(model, reach_cuts)
    # the driver fixes columns of models without auxiliary columns, or whose auxiliary columns an LP completes
    # (paid boosts); an approximated model (CVaR by cuts) fixes them in _solve_refined, on its LP refined by cuts
    reduce = s.reduce and (model.shape[1] == n or all(e.reducible for e in exts))
    greedy_b = greedy(scenario, base, (comb.c, comb.unique))
    known = _best_known(base, [scenario.candidates.indicator(greedy_b.positions) if greedy_b.feasible else None,
                               known_mix])
    incumbent = None if not reduce or known is None else _completed(model, exts, known)  # a full solution
    warm_mix = known if known_mix is not None else None  # a MIP start pays only from a mix near the optimum
    iterations = 1

    def run(m: MilpModel, time_limit: float | None, abs_gap: float = 1e-9, inc: np.ndarray | None = None,
            gap: float | None = None) -> tuple[SolveOutcome, MilpModel]:
        return _solve_refined(scenario, m, exts, gap=s.gap if gap is None else gap, abs_gap=abs_gap,
                              time_limit=time_limit, reduce=reduce, incumbent=known if inc is None else inc,
                              mip_start=warm_mix)

    if goal.method == "ratio":
        out, roi_bound, iterations, model = _solve_roi(scenario, model, exts, incumbent, start, run)
    else:
        out, model = run(model, remaining(s.time_limit, start), inc=incumbent)  # the limit is the whole plan's
        roi_bound = None
    return _Decision(out, model, exts, base, greedy_b, roi_bound, iterations, fresh_rows)


def _best_known(base: MilpModel, mixes: list[np.ndarray | None]) -> np.ndarray | None:
    """The best of the given 0/1 mixes (per candidate) that meet every rule of ``base``, by its objective."""
    ok = [np.asarray(x, float) for x in mixes if x is not None and not base.violations(np.asarray(x, float))]
    return max(ok, key=lambda x: float(base.c @ x)) if ok else None


def _padded(model: MilpModel, c: np.ndarray) -> np.ndarray:
    """A per-candidate objective, with zeros on the auxiliary columns."""
    full = np.zeros(model.shape[1])
    full[: c.size] = c
    return full


def _metric(model: MilpModel, exts: list[Extension], per_candidate: np.ndarray, metric: str) -> np.ndarray:
    """A metric over every column of ``model``: ``per_candidate`` on the hire columns, the extensions' per unit on
    their columns that carry outcomes (paid boosts), zero on the others."""
    full = _padded(model, per_candidate)
    for e in exts:
        got = e.column_metric(metric)
        if got is not None:
            first, values = got
            full[first:first + values.size] = values
    return full


def _solve_roi(scenario: Scenario, model: MilpModel, exts: list[Extension], incumbent: np.ndarray | None,
               start: float, run) -> tuple[SolveOutcome, float | None, int, MilpModel]:
    """Dinkelbach iterations; returns the last outcome (x = best mix), the ROI upper bound, the count, and the
    model as last solved (refined, with a unique-reach floor). ``run(model, time_limit, abs_gap, incumbent, gap)``
    solves one subproblem."""
    s = scenario.solver
    out_f = scenario.candidates.outcomes
    n = scenario.candidates.n
    rev, fee = _metric(model, exts, out_f.revenue, "revenue"), _metric(model, exts, out_f.cost, "cost")
    status, _, min_cost_neg, _ = lp_relaxation(model.with_objective(-fee), remaining(s.time_limit, start))
    if status == INFEASIBLE:
        return SolveOutcome(INFEASIBLE, None, None, None, 0.0, s.name), None, 0, model
    c_min = max(0.0, -min_cost_neg) if min_cost_neg is not None else 0.0
    best = incumbent
    lam = float(rev[:n] @ best[:n] / (fee[:n] @ best[:n])) if best is not None and fee[:n] @ best[:n] > 0 else 0.0
    iterations = 0
    while True:
        iterations += 1
        left = remaining(s.time_limit, start)
        abs_gap = s.gap * max(lam, 1e-9) * c_min if c_min > 0 else 1e-9
        out, model = run(model.with_objective(rev - lam * fee), left, max(abs_gap, 1e-9), best, 0.0)
        if out.status == INFEASIBLE or out.x is None:
            if best is not None and out.status != INFEASIBLE:
                break
            return out, None, iterations, model
        cost = float(fee @ out.x)
        if cost <= 0:
            raise InputError.at(scenario.source, "a mix with zero total fee meets every rule, so ROI is unbounded; "
                                "set constraints.min_spend above 0", "key 'objective'")
        ratio = float(rev @ out.x) / cost
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


def _solve_refined(scenario: Scenario, model: MilpModel, exts: list[Extension], *, gap: float, abs_gap: float,
                   time_limit: float | None, reduce: bool, incumbent: np.ndarray | None,
                   mip_start: np.ndarray | None = None) -> tuple[SolveOutcome, MilpModel]:
    """Solve ``model``; when an extension's rows are an outer approximation (unique reach, ``model/reach.py``; CVaR
    by aggregated cuts, ``model/risk.py``), refine it (``_Refinement``) until the mix meets the extensions' rules
    in truth and, when the objective holds an approximated term, its true value is within ``gap`` of the bound.
    Returns the outcome and the model as last solved (with every cut added). ``reduce``: the driver may fix columns
    (a model without auxiliary columns); ``incumbent`` (hires): a mix to start from; ``mip_start`` (hires): a mix
    handed to the back end."""
    if all(e.exact for e in exts):
        warm = None if mip_start is None else _completed(model, exts, mip_start)
        return solve(model, scenario.solver.name, time_limit=time_limit, gap=gap, abs_gap=abs_gap, reduce=reduce,
                     incumbent=incumbent, mip_start=warm), model
    return _Refinement(scenario, model, exts, gap, abs_gap, time_limit).run(incumbent, mip_start)


def _completed(model: MilpModel, exts: list[Extension], hires: np.ndarray) -> np.ndarray:
    """A full solution of ``model`` at these hires, every extension's auxiliary columns at their true values (a
    valid start, and what a mix is worth in the model)."""
    x = np.zeros(model.shape[1])
    x[: model.n_candidates] = np.asarray(hires, float)[: model.n_candidates]
    for e in exts:
        x = e.repair(x)
    return x


class _Refinement:
    """Branch and bound with cuts between rounds, for a model whose extension rows are an outer approximation.

    Each round solves the model, takes the mix, and adds the extensions' cuts where the model overstated it; the
    best mix that meets every rule in truth and the least bound so far are kept, until they are within the gap (or
    the mix meets the rules, for an objective the extensions do not approximate).

    When every approximating extension's cuts also separate fractional points (``Extension.fractional_cuts``: CVaR,
    which is concave in x) and the scenario allows reduction, the LP relaxation is refined first (Kelley's cutting
    planes: one LP each); the best mix of a core (the columns the LP is least sure about, the others at the LP's
    values) refined the same way is the incumbent; and the LP's bound and reduced costs fix every column that cannot
    differ from the LP's value in a mix better than the incumbent (``reduction.fix_by_reduced_costs``: valid because
    every cut holds for every mix, and it stays valid as cuts are added). The rounds then solve only the columns
    left, and their bound, or the incumbent's value if higher, bounds the whole."""

    def __init__(self, scenario: Scenario, model: MilpModel, exts: list[Extension], gap: float, abs_gap: float,
                 time_limit: float | None):
        self.scenario, self.model, self.exts = scenario, model, exts
        self.gap, self.abs_gap, self.time_limit = gap, abs_gap, time_limit
        self.n = model.n_candidates
        self.approx = [e for e in exts if not e.exact]
        self.wants_objective = any(e.approximates_objective for e in self.approx)
        self.linear = model.c[: self.n]
        self.best: SolveOutcome | None = None
        self.best_u = -np.inf
        self.bound = np.inf
        self.timed_out = False
        self.start = time.perf_counter()

    def completed(self, hires: np.ndarray) -> np.ndarray:
        return _completed(self.model, self.exts, hires)

    def truth(self, hires: np.ndarray) -> float:
        """The objective at these hires in truth (the model's may be overstated)."""
        return float(self.linear @ hires) + sum(e.true_objective(hires) for e in self.approx) + self.model.offset

    def meets(self, hires: np.ndarray) -> bool:
        return not any(e.violations(hires) for e in self.approx)

    def consider(self, hires: np.ndarray | None, out: SolveOutcome) -> bool:
        """Keep ``hires`` (with ``out``, the solve it came from) as the best mix when it meets every rule in truth
        and beats the best so far; whether it meets them."""
        if hires is None:
            return False
        hires = (np.asarray(hires, float)[: self.n] > 0.5).astype(float)
        x = self.completed(hires)
        if self.model.violations(x) or not self.meets(hires):
            return False
        value = self.truth(hires)
        if value > self.best_u:
            self.best_u = value
            self.best = replace(out, x=x, value=value)
        return True

    def cut(self, x: np.ndarray) -> bool:
        """Add the extensions' cuts at the full solution ``x``; whether any was added."""
        refined = None
        for e in self.approx:
            refined = e.cuts(refined or self.model, x) or refined
        if refined is not None:
            self.model = refined
        return refined is not None

    def left(self) -> float | None:
        return remaining(self.time_limit, self.start)

    def proven(self) -> bool:
        return self.best is not None and relative_gap(self.best_u, self.bound) <= max(self.gap, REFINED_GAP)

    def refined_lp(self) -> tuple[np.ndarray, float, np.ndarray] | str | None:
        """Kelley's cutting planes on the LP relaxation: (x, value, reduced costs) of the last LP solved, INFEASIBLE,
        or None (no LP within the time)."""
        lp = None
        for _ in range(MAX_LP_ROUNDS):
            status, x_lp, z_lp, d = lp_relaxation(self.model, self.left())
            if status == INFEASIBLE:
                return INFEASIBLE
            if status != OPTIMAL:
                break
            lp = (x_lp, z_lp, d)
            self.bound = min(self.bound, z_lp + lp_margin(self.model, z_lp))  # the LP's tolerances
            if not self.cut(x_lp):
                break
        return lp

    def rounds(self, keep: np.ndarray | None, x0: np.ndarray | None, global_bound: bool) -> SolveOutcome | None:
        """Branch and bound with cuts between rounds over the columns ``keep`` (the others at ``x0``; None: all).
        ``global_bound``: the rounds' bounds bound the whole (every mix better than the best lies in ``keep``).
        Returns the last outcome."""
        out = None
        local = np.inf  # the least bound of these rounds (on the columns ``keep``)
        gap = self.gap / 2 if self.wants_objective else self.gap
        for _ in range(MAX_REFINEMENTS):
            sub = self.model if keep is None else restrict(self.model, keep, x0)
            if sub is None:  # the fixed columns leave a row unmet: only when the core is infeasible as fixed
                break
            start = None
            if self.best is not None and (keep is None or np.array_equal(self.best.x[~keep], x0[~keep])):
                start = self.best.x if keep is None else self.best.x[keep]  # a start only where it fits
            out = solve(sub, self.scenario.solver.name, time_limit=self.left(), gap=gap, abs_gap=self.abs_gap,
                        reduce=False, mip_start=start)
            self.timed_out |= out.status == TIME_LIMIT
            if out.x is None:
                break
            x = out.x
            if keep is not None:
                x = x0.copy()
                x[keep] = out.x
            out = replace(out, x=x)
            if global_bound and out.bound is not None:
                self.bound = min(self.bound, max(out.bound, self.best_u))
            if out.bound is not None:
                local = min(local, out.bound)
            meets = self.consider(x[: self.n], out)
            done = meets and not self.wants_objective  # optimal for a relaxation and feasible in truth
            close = self.best is not None and relative_gap(self.best_u, local) <= max(self.gap, REFINED_GAP)
            if done or close or self.timed_out or not self.cut(x):
                break
        return out

    def run(self, incumbent: np.ndarray | None, mip_start: np.ndarray | None) -> tuple[SolveOutcome, MilpModel]:
        s = self.scenario.solver
        note = ""
        if s.reduce and all(e.fractional_cuts for e in self.approx):
            for known in (incumbent, mip_start):
                self.consider(known, SolveOutcome(FEASIBLE, None, None, None, 0.0, s.name, "the known mix"))
            lp = self.refined_lp()
            if lp == INFEASIBLE:
                return SolveOutcome(INFEASIBLE, None, None, None, time.perf_counter() - self.start, s.name,
                                    "the LP relaxation is infeasible"), self.model
            if lp is not None:
                x_lp, _, d = lp
                core = core_columns(self.model, x_lp, d)
                if core is not None:  # the incumbent: the core's best mix, the other columns at the LP's values
                    self.rounds(core, np.where(core, 0.0, np.round(x_lp)), global_bound=False)
                fixed = None if self.best is None else fix_by_reduced_costs(self.model, *lp, self.best.x,
                                                                            self.best_u)
                if fixed is not None:  # the LP before the core's cuts: a relaxation still
                    fix, x0 = fixed
                    note = (f"{int((~fix).sum())} of {fix.size} variables left after reduced-cost fixing on the LP "
                            "relaxation refined by cuts; ")
                    if not self.proven():
                        self.rounds(~fix, x0, global_bound=True)
                    return self.result(note), self.model
        out = self.rounds(None, None, global_bound=True)
        if self.best is None and out is not None and out.x is None:
            return replace(out, seconds=time.perf_counter() - self.start), self.model
        return self.result(note), self.model

    def result(self, note: str) -> SolveOutcome:
        seconds = time.perf_counter() - self.start
        s = self.scenario.solver
        if self.best is None:
            return SolveOutcome(TIME_LIMIT if self.timed_out else ERROR, None, None, None, seconds, s.name,
                                "no mix was confirmed to meet the rules in truth")
        status = TIME_LIMIT if self.timed_out else OPTIMAL if self.proven() else FEASIBLE
        bound = None if not np.isfinite(self.bound) else max(self.bound, self.best_u)
        # later rounds' cuts may cut the auxiliary values the solver gave this mix: set them to the true ones
        return replace(self.best, x=self.completed(self.best.x), status=status, bound=bound, seconds=seconds,
                       message=f"{note}{self.best.message}; the approximation was refined until exact at the mix")


def _assemble(scenario: Scenario, model: MilpModel, out: SolveOutcome, roi_bound: float | None,
              iterations: int, exts: list[Extension]) -> dict:
    """The fields of the plan's ``PlanResult`` from the last solve (all but ``seconds``)."""
    cand = scenario.candidates
    warnings = list(scenario.warnings)
    common = dict(name=scenario.name, currency=scenario.currency, objective=scenario.objective,
                  solver=out.solver, budget=scenario.budget, iterations=iterations, warnings=warnings,
                  message=out.message)
    if out.x is None:
        status = out.status if out.status in (INFEASIBLE, TIME_LIMIT) else ERROR
        if status == TIME_LIMIT:
            warnings.append("the time limit ran out before any mix meeting the rules was found")
        return dict(status=status, objective_value=None, bound=out.bound, gap=None, selected=[],
                    selection=pd.DataFrame(columns=list(SELECTION_COLUMNS)), totals=None, **common)
    x_full = np.asarray(out.x, float)
    delivered = _realised(scenario, exts, x_full)  # what the mix delivers: paid boosts add to their creators'
    hires, pos, totals, status, value, bound, gap = _valued(scenario, model, out, roi_bound, exts, delivered)
    scenario = delivered
    cand = scenario.candidates
    if out.status == TIME_LIMIT:
        other = next(name for name in ("cbc", "highs") if name != scenario.solver.name)
        warnings.append((f"stopped by the time limit ({scenario.solver.time_limit:g} s); the mix is the best found "
                         f"and may be up to {gap:.2%} from the optimum" if gap is not None else
                         "stopped by the time limit; no bound on the optimum is known")
                        + f" (the other back end, --solver {other}, proves some models the default cannot: "
                          "docs/speed.md)")
    warnings += evidence_warnings(totals)
    if status == EMPTY:
        warnings.append(empty_reason(scenario))
    ids, boost = cand.ids, cand.outcomes.boost
    contributed: dict = {"boosts": {str(ids[p]): float(boost[p]) for p in pos[boost[pos] > 0]}}
    for e in exts:
        contributed.update(e.contribute(hires))
    panels = tuple(p for e in exts for p in e.panels(contributed))
    return dict(status=status, objective_value=value, bound=bound, gap=gap, selected=[str(i) for i in cand.ids[pos]],
                selection=selection_frame(scenario, pos), totals=totals, breakdown=breakdown(scenario, pos),
                constraints=program.rule_statuses(scenario, model, x_full, exts), panels=panels,
                assumptions=assumptions(scenario, pos), display=cand.display, **contributed, **common)


def _valued(scenario: Scenario, model: MilpModel, out: SolveOutcome, roi_bound: float | None,
            exts: list[Extension], delivered: Scenario | None = None,
            ) -> tuple[np.ndarray, np.ndarray, Totals, str, float, float | None, float | None]:
    """The mix a solve found (0/1 per candidate, its positions and its totals), its status, objective value in
    truth, proven bound and gap. A mix that breaks a rule is never handed out (a solver bug or numerical trouble).
    ``delivered``: the scenario as the solution delivers it (``_realised``), when the caller has it already."""
    cand = scenario.candidates
    x_full = np.asarray(out.x, float)
    pos = np.flatnonzero(x_full[: cand.n] > 0.5)
    hires = cand.indicator(pos)
    delivered = _realised(scenario, exts, x_full) if delivered is None else delivered
    totals = Totals.of(delivered.candidates.outcomes, pos, scenario.audience)
    goal = scenario.goal
    status = out.status
    if goal.method == "ratio":
        value = goal.value(totals)
        bound = goal.bound(roi_bound, model.offset, value)
    else:  # an extension's objective (the phases' combination, CVaR on the runs), or the goal's on the totals
        value = mix_value(exts, hires)
        value = goal.value(totals) if value is None else value
        model_bound = out.bound
        for e in exts:
            model_bound = e.bound(model_bound)
        bound = goal.bound(model_bound, model.offset, value)
    gap = _gap(scenario, value, bound)
    if status == OPTIMAL and any(not e.exact for e in exts) and (gap or 0.0) > _requested_gap(scenario):
        status = FEASIBLE  # the approximation's share of the gap left it above the requested gap
    if pos.size == 0 and status in (OPTIMAL, FEASIBLE):
        status = EMPTY
    violated = model.violations(x_full) + [k for e in exts for k in e.violations(hires)]
    if violated:
        raise RuntimeError(f"solver returned a mix that breaks {', '.join(violated)}")
    return hires, pos, totals, status, value, bound, gap


def _realised(scenario: Scenario, exts: list[Extension], x: np.ndarray) -> Scenario:
    """The scenario as the full solution ``x`` delivers it (``Extension.realised``: paid boosts)."""
    for e in exts:
        scenario = e.realised(scenario, x)
    return scenario


def _judged(b: Baseline, scenario: Scenario, exts: list[Extension]) -> Baseline:
    """An alternative mix checked against the extensions' rules in truth (risk rules on the in-sample runs) and
    valued by the plan's objective (the phases' combination, CVaR on the runs)."""
    hires = scenario.candidates.indicator(b.positions)
    broken = [k for e in exts for k in e.violations(hires) if k not in b.violated]
    value = mix_value(exts, hires)
    value = b.objective_value if value is None else value
    if not broken and value == b.objective_value:
        return b
    violated = (*b.violated, *broken)
    return replace(b, violated=violated, feasible=not violated, objective_value=value)


def empty_reason(scenario: Scenario) -> str:
    """Why the best mix hires nobody: no fee fits the budget, no creator adds to the objective at its fee, or the
    rules leave nobody."""
    cand = scenario.candidates
    fees = cand.outcomes.spend
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


def selection_frame(scenario: Scenario, pos: np.ndarray) -> pd.DataFrame:
    """The chosen rows with their expected outcomes, in shortlist order."""
    cand = scenario.candidates
    frame = pd.concat([cand.table.iloc[pos].reset_index(drop=True),
                       cand.outcomes.frame().iloc[pos].reset_index(drop=True)], axis=1)
    cost = frame.pop("cost")  # what each creator costs: the fee, or the whole deal when it has other terms
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["roi"] = np.where(cost > 0, frame["profit"] / cost.where(cost > 0), np.nan)
    frame["followers"] = frame["followers"].astype("int64")
    extra = [c for c in ("creator", "phase", "posts") if c in frame]  # options (packages, phases)
    terms = np.nan_to_num(cand.table[list(DEAL_COLUMNS)].to_numpy(float))
    boosted = (cand.outcomes.boost[pos] > 0).any()
    if boosted:  # paid amplification behind the post: its spend and the accounts it reaches (in reach)
        frame["boost"] = cand.outcomes.boost[pos]
        frame["boost_reach"] = cand.outcomes.boost_reach[pos]
        extra += ["boost", "boost_reach"]
    if (terms != 0).any():  # the deals' other terms, and what they cost
        frame["commission"] = cand.outcomes.commission[pos]
        extra += [*DEAL_COLUMNS, "commission"]
    if boosted or (terms != 0).any():
        frame["cost"] = cost.to_numpy()
        extra.append("cost")
    extra += ["history_posts", "evidence_weight", "evidence"]  # what the rates rest on (candidates.evidence)
    return frame[list(SELECTION_COLUMNS) + extra + list(cand.carried)]  # the file's other columns, unchanged


def breakdown(scenario: Scenario, pos: np.ndarray) -> dict[str, list[dict]]:
    """Spend and outcomes of the mix by tier and by platform (``available``: creators on the shortlist)."""
    cand = scenario.candidates
    frame = pd.concat([cand.table[["tier", "platform"]], cand.outcomes.frame()], axis=1)
    frame["spend"] = cand.outcomes.spend  # shares are of what counts against the budget, as the rules' are
    chosen = np.zeros(cand.n, dtype=bool)
    chosen[pos] = True
    aud = scenario.audience
    total_spend = float(frame["spend"][chosen].sum())
    out: dict[str, list[dict]] = {}
    tier_order = tiers_mod.names(scenario.tier_cutoffs)
    mix = frame[chosen]  # the mix's rows once; the shortlist's only for counting what is available
    where = np.flatnonzero(chosen)  # the mix's rows' positions, in the same order
    for column in ("tier", "platform"):
        available = frame[column].value_counts()  # Arrow's count, not a Python loop over a million cells
        order = tier_order if column == "tier" else sorted(str(v) for v in available.index)
        values = mix[column].to_numpy(dtype=object)
        rows = []
        for name in order:
            if available.get(name, 0) == 0:
                continue
            member = values == name
            sel = mix[member]
            group = np.zeros(cand.n, dtype=bool)
            group[where[member]] = True  # the group's chosen creators
            rows.append({column: name, "available": int(available[name]), "count": len(sel),
                         "cost": float(sel["cost"].sum()),
                         "share_of_spend": float(sel["spend"].sum()) / total_spend if total_spend > 0 else 0.0,
                         **{m: float(sel[m].sum()) for m in ("reach", "engagements", "conversions", "revenue",
                                                               "profit")},
                         **({"unique_reach": aud.unique_reach(group)} if aud is not None else {})})
        out[column] = rows
    return out
