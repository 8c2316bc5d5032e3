"""The readable table printed by ``influencer-mix run``."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Mapping

import numpy as np
import pandas as pd

from optimizer.analysis.prices import TIE
from optimizer.domain import objectives
from optimizer.domain.funnel import EVIDENCE_SHARES
from optimizer.io.candidates import DEAL_COLUMNS
from optimizer.model.extension import Panel
from optimizer.report.plots import frontier_spread
from optimizer.report.summary import assumption_table, conflict_words, rule_frame, rule_words, summary
from optimizer.result import Alternative, PlanResult
from optimizer.simulation.engine import SimulationResult
from optimizer.utils.numbers import UNDEFINED, num, pct

_MONEY = ("fee", "revenue", "profit", "cost")


MIX_DIGITS = {"roi": 2, "evidence_weight": 2, "conversions": 1, "commission_rate": 3}


def formatted(frame: pd.DataFrame, digits: dict[str, int] | None = None) -> pd.DataFrame:
    """``frame`` as text for a page: numbers with thousands separators and ``digits`` decimals (0 unless named),
    undefined values as an em dash."""
    digits = digits or {}
    out = frame.copy()
    for c in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]):
            places = digits.get(c, 0)
            out[c] = frame[c].map(lambda v, d=places: num(v, d))
    return out


def _frame_text(frame: pd.DataFrame, digits: dict[str, int] | None = None) -> str:
    digits = digits or {}
    fmt = {}
    for c in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[c]):
            d = digits.get(c, 0)
            fmt[c] = lambda v, d=d: num(v, d)
    return frame.to_string(index=False, formatters=fmt, na_rep=UNDEFINED)  # pandas skips formatters on NaN


def _indent(text: str, pad: str = "  ") -> str:
    return "\n".join(pad + line for line in text.splitlines())


def format_table(result: PlanResult, top: int | None = None) -> str:
    """The plan for a terminal: the summary in plain words, the status, the totals, then the mix (``top``: only
    the creators with the largest fees) and the details."""
    r = result
    goal = objectives.REGISTRY.get(r.objective, objectives.Profit)
    out = [f"{r.name}: {objectives.headline(r.objective)} ({r.currency}), budget {num(r.budget)}", "", "Summary"]
    out += [textwrap.fill(line, 116, initial_indent="  ", subsequent_indent="    ") for line in summary(r)]
    out.append("")
    gap = UNDEFINED if r.gap is None else f"{r.gap:.4%}"
    out.append(f"Status: {r.status} (proven gap {gap}, {r.solver}, {r.seconds:.2f} s"
               + (f", {r.iterations} Dinkelbach iterations" if goal.method == "ratio" else "") + ")")
    if r.message:
        out.append(f"  {r.message}")
    if r.conflicts:
        out.append("")
        out += conflict_words(r)
    if r.totals is not None:
        t = r.totals
        out.append("")
        out.append("Totals")
        deal = f"spend {num(t.spend)}   commission {num(t.commission)}   " if t.commission else ""
        deal += f"paid boosts {num(t.boost)} (reach {num(t.boost_reach)})   " if t.boost else ""
        out.append(f"  {deal}cost {num(t.cost)}   revenue {num(t.revenue)}   profit {num(t.profit)}   "
                   f"ROI {num(t.roi, 2)}   ROIS {num(t.rois, 2)}")
        out.append(f"  reach {num(t.reach)}   engagements {num(t.engagements)}   conversions "
                   f"{num(t.conversions, 1)}   CPM {num(t.cpm, 2)}   CPE {num(t.cpe, 3)}   CAC {num(t.cac, 2)}")
        if t.unique_reach is not None:
            out.append(f"  unique reach {num(t.unique_reach)} people (reached at least once)   frequency "
                       f"{num(t.frequency, 2)} impressions per person reached")
        out.append("")
        shown = shown_selection(r.selection, r.display)
        if top is not None and len(shown) > top:
            out.append(f"Chosen mix: {t.count} creators; the {top} with the largest fees (all of them: "
                       "selection.csv with --out, or --format json)")
            shown = shown.sort_values("fee", ascending=False, kind="stable").head(top)
        else:
            out.append(f"Chosen mix: {t.count} creators")
        if len(shown):
            out.append(_indent(_frame_text(shown, MIX_DIGITS)))
        evidence = evidence_sentence(t)
        if evidence:
            out.append(f"  Evidence behind the figures (share of spend): {evidence}")
        for panel in r.panels:  # the model extensions' sections (phases, risk)
            out.append("")
            out.append(format_panel(panel))
        for kind, rows in r.breakdown.items():
            if rows:
                out.append("")
                out.append(f"By {kind}")
                out.append(_indent(_frame_text(breakdown_frame(rows))))
        if r.assumptions:
            out.append("")
            out.append("Assumptions (figures that did not come from the shortlist)")
            out.append(_indent(assumption_table(r).to_string(index=False)))
        if r.constraints:
            out.append("")
            out.append("Rules (binding: no room for one more creator, or one fewer, under this rule)")
            out.append(_indent(rule_frame(r).to_string(index=False)))
        if r.baselines:
            out.append("")
            out.append(f"Against the alternatives ({r.objective})")
            lines = [("the mix", r.objective_value, "")]
            for name, b in r.baselines.items():
                imp = r.improvement_over(name)
                rules = "meets the rules" if b.feasible else "breaks " + ", ".join(b.violated)
                if imp is None:
                    lead = "not comparable"
                elif abs(imp) < 5e-4:
                    lead = "the mix is level with it"
                else:
                    ahead = (imp > 0) != goal.minimises
                    lead = f"the mix is {abs(imp):.1%} {'ahead' if ahead else 'behind'}"
                lines.append((name.replace("_", " "), b.objective_value, f"{lead}; {rules}"))
            width = max(len(n) for n, *_ in lines)
            digits = goal.digits
            for name, value, extra in lines:
                out.append(f"  {name:<{width}}  {num(value, digits):>16}" + (f"   {extra}" if extra else ""))
    if r.simulation is not None:
        out.append("")
        out.append(format_simulation(r.simulation, r.comparison))
    if r.warnings:
        out.append("")
        out.append("Warnings")
        out += [f"  - {w}" for w in dict.fromkeys(r.warnings)]  # each once
    return "\n".join(out)


def shown_selection(selection: pd.DataFrame, display: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """The selection as displayed: text as the shortlist writes it (``display``: "UK", not "uk"), without the
    optional columns no chosen creator fills (niche, region, handle; the history columns when none was given)."""
    if display:
        selection = selection.copy()
        for column, names in display.items():
            if column in selection and column != "platform":
                selection[column] = selection[column].map(lambda v, names=names: names.get(v, v))
    empty = [c for c in ("niche", "region", "handle") if c in selection and (selection[c] == "").all()]
    empty += [c for c in ("history_posts", "evidence_weight") if c in selection and selection[c].isna().all()]
    if "evidence" in selection and (selection["evidence"] == "stated").all():
        empty.append("evidence")
    empty += [c for c in DEAL_COLUMNS if c in selection and not (selection[c].fillna(0) != 0).any()]  # unused terms
    return selection.drop(columns=empty)


EVIDENCE_WORDS = {"none": "no history of their own", "thin": "thin history", "solid": "solid history",
                  "stated": "rates stated in the shortlist, history not given"}


def evidence_sentence(t) -> str | None:
    """What the spend's figures rest on, by share of spend, e.g. "no history of their own 31%, thin history 20%,
    solid history 49%"; None when every rate was stated without history."""
    shares = {e: getattr(t, key) for e, key in EVIDENCE_SHARES.items()}
    if shares["stated"] is None or shares["stated"] >= 1.0 - 1e-12:
        return None
    return ", ".join(f"{EVIDENCE_WORDS[e]} {v:.0%}" for e, v in shares.items() if v and v > 0)


