"""The plan in plain words, first in every output: what it spends, what it is expected to return and how far that
can swing, what it buys against the obvious alternatives (saying so when one of them looks better, and why), how
much of the spend rests on thin evidence, and the rules that shape the mix, written as a planner would say them.

``rule_words`` turns a rule's key into English ("at least 20 nano creators", "TikTok at most 50% of the spend");
the CLI, the HTML and Markdown pages and the workbook all use it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from optimizer.domain import objectives
from optimizer.model.formulation import ConstraintStatus
from optimizer.result import BEST_SINGLE, DEAL_STRUCTURE, NO_BOOST, SINGLE_TIER, Alternative, PlanResult
from optimizer.utils.numbers import UNDEFINED, num, pct, plural

PLATFORM_NAMES = {"instagram": "Instagram", "tiktok": "TikTok", "youtube": "YouTube", "twitch": "Twitch",
                  "facebook": "Facebook", "pinterest": "Pinterest", "snapchat": "Snapchat", "x": "X",
                  "twitter": "Twitter", "linkedin": "LinkedIn"}
GROUP_NOUN = {"tiers": "{} creators", "platforms": "creators on {}", "niches": "{} creators",
              "regions": "creators in {}"}
FLOOR_WORDS = {"min_reach": "expected reach", "min_engagements": "expected engagements",
               "min_conversions": "expected conversions", "min_revenue": "expected revenue"}
STATUS_WORDS = {
    "optimal": "the best mix under every rule ({gap})",
    "feasible": "a mix that meets every rule, not proven the best: it may be up to {gap} from the best",
    "time_limit": "stopped by the time limit: the best mix found, which may be up to {gap} from the best",
}


def display_name(kind: str, name: str) -> str:
    """A group's name as people write it (platforms capitalised as their owners do; other names as given)."""
    return PLATFORM_NAMES.get(name, name) if kind == "platforms" else name


def _count(n: float) -> str:
    return f"{int(round(n)):,}"


