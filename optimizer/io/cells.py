"""Cells as people write them: the numbers, headers and platform names of exported and hand-made spreadsheets.

Numbers (``parse_numbers``) may carry what a spreadsheet or a discovery platform puts around them:

    12.5K, 1.2M, 3B        suffixes: thousand, million, billion (case-insensitive)
    1,200   1,200,000.50   thousands separators (a comma before exactly three digits, repeated)
    $80   80 USD   EUR 80  a currency symbol ($ EUR GBP JPY INR: $ € £ ¥ ₹) or a three-letter code before or after
    6.5%                   a percent sign (only where a share is meant: the value is divided by 100)

Everything else that is not a plain number is ``bad``, and the caller names the row and column. What was read
other than plainly is reported once per column as a note ("column 'followers': 3 values read with a K/M/B
suffix, e.g. '12.5K' as 12,500"). A decimal comma (``12,5``) is not guessed at: it is bad.

Headers (``canonical_header``) are compared as lower case with spaces, hyphens and dots as underscores and a unit in
brackets dropped (``Engagement Rate (%)`` is ``engagement_rate``). Platform names (``canonical_platform``) map the
common spellings (``Tik Tok``, ``IG``, ``YT``) to one name, so that a limit on TikTok catches them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimizer.errors import InputError

_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9, "bn": 1e9}
_CURRENCY = r"(?:[$€£¥₹]|usd|eur|gbp|jpy|inr|cad|aud|chf)"
_NUMBER = re.compile(
    rf"^(?P<pre>{_CURRENCY})?\s*(?P<sign>[-+])?\s*(?P<cur>{_CURRENCY})?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:e(?P<exp>[-+]?\d+))?"
    rf"\s*(?P<suffix>k|m|bn|b)?\s*(?P<post>{_CURRENCY})?\s*(?P<pct>%)?$")
PLATFORM_ALIASES = {
    "tiktok": ("tik tok", "tik-tok", "tik_tok", "tt", "douyin"),
    "instagram": ("ig", "insta", "instagram reels", "instagram stories", "instagram story", "reels"),
    "youtube": ("yt", "you tube", "youtube shorts", "shorts"),
    "x": ("twitter", "twitter/x", "x (twitter)", "x/twitter"),
    "facebook": ("fb",),
    "snapchat": ("snap",),
    "pinterest": ("pin",),
    "linkedin": ("linked in",),
    "twitch": ("twitch.tv",),
}
_PLATFORM = {alias: name for name, aliases in PLATFORM_ALIASES.items() for alias in (name, *aliases)}


def as_text(series: pd.Series) -> pd.Series:
    """Cells as stripped strings; None/NaN (DataFrame input) become ''. A text column (a CSV's) is stripped, and a
    numeric one (a DataFrame's) written as text, in one vectorised pass; cells of mixed types (a workbook's) are
    written as text one by one."""
    if series.dtype != object and pd.api.types.is_string_dtype(series.dtype):
        return series.fillna("").str.strip()
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return _numbers_as_text(series)
    s = series.astype(object)
    s = s.where(~pd.isna(s), "")
    return s.map(lambda v: v if isinstance(v, str) else _num_text(v)).str.strip()


def _numbers_as_text(series: pd.Series) -> pd.Series:
    """A numeric column written as text by Arrow (12500.0 as '12500', as ``_num_text`` writes it; NaN as '').
    Arrow writes the shortest text that reads back as the same number, so the values parsed from it are the
    column's own."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.array(series.to_numpy(), from_pandas=True)  # NaN as null
    text = pc.fill_null(pc.cast(values, pa.string()), "")
    return pd.Series(text.to_numpy(zero_copy_only=False), index=series.index, dtype="str")


def _num_text(v) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return str(v)


@dataclass
class Numbers:
    """Parsed cells: ``values`` (NaN where empty or bad), the ``empty`` and ``bad`` masks, and ``notes`` saying
    what was read other than plainly."""

    values: np.ndarray
    empty: np.ndarray
    bad: np.ndarray
    notes: list[str] = field(default_factory=list)


def parse_numbers(text: pd.Series, *, percent_ok: bool, label: str = "") -> Numbers:
    """Numbers from text cells, as written (see the module docstring). ``percent_ok``: "6.5%" is 0.065 (else a
    percent sign is bad). ``label`` names the column in the notes."""
    text = text.astype(str)
    empty = (text == "").to_numpy()
    values = _plain_floats(text)
    if values is None:
        values = np.array(pd.to_numeric(text, errors="coerce"), dtype=float)  # a copy: written below
    plain = ~empty & np.isfinite(values)
    notes: list[str] = []
    rest = np.flatnonzero(~empty & ~plain)
    kinds: dict[str, list[str]] = {}
    for i in rest:
        cell = text.iat[i]
        m = _NUMBER.match(cell.strip().lower())
        if m is None or (m["pct"] and not percent_ok):
            continue
        if sum(bool(m[k]) for k in ("pre", "cur", "post")) > 1:
            continue
        try:
            v = float(m["num"].replace(",", "")) * (10.0 ** int(m["exp"]) if m["exp"] else 1.0)
        except OverflowError:  # 1e400: no float holds it
            continue
        v *= _SUFFIX[m["suffix"]] if m["suffix"] else 1.0
        v = -v if m["sign"] == "-" else v
        if m["pct"]:
            v /= 100.0
        if not np.isfinite(v):
            continue
        values[i] = v
        for kind, hit in (("a K/M/B suffix", m["suffix"]), ("thousands separators", "," in m["num"]),
                          ("a currency", m["pre"] or m["cur"] or m["post"]), ("a percent sign", m["pct"])):
            if hit:
                kinds.setdefault(kind, []).append(cell)
    bad = ~empty & ~np.isfinite(values)
    values[bad | empty] = np.nan
    for kind, cells in kinds.items():
        example = cells[0]
        notes.append(f"{label + ': ' if label else ''}{len(cells)} value(s) read with {kind}, e.g. '{example}' as "
                     f"{_fmt(values[text.to_numpy(dtype=object) == example][0])}")
    return Numbers(values, empty, bad, notes)


def _plain_floats(text: pd.Series) -> np.ndarray | None:
    """The cells as floats (NaN where empty) when every filled one is a plain number, in one cast by Arrow; None
    when a cell needs reading as written (``12.5K``, ``$80``, ``6.5%``, a typo)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(text.to_numpy(dtype=object) if text.dtype == object else text, type=pa.string())
        cast = pc.cast(pc.if_else(pc.equal(arr, ""), None, arr), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError, ValueError):
        return None
    return cast.to_numpy(zero_copy_only=False).astype(float, copy=True)


def _fmt(v: float) -> str:
    return f"{v:,.10g}" if abs(v) >= 1000 else f"{v:.10g}"


def canonical_header(name) -> str:
    """``Engagement Rate (%)`` -> ``engagement_rate``: lower case, a unit in brackets dropped, spaces, hyphens and
    dots as underscores."""
    text = re.sub(r"\s*[(\[].*?[)\]]\s*", " ", str(name)).strip().lower()
    text = re.sub(r"[\s\-./]+", "_", text)
    return re.sub(r"_+", "_", text).strip("_")


def contract_headers(columns, label: str) -> list[str]:
    """A contract file's headers read as ``canonical_header``; a name given twice raises :class:`InputError`."""
    names = [canonical_header(c) for c in columns]
    repeated = sorted({c for c in names if c and names.count(c) > 1})
    if repeated:
        raise InputError.at(label, f"appears {names.count(repeated[0])} times in the header: keep one",
                            f"column '{repeated[0]}'")
    return names


def canonical_platform(values: pd.Series) -> tuple[pd.Series, list[str]]:
    """Platform names in one spelling (lower case, aliases mapped: ``Tik Tok`` and ``TT`` are ``tiktok``) and notes
    naming what was mapped."""
    written = {v: re.sub(r"\s+", " ", str(v).lower().strip()) for v in values.unique()}  # a few, however many rows
    spellings = {v: _PLATFORM.get(low, low) for v, low in written.items()}
    mapped = values.map(spellings)
    changed = sorted({(written[v], b) for v, b in spellings.items() if written[v] != b and written[v]})
    notes = [f"platform '{a}' read as '{b}'" for a, b in changed]
    return mapped, notes