def format_simulation(sim: SimulationResult, comparison: list[Alternative] | None = None, top: int = 5) -> str:
    """The simulated distribution of a mix and, if given, the comparison with the alternatives."""
    shocks = ", ".join(f"{k} {v:g}" for k, v in sim.shocks.items())
    a = f"{sim.alpha:.0%}"
    out = [f"Simulated outcome: {sim.runs:,} runs, seed {sim.seed}; shocks (sd) {shocks}; {sim.counts} counts"]
    rows = []
    for m, label, d in (("revenue", "revenue", 0), ("profit", "profit", 0), ("roi", "ROI", 2), ("reach", "reach", 0),
                        ("engagements", "engagements", 0), ("conversions", "conversions", 0),
                        ("unique_reach", "unique reach", 0), ("frequency", "frequency", 3)):
        if m not in sim.metrics:
            continue
        v = sim.metrics[m]
        exp = sim.expected.get(m)
        if m == "roi":
            exp = sim.expected["profit"] / sim.cost if sim.cost > 0 else None
        rows.append({"": label, "expected": num(exp, d), "mean": num(v.mean, d), "sd": num(v.sd, d),
                     "se": num(v.se, d if d else 1), "P5": num(v.p5, d), "P50": num(v.p50, d),
                     "P95": num(v.p95, d)})
    out.append(_indent(pd.DataFrame(rows).to_string(index=False)))
    loss = (f"P(loss) {pct(sim.prob_loss)} (se {pct(sim.prob_loss_se)})" if sim.prob_loss > 0 else
            f"P(loss) 0 (no run of {sim.runs:,} lost money)")
    line = (f"  {loss}   VaR {a} {num(sim.var)}   "
            f"CVaR {a} {num(sim.cvar)} (mean profit of the worst {1 - sim.alpha:.0%} of runs)")
    out.append(line)
    for k, t in sim.targets.items():
        out.append(f"  P({k} below {t['target']:,.10g}) {pct(t['prob_miss'])}")
    c = sim.contributions.sort_values("share", ascending=False)
    if len(c):
        shown = ", ".join(f"{i} {s:.1%}" for i, s in zip(c["id"].head(top), c["share"].head(top), strict=True))
        out.append(f"  Largest shares of the variance of profit: {shown}")
    if sim.diversification_ratio is not None:
        out.append(f"  Diversification ratio {sim.diversification_ratio:.2f} (the creators' sds of profit added up, "
                   "over the mix's sd)")
    if comparison:
        out.append("")
        out.append("The mix against the alternatives (the same runs for every mix)")
        table = []
        for alt in comparison:
            d = alt.to_dict()
            table.append({"mix": alt.name, "creators": d["count"], "cost": num(d["cost"]),
                          "mean profit": num(d["mean_profit"]), "sd": num(d["sd_profit"]),
                          "P5 profit": num(d["p5_profit"]), "P(loss)": pct(d["prob_loss"]),
                          f"CVaR {a}": num(d["cvar"]), "ROI": num(d["roi"], 2),
                          **({"unique reach": num(d["unique_reach"])} if "unique_reach" in sim.metrics else {}),
                          "rules": {True: "met", False: "not met", None: UNDEFINED}[alt.meets_rules]})
        out.append(_indent(pd.DataFrame(table).to_string(index=False)))
        for alt in comparison:
            out.append(f"  {alt.name}: {alt.note}")
        verdict = diversification_sentence(comparison, sim.alpha)
        if verdict:
            out.append(f"  {verdict}")
    return "\n".join(out)


