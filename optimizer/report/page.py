"""The planner's one-page report: ``report.html`` (one self-contained file, plots embedded, no network) and
``report.md``, written by ``influencer-mix run SCENARIO --out DIR``.

Sections: the summary in plain words; the scenario in a few lines; totals and KPIs; the chosen mix; the mix by
tier and platform (chart); the model extensions' sections (phases, risk); the simulated distribution of profit and
ROI and the portfolio against the star (when simulated); which rules bind and what each one costs, and all of
them together (a re-solve without it, or with 10% more budget); warnings. The HTML carries a small script that
counts images that failed to load into ``<body data-broken-images>``, so a headless browser can check the page.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field

import pandas as pd

from optimizer.analysis.whatif import Loosening, loosening
from optimizer.io.scenario import Scenario
from optimizer.report.plots import frontier_spread, histogram_png, mix_chart
from optimizer.report.summary import assumption_table, conflict_words, rule_frame, summary
from optimizer.report.tables import (
    MIX_DIGITS,
    breakdown_frame,
    compare_frames,
    diversification_sentence,
    evidence_sentence,
    formatted,
    loosening_frame,
    num,
    price_tables,
    shown_selection,
)
from optimizer.result import PlanResult
from optimizer.utils.numbers import UNDEFINED


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = None
    image: tuple[str, bytes] | None = None  # (file name for report.md, PNG bytes)


def sections(scenario: Scenario, result: PlanResult, *, frontier=None, sweep=None, out_dir=None,
             loosened: list[Loosening] | None = None) -> list[Section]:
    """The report's sections; ``loosened`` is ``analysis.whatif.loosening``'s rows (computed here if not given)."""
    r = result
    cur = r.currency
    out = [Section("Summary", summary(r))]
    gap = UNDEFINED if r.gap is None else f"{r.gap:.4%}"
    head = Section("Scenario", [
        f"{scenario.candidates.n:,} candidate rows from {scenario.candidates.source}; budget {num(r.budget)} {cur}; "
        f"objective {r.objective}.",
        f"Status: {r.status} (proven gap {gap}, {r.solver}, {r.seconds:.2f} s). {r.message}".strip(),
    ])
    head.paragraphs += conflict_words(r)
    out.append(head)
    if r.totals is None:
        return out
    t = r.totals
    kpis = pd.DataFrame([
        *([("spend", num(t.spend)), ("commission", num(t.commission))] if t.commission else []),
        *([("paid boosts", num(t.boost)), ("boosted reach", num(t.boost_reach))] if t.boost else []),
        ("cost", num(t.cost)), ("revenue", num(t.revenue)), ("profit", num(t.profit)), ("ROI", num(t.roi, 2)),
        ("ROIS", num(t.rois, 2)), ("reach", num(t.reach)), ("engagements", num(t.engagements)),
        ("conversions", num(t.conversions, 1)), ("CPM", num(t.cpm, 2)), ("CPE", num(t.cpe, 3)),
        ("CAC", num(t.cac, 2)),
        *([("unique reach", num(t.unique_reach)), ("frequency", num(t.frequency, 2))]
          if t.unique_reach is not None else []),  # only with an audience: block
    ], columns=["KPI", "expected"])
    out.append(Section("Totals and KPIs", [f"Money in {cur}. ROI = profit / cost; ROIS = revenue / cost; CPM per "
                                           "1,000 reached; CPE per engagement; CAC per conversion."], kpis))
    mix = formatted(shown_selection(r.selection, r.display), MIX_DIGITS)
    out.append(Section(f"Chosen mix: {t.count} creators", table=mix))
    evidence = evidence_sentence(t)
    if evidence:
        out.append(Section("Evidence behind the figures", [
            f"Share of spend by what its figures rest on: {evidence}. A creator with no history of its own is "
            "priced as a typical creator of its size and "
            "platform (calibrated size model, scenario defaults or benchmark priors): its figures are a guess about "
            "that creator, and a plan that leans on such creators tends to disappoint (the optimiser's curse).",
            "Each creator's evidence is in the mix table: none, thin (under half the weight on its own posts), "
            "solid, or stated (rates given in the shortlist, history not given)."]))
    out.append(Section("The mix by tier and platform", image=("mix.png", mix_chart(r))))
    for kind in ("tier", "platform"):
        if r.breakdown.get(kind):
            out.append(Section(f"By {kind}", [f"Money in {cur}; share of spend is of the mix's spend."],
                               breakdown_frame(r.breakdown[kind])))
    if r.assumptions:
        out.append(Section("Assumptions", ["Every figure the plan uses that did not come from the shortlist: where it "
                                           "came from, how many creators it touches, and how much of the mix's "
                                           "spend rests on it."], assumption_table(r)))
    for panel in r.panels:  # the model extensions' sections (phases, risk)
        out.append(Section(panel.title, [panel.note[:1].upper() + panel.note[1:] + "."] if panel.note else [],
                           pd.DataFrame(list(panel.rows))))
    sim = r.simulation
    if sim is not None:
        p = sim.metrics["profit"]
        text = [f"{sim.runs:,} simulated runs (seed {sim.seed}): mean profit {num(p.mean)} (sd {num(p.sd)}), "
                f"P5 {num(p.p5)}, P95 {num(p.p95)}; P(loss) {sim.prob_loss:.1%}; CVaR {sim.alpha:.0%} "
                f"{num(sim.cvar)}."]
        image = None
        if sim.draws is not None:
            image = ("profit_distribution.png", histogram_png(
                sim.draws["profit"].to_numpy(), title="profit over the simulated runs", xlabel=f"profit ({cur})",
                marks={"P5": p.p5, "P50": p.p50, "P95": p.p95}, zero_line=True))
        out.append(Section("Distribution of profit and ROI", text, image=image))
        if sim.draws is not None and sim.metrics["roi"].mean is not None:
            q = sim.metrics["roi"]
            out.append(Section("ROI", image=("roi_distribution.png", histogram_png(
                sim.draws["roi"].to_numpy(), title="ROI over the simulated runs", xlabel="ROI",
                marks={"P5": q.p5, "P50": q.p50, "P95": q.p95}, zero_line=True))))
        if r.comparison:
            rows = []
            for alt in r.comparison:
                d = alt.to_dict()
                rows.append({"mix": alt.name, "creators": d["count"], "cost": num(d["cost"]),
                             "mean profit": num(d["mean_profit"]), "P5 profit": num(d["p5_profit"]),
                             "P(loss)": UNDEFINED if d["prob_loss"] is None else f"{d['prob_loss']:.1%}",
                             f"CVaR {sim.alpha:.0%}": num(d["cvar"]), "rules": {True: "met", False: "not met",
                                                                                 None: UNDEFINED}[alt.meets_rules]})
            out.append(Section("The portfolio against the star", [diversification_sentence(r.comparison, sim.alpha)],
                               pd.DataFrame(rows)))
    if frontier is not None and frontier.points:
        rows = [{"point": k + 1, "creators": len(p.selected), "cost": num(p.cost),
                 "expected profit": num(p.expected_profit), "CVaR": num(p.cvar),
                 "P(loss)": f"{p.prob_loss:.1%}", "status": p.status} for k, p in enumerate(frontier.points)]
        image = ("frontier.png", (out_dir / "frontier.png").read_bytes()) if out_dir is not None and \
            (out_dir / "frontier.png").exists() else None
        out.append(Section("Return against risk (frontier)", [
            f"Expected profit against CVaR {frontier.alpha:.0%} (the mean profit of the worst runs): point 1 is the "
            "risk-neutral optimum, the last the safest mix.", frontier_spread(frontier.points)], pd.DataFrame(rows),
            image))
    if sweep is not None and sweep.points:
        rows = [{"budget": num(p.budget), "status": p.status, "creators": len(p.selected), "cost": num(p.cost),
                 "expected profit": num(p.expected_profit), "ROI": num(p.roi, 2),
                 "marginal return": num(p.marginal_return, 3)} for p in sweep.points]
        image = ("sweep.png", (out_dir / "sweep.png").read_bytes()) if out_dir is not None and \
            (out_dir / "sweep.png").exists() else None
        out.append(Section("Budget sweep", [f"The plan re-solved at each budget; marginal return: {sweep.objective} "
                                            "gained per extra unit of budget, up to the next budget."],
                           pd.DataFrame(rows), image))
    if r.prices is not None:
        enter, stay, note = price_tables(r)
        out.append(Section("Price to enter", ["The creators left out that need the smallest discount to enter an "
                                              "optimal plan: the fee at which each would."], enter))
        out.append(Section("Price to stay", ["The chosen creators closest to leaving: the highest fee at which "
                                             "each stays in an optimal plan.", note], stay))
    if r.constraints:
        rules = rule_frame(r)
        out.append(Section("Rules", ["Binding: no room for one more creator (upper limits) or one fewer (lower "
                                     "limits) under this rule."], rules))
        loose = loosening_frame(r, loosening(scenario, r) if loosened is None else loosened)
        if len(loose):
            out.append(Section("What the rules cost",
                               ["Each row re-solves the plan without one rule (the budget: with 10% more), binding "
                                "rules first, and the last without every rule at once (the budget kept); it reports "
                                f"the change in the objective ({r.objective}): the gain found and the most the "
                                "solver's proven bound allows. A rule with room to spare can still cost something, "
                                "and rules can hold the mix back only together. A re-solve stopped by the time "
                                "limit (status time_limit) gained at least the first and at most the second."],
                               loose))
    if r.warnings:
        out.append(Section("Warnings", [f"- {w}" for w in dict.fromkeys(r.warnings)]))
    return out


def to_html(title: str, parts: list[Section]) -> str:
    body = [f"<h1>{html.escape(title)}</h1>"]
    for s in parts:
        body.append(f"<h2>{html.escape(s.title)}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in s.paragraphs]
        if s.table is not None and len(s.table):
            table = s.table.to_html(index=False, border=0, classes="t", float_format=lambda v: f"{v:,.2f}")
            if len(s.table) > 25:  # long tables fold, so the page reads as one page
                table = f"<details><summary>show all {len(s.table)} rows</summary>{table}</details>"
            body.append(table)
        if s.image is not None:
            data = base64.b64encode(s.image[1]).decode("ascii")
            body.append(f'<img alt="{html.escape(s.title)}" src="data:image/png;base64,{data}">')
    script = ("window.addEventListener('load',function(){var b=0;document.querySelectorAll('img').forEach("
              "function(i){if(!i.complete||i.naturalWidth===0){b++;}});document.body.dataset.brokenImages=b;"
              "document.body.dataset.images=document.images.length;});")
    style = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#222}"
             "table.t{border-collapse:collapse;font-size:12px;margin:8px 0}table.t td,table.t th{padding:2px 8px;"
             "border-bottom:1px solid #ddd;text-align:right}img{max-width:100%}h2{margin-top:28px}")
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{style}</style><script>{script}</script></head><body>" + "\n".join(body) + "</body></html>\n")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#!])")


def md_text(text) -> str:
    """Text from the inputs made inert in Markdown: no HTML (``<`` ``>`` ``&`` as entities), no emphasis, links,
    code or table breaks (those characters escaped with a backslash)."""
    t = html.escape(str(text), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", t)


def to_markdown(title: str, parts: list[Section]) -> str:
    out = [f"# {md_text(title)}", ""]
    for s in parts:
        out += [f"## {md_text(s.title)}", ""]
        out += [(f"- {md_text(p[2:])}" if p.startswith("- ") else md_text(p)) + "\n" for p in s.paragraphs]
        if s.table is not None and len(s.table):
            out += [_md_table(s.table), ""]
        if s.image is not None:
            out += [f"![{s.title}]({s.image[0]})", ""]
    return "\n".join(out) + "\n"


def _md_table(frame: pd.DataFrame) -> str:
    """A Markdown table (with tabulate), its cells made inert (``md_text``); else the plain text in a code fence,
    where Markdown reads no emphasis, link or table syntax, so those are not backslash-escaped (the backslashes
    would show: ``min\\_count``); HTML is still written as entities and a cell's backticks are changed so that none
    can close the fence."""
    table = frame.copy()
    cell = md_text if _has_tabulate() else (lambda v: html.escape(str(v), quote=False).replace("`", "'"))
    table.columns = [cell(c) for c in table.columns]
    for c in [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]:
        table[c] = table[c].map(lambda v: cell(v) if isinstance(v, str) else v)
    if _has_tabulate():
        return table.to_markdown(index=False)
    return "```\n" + table.to_string(index=False) + "\n```"


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def compare_sections(c) -> list[Section]:
    """The page of ``influencer-mix compare --out``: the plans side by side, the overlap, what differs, and each
    plan's summary."""
    plans, overlap, diffs = compare_frames(c)
    out = [Section("Side by side", ["Each scenario planned on its own; money in each scenario's currency."], plans),
           Section("Overlap of the mixes", ["The creators both plans hire, and that count over the creators either "
                                            "hires."], overlap),
           Section("What differs", ["Every setting that is not the same in all the scenarios."] if len(diffs) else
                   ["Nothing but the shortlists' rows."], diffs if len(diffs) else None)]
    out += [Section(f"{label}: summary", summary(r)) for label, r in zip(c.labels, c.plans, strict=True)]
    return out

