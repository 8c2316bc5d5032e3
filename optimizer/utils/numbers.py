"""Numbers as reports show them."""

from __future__ import annotations


def num(v, digits: int = 0) -> str:
    """``v`` with thousands separators and ``digits`` decimals; "-" when undefined."""
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    return f"{v:,.{digits}f}"


def pct(p: float | None) -> str:
    """A share as a percent with one decimal; "-" when undefined."""
    return "-" if p is None else f"{p:.1%}"