def diversification_sentence(comparison: list[Alternative], alpha: float) -> str:
    """One quotable sentence: the mix under study against the best single creator."""
    main = comparison[0].simulation if comparison else None
    star = next((a.simulation for a in comparison if a.kind == "best_single"), None)
    if main is None or star is None:
        return ""
    pm, ps = main.metrics["profit"], star.metrics["profit"]
    cv = lambda s: s.sd / abs(s.mean) if s.mean else float("nan")  # noqa: E731
    return (f"Against the best single creator, the mix's profit varies {cv(pm):.2f} x its mean instead of "
            f"{cv(ps):.2f} x; P(loss) {pct(main.prob_loss)} instead of {pct(star.prob_loss)}; the worst "
            f"{1 - alpha:.0%} of runs average {num(main.cvar)} instead of {num(star.cvar)}.")


def format_panel(panel: Panel) -> str:
    """A model extension's section (``model/extension.Panel``) as a titled table."""
    head = panel.title + (f" ({panel.note})" if panel.note else "")
    return head + "\n" + _indent(pd.DataFrame(list(panel.rows)).to_string(index=False))


def format_frontier(fr) -> str:
    a = f"{fr.alpha:.0%}"
    out = [f"{fr.name}: return against risk, {fr.scenarios:,} simulated runs in the model (seed {fr.seed})"]
    if fr.points:
        rows = [{"point": k + 1, "creators": len(p.selected), "cost": num(p.cost),
                 "expected profit": num(p.expected_profit), f"CVaR {a}": num(p.cvar), "P(loss)": pct(p.prob_loss),
                 "ROI": num(p.roi, 2), f"CVaR {a} fresh runs": num(p.cvar_out_of_sample),
                 "P(loss) fresh": pct(p.prob_loss_out_of_sample), "status": p.status}
                for k, p in enumerate(fr.points)]
        out.append(_indent(pd.DataFrame(rows).to_string(index=False)))
        out.append("  point 1 is the risk-neutral optimum; the last is the safest mix (maximum CVaR)")
        spread = frontier_spread(fr.points)
        if spread:
            out.append(textwrap.fill(spread, 116, initial_indent="  ", subsequent_indent="  "))
    if fr.markers:
        out.append("")
        out.append("Reference mixes on the same runs")
        rows = [{"mix": m.name, "creators": len(m.selected), "expected profit": num(m.expected_profit),
                 f"CVaR {a}": num(m.cvar), "P(loss)": pct(m.prob_loss), "ROI": num(m.roi, 2), "note": m.note}
                for m in fr.markers]
        out.append(_indent(pd.DataFrame(rows).to_string(index=False)))
    for w in fr.warnings:
        out.append(f"  warning: {w}")
    return "\n".join(out)


