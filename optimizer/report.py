"""The readable table printed by ``influencer-mix run``."""

from __future__ import annotations

import pandas as pd

from .result import PlanResult

_MONEY = ("fee", "revenue", "profit", "cost")


def _num(v, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    return f"{v:,.{digits}f}"


def _frame_text(frame: pd.DataFrame, digits: dict[str, int] | None = None) -> str:
    digits = digits or {}
    fmt = {}
    for c in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[c]):
            d = digits.get(c, 0)
            fmt[c] = lambda v, d=d: _num(v, d)
    return frame.to_string(index=False, formatters=fmt)


def _indent(text: str, pad: str = "  ") -> str:
    return "\n".join(pad + line for line in text.splitlines())


def format_table(result: PlanResult) -> str:
    r = result
    out = [f"{r.name}: maximise {r.objective} ({r.currency}), budget {_num(r.budget)}"]
    gap = "-" if r.gap is None else f"{r.gap:.4%}"
    out.append(f"Status: {r.status} (proven gap {gap}, {r.solver}, {r.seconds:.2f} s"
               + (f", {r.iterations} Dinkelbach iterations" if r.objective == "roi" else "") + ")")
    if r.message:
        out.append(f"  {r.message}")
    if r.conflicts:
        out.append("")
        out.append("These rules cannot all be met; relaxing any one of them makes the scenario feasible:")
        out += [f"  - {k}" for k in r.conflicts]
    if r.totals is not None:
        t = r.totals
        out.append("")
        out.append(f"Chosen mix: {t.count} creators")
        if len(r.selection):
            sel = r.selection.drop(columns=[c for c in ("niche", "region", "handle") if
                                            (r.selection[c] == "").all()])
            out.append(_indent(_frame_text(sel, {"roi": 2})))
        out.append("")
        out.append("Totals")
        out.append(f"  cost {_num(t.cost)}   revenue {_num(t.revenue)}   profit {_num(t.profit)}   "
                   f"ROI {_num(t.roi, 2)}   ROIS {_num(t.rois, 2)}")
        out.append(f"  reach {_num(t.reach)}   engagements {_num(t.engagements)}   conversions "
                   f"{_num(t.conversions, 1)}   CPM {_num(t.cpm, 2)}   CPE {_num(t.cpe, 3)}   CAC {_num(t.cac, 2)}")
        for kind, rows in r.breakdown.items():
            if rows:
                out.append("")
                out.append(f"By {kind}")
                out.append(_indent(_frame_text(pd.DataFrame(rows), {"share_of_spend": 3})))
        if r.constraints:
            out.append("")
            out.append("Rules (binding: no room for one more creator, or one fewer, under this rule)")
            frame = pd.DataFrame([c.to_dict() for c in r.constraints])
            frame["binding"] = frame["binding"].map({True: "yes", False: ""})
            out.append(_indent(_frame_text(frame, {"limit": 3, "value": 3, "slack": 3})))
        if r.baselines:
            out.append("")
            out.append(f"Against the alternatives ({r.objective})")
            lines = [("optimiser", r.objective_value, "", "")]
            for name, b in r.baselines.items():
                imp = r.improvement_over(name)
                rules = "meets the rules" if b.feasible else "breaks " + ", ".join(b.violated)
                lines.append((name, b.objective_value, "-" if imp is None else f"{imp:+.1%}", rules))
            width = max(len(n) for n, *_ in lines)
            digits = 3 if r.objective == "roi" else 0
            for name, value, imp, rules in lines:
                extra = f"   optimiser {imp} better; {rules}" if rules else ""
                out.append(f"  {name:<{width}}  {_num(value, digits):>16}{extra}")
    if r.warnings:
        out.append("")
        out.append("Warnings")
        out += [f"  - {w}" for w in r.warnings]
    return "\n".join(out)
