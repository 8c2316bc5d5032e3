"""The candidate file contract: reading a shortlist (CSV, Excel or DataFrame), validating every cell,
filling outcome columns from scenario defaults, and deriving tiers.

Everything is checked here, once; code downstream trusts a :class:`Candidates`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import benchmarks
from . import tiers as tiers_mod
from .distributions import RATE_COLUMNS, SD_COLUMNS, beta_limit, impossible_beta
from .errors import InputError, ProblemList, rows_text, suggest
from .funnel import Outcomes


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | int | number
    unit: str
    meaning: str
    lo: float | None = None
    hi: float | None = None
    required: bool = False  # must be in the file
    fillable: bool = False  # may come from scenario defaults
    needed: bool = False  # must have a value after defaults are applied
    percent_ok: bool = False  # "6.5%" is read as 0.065


COLUMNS: tuple[Column, ...] = (
    Column("id", "text", "text", "unique creator id", required=True),
    Column("platform", "text", "text", "instagram, tiktok, youtube, ... (case-insensitive)", required=True),
    Column("followers", "int", "accounts", "follower count", lo=0, required=True),
    Column("fee", "number", "currency", "fee for the deal, in the scenario's currency", lo=0, required=True),
    Column("reach_rate", "number", "share", "share of (real) followers who see the post; may exceed 1 "
           "for short video", lo=0, fillable=True, needed=True, percent_ok=True),
    Column("engagement_rate", "number", "share", "engagements per reached account", 0, 1,
           fillable=True, needed=True, percent_ok=True),
    Column("conversion_rate", "number", "share", "conversions per reached account", 0, 1,
           fillable=True, needed=True, percent_ok=True),
    Column("order_value", "number", "currency", "revenue per conversion", lo=0, fillable=True, needed=True),
    Column("tier", "text", "text", "nano, micro, macro, mega (or the scenario's tiers); "
           "derived from followers when empty"),
    Column("niche", "text", "text", "content niche, for niche limits"),
    Column("region", "text", "text", "audience region, for region limits"),
    Column("handle", "text", "text", "display handle"),
    Column("audience_quality", "number", "share", "share of real followers; multiplies reach (default 1)",
           0, 1, fillable=True, percent_ok=True),
    Column("reach_rate_sd", "number", "share", "standard deviation of reach_rate", lo=0, fillable=True,
           percent_ok=True),
    Column("engagement_rate_sd", "number", "share", "standard deviation of engagement_rate", 0, 1,
           fillable=True, percent_ok=True),
    Column("conversion_rate_sd", "number", "share", "standard deviation of conversion_rate", 0, 1,
           fillable=True, percent_ok=True),
    Column("order_value_sd", "number", "currency", "standard deviation of order_value", lo=0, fillable=True),
    Column("history_posts", "int", "posts", "past posts the rates were estimated from (written by calibrate)",
           lo=0),
    Column("evidence_weight", "number", "share", "weight of the creator's own history in its rates, the weakest "
           "of the three (written by calibrate)", 0, 1, percent_ok=True),
)
EVIDENCE_LEVELS = ("none", "thin", "solid", "stated")
THIN_WEIGHT = 0.5  # below this weight on its own history, a creator's rates rest mostly on the prior
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
FILLABLE: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.fillable)
TEXT_LOWER = ("platform", "tier", "niche", "region")  # matched case-insensitively


@dataclass(frozen=True)
class Defaults:
    """Values for missing outcome cells. The most specific wins: tier and platform, then platform,
    then tier, then global."""

    values: Mapping[str, float] = field(default_factory=dict)
    tiers: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    platforms: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    tier_platforms: Mapping[str, Mapping[str, Mapping[str, float]]] = field(default_factory=dict)
    benchmarks: bool = False  # ``from: benchmarks``: then fill what is still empty from benchmarks.py

    def layers(self) -> list[tuple[str | None, str | None, Mapping[str, float]]]:
        """(tier, platform, values) from least to most specific."""
        out: list[tuple[str | None, str | None, Mapping[str, float]]] = [(None, None, self.values)]
        out += [(t, None, v) for t, v in self.tiers.items()]
        out += [(None, p, v) for p, v in self.platforms.items()]
        out += [(t, p, v) for t, ps in self.tier_platforms.items() for p, v in ps.items()]
        return out


@dataclass(frozen=True)
class Candidates:
    """A validated shortlist. ``table`` has the contract's columns (lower-case text keys, numbers as
    floats, ``tier`` always set) and a RangeIndex; ``rows`` holds each candidate's row in its source."""

    table: pd.DataFrame
    source: str
    rows: np.ndarray
    outcomes: Outcomes
    warnings: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return len(self.table)

    @property
    def ids(self) -> np.ndarray:
        return self.table["id"].to_numpy(dtype=object)

    def subset(self, mask: np.ndarray) -> Candidates:
        """The candidates where ``mask`` is true, in the same order (already validated: nothing is re-checked)."""
        mask = np.asarray(mask, dtype=bool)
        table = self.table[mask].reset_index(drop=True)
        return Candidates(table=table, source=self.source, rows=self.rows[mask], outcomes=Outcomes.from_table(table),
                          warnings=self.warnings)

    def indicator(self, positions) -> np.ndarray:
        """The 0/1 hire vector over the shortlist with ones at ``positions`` (the form the model's rows take)."""
        x = np.zeros(self.n)
        x[np.asarray(positions, dtype=int)] = 1.0
        return x

    def positions(self, ids) -> np.ndarray:
        """Integer positions of the given ids (which must exist)."""
        index = pd.Index(self.table["id"])
        return index.get_indexer(list(ids))


