"""The history file contracts: past posts with their tracked results, and customer touchpoint logs.

Posts (CSV or .xlsx; one row per sponsored post; header case-insensitive):

    id           creator id (the shortlist's id)                         required
    platform     instagram, tiktok, ...                                   required
    date         the post's date (2025-03-14, 14/03/2025 is ambiguous: use ISO dates)   required
    followers    followers at the time of the post                        required, > 0
    reach        accounts reached (or ``impressions``, read as reach)     one of the two required
    engagements  likes, comments, shares, saves                           required
    clicks       link clicks (optional; when given, orders may not exceed them)
    orders       tracked conversions (discount code, affiliate or UTM link)   required
    revenue      revenue of those orders                                  required
    fee          what the post cost (optional; reported, not estimated)

Touchpoints (optional, for multi-touch attribution):

    journey      customer or journey id                                   required
    timestamp    when the touch happened                                  required
    touch        creator id, or another channel ("search", "email")       required
    converted    1 on the row where the journey converted, else 0 (or empty)   required
    value        the conversion's revenue, on the converting row          optional (0)

Counts are whole and not negative; engagements and orders cannot exceed reach, orders cannot exceed clicks, and
revenue needs orders. A row that breaks this is an error naming the row and column; with ``skip_bad=True`` it is
skipped instead and counted in the returned :class:`Skipped`, by reason. Nothing is dropped silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, ProblemList, rows_text, suggest
from optimizer.io.candidates import read_table
from optimizer.io.cells import as_text, contract_headers, parse_numbers

POST_REQUIRED = ("id", "platform", "date", "followers", "engagements", "orders", "revenue")
POST_OPTIONAL = ("reach", "impressions", "clicks", "fee")
TOUCH_REQUIRED = ("journey", "timestamp", "touch", "converted")
TOUCH_OPTIONAL = ("value",)
_TRUE = {"1", "1.0", "true", "yes", "y"}
_FALSE = {"0", "0.0", "false", "no", "n", ""}


@dataclass
class Skipped:
    """Rows left out, by reason (only with ``skip_bad``), and what was noticed but kept."""

    reasons: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.reasons.values())

    def to_dict(self) -> dict:
        return {"skipped": self.total, "reasons": dict(self.reasons), "notes": list(self.notes)}


class _Rows:
    """Collects row problems: errors, or skips with ``skip_bad``."""

    def __init__(self, label: str, rows: np.ndarray, skip_bad: bool):
        self.label, self.rows, self.skip_bad = label, rows, skip_bad
        self.problems = ProblemList()
        self.bad = np.zeros(rows.size, dtype=bool)
        self.skipped = Skipped()

    def flag(self, mask: np.ndarray, column: str, what: str) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.bad
        if not mask.any():
            return
        if self.skip_bad:
            self.skipped.reasons[f"{column}: {what}"] += int(mask.sum())
            self.bad |= mask
        else:
            self.problems.add(self.label, what, f"{rows_text(self.rows[np.flatnonzero(mask)])}, column '{column}'")


def read_contract(path: str | Path | pd.DataFrame, label: str | None, required: tuple[str, ...],
                  optional: tuple[str, ...]) -> tuple[pd.DataFrame, str, np.ndarray]:
    """A table (CSV, .xlsx or DataFrame) with lower-case headers, checked for its required columns and for rows;
    returns it, its label and each row's number as a spreadsheet shows it (the header is row 1)."""
    if isinstance(path, pd.DataFrame):
        raw, label = path.copy(), label or "history"
        raw.index = np.arange(len(raw)) + 2
    else:
        label = label or str(path)
        raw = read_table(Path(path))
    raw.columns = contract_headers(raw.columns, label)
    known = required + optional
    missing = [c for c in required if c not in raw.columns]
    if missing:
        unknown = [c for c in raw.columns if c not in known]
        raise InputError.at(label, f"required column is missing{suggest(missing[0], unknown)}",
                            f"column '{missing[0]}'")
    if len(raw) == 0:
        raise InputError.at(label, "no rows")
    return raw, label, raw.index.to_numpy()


def _numbers(raw: pd.DataFrame, col: str, rows: _Rows, *, whole: bool, required: bool = True) -> np.ndarray:
    parsed = parse_numbers(as_text(raw[col]), percent_ok=False, label=f"column '{col}'")
    values, empty, bad = parsed.values, parsed.empty, parsed.bad
    rows.skipped.notes += [f"{rows.label}: {n}" for n in parsed.notes]
    rows.flag(bad, col, "not a number")
    if required:
        rows.flag(empty, col, "empty")
    rows.flag(np.nan_to_num(values) < 0, col, "negative")
    if whole:
        rows.flag(np.isfinite(values) & (values != np.floor(values)), col, "not a whole number")
    return values