def format_sweep(sw) -> str:
    a = f"{sw.alpha:.0%}"
    out = [f"{sw.name}: budget sweep, maximising {sw.objective}; risk from {sw.runs:,} simulated runs (seed {sw.seed})"]
    method = objectives.REGISTRY[sw.objective].method if sw.objective in objectives.REGISTRY else "linear"
    own = sw.objective != "profit" and method in ("linear", "combined")  # its own value beside profit
    rows = [{"budget": num(p.budget), "status": p.status, "creators": len(p.selected), "cost": num(p.cost),
             **({sw.objective.replace("_", " "): num(p.objective_value)} if own else {}),
             "expected profit": num(p.expected_profit), "ROI": num(p.roi, 2), "P(loss)": pct(p.prob_loss),
             f"CVaR {a}": num(p.cvar), "marginal return": num(p.marginal_return, 3)} for p in sw.points]
    out.append(_indent(pd.DataFrame(rows).to_string(index=False)))
    out.append(f"  marginal return: {sw.objective} gained per extra unit of budget, up to the next budget")
    for w in sw.warnings:
        out.append(f"  warning: {w}")
    return "\n".join(out)


def format_calibration(cal) -> str:
    """What ``influencer-mix calibrate`` did: history used, the group priors, and the creators' estimates."""
    c = cal.creators
    out = [f"Calibrated {len(c)} shortlisted creators from {cal.posts_used:,} of their posts "
           f"({cal.posts_for_priors_only:,} more posts inform the group priors only)"]
    if cal.attribution is not None:
        a = cal.attribution
        out.append(f"Attribution ({a.model}): {a.conversions:,} conversions worth {a.revenue:,.0f} from "
                   f"{a.journeys:,} journeys")
    rows = []
    for p in cal.priors.to_dict(orient="records"):
        if not isinstance(p.get("terms"), list):
            continue
        slope = next(t for t in p["terms"] if t["term"] == "log10 followers")
        spread = ", ".join(f"{k} {v:.0%}" for k, v in p["between_cv"].items())
        rows.append({"rate": p["rate"], "per 10x followers": f"{np.expm1(slope['coefficient']):+.0%} "
                     f"(se {slope['se']:.2f} log)", "spread between creators": spread,
                     "phi (post to post)": f"{p['phi']:.3f} (se {p['phi_se']:.3f})", "creators": p["creators"],
                     "posts": p["posts"]})
    if rows:
        out.append("")
        out.append("Size models: each rate's prior by followers and platform (the change per tenfold followers is "
                   "the common slope; platforms and tiers deviate from it)")
        out.append(_indent(pd.DataFrame(rows).to_string(index=False)))
    values = cal.priors[cal.priors.get("level", pd.Series(dtype=object)) == "tier/platform"] \
        if "level" in cal.priors else cal.priors.iloc[:0]
    if len(values):
        out.append("")
        out.append("Order value by group (mean; sd between creators; sd between orders)")
        frame = values[["group", "mean", "between_sd", "within_sd", "creators", "posts"]]
        out.append(_indent(frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")))
    out.append("")
    out.append("Creators (rate: raw average of own posts -> shrunk estimate [90% interval], weight on own data)")
    for _, r in c.iterrows():
        parts = []
        for rate, label in (("reach_rate", "reach"), ("engagement_rate", "eng"), ("conversion_rate", "conv")):
            v = r[f"{rate}_raw"]
            raw = UNDEFINED if v is None or v != v else f"{v:.4g}"
            parts.append(f"{label} {raw} -> {r[rate]:.4g} [{r[f'{rate}_p5']:.3g}, {r[f'{rate}_p95']:.3g}] "
                         f"w {r[f'{rate}_weight']:.2f}")
        out.append(f"  {r['id']} ({r['tier']}, {r['platform']}, {int(r['reach_rate_posts'])} posts): "
                   + "; ".join(parts) + f"; order value {r['order_value']:.2f}")
    for w in cal.warnings:
        out.append(f"  warning: {w}")
    return "\n".join(out)


PRICE_ROWS = 10  # rows of each price table in the terminal and the report


def price_tables(result: PlanResult, rows: int = PRICE_ROWS) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(the runners-up: creators left out that need the smallest discount to enter; the chosen creators closest to
    leaving: the smallest rise they would bear; a sentence on the rest), formatted."""
    found = list(result.prices or ())
    enter = sorted([p for p in found if p.kind == "enter" and p.price is not None],
                   key=lambda p: (p.fee - p.price) / p.fee if p.fee > 0 else 0.0)
    stay = sorted([p for p in found if p.kind == "stay" and p.price is not None and p.verdict != "always"],
                  key=lambda p: (p.price - p.fee) / p.fee if p.fee > 0 else 0.0)
    never = sum(p.verdict == "never" for p in found)
    always = sum(p.verdict == "always" for p in found)
    cur = result.currency

    def why(p) -> dict:
        if p.kept_out_by is None:
            return {}
        if p.kept_out_by == "its fee":
            return {"kept out by": "its fee"}
        if p.kept_out_by == TIE:
            return {"kept out by": "nothing: a tie (another optimal plan hires it at its fee)"}
        c = next((c for c in result.constraints if c.key == p.kept_out_by), None)
        return {"kept out by": rule_words(p.kept_out_by, c.sense, c.limit, cur, result.display) if c is not None
                else p.kept_out_by}

    def frame(items, head: str) -> pd.DataFrame:
        return pd.DataFrame([{"creator": p.id, "fee": num(p.fee), head: num(p.price),
                              "change": f"{p.change / p.fee:+.0%}" if p.fee > 0 else num(p.change),
                              "not at": num(p.not_at), "solves": str(p.solves), **why(p)} for p in items[:rows]])

    reasons = Counter(why(p).get("kept out by") for p in found if p.verdict == "never")
    held = "; ".join(f"{n:,} kept out by {v}" if v else f"{n:,} by no single rule (several together, or they add "
                     "too little)" for v, n in reasons.items())
    note = (f"{never} left out would not enter even for free" + (f" ({held})" if held else "") + "; "
            f"{always} chosen stay at any fee the budget allows, or no plan meets the rules without them. Fees in "
            f"{cur}; each price is a solved plan, 'not at' the fee a solve proved too high.")
    return frame(enter, "enters at"), frame(stay, "stays up to"), note


def format_prices(result: PlanResult) -> str:
    """``run --explain``: the price to enter of the runners-up and the price to stay of the chosen creators
    closest to leaving."""
    enter, stay, note = price_tables(result)
    out = ["Price to enter (the creators left out that need the smallest discount)"]
    out.append(_indent(enter.to_string(index=False)) if len(enter) else "  none: every creator left out would need "
               "a rule changed")
    out += ["", "Price to stay (the chosen creators closest to leaving)"]
    out.append(_indent(stay.to_string(index=False)) if len(stay) else "  none")
    out.append(textwrap.fill(note, 116, initial_indent="  ", subsequent_indent="  "))
    return "\n".join(out)


def loosening_frame(result: PlanResult, rows) -> pd.DataFrame:
    """What each rule costs (``analysis.whatif.Loosening`` rows) for display: the rule in words beside its key, the
    objective's figures with its own decimals, binding as yes or blank."""
    goal = objectives.REGISTRY.get(result.objective, objectives.Profit)
    status = {c.key: c for c in result.constraints}

    def words(key: str) -> str:
        c = status.get(key)
        return rule_words(key, c.sense, c.limit, result.currency, result.display) if c is not None else key

    return pd.DataFrame([{"rule": words(x.rule), "key": x.rule, "change": x.change, "binding": "yes" if x.binding
                          else "", **{k: num(v, goal.digits) for k, v in (("objective after", x.objective_after),
                                                                           ("gain", x.gain),
                                                                           ("gain at most", x.gain_at_most))},
                          "status": str(x.status)} for x in rows])


BREAKDOWN_HEADERS = {"share_of_spend": "share of spend", "unique_reach": "unique reach", "count": "chosen",
                     "available": "on the shortlist"}


def breakdown_frame(rows: list[dict]) -> pd.DataFrame:
    """A by-tier or by-platform table for display: shares as percents, counts and money as whole numbers."""
    frame = pd.DataFrame(rows)
    if "share_of_spend" in frame:
        frame["share_of_spend"] = frame["share_of_spend"].map(pct)
    for c in ("count", "available"):
        if c in frame:
            frame[c] = frame[c].map(lambda v: f"{int(v):,}")
    for c in ("cost", "reach", "engagements", "conversions", "revenue", "profit", "unique_reach"):
        if c in frame:  # whole numbers with separators on every page (the HTML printed 156,492.95 reached)
            frame[c] = frame[c].map(num)
    return frame.rename(columns=BREAKDOWN_HEADERS)


def compare_frames(c) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(the plans side by side, the overlap of their mixes, the settings that differ), formatted
    (``analysis/compare.ScenarioComparison``)."""
    simulated = any(r.simulation is not None for r in c.plans)
    rows = []
    deals = any(r["commission"] for r in c.rows())
    boosted = any(r["boost"] for r in c.rows())
    for row in c.rows():
        out = {"scenario": row["scenario"], "status": row["status"], "budget": num(row["budget"]),
               "spend": num(row["spend"])}
        if deals:  # the whole cost differs from what counts against the budget (commissions) somewhere
            out |= {"commission": num(row["commission"]), "cost": num(row["cost"])}
        if boosted:
            out["paid boosts"] = num(row["boost"])
        out |= {"creators": f"{row['creators']:,}", "revenue": num(row["revenue"]), "profit": num(row["profit"]),
                "ROI": num(row["roi"], 2), "reach": num(row["reach"])}
        if any(r["unique_reach"] is not None for r in c.rows()):
            out["unique reach"] = num(row["unique_reach"])
        if simulated:
            out |= {"P5 profit": num(row["p5_profit"]), "P95 profit": num(row["p95_profit"]),
                    "P(loss)": pct(row["prob_loss"]), "CVaR": num(row["cvar"])}
        rows.append(out)
    overlap = pd.DataFrame([{"plans": f"{o.a} & {o.b}", "creators in both": f"{o.shared:,}",
                             "share of either": pct(o.jaccard)} for o in c.overlaps])
    def shown(v) -> str:
        return UNDEFINED if v is None else num(v) if isinstance(v, float) else str(v)

    diffs = pd.DataFrame([{"setting": d.key, **{label: shown(v) for label, v in zip(c.labels, d.values, strict=True)}}
                          for d in c.differences])
    return pd.DataFrame(rows), overlap, diffs


def format_compare(c) -> str:
    """``influencer-mix compare``: the plans side by side, their overlap and what differs."""
    plans, overlap, diffs = compare_frames(c)
    out = [f"{len(c.plans)} scenarios side by side (money in each scenario's currency)", _indent(plans.to_string(
        index=False)), "", "Overlap of the mixes (creators both plans hire)", _indent(overlap.to_string(index=False))]
    out += ["", "What differs between the scenarios"]
    out.append(_indent(diffs.to_string(index=False)) if len(diffs) else "  nothing but the shortlist's rows")
    return "\n".join(out)

