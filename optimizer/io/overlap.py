"""The overlap file contract: which creators share audiences, as discovery platforms export it.

Two shapes, told apart by their header (case-insensitive; CSV or .xlsx):

pairs      ``id_a, id_b, shared``    shared = the share (0-1, or 6.5%) of the smaller audience that also follows
                                     the other creator
segments   ``id, segment, share``    share = the share of the creator's audience in that segment (0-1); a
           [``segment_size``]        creator's shares add up to at most 1, the rest is the general population;
                                     ``segment_size`` (people, optional, the same on every row of a segment) is the
                                     segment's size in the population

Every cell is checked here; ``audience.py`` trusts what this returns. Rows naming creators that are not on the
shortlist are skipped with a warning (an export usually covers a longer list than the shortlist).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, ProblemList, rows_text, suggest
from optimizer.io.candidates import read_table
from optimizer.io.cells import as_text, contract_headers, parse_numbers

PAIR_COLUMNS = ("id_a", "id_b", "shared")
SEGMENT_COLUMNS = ("id", "segment", "share")
OPTIONAL_SEGMENT_COLUMNS = ("segment_size",)


@dataclass(frozen=True)
class PairOverlap:
    """Pairwise overlaps: ``a`` and ``b`` are creator ids, ``shared`` the share of the smaller audience."""

    a: tuple[str, ...]
    b: tuple[str, ...]
    shared: np.ndarray
    source: str


@dataclass(frozen=True)
class SegmentShares:
    """Audience segments: creator ``id`` has share ``share`` of its audience in ``segment``. ``sizes`` maps
    segments to their size in people, or is None (sizes then follow the shortlist's reach; see ``audience.py``)."""

    id: tuple[str, ...]
    segment: tuple[str, ...]
    share: np.ndarray
    sizes: dict[str, float] | None
    source: str


Overlap = PairOverlap | SegmentShares


def load_overlap(path: str | Path, ids: set[str], label: str | None = None) -> tuple[Overlap, list[str]]:
    """Read and validate an overlap file against the shortlist ``ids``; returns the data and any warnings.
    Raises :class:`InputError` naming the file, row and column of every problem."""
    path = Path(path)
    label = label or str(path)
    raw = read_table(path)
    names = contract_headers(raw.columns, label)
    raw = raw.copy()
    raw.columns = names
    if set(PAIR_COLUMNS) <= set(names):
        kind, wanted = "pairs", PAIR_COLUMNS
    elif set(SEGMENT_COLUMNS) <= set(names):
        kind, wanted = "segments", SEGMENT_COLUMNS
    else:
        near = [n for n in names if n not in PAIR_COLUMNS + SEGMENT_COLUMNS]
        hint = suggest(near[0], PAIR_COLUMNS + SEGMENT_COLUMNS) if near else ""
        raise InputError.at(label, "the header must have the columns id_a, id_b, shared (pairs) or id, segment, "
                            f"share (segments); found {', '.join(names) or 'none'}{hint}")
    if len(raw) == 0:
        raise InputError.at(label, f"no rows: an overlap file ({kind}) needs at least one row")
    rows = raw.index.to_numpy()  # as a spreadsheet numbers them: row 1 is the header
    problems = ProblemList()
    text = {c: as_text(raw[c]) for c in wanted}
    for c in wanted[:2]:
        missing = np.flatnonzero((text[c] == "").to_numpy())
        if missing.size:
            problems.add(label, f"missing {c}", f"{rows_text(rows[missing])}, column '{c}'")
    value_col = wanted[2]
    parsed = parse_numbers(text[value_col], percent_ok=True)
    values, empty, bad = parsed.values, parsed.empty, parsed.bad
    for mask, what in ((bad, "not a number"), (empty, "empty"), ((values < 0) | (values > 1), "not a share between "
                                                                 "0 and 1 (write 0.15 or 15%)")):
        mask = np.asarray(mask)
        if mask.any():
            problems.add(label, what, f"{rows_text(rows[np.flatnonzero(mask)])}, column '{value_col}'")
    problems.raise_if_any()
    warnings: list[str] = []
    id_cols = ("id_a", "id_b") if kind == "pairs" else ("id",)
    unknown = np.zeros(len(raw), dtype=bool)
    for c in id_cols:
        unknown |= ~text[c].isin(ids).to_numpy()
    if unknown.all():
        first = str(text[id_cols[0]].iloc[0])
        raise InputError.at(label, f"no row names a creator on the shortlist (e.g. '{first}'{suggest(first, ids)})",
                            f"column '{id_cols[0]}'")
    if unknown.any():
        warnings.append(f"{label}: {rows_text(rows[np.flatnonzero(unknown)])} name creators that are not on the "
                        "shortlist; skipped")
    keep = ~unknown
    if kind == "pairs":
        data = _pairs(label, rows[keep], text["id_a"][keep].tolist(), text["id_b"][keep].tolist(), values[keep])
    else:
        sizes_text = as_text(raw["segment_size"]) if "segment_size" in names else None
        data = _segments(label, rows[keep], text["id"][keep].tolist(), text["segment"][keep].tolist(), values[keep],
                         None if sizes_text is None else sizes_text[keep])
    return data, warnings


def _pairs(label: str, rows: np.ndarray, a: list[str], b: list[str], shared: np.ndarray) -> PairOverlap:
    problems = ProblemList()
    seen: dict[tuple[str, str], int] = {}
    for k, (x, y) in enumerate(zip(a, b, strict=True)):
        if x == y:
            problems.add(label, f"a creator cannot overlap with itself ('{x}')", f"row {rows[k]}, column 'id_b'")
            continue
        key = (x, y) if x < y else (y, x)
        if key in seen:
            problems.add(label, f"the pair {key[0]}, {key[1]} is given twice (also row {seen[key]})",
                         f"row {rows[k]}")
        else:
            seen[key] = int(rows[k])
    problems.raise_if_any()
    return PairOverlap(a=tuple(a), b=tuple(b), shared=np.asarray(shared, float), source=label)


def _segments(label: str, rows: np.ndarray, ids: list[str], segs: list[str], share: np.ndarray,
              sizes_text: pd.Series | None) -> SegmentShares:
    problems = ProblemList()
    frame = pd.DataFrame({"id": ids, "segment": [s.lower() for s in segs], "share": share, "row": rows})
    dup = frame.duplicated(["id", "segment"], keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        problems.add(label, f"creator '{first['id']}' has segment '{first['segment']}' more than once",
                     rows_text(frame.loc[dup & (frame["id"] == first["id"]) & (frame["segment"] == first["segment"]),
                                         "row"].to_numpy()))
    totals = frame.groupby("id", sort=False)["share"].sum()
    over = totals[totals > 1 + 1e-6]
    if len(over):
        i = over.index[0]
        problems.add(label, f"the shares of creator '{i}' add up to {over.iloc[0]:.4g}, above 1 (shares are of the "
                     "creator's audience; the rest of it is the general population)",
                     f"{rows_text(frame.loc[frame['id'] == i, 'row'].to_numpy())}, column 'share'")
    sizes: dict[str, float] | None = None
    if sizes_text is not None:
        parsed = parse_numbers(sizes_text.reset_index(drop=True), percent_ok=False)
        values, empty, bad = parsed.values, parsed.empty, parsed.bad
        wrong = bad | (np.nan_to_num(values, nan=1.0) <= 0)
        if wrong.any():
            problems.add(label, "not a positive number of people", f"{rows_text(rows[np.flatnonzero(wrong)])}, "
                         "column 'segment_size'")
        elif empty.any() and not empty.all():
            problems.add(label, "empty: give every segment's size or none", f"{rows_text(rows[np.flatnonzero(empty)])}"
                         ", column 'segment_size'")
        elif not empty.any():
            frame["size"] = values
            spread = frame.groupby("segment")["size"].agg(["min", "max"])
            clash = spread[spread["min"] != spread["max"]]
            if len(clash):
                s = clash.index[0]
                problems.add(label, f"segment '{s}' has different sizes ({clash['min'].iloc[0]:g} and "
                             f"{clash['max'].iloc[0]:g})", f"{rows_text(frame.loc[frame['segment'] == s, 'row'])}, "
                             "column 'segment_size'")
            else:
                sizes = {str(k): float(v) for k, v in spread["min"].items()}
    problems.raise_if_any()
    return SegmentShares(id=tuple(frame["id"]), segment=tuple(frame["segment"]), share=frame["share"].to_numpy(float),
                         sizes=sizes, source=label)