def _dates(raw: pd.DataFrame, col: str, rows: _Rows) -> pd.Series:
    text = as_text(raw[col])
    parsed = pd.to_datetime(text.where(text != "", None), errors="coerce", format="mixed")
    rows.flag(parsed.isna().to_numpy(), col, "not a date (use ISO dates such as 2025-03-14)")
    return parsed


def load_posts(path: str | Path | pd.DataFrame, *, label: str | None = None,
               skip_bad: bool = False) -> tuple[pd.DataFrame, Skipped]:
    """Read and validate a posts file. Returns the good rows (columns id, platform, date, followers, reach,
    engagements, clicks, orders, revenue, fee, row) and what was skipped."""
    raw, label, row_numbers = read_contract(path, label, POST_REQUIRED, POST_OPTIONAL)
    if "reach" not in raw.columns and "impressions" not in raw.columns:
        raise InputError.at(label, "needs a 'reach' column (accounts reached) or an 'impressions' column",
                            "column 'reach'")
    rows = _Rows(label, row_numbers, skip_bad)
    out = pd.DataFrame({"row": row_numbers})
    for c in ("id", "platform"):
        text = as_text(raw[c])
        out[c] = text.str.lower().to_numpy(object) if c == "platform" else text.to_numpy(object)
        rows.flag((text == "").to_numpy(), c, f"missing {c}")
    out["date"] = _dates(raw, "date", rows)
    reach_col = "reach" if "reach" in raw.columns else "impressions"
    if reach_col == "impressions":
        rows.skipped.notes.append(f"{label}: no 'reach' column: impressions are read as accounts reached (one "
                                  "impression per account), which overstates reach where people saw a post twice")
    for c, whole in (("followers", True), (reach_col, True), ("engagements", True), ("orders", True),
                     ("revenue", False)):
        out["reach" if c == reach_col else c] = _numbers(raw, c, rows, whole=whole)
    out["clicks"] = _numbers(raw, "clicks", rows, whole=True, required=False) if "clicks" in raw.columns else np.nan
    out["fee"] = _numbers(raw, "fee", rows, whole=False, required=False) if "fee" in raw.columns else np.nan
    f, r, e, o, v, k = (out[c].to_numpy(float) for c in ("followers", "reach", "engagements", "orders", "revenue",
                                                          "clicks"))
    with np.errstate(invalid="ignore"):
        rows.flag(f == 0, "followers", "0 followers: no rate can be measured")
        rows.flag(e > r, "engagements", "more engagements than accounts reached")
        rows.flag(o > r, "orders", "more orders than accounts reached")
        rows.flag(np.isfinite(k) & (o > k), "orders", "more orders than clicks")
        rows.flag((v > 0) & (o == 0), "revenue", "revenue without orders")
    rows.problems.raise_if_any()
    return out[~rows.bad].reset_index(drop=True), rows.skipped


def load_touchpoints(path: str | Path | pd.DataFrame, *, label: str | None = None,
                     skip_bad: bool = False) -> tuple[pd.DataFrame, Skipped]:
    """Read and validate a touchpoint log. Returns the good rows (journey, timestamp, touch, converted, value,
    row) and what was skipped."""
    raw, label, row_numbers = read_contract(path, label, TOUCH_REQUIRED, TOUCH_OPTIONAL)
    rows = _Rows(label, row_numbers, skip_bad)
    out = pd.DataFrame({"row": row_numbers})
    for c in ("journey", "touch"):
        text = as_text(raw[c])
        out[c] = text.to_numpy(object)
        rows.flag((text == "").to_numpy(), c, f"missing {c}")
    out["timestamp"] = _dates(raw, "timestamp", rows)
    conv = as_text(raw["converted"]).str.lower()
    rows.flag(~conv.isin(_TRUE | _FALSE).to_numpy(), "converted", "not 0 or 1")
    out["converted"] = conv.isin(_TRUE).to_numpy().astype(int)
    if "value" in raw.columns:
        value = np.nan_to_num(_numbers(raw, "value", rows, whole=False, required=False))
        ignored = int(((value > 0) & (out["converted"].to_numpy() == 0) & ~rows.bad).sum())
        if ignored:
            rows.skipped.notes.append(f"{label}: {ignored} row(s) carry a value but did not convert; only the "
                                      "converting row's value counts")
        out["value"] = value
    else:
        out["value"] = 0.0
    rows.problems.raise_if_any()
    return out[~rows.bad].reset_index(drop=True), rows.skipped
