"""``plan.xlsx``: the plan as planners hand it on, one sheet per view.

Sheets: **Summary** (the plan in plain words, then its key figures), **Mix** (the chosen rows with every column of
the shortlist carried through, and the expected outcomes), **By tier** and **By platform**, **Rules** (each rule
in words, its limit, value and slack, whether it binds), **Assumptions** (figures that did not come from the
shortlist), **Alternatives** (the comparison when simulated, else the greedy pick and the best single creator),
**What-if** (what each rule costs, with ``--out``), **Prices** (with ``--explain``: each creator's price to
enter or to stay).

Money cells carry a thousands format, shares a percent format, counts an integer format. Every text cell is stored
as text: one that starts with = (a handle such as ``=HYPERLINK(...)`` from a shortlist) would otherwise be stored
as a formula, so it is turned back into a text cell; text cells are never evaluated by a spreadsheet, so no quote
is added (the CSV's ``files.inert_cells`` needs one). The file is built in memory and renamed into place, like
every output.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from optimizer.report.files import WORKBOOK_FILES, atomic_write_bytes
from optimizer.report.summary import rule_sentence, summary
from optimizer.report.tables import shown_selection
from optimizer.result import PlanResult
from optimizer.utils.numbers import UNDEFINED

WORKBOOK = WORKBOOK_FILES[0]
MONEY = "#,##0"
MONEY_CENTS = "#,##0.00"
COUNT = "#,##0"
SHARE = "0.0%"
RATE = "0.00%"
RATIO = "0.00"
_FORMATS = {  # column name -> number format (exact names; money and counts by the names the tables use)
    **dict.fromkeys(("fee", "cost", "revenue", "profit", "expected profit", "mean profit", "P5 profit", "P95 profit",
                     "CVaR", "budget", "limit in money", "value in money", "price", "not_at", "change"), MONEY),
    **dict.fromkeys(("followers", "reach", "engagements", "available", "count", "creators", "unique_reach",
                     "history_posts", "posts"), COUNT),
    "conversions": "#,##0.0",
    **dict.fromkeys(("share_of_spend", "P(loss)", "spend_share"), SHARE),
    **dict.fromkeys(("reach_rate", "engagement_rate", "conversion_rate"), RATE),
    **dict.fromkeys(("roi", "ROI", "evidence_weight", "gain", "gain at most", "objective after"), RATIO),
    **dict.fromkeys(("limit", "value", "slack"), "#,##0.###"),
}


def _key_figures(r: PlanResult) -> pd.DataFrame:
    t = r.totals
    rows = [("status", str(r.status)), ("proven gap", r.gap), ("solver", r.solver), ("objective", r.objective),
            ("objective value", r.objective_value), ("budget", r.budget)]
    if t is not None:
        rows += [("spend", t.cost if t.spend is None else t.spend)]
        rows += [("commission", t.commission)] if t.commission else []
        rows += [("paid boosts", t.boost), ("boosted reach", t.boost_reach)] if t.boost else []
        rows += [("cost", t.cost)] if t.commission or t.boost else []
        rows += [("creators", t.count), ("revenue", t.revenue), ("profit", t.profit),
                 ("ROI", t.roi), ("reach", t.reach), ("engagements", t.engagements), ("conversions", t.conversions),
                 ("CPM", t.cpm), ("CPE", t.cpe), ("CAC", t.cac)]
        if t.unique_reach is not None:
            rows.append(("unique reach", t.unique_reach))
    if r.simulation is not None:
        p = r.simulation.metrics["profit"]
        rows += [("simulated runs", r.simulation.runs), ("mean profit", p.mean), ("P5 profit", p.p5),
                 ("P95 profit", p.p95), ("P(loss)", r.simulation.prob_loss), ("CVaR", r.simulation.cvar)]
    return pd.DataFrame(rows, columns=["figure", "value"])


_FIGURE_FORMATS = {"proven gap": "0.0000%", "P(loss)": SHARE, "ROI": RATIO, "CPM": MONEY_CENTS, "CPE": "#,##0.000",
                   "CAC": MONEY_CENTS, "conversions": "#,##0.0", "objective value": "#,##0.####"}


def _rules(r: PlanResult) -> pd.DataFrame:
    rows = [{"rule": rule_sentence(c, r.currency, r.display), "key": c.key, "sense": c.sense, "limit": c.limit,
             "value": c.value, "slack": c.slack, "binding": "yes" if c.binding else "no"} for c in r.constraints]
    return pd.DataFrame(rows, columns=["rule", "key", "sense", "limit", "value", "slack", "binding"])


def _alternatives(r: PlanResult) -> pd.DataFrame:
    if r.comparison:
        rows = []
        for a in r.comparison:
            d = a.to_dict()
            rows.append({"mix": a.name, "creators": d["count"], "cost": d["cost"], "mean profit": d["mean_profit"],
                         "P5 profit": d["p5_profit"], "P95 profit": d["p95_profit"], "P(loss)": d["prob_loss"],
                         "CVaR": d["cvar"], "ROI": d["roi"],
                         "rules": {True: "met", False: "not met", None: UNDEFINED}[a.meets_rules], "note": a.note})
        return pd.DataFrame(rows)
    rows = [{"mix": "optimiser", "creators": len(r.selected), "objective value": r.objective_value, "rules": "met"}]
    for name, b in r.baselines.items():
        rows.append({"mix": name.replace("_", " "), "creators": len(b.ids), "objective value": b.objective_value,
                     "rules": "met" if b.feasible else "breaks " + ", ".join(b.violated)})
    return pd.DataFrame(rows)


def workbook_bytes(result: PlanResult, loosened=None) -> bytes:
    """The workbook of ``result`` (and the what-if rows ``loosened``, ``analysis.whatif.Loosening``) as bytes."""
    r = result
    sheets: dict[str, pd.DataFrame] = {
        "Summary": pd.DataFrame({"summary": summary(r) + ([] if r.prices is not None or not r.has_solution else [
            "Prices to enter and to stay are not in this file: run with --explain to add them (a Prices sheet; "
            "each creator's price is a bisection of re-solves, so it takes a while on a long shortlist)."])}),
        "Mix": shown_selection(r.selection, r.display) if r.display else r.selection,
        "By tier": pd.DataFrame(r.breakdown.get("tier", [])),
        "By platform": pd.DataFrame(r.breakdown.get("platform", [])),
        "Rules": _rules(r),
        "Assumptions": pd.DataFrame([a.to_dict() for a in r.assumptions],
                                    columns=["figure", "source", "value", "creators", "in_mix", "spend_share"]),
        "Alternatives": _alternatives(r),
    }
    if loosened:
        sheets["What-if"] = pd.DataFrame([x.to_dict() for x in loosened])
    if r.prices is not None:
        sheets["Prices"] = pd.DataFrame([p.to_dict() for p in r.prices])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame = sheets[name] = _legal(frame)
            frame.to_excel(writer, sheet_name=name, index=False)
        figures = _key_figures(r)
        start = len(sheets["Summary"]) + 2
        figures.to_excel(writer, sheet_name="Summary", index=False, startrow=start)
        for name, frame in sheets.items():
            _format(writer.sheets[name], frame)
            _as_text(writer.sheets[name])
        ws = writer.sheets["Summary"]
        ws.column_dimensions["A"].width = 120 if len(sheets["Summary"]) else 20
        for k, figure in enumerate(figures["figure"], start=start + 2):
            cell = ws.cell(row=k, column=2)
            cell.number_format = _FIGURE_FORMATS.get(figure, MONEY if isinstance(cell.value, float) else "General")
    return buffer.getvalue()


def _legal(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the control characters a worksheet cannot hold (terminal escapes from a shortlist)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    out = frame.copy()
    for c in [c for c in out.columns if not pd.api.types.is_numeric_dtype(out[c])]:
        out[c] = out[c].map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)
    return out


def _as_text(ws) -> None:
    """Every cell openpyxl stored as a formula (text that starts with =) stored as the text it was."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _format(ws, frame: pd.DataFrame) -> None:
    """Number formats by column, widths to fit, the header row frozen."""
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    for j, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(j)
        fmt = _FORMATS.get(str(column))
        if fmt is not None:
            for (cell,) in ws.iter_rows(min_row=2, max_row=len(frame) + 1, min_col=j, max_col=j):
                cell.number_format = fmt
        shown = [len(str(column))] + [len(f"{v:,.2f}") if isinstance(v, float) else len(str(v))
                                      for v in frame[column].head(200)]
        ws.column_dimensions[letter].width = min(60, max(8, max(shown) + 2))


def write_workbook(result: PlanResult, out_dir: Path, loosened=None) -> Path:
    """``plan.xlsx`` in ``out_dir``, written atomically."""
    path = out_dir / WORKBOOK
    atomic_write_bytes(path, workbook_bytes(result, loosened))
    return path