def rule_words(key: str, sense: str, limit: float, currency: str = "",
               display: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The rule ``key`` (``sense`` and ``limit`` in the planner's units) in plain English; ``display`` gives names
    as the shortlist writes them (``PlanResult.display``)."""
    money = (lambda v: f"{num(v)} {currency}".strip())  # noqa: E731
    least = sense == ">="
    bound = "at least" if least else "at most"
    if key == "budget":
        return f"the budget of {money(limit)}"
    if key.startswith("phases."):
        _, phase, rest = key.split(".", 2)
        if rest == "budget_share":
            return f"phase {phase} {bound} {pct(limit)} of the budget"
        if rest == "kept":
            return f"phase {phase} kept at its best"
        return f"in phase {phase}: " + rule_words(rest, sense, limit, currency, display)
    if key.startswith("risk."):
        if key == "risk.min_cvar":
            return f"the worst runs' average profit (CVaR) at least {money(limit)}"
        if key == "risk.max_prob_loss":
            return f"a chance of loss of at most {pct(limit)}"
        return key
    if key == "options.one_per_creator":
        return "one package per creator"
    if key == "amplification.budget":
        return f"paid boosts of {bound} {money(limit)} in all"
    if key == "amplification.share":
        return f"paid boosts of {bound} {pct(limit)} of the budget"
    if key == "amplification.max_boost_per_creator":
        return f"{bound} {money(limit)} of boosts behind any one creator"
    rule = key.removeprefix("constraints.")
    if rule == "include":
        return "the creators the scenario requires"
    if rule == "exclude":
        return "the creators the scenario excludes"
    if rule == "min_spend":
        return f"spend at least {money(limit)}"
    if rule in ("min_count", "max_count"):
        return f"{bound} {_count(limit)} creators"
    if rule == "min_roi":
        return f"ROI at least {num(limit, 2)}"
    if rule == "min_unique_reach":
        return f"at least {_count(limit)} people reached"
    if rule in FLOOR_WORDS:
        return f"{FLOOR_WORDS[rule]} at least {num(limit)}" + (f" {currency}" if rule == "min_revenue" else "")
    parts = rule.split(".")
    if len(parts) == 3 and parts[0] in GROUP_NOUN:
        kind, name, what = parts
        column = {"tiers": "tier", "platforms": "platform", "niches": "niche", "regions": "region"}[kind]
        shown = display_name(kind, (display or {}).get(column, {}).get(name, name))
        if what.endswith("_count"):
            if not least and limit < 0.5:
                return "no " + GROUP_NOUN[kind].format(shown)
            return f"{bound} {_count(limit)} " + GROUP_NOUN[kind].format(shown)
        if what.endswith("_share"):
            return f"{shown} {bound} {pct(limit)} of the spend"
    return key


def status_words(r: PlanResult) -> str:
    if r.gap is None:
        gap = "no bound known"
    elif str(r.status) == "optimal":
        gap = "proven" if r.gap < 1e-6 else f"proven within {r.gap * 100:.2g}%"
    else:
        gap = f"{r.gap:.2%}"
    text = STATUS_WORDS.get(str(r.status))
    return text.format(gap=gap) if text else (r.message or str(r.status))


def _evidence(r: PlanResult) -> str | None:
    t = r.totals
    if t is None or t.no_history_spend_share is None or t.cost <= 0:
        return None
    none, thin = t.no_history_spend_share, t.thin_evidence_spend_share or 0.0
    stated = t.stated_rates_spend_share or 0.0
    if none + thin <= 0:
        if stated >= 1 - 1e-9:
            return ("The rates are those the shortlist states (no history was given): the plan is as good as those "
                    "figures.")
        return (f"{pct(1 - stated)} of the spend rests on a solid history of the creators' own posts"
                + (", the rest on rates the shortlist states." if stated > 0 else "."))
    return (f"{pct(none)} of the spend goes to creators with no history of their own (priced as a typical creator "
            f"of their size and platform) and {pct(thin)} to creators with a thin history: those figures are "
            "estimates to test with a first post before the whole budget is committed.")


def conflict_words(r: PlanResult) -> list[str]:
    """The rules that cannot all be met, set by set, and which single rule's removal would make a plan possible
    (``PlanResult.conflict_sets``, ``conflict_fixes``); as config keys, which the planner looks up in the file."""
    sets = r.conflict_sets
    if not sets:
        return []
    if len(sets) == 1:
        lines = ["These rules cannot all be met: " + ", ".join(sets[0]) + "."]
    else:
        lines = [f"{len(sets)} separate sets of rules cannot be met: "
                 + "; ".join(f"({k}) " + ", ".join(s) for k, s in enumerate(sets, start=1))
                 + ". Relaxing one rule of one set leaves the others: relax a rule in each."]
    fixes = r.conflict_fixes
    if len(sets) == 1 and fixes and set(fixes) == set(sets[0]):
        lines.append("Relaxing any one of them makes a plan possible.")
    elif len(sets) == 1 and fixes:
        lines.append("Relaxing one of these makes a plan possible: " + ", ".join(fixes) + " (the others also "
                     "conflict with rules outside the set).")
    elif len(sets) == 1:
        lines.append("No one of them relaxed alone makes a plan possible: they also conflict with other rules.")
    return lines


def _loss_words(prob_loss: float, runs: int) -> str:
    """The chance of a loss in words; when no run lost money, what that proves: under 3 / runs at 95% confidence
    (the rule of three), never "0.0%"."""
    if prob_loss > 0:
        return f"the chance of a loss is {pct(prob_loss)}"
    return f"no run lost money (the chance of a loss is under {300 / runs:.2g}% at 95% confidence)"


def _alternatives(r: PlanResult) -> list[str]:
    """The mix against the best single creator and the best one-tier plan, on the simulated runs when there are
    any, else on the objective; an alternative that looks better is said to, with the reason."""
    goal = objectives.REGISTRY.get(r.objective, objectives.Profit)
    binding = [rule_words(c.key, c.sense, c.limit, r.currency, r.display) for c in r.constraints if c.binding]
    out = []
    main = next((a for a in r.comparison if a.simulation is not None and a.kind in ("portfolio", "given")), None)
    if main is not None:
        m = main.simulation.metrics["profit"]
        for alt in _rivals(r.comparison):
            s = alt.simulation.metrics["profit"]
            if set(alt.simulation.ids) == set(main.simulation.ids):
                if alt.kind == BEST_SINGLE:
                    out.append("The mix is a single creator: it carries that creator's whole risk.")
                continue
            who = "the best single creator (" + alt.simulation.ids[0] + ")" if alt.kind == BEST_SINGLE else \
                f"the best {alt.name.replace(' only', '-only')} plan"
            line = (f"Against {who}: simulated mean profit {num(m.mean)} against {num(s.mean)} {r.currency}, "
                    f"P(loss) {pct(main.simulation.prob_loss)} against {pct(alt.simulation.prob_loss)}.")
            if s.mean > m.mean:
                why = ("it ignores the mix rules" + (f" ({'; '.join(binding)})" if binding else "")
                       if alt.kind == BEST_SINGLE else "it was allowed to drop or relax rules the mix must keep"
                       if "relaxed" in alt.note or "without" in alt.note else "the mix's rules hold the mix back")
                stated = alt.unstated or None
                line += (f" It is expected to earn more because {why}; its risk is "
                         f"{'higher' if alt.simulation.prob_loss > main.simulation.prob_loss else 'no lower'}"
                         + (f", and its figures are not the shortlist's own ({stated}): a flat default rate can "
                            "flatter a large creator." if stated else
                            ", and a flat default rate can flatter a large creator: check where its figures "
                            "come from."))
            out.append(line)
        structures = {a.name: a.simulation for a in r.comparison if a.kind == DEAL_STRUCTURE and a.simulation}
        flat, share = (structures.get(f"same creators, {k} only") for k in ("flat fees", "commission"))
        if flat is not None and share is not None:
            out.append(f"Paying these creators on commission only, at the same expected cost, would leave the brand "
                       f"a 5th-percentile profit of {num(share.metrics['profit'].p5)} {r.currency}, against "
                       f"{num(flat.metrics['profit'].p5)} on flat fees only and {num(m.p5)} on the deals as planned.")
        unboosted = next((a.simulation for a in r.comparison if a.kind == NO_BOOST and a.simulation), None)
        if unboosted is not None:
            u = unboosted.metrics["profit"]
            out.append(f"Without the paid boosts the same creators would be expected to earn {num(u.mean)} "
                       f"{r.currency} (5th percentile {num(u.p5)}) against {num(m.mean)} ({num(m.p5)}) with them.")
        return out
    single = r.baselines.get("best_single")
    if single is not None and single.objective_value is not None and r.objective_value is not None:
        better = goal.minimises != (single.objective_value > r.objective_value)
        line = (f"The best single creator ({single.ids[0] if single.ids else '-'}) reaches "
                f"{num(single.objective_value, goal.digits)} on {goal.label} against the mix's "
                f"{num(r.objective_value, goal.digits)}")
        if better and single.objective_value != r.objective_value:
            line += (", more than the mix, because it ignores the mix rules" +
                     (f" ({'; '.join(binding)})" if binding else ""))
        out.append(line + ". Simulate (--simulate) to compare their risk.")
    return out


def _rivals(comparison: list[Alternative]) -> list[Alternative]:
    """The best single creator and the one-tier plan with the highest mean profit, among those with a mix."""
    found = [a for a in comparison if a.kind == BEST_SINGLE and a.simulation is not None]
    tiers = [a for a in comparison if a.kind == SINGLE_TIER and a.simulation is not None]
    if tiers:
        found.append(max(tiers, key=lambda a: a.simulation.metrics["profit"].mean))
    return found


def summary(r: PlanResult) -> list[str]:
    """The plan in a few plain sentences, money in the scenario's currency."""
    cur = r.currency
    if r.totals is None:
        lines = [f"No plan: {status_words(r)}."]
        lines += conflict_words(r)
        return lines
    t = r.totals
    lines = [f"This is {status_words(r)}."]
    tiers = ", ".join(f"{row['count']} {row['tier']}" for row in r.breakdown.get("tier", []) if row["count"])
    spend = t.cost if t.spend is None else t.spend
    lines.append(f"It spends {num(spend)} {cur} of the {num(r.budget)} {cur} budget on {plural(t.count, 'creator')}"
                 + (f" ({tiers})" if tiers else "") + ".")
    if t.commission:
        lines.append(f"Commissions on what the creators sell are expected to come to {num(t.commission)} {cur}"
                     + (" (counted in the budget)" if spend == t.cost else " on top of the budget")
                     + f": the mix costs {num(t.cost)} {cur} in all, and profit and ROI count it.")
    if t.boost:
        share = t.boost_reach / t.reach if t.reach else 0.0
        lines.append(f"Of the spend, {num(t.boost)} {cur} is paid amplification behind the posts of "
                     f"{plural(len(r.boosts), 'creator')}, reaching {num(t.boost_reach)} more accounts "
                     f"({pct(share)} of the reach); its CPMs, curve and response are assumptions (see Assumptions).")
    if r.objective != "profit" and r.objective_value is not None:
        goal = objectives.REGISTRY.get(r.objective)
        label = goal.label if goal is not None else r.objective
        lines.append(f"It {'minimises' if goal is not None and goal.minimises else 'maximises'} {label}: "
                     f"{num(r.objective_value, goal.digits if goal is not None else 2)}.")
    sim = r.simulation
    if sim is not None:
        p, q = sim.metrics["profit"], sim.metrics["roi"]
        lines.append(f"Expected profit {num(t.profit)} {cur} (ROI {num(t.roi, 2)}). In 90% of {sim.runs:,} simulated "
                     f"runs profit lands between {num(p.p5)} and {num(p.p95)} {cur} (ROI {num(q.p5, 2)} to "
                     f"{num(q.p95, 2)}); {_loss_words(sim.prob_loss, sim.runs)}.")
    else:
        lines.append(f"Expected profit {num(t.profit)} {cur} (ROI {num(t.roi, 2)}), from expected rates; simulate "
                     "(--simulate) to see how far it can swing.")
    lines += _alternatives(r)
    evidence = _evidence(r)
    if evidence:
        lines.append(evidence)
    assumed = _assumed(r)
    if assumed:
        lines.append(assumed)
    binding = [c for c in r.constraints if c.binding]
    if binding:
        words = "; ".join(rule_sentence(c, cur, r.display) for c in binding)
        lines.append(f"The rules that shape the mix (binding): {words}.")
    return lines


def rule_sentence(c: ConstraintStatus, currency: str = "",
                  display: Mapping[str, Mapping[str, str]] | None = None) -> str:
    return rule_words(c.key, c.sense, c.limit, currency, display)


def assumption_table(r: PlanResult) -> pd.DataFrame:
    """The plan's assumptions (``io/provenance.py``) for display: figure, source, value, creators touched, chosen
    creators touched and their share of the spend."""
    rows = [{"figure": a.figure, "source": a.source, "value": a.value or UNDEFINED,
             "creators": UNDEFINED if a.creators is None else f"{a.creators:,}",
             "in the mix": UNDEFINED if a.in_mix is None else f"{a.in_mix:,}",
             "share of spend": pct(a.spend_share) if a.spend_share is not None else UNDEFINED} for a in r.assumptions]
    return pd.DataFrame(rows, columns=["figure", "source", "value", "creators", "in the mix", "share of spend"])


def _assumed(r: PlanResult) -> str | None:
    """One sentence on the shortlist figures the plan's mix took from elsewhere, if any."""
    cells = [a for a in r.assumptions if a.in_mix]
    if not cells:
        return None
    boosts = [a for a in cells if a.figure.startswith("amplification.")]  # one clause for the boosts' figures
    parts = [f"{a.figure} from {a.source} for {a.in_mix:,} chosen ({pct(a.spend_share)} of the spend)" for a in cells
             if a not in boosts]
    if boosts:
        names = [a.figure.split(" ")[0].removeprefix("amplification.") for a in boosts]
        default = [n for n, a in zip(names, boosts, strict=True) if a.source != "the scenario"]
        stated = [n for n in names if n not in default]
        said = (f"the defaults for {', '.join(default)}" if default else "") + \
            (" and " if default and stated else "") + (f"the scenario's {', '.join(stated)}" if stated else "")
        guessed = [n for n in ("curve", "response") if n in default]
        verb = "rest" if len(guessed) > 1 else "rests"
        said += f"; the default {' and '.join(guessed)} {verb} on no public benchmark" if guessed else ""
        parts.append(f"the paid boosts' figures ({said}) for {boosts[0].in_mix:,} boosted "
                     f"({pct(boosts[0].spend_share)} of the spend)")
    return "Not from the shortlist: " + "; ".join(parts) + " (see Assumptions)."


def rule_number(key: str, v: float | None, currency: str = "") -> str:
    """A rule's limit or value in its own unit: shares as percents, counts as whole numbers, ROI with two
    decimals, money and metrics with thousands separators."""
    if v is None:
        return UNDEFINED
    if key.endswith(("_share", "max_prob_loss")):
        return pct(v)
    if key.endswith("_count") or key in ("constraints.include", "constraints.exclude", "options.one_per_creator"):
        return f"{v:,.0f}"
    if key.endswith("min_roi"):
        return num(v, 2)
    return num(v)


def rule_frame(r: PlanResult) -> pd.DataFrame:
    """The rules for display: each in words, its limit, value and slack in its own unit, whether it binds."""
    rows = [{"rule": rule_sentence(c, r.currency, r.display), "limit": rule_number(c.key, c.limit, r.currency),
             "value": rule_number(c.key, c.value, r.currency), "slack": rule_number(c.key, c.slack, r.currency),
             "binding": "yes" if c.binding else "", "key": c.key} for c in r.constraints]
    return pd.DataFrame(rows, columns=["rule", "limit", "value", "slack", "binding", "key"])

