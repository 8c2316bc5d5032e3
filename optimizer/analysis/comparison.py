"""The portfolio against the star: the chosen mix beside the obvious alternatives, simulated on the same runs.

Alternatives: the best single creator whose fee fits the budget (mix rules ignored, as a star deal would); the
best mix from each tier alone, optimised for the scenario's objective under the same budget and rules, except
limits that name another tier (they cannot apply; each row's note says which were dropped); and the greedy pick.
All are simulated in one pass with common random numbers (``simulation/engine.py``): a creator's draws are identical in
every mix, so differences between rows are differences between mixes, not Monte Carlo noise.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import replace

import numpy as np

from optimizer.decision import optimize
from optimizer.domain import tiers as tiers_mod
from optimizer.domain.funnel import Outcomes
from optimizer.io.scenario import Scenario, SimulationSettings
from optimizer.model.program import build_model
from optimizer.model.reach import floor_violations
from optimizer.result import (
    BEST_SINGLE,
    DEAL_STRUCTURE,
    GIVEN,
    GREEDY,
    NO_BOOST,
    OPTIMISER,
    PORTFOLIO,
    SINGLE_TIER,
    Alternative,
    Assessment,
    PlanResult,
)
from optimizer.simulation.engine import Progress, positions_of, simulate_mixes
from optimizer.solve.heuristics import best_single, greedy


def single_tier_scenario(scenario: Scenario, tier: str) -> tuple[Scenario, list[str]]:
    """The scenario with only one tier's candidates; also the keys of the rules dropped because they name
    another tier (their minimums cannot apply)."""
    cand = scenario.candidates
    cons = scenario.constraints
    mine = cand.table["tier"].to_numpy(dtype=object) == tier
    dropped = [f"constraints.tiers.{t}" for t, lim in cons.tiers.items()
               if t != tier and ((lim.min_count or 0) > 0 or (lim.min_share or 0) > 0)]
    others = set(cand.ids[~mine])
    include = tuple(i for i in cons.include if i not in others)
    if len(include) < len(cons.include):
        dropped.append("constraints.include")
    new = replace(cons, tiers={t: lim for t, lim in cons.tiers.items() if t == tier}, include=include,
                  exclude=tuple(i for i in cons.exclude if i not in others))
    return scenario.with_changes(candidates=cand.subset(mine), constraints=new), dropped


def best_single_tier(scenario: Scenario, tier: str, max_relaxations: int = 6,
                     ideals: dict[str, float | None] | None = None) -> tuple[PlanResult, list[str], list[str]]:
    """The best mix from one tier: (plan, rules dropped because they name other tiers, rules relaxed because
    this tier alone cannot meet them). When the tier cannot meet the rules, one rule of the conflict (a minimum
    first; never the budget) is relaxed at a time, so the row still shows what that tier could do. ``ideals``: the
    plan's phases' scales (``PlanResult.ideals``), so that the tier's mix is the best by the plan's own objective."""
    variant, dropped = single_tier_scenario(scenario, tier)
    relaxed: list[str] = []
    r = optimize(variant, baselines=False, ideals=ideals, out_of_sample=False)
    for _ in range(max_relaxations):
        if r.has_solution or r.status != "infeasible":
            break
        keys = [k for k in r.conflicts if k.startswith(("constraints.", "phases."))]
        if not keys:
            break
        # One rule per round, minimums first: a single tier usually fails a floor (spend, count), not a cap.
        key = next((k for k in keys if ".min_" in k or k.endswith("include")), keys[0])
        relaxed.append(key)
        variant = without(variant, key)
        r = optimize(variant, baselines=False, ideals=ideals, out_of_sample=False)
    return r, dropped, relaxed


def _not_stated(scenario: Scenario, position: int) -> str:
    """"conversion_rate from benchmark priors, ..." for the figures of this candidate the shortlist did not state
    (``Candidates.sources``): a flat default can flatter a large creator."""
    return ", ".join(f"{column} from {labels[position]}" for column, labels in scenario.candidates.sources.items()
                     if labels[position] and column != "audience_quality")


def without(scenario: Scenario, key: str) -> Scenario:
    """The scenario without the rule ``key``: a plan-wide rule (``constraints.*``), a risk floor (``risk.*``), a
    limit on paid boosts (``amplification.*``: they still come out of the budget), or a phase's
    (``phases.NAME.constraints.*``; ``phases.NAME.budget_share`` drops the phase's lowest share)."""
    if key.startswith("constraints."):
        return scenario.with_changes(constraints=scenario.constraints.without(key))
    if key in ("risk.min_cvar", "risk.max_prob_loss"):
        return scenario.with_changes(risk=replace(scenario.risk_settings(), **{key.split(".")[1]: None}))
    if key in AMPLIFICATION_RULES and scenario.amplification is not None:  # a boost limit; boosts still come out of
        return scenario.with_changes(amplification=replace(scenario.amplification, **{key.split(".")[1]: None}))
    if not key.startswith("phases."):
        raise KeyError(f"not a rule key: {key}")
    _, name, rest = key.split(".", 2)
    phases = []
    for ph in scenario.phases:
        if ph.name == name:
            ph = replace(ph, budget_lo=None) if rest == "budget_share" else \
                replace(ph, constraints=ph.constraints.without(rest))
        phases.append(ph)
    return scenario.with_changes(phases=tuple(phases))


def without_rules(scenario: Scenario) -> Scenario:
    """The scenario with no rule but the budget: no ``constraints:``, no phase shares or phase rules, no risk
    floors, no limit on paid boosts (an objective that needs a floor, roi or min_cost, raises ``InputError``)."""
    risk = scenario.risk
    amp = scenario.amplification
    if amp is not None:
        scenario = scenario.with_changes(amplification=replace(amp, budget=None, share=None,
                                                               max_boost_per_creator=None))
    return scenario.with_changes(
        constraints=type(scenario.constraints)(),
        phases=tuple(replace(ph, constraints=type(scenario.constraints)(), budget_lo=None, budget_hi=None)
                     for ph in scenario.phases),
        **({"risk": replace(risk, min_cvar=None, max_prob_loss=None)} if risk is not None else {}))


def tier_order(scenario: Scenario) -> list[str]:
    present = set(scenario.candidates.table["tier"])
    return tiers_mod.names(scenario.tier_cutoffs, present)


UNBOOSTED = "same creators, no paid boosts"
AMPLIFICATION_RULES = ("amplification.budget", "amplification.share", "amplification.max_boost_per_creator")

STRUCTURES = {  # name -> how each chosen creator is paid instead, at the same expected cost
    "same creators, flat fees only": "flat",
    "same creators, commission only": "commission",
}


def _has_deal_terms(scenario: Scenario, pos: np.ndarray) -> bool:
    """Whether any of these creators costs more than its fee (a commission, product or usage rights)."""
    return bool((scenario.candidates.outcomes.cost[pos] != scenario.candidates.table["fee"].to_numpy(float)[pos])
                .any())


def restructured(scenario: Scenario, how: str) -> Scenario:
    """``scenario`` with every creator paid differently at the same expected cost: ``flat``, a fixed fee equal to its
    expected cost (nothing on sales); ``commission``, only a share of what it sells, the share set so that the
    expected commission equals that cost (nothing up front). The runs are the same: they depend on the creators,
    not on their pay."""
    cand = scenario.candidates
    out = cand.outcomes
    table = cand.table.copy()
    for column in ("product_cost", "usage_fee", "min_guarantee"):
        table[column] = 0.0
    table["cap"] = np.nan
    if how == "flat":
        table["fee"], table["commission_rate"] = out.cost, 0.0
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            table["commission_rate"] = np.where(out.revenue > 0, out.cost / np.where(out.revenue > 0, out.revenue,
                                                                                     1.0), 0.0)
        table["fee"] = np.where(out.revenue > 0, 0.0, out.cost)  # nothing to take a share of: the cost stays a fee
    cands = replace(cand, table=table, outcomes=Outcomes.from_table(table, cand.commission_in_budget))
    return replace(scenario, candidates=cands)


def _deal_structures(scenario: Scenario, pos: np.ndarray, st: SimulationSettings, threads: int | None,
                     executor: Executor | None, boost: np.ndarray | None = None) -> list[Alternative]:
    """The mix's creators paid on flat fees only, and on commission only, at the same expected cost, simulated on
    the same runs (with the same boosts): which structure leaves the brand less risk."""
    rows = []
    for name, how in STRUCTURES.items():
        variant = restructured(scenario, how)
        sim = simulate_mixes(variant, {name: pos}, settings=st, threads=threads, executor=executor,
                             boosts=None if boost is None else {name: boost})[name]
        note = ("each creator paid its expected cost as a fixed fee, nothing on sales" if how == "flat" else
                "each creator paid only a share of what it sells, set so its expected pay equals its expected cost")
        rows.append(Alternative(name, DEAL_STRUCTURE, "ok", note, None, sim, ""))
    return rows


def assess(scenario: Scenario, result: PlanResult | None = None, *, ids: list[str] | None = None,
           settings: SimulationSettings | None = None, compare: bool | None = None, keep_draws: bool = False,
           threads: int | None = None, progress: Progress | None = None,
           executor: Executor | None = None) -> Assessment:
    """Simulate a mix and, with ``compare``, set it against the alternatives on common random numbers
    (``executor``: draw the chunks of runs through it, ``simulate_mixes``; the same numbers).

    The mix is ``ids`` when given (the optimiser's mix, from ``result``, is then one of the alternatives), else
    ``result``'s. ``compare`` defaults to the settings' ``compare``."""
    st = settings or scenario.simulation or SimulationSettings()
    compare = st.compare if compare is None else compare
    cand = scenario.candidates
    mixes: dict[str, np.ndarray] = {}
    boosts: dict[str, np.ndarray] = {}  # per mix: the paid boost behind each candidate's post (amplification:)
    unstated: dict[str, str] = {}  # per alternative: its figures the shortlist did not state
    rows: list[tuple[str, str, str, str, bool | None]] = []  # (name, kind, status, note, meets_rules)
    model = build_model(scenario)

    def meets(pos: np.ndarray) -> bool:
        x = cand.indicator(pos)
        return not (model.violations(x) or floor_violations(scenario, x))

    if ids is not None:
        main = positions_of(scenario, ids)
        mixes["given mix"] = main
        rows.append(("given mix", GIVEN, "ok", "the ids given", meets(main)))
    if ids is None or compare:
        if result is None:
            result = optimize(scenario, baselines=False)
        name = "portfolio" if ids is None else "optimiser"
        if result.has_solution:
            mixes[name] = cand.positions(result.selected)
            if result.boosts:
                boosts[name] = result.boost_vector(cand.ids)
            rows.append((name, PORTFOLIO if ids is None else OPTIMISER, "ok",
                         f"the optimiser's mix ({result.status}, maximising {scenario.objective})", True))
        elif ids is None:
            raise ValueError(f"the plan has no mix to simulate (status {result.status})")
        else:
            rows.append((name, OPTIMISER, result.status, result.message or "no mix meets the rules", None))
    if compare:
        single = (result.baselines.get("best_single") if result is not None else None) or best_single(scenario, model)
        if single is not None:
            mixes["best single creator"] = single.positions
            unstated["best single creator"] = _not_stated(scenario, int(single.positions[0]))
            rows.append(("best single creator", BEST_SINGLE, "ok",
                         f"{single.ids[0]}: the best {scenario.objective} of any one creator within the budget, "
                         "mix rules ignored" + (f"; its {unstated['best single creator']}"
                                                if unstated["best single creator"] else ""), single.feasible))
        else:
            rows.append(("best single creator", BEST_SINGLE, "none", "no creator's fee fits the budget", None))
        for tier in tier_order(scenario):
            r, dropped, relaxed = best_single_tier(scenario, tier,
                                                   ideals=result.ideals if result is not None else None)
            note = f"best {tier}-only mix under the same rules"
            if dropped:
                note += "; without " + ", ".join(dropped)
            if relaxed:
                note += f"; relaxed {', '.join(relaxed)} ({tier} creators alone cannot meet them)"
            if r.has_solution and not r.selected:
                rows.append((f"{tier} only", SINGLE_TIER, "empty", f"no {tier} creator fits the budget and rules or "
                             f"adds to {scenario.objective}" + (f" ({note})" if dropped or relaxed else ""), None))
            elif r.has_solution:
                mixes[f"{tier} only"] = cand.positions(r.selected)
                if r.boosts:
                    boosts[f"{tier} only"] = r.boost_vector(cand.ids)
                if r.status != "optimal":
                    note += f" ({r.status}, gap {r.gap:.2%})" if r.gap is not None else f" ({r.status})"
                rows.append((f"{tier} only", SINGLE_TIER, "ok", note, meets(mixes[f"{tier} only"])))
            else:
                rows.append((f"{tier} only", SINGLE_TIER, r.status, f"no {tier}-only mix: {r.message or r.status}",
                             None))
        g = (result.baselines.get("greedy") if result is not None else None) or greedy(scenario, model)
        mixes["greedy"] = g.positions
        rows.append(("greedy", GREEDY, "ok", "best ratio first within the same rules" +
                     ("; no paid boosts" if scenario.amplification is not None else ""), g.feasible))
    first = next(iter(mixes))
    if compare and first in boosts:  # what the boosts buy: the same creators without them
        mixes[UNBOOSTED] = mixes[first]
        rows.append((UNBOOSTED, NO_BOOST, "ok", "the plan's creators with nothing behind their posts (the boosts' "
                     "money unspent)", meets(mixes[first])))
    sims = simulate_mixes(scenario, mixes, settings=st, keep_draws=[first] if keep_draws else False,
                          threads=threads, progress=progress, executor=executor, boosts=boosts)
    comparison = [Alternative(name, kind, status, note, ok, sims.get(name), unstated.get(name, ""))
                  for name, kind, status, note, ok in rows]
    if compare and _has_deal_terms(scenario, mixes[first]):
        comparison += _deal_structures(scenario, mixes[first], st, threads, executor, boosts.get(first))
    return Assessment(simulation=sims[first], comparison=comparison if compare else [])
