"""The price to enter and the price to stay: a negotiation lever.

For a creator the plan leaves out, the **price to enter** is the highest fee at which some optimal plan hires it:
with ``V(f)`` the best objective over the mixes that hire it at fee ``f`` (the rest unchanged) and ``V*`` the
plan's, it is ``max {f : V(f) >= V*}``. ``V`` never rises with the fee (a higher fee leaves less budget, and for
money objectives costs it directly), so the set is an interval and bisection finds its end; "never" when even
at fee 0 the creator does not earn its place (a rule keeps it out, or it adds nothing).

For a chosen creator, the **price to stay** is the highest fee at which an optimal plan still hires it:
``max {f : V(f) >= V_out}``, with ``V_out`` the best plan without it; "always" when no plan meets the rules
without it.

Every figure is a solved integer program, not an estimate: each step solves the scenario with the creator hired
at the trial fee (its other rules, objective and solver unchanged). The search stops when the bracket is narrower
than ``tolerance`` (a share of the fee, at least one currency unit); ``price`` is the end of the bracket a solve
proved (the creator enters, or stays, at that fee) and ``not_at`` the other end (a solve proved it does not). For
money objectives (profit) the first bracket comes from the objective's own slope in the fee: lowering a fee by
``d`` raises every mix that hires the creator by at least ``d``, so a creator ``d`` short of the plan enters at
``fee - d`` at the latest, and one whose plan beats the best plan without it by ``d`` stays up to ``fee + d`` at
most.

Shortlists of options (packages, phases) are priced per creator row only when each creator has one row; otherwise
the analysis says it does not apply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace

from optimizer.analysis.comparison import without
from optimizer.decision import solve_value
from optimizer.errors import InputError
from optimizer.io.scenario import Scenario
from optimizer.result import PlanResult
from optimizer.utils.parallel import run_all

TOLERANCE = 0.01  # the bracket's width at which the search stops, as a share of the creator's fee
RUNNERS_UP = 10  # the creators left out whose reason is looked for
TIE = "a tie"  # kept_out_by of a creator another optimal plan hires at its fee
MAX_STEPS = 24


@dataclass(frozen=True)
class Price:
    """One creator's price. ``kind``: "enter" (left out) or "stay" (chosen). ``price``: the highest fee a solve
    proved it enters (stays) at; None for "never". ``not_at``: a fee a solve proved it does not (None for
    "always"). ``verdict``: "enters at or below", "never" (not even at fee 0), "stays up to", "always" (no plan
    meets the rules without it, or it stays at any fee the budget allows; ``price`` is then the budget or None) or
    "tie" (it enters at its own fee: another optimal plan hires it). ``solves``: integer programs solved for it."""

    id: str
    kind: str
    fee: float
    price: float | None
    not_at: float | None
    verdict: str
    solves: int
    kept_out_by: str | None = None  # runners-up: the rule whose removal lets it in at its fee, or "its fee"

    @property
    def change(self) -> float | None:
        """price - fee: the discount it needs (negative) or the rise it would bear (positive)."""
        return None if self.price is None else self.price - self.fee

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "fee": self.fee, "price": self.price, "not_at": self.not_at,
                "change": self.change, "verdict": self.verdict, "solves": self.solves,
                "kept_out_by": self.kept_out_by}


def prices(scenario: Scenario, result: PlanResult, ids: Sequence[str] | None = None, *,
           tolerance: float = TOLERANCE, executor: Executor | None = None, jobs: int | None = None,
           progress: Callable[[int, int], None] | None = None) -> list[Price]:
    """The price to enter of every creator ``result`` leaves out and the price to stay of every one it hires (or
    of ``ids``), each found by bisection on solved plans; in parallel (``jobs`` processes or ``executor``)."""
    if not result.has_solution:
        raise ValueError(f"the plan has no mix to price (status {result.status})")
    if scenario.structured and scenario.candidates.table["creator"].duplicated().any():
        raise InputError.at(scenario.source, "prices are per creator row; this shortlist offers several options "
                            "(packages or phase copies) per creator")
    cand = scenario.candidates
    chosen = set(result.selected)
    wanted = list(cand.ids) if ids is None else list(ids)
    work = [(scenario, result.objective_value, result.ideals, str(i), str(i) in chosen, tolerance)
            for i in wanted]
    return run_all(_price, work, executor=executor, jobs=jobs, progress=progress)


def _price(item: tuple) -> Price:
    scenario, best, ideals, cid, chosen, tolerance = item
    cand = scenario.candidates
    j = int(cand.positions([cid])[0])
    fee = float(cand.table["fee"].iloc[j])  # the fee is what is negotiated (product, usage, commission stay)
    goal = scenario.goal
    gap = max(scenario.solver.gap, 1e-7)
    solves = 0

    def value(variant: Scenario) -> float | None:
        nonlocal solves
        solves += 1
        return solve_value(variant, ideals=ideals).objective_value

    def hired_at(f: float) -> float | None:
        """V(f): the best objective over the mixes that hire the creator at fee ``f``."""
        return value(_hiring(scenario.with_fee(j, f), cid))

    def at_least(v: float | None, target: float | None) -> bool:
        return _as_good(v, target, gap, goal.minimises)

    step = max(tolerance * fee, 1.0)
    linear_in_fee = goal.method == "linear" and goal.weights.get("profit", 0.0) > 0 and not scenario.phases
    if not chosen:
        target = best
        at_fee = hired_at(fee)
        if at_least(at_fee, target):
            return Price(cid, "enter", fee, fee, None, "tie", solves)
        if not at_least(hired_at(0.0), target):
            return Price(cid, "enter", fee, None, 0.0, "never", solves)
        lo, hi = 0.0, fee  # enters at lo, not at hi
        if linear_in_fee and at_fee is not None:
            guess = max(0.0, fee - (target - at_fee) / goal.weights["profit"])
            if guess > lo and at_least(hired_at(guess), target):
                lo = guess
        lo, hi = _bisect(lambda f: at_least(hired_at(f), target), lo, hi, step)
        return Price(cid, "enter", fee, lo, hi, "enters at or below", solves)
    cons = scenario.constraints
    left_out = scenario.with_changes(constraints=replace(
        cons, include=tuple(i for i in cons.include if i != cid), exclude=tuple(dict.fromkeys((*cons.exclude, cid)))))
    target = value(left_out)
    if target is None:
        return Price(cid, "stay", fee, None, None, "always", solves)
    lo, cap = fee, max(scenario.budget, fee)  # no fee above the budget can be paid
    hi = cap
    if linear_in_fee and best is not None:  # V(f) <= V(fee) - (f - fee): past fee + (V* - V_out) it is gone
        hi = min(cap, fee + max(best - target, 0.0) / goal.weights["profit"] + step)
    while at_least(hired_at(hi), target):  # within the solver's gap of the bound: look further
        if hi >= cap:
            return Price(cid, "stay", fee, cap, None, "always", solves)  # at any fee the budget allows
        lo, hi = hi, min(cap, fee + 2.0 * (hi - fee))
    lo, hi = _bisect(lambda f: at_least(hired_at(f), target), lo, hi, step)
    return Price(cid, "stay", fee, lo, hi, "stays up to", solves)


def _hiring(scenario: Scenario, cid: str) -> Scenario:
    """``scenario`` with the creator ``cid`` required (and no longer excluded)."""
    cons = scenario.constraints
    return scenario.with_changes(constraints=replace(cons, include=tuple(dict.fromkeys((*cons.include, cid))),
                                                     exclude=tuple(i for i in cons.exclude if i != cid)))


def _as_good(v: float | None, target: float | None, gap: float, minimises: bool) -> bool:
    """``v`` is as good as ``target`` within the solver's relative ``gap`` (as low, for min_cost); no value is not;
    any value is as good as no target."""
    if v is None:
        return False
    if target is None:
        return True
    tol = gap * max(abs(target), 1e-9) + 1e-9
    return v <= target + tol if minimises else v >= target - tol


def _bisect(good: Callable[[float], bool], lo: float, hi: float, step: float) -> tuple[float, float]:
    """With ``good(lo)`` and not ``good(hi)`` (good true up to a point, then false), narrow to ``hi - lo <= step``."""
    for _ in range(MAX_STEPS):
        if hi - lo <= step:
            break
        mid = 0.5 * (lo + hi)
        if good(mid):
            lo = mid
        else:
            hi = mid
    return lo, hi


def runners_up(found: Sequence[Price], top: int = 5) -> list[Price]:
    """The creators left out that need the smallest discount (as a share of their fee) to enter."""
    out = [p for p in found if p.kind == "enter" and p.price is not None]
    return sorted(out, key=lambda p: (p.fee - p.price) / p.fee if p.fee > 0 else 0.0)[:top]


def kept_out(scenario: Scenario, result: PlanResult, found: Sequence[Price], top: int = RUNNERS_UP) -> list[Price]:
    """``found`` with, for the ``top`` runners-up (and every "never"), what keeps each out: the first binding rule
    whose removal lets it into an optimal plan at its own fee (the plan without that rule re-solved, with and
    without it), else "its fee"; a tie (another optimal plan hires it at its fee) is kept out by nothing but the
    choice between equals (``TIE``). Two solves per creator and binding rule, the rule's own once."""
    keys = [k for k in result.binding if k != "budget" and not k.startswith(("options.", "risk."))]
    wanted = {p.id for p in runners_up(found, top)} | {p.id for p in found if p.verdict == "never"}
    if not keys or not wanted:
        return list(found)
    gap = max(scenario.solver.gap, 1e-7)
    ideals = result.ideals
    best_without: dict[str, tuple[Scenario, float | None]] = {}
    for k in keys:
        try:
            variant = without(scenario, k)
        except (KeyError, ValueError, InputError):
            continue
        best_without[k] = (variant, solve_value(variant, ideals=ideals).objective_value)
    out = []
    for p in found:
        if p.id not in wanted:
            out.append(p)
            continue
        if p.verdict == "tie":  # nothing keeps it out: another optimal plan hires it at its fee
            out.append(replace(p, kept_out_by=TIE))
            continue
        reason = "its fee" if p.verdict != "never" else None
        for k, (variant, best) in best_without.items():
            v = solve_value(_hiring(variant, p.id), ideals=ideals).objective_value
            if best is not None and _as_good(v, best, gap, scenario.goal.minimises):
                reason = k
                break
        out.append(replace(p, kept_out_by=reason))
    return out