# --------------------------------------------------------------------------------------------- reading

def read_table(path: Path, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV or Excel file as text cells ('' for empty), raising InputError on failure."""
    label = str(path)
    if not path.exists():
        raise InputError.at(label, "file not found")
    if path.is_dir():
        raise InputError.at(label, "is a folder, not a file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            sep = "\t" if suffix == ".tsv" else ","
            return pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, skipinitialspace=True,
                               encoding="utf-8-sig")
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object,
                                  keep_default_na=False, na_values=[], engine="openpyxl")
            return frame
    except pd.errors.EmptyDataError:
        raise InputError.at(label, "the file is empty: no header and no candidates") from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError.at(label, f"cannot be read as {suffix[1:].upper()}: "
                                         f"{str(exc).splitlines()[0]}") from None
    except ValueError as exc:  # e.g. unknown sheet name
        raise InputError.at(label, str(exc).splitlines()[0]) from None
    except OSError as exc:
        raise InputError.at(label, f"cannot be read: {exc.strerror or exc}") from None
    except Exception as exc:  # openpyxl raises assorted errors on corrupt workbooks
        raise InputError.at(label, f"cannot be read as Excel: {exc}") from None
    raise InputError.at(label, f"unsupported file type '{suffix}': use .csv or .xlsx")


# ------------------------------------------------------------------------------------------ validation

def _as_text(series: pd.Series) -> pd.Series:
    """Cells as stripped strings; None/NaN (DataFrame input) become ''."""
    s = series.astype(object)
    s = s.where(~pd.isna(s), "")
    return s.map(lambda v: v if isinstance(v, str) else _num_text(v)).str.strip()


def _num_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _parse_numbers(text: pd.Series, percent_ok: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values with NaN where empty or bad, empty mask, bad mask)."""
    empty = (text == "").to_numpy()
    work = text
    pct = np.zeros(len(text), dtype=bool)
    if percent_ok:
        pct = text.str.endswith("%").to_numpy()
        work = text.str.rstrip("%").str.strip()
    values = pd.to_numeric(work, errors="coerce").to_numpy(dtype=float)
    bad = ~empty & ~np.isfinite(values)
    values = np.where(pct, values / 100.0, values)
    values[bad | empty] = np.nan
    return values, empty, bad


def _fmt(v: float) -> str:
    return f"{v:g}"


def load_candidates(
    source: str | Path | pd.DataFrame,
    *,
    defaults: Defaults | None = None,
    tier_cutoffs: Mapping[str, float] | None = None,
    sheet: str | int | None = None,
    label: str | None = None,
) -> Candidates:
    """Read and validate a shortlist. Raises :class:`InputError` listing every problem found."""
    if isinstance(source, pd.DataFrame):
        raw = source.copy()
        label = label or "candidates"
        rows = np.asarray(raw.index, dtype=object)
        row_word = "row"
    else:
        path = Path(source)
        label = label or str(source)
        raw = read_table(path, sheet)
        rows = np.arange(len(raw)) + 2  # the header is row 1, as a spreadsheet numbers them
        row_word = "row"
    return _validate(raw, label, rows, row_word, defaults or Defaults(), dict(tier_cutoffs or tiers_mod.DEFAULT_TIERS))


def _validate(raw: pd.DataFrame, label: str, rows: np.ndarray, row_word: str, defaults: Defaults,
              cutoffs: dict[str, float]) -> Candidates:
    problems = ProblemList()
    warnings: list[str] = []

    # Header: case-insensitive, surrounding spaces ignored.
    names = [str(c).strip().lower() for c in raw.columns]
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    for n, k in seen.items():
        if k > 1 and n in BY_NAME:
            problems.add(label, f"appears {k} times in the header", f"column '{n}'")
    raw = raw.copy()
    raw.columns = names
    raw = raw.loc[:, ~pd.Index(names).duplicated()]
    unknown = [n for n in raw.columns if n not in BY_NAME]
    for n in unknown:
        warnings.append(f"{label}: column '{n}' is not part of the contract and is ignored{suggest(n, BY_NAME)}")
    for col in COLUMNS:
        if col.required and col.name not in raw.columns:
            problems.add(label, f"required column is missing{suggest(col.name, unknown)}", f"column '{col.name}'")
    if len(raw) == 0:
        problems.add(label, "the shortlist is empty: no candidate rows")
    problems.raise_if_any()

    def where(idx: np.ndarray, column: str) -> str:
        return f"{rows_text(rows[idx]) if row_word == 'row' else ''}, column '{column}'"

    n = len(raw)
    table = pd.DataFrame(index=pd.RangeIndex(n))

    # Text columns.
    for name in ("id", "platform", "tier", "niche", "region", "handle"):
        if name not in raw.columns:
            table[name] = "" if name in ("niche", "region", "handle", "tier") else None
            continue
        text = _as_text(raw[name])
        if name in TEXT_LOWER:
            text = text.str.lower()
        table[name] = text.to_numpy(dtype=object)
        if name in ("id", "platform"):
            missing = np.flatnonzero((text == "").to_numpy())
            if missing.size:
                problems.add(label, f"missing {name}", where(missing, name))
    ids = table["id"]
    dup = ids[(ids != "") & ids.duplicated(keep=False)]
    for value, group in dup.groupby(dup, sort=False):
        problems.add(label, f"duplicate id '{value}'", f"{rows_text(rows[group.index.to_numpy()])}, column 'id'")

    # Numeric columns.
    for col in COLUMNS:
        if col.kind == "text":
            continue
        if col.name not in raw.columns:
            table[col.name] = np.nan
            continue
        values, _empty, bad = _parse_numbers(_as_text(raw[col.name]), col.percent_ok)
        if bad.any():
            idx = np.flatnonzero(bad)
            shown = ", ".join(repr(str(v)) for v in _as_text(raw[col.name]).to_numpy()[idx[:3]])
            problems.add(label, f"not a number ({shown})", where(idx, col.name))
        checks = []
        if col.lo is not None:
            checks.append((values < col.lo, "negative" if col.lo == 0 else f"below {col.lo:g}"))
        if col.hi is not None:
            hint = " (rates are shares: write 0.065 or 6.5% for 6.5%)" if col.percent_ok else ""
            checks.append((values > col.hi, f"above {col.hi:g}{hint}"))
        if col.kind == "int":
            checks.append((np.isfinite(values) & (values != np.floor(values)), "not a whole number"))
        for mask, what in checks:
            mask = np.asarray(mask & np.isfinite(values))
            if mask.any():
                idx = np.flatnonzero(mask)
                shown = ", ".join(_fmt(v) for v in values[idx[:3]])
                problems.add(label, f"{what} ({shown})", where(idx, col.name))
        table[col.name] = values
    problems.raise_if_any()

    # Tiers: given names must be known; empty cells are derived from followers.
    derived, below = tiers_mod.assign(table["followers"].to_numpy(float), cutoffs)
    given = table["tier"].to_numpy(dtype=object)
    has_tier = given != ""
    unknown_tier = has_tier & ~np.isin(given, list(cutoffs))
    if unknown_tier.any():
        idx = np.flatnonzero(unknown_tier)
        problems.add(label, f"unknown tier '{given[idx[0]]}'; tiers are {', '.join(cutoffs)}"
                     f"{suggest(given[idx[0]], cutoffs)}", where(idx, "tier"))
    table["tier"] = np.where(has_tier, given, derived)
    low = below & ~has_tier
    if low.any():
        lowest = tiers_mod.ordered(cutoffs)[0]
        warnings.append(f"{label}: {rows_text(rows[np.flatnonzero(low)])}: fewer than {lowest[1]:,.0f} followers; "
                        f"counted as {lowest[0]}")

    stated = ~np.isnan(table[list(RATE_COLUMNS)].to_numpy(float)).any(axis=1)
    # Defaults fill missing cells, most specific last so that it wins.
    tier_arr = table["tier"].to_numpy(dtype=object)
    plat_arr = table["platform"].to_numpy(dtype=object)
    filled: dict[str, int] = {}
    for tier, platform, values in reversed(defaults.layers()):  # most specific first; only NaN is filled
        mask = np.ones(n, dtype=bool)
        if tier is not None:
            mask &= tier_arr == tier
        if platform is not None:
            mask &= plat_arr == platform
        for name, value in values.items():
            col = table[name].to_numpy(float).copy()
            take = mask & np.isnan(col)
            col[take] = value
            table[name] = col
            if take.any():
                filled[name] = filled.get(name, 0) + int(take.sum())
    if filled:
        warnings.append(f"{label}: scenario defaults filled " + ", ".join(f"{c} in {k} row(s)" for c, k in
                                                                        filled.items()))
    if defaults.benchmarks:
        table, filled = benchmarks.fill(table, label)
        warnings += filled
    aq = table["audience_quality"].to_numpy(float)
    table["audience_quality"] = np.where(np.isnan(aq), 1.0, aq)
    for col in COLUMNS:
        if col.needed:
            miss = np.flatnonzero(np.isnan(table[col.name].to_numpy(float)))
            if miss.size:
                what = "column is missing" if col.name not in raw.columns else "empty"
                problems.add(label, f"{what} and no scenario default covers it (add `defaults: "
                             f"{{{col.name}: ...}}` globally, per tier or per platform)", where(miss, col.name))
    problems.raise_if_any()
    _check_spreads(table, problems, label, where)
    problems.raise_if_any()

    table = table[[c.name for c in COLUMNS]]
    table["evidence"] = evidence(stated, table["history_posts"].to_numpy(float),
                                 table["evidence_weight"].to_numpy(float))
    return Candidates(table=table, source=label, rows=rows, outcomes=Outcomes.from_table(table),
                      warnings=tuple(warnings))



def evidence(stated: np.ndarray, posts: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Each creator's evidence for its rates: ``none`` (a rate came from scenario defaults or benchmarks, or the
    creator has no history), ``thin`` (history, but the weight on it is below ``THIN_WEIGHT``; with no weight
    given, fewer than 3 posts), ``solid``, or ``stated`` (the shortlist gives the rates and says nothing of their
    history)."""
    has_posts, has_weight = ~np.isnan(posts), ~np.isnan(weight)
    thin = np.where(has_weight, np.nan_to_num(weight) < THIN_WEIGHT, np.nan_to_num(posts) < 3)
    out = np.where(has_posts | has_weight, np.where(thin, "thin", "solid"), "stated")
    out = np.where(has_posts & (np.nan_to_num(posts) == 0), "none", out)
    return np.where(stated, out, "none").astype(object)


def _check_spreads(table: pd.DataFrame, problems: ProblemList, label: str, where) -> None:
    """Every sd must belong to a distribution with the row's mean (see ``distributions.py``)."""
    for rate in RATE_COLUMNS:
        m, s = table[rate].to_numpy(float), table[SD_COLUMNS[rate]].to_numpy(float)
        bad = impossible_beta(m, np.nan_to_num(s), allow_above_one=rate == "reach_rate")
        if bad.any():
            idx = np.flatnonzero(bad)
            i = idx[0]
            limit = float(beta_limit(m[i]))
            why = (f"a rate with mean {_fmt(m[i])} cannot vary" if limit == 0 else
                   f"a Beta distribution with mean {_fmt(m[i])} needs an sd below {limit:.4g}")
            problems.add(label, f"sd {_fmt(s[i])} is impossible for {rate}: {why}", where(idx, SD_COLUMNS[rate]))
    m, s = table["order_value"].to_numpy(float), np.nan_to_num(table["order_value_sd"].to_numpy(float))
    bad = (s > 0) & (m <= 0)
    if bad.any():
        problems.add(label, "an order value of 0 cannot vary: set order_value_sd to 0 or give a positive "
                     "order_value", where(np.flatnonzero(bad), "order_value_sd"))
