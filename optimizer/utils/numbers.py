"""Numbers as reports show them; an undefined value (None, NaN: the ROI of a creator with no fee) as an em dash."""

from __future__ import annotations

UNDEFINED = "\u2014"  # the em dash


def num(v, digits: int = 0) -> str:
    """``v`` with thousands separators and ``digits`` decimals; an em dash when undefined."""
    if v is None or (isinstance(v, float) and v != v):
        return UNDEFINED
    return f"{v:,.{digits}f}"


def pct(p: float | None) -> str:
    """A share as a percent with one decimal; an em dash when undefined."""
    return UNDEFINED if p is None or p != p else f"{p:.1%}"


def plural(n: int, word: str) -> str:
    """"1 creator", "2 creators"."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")
