"""The candidate file contract: reading a shortlist (CSV, Excel or DataFrame), validating every cell,
filling outcome columns from scenario defaults, and deriving tiers.

Everything is checked here, once; code downstream trusts a :class:`Candidates`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.domain import benchmarks
from optimizer.domain import tiers as tiers_mod
from optimizer.domain.distributions import RATE_COLUMNS, SD_COLUMNS, beta_limit, impossible_beta
from optimizer.domain.funnel import Outcomes
from optimizer.errors import InputError, ProblemList, rows_text, suggest
from optimizer.io.cells import as_text, canonical_header, canonical_platform, parse_numbers


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
    ceiling: float | None = None  # above this a value is surely a typo or a unit slip: an error naming it


COLUMNS: tuple[Column, ...] = (
    Column("id", "text", "text", "unique creator id", required=True),
    Column("platform", "text", "text", "instagram, tiktok, youtube, ... (case-insensitive)", required=True),
    Column("followers", "int", "accounts", "follower count", lo=0, required=True, ceiling=5e9),
    Column("fee", "number", "currency", "fee for the deal, in the scenario's currency", lo=0, required=True,
           ceiling=1e9),
    Column("reach_rate", "number", "share", "share of (real) followers who see the post; may exceed 1 "
           "for short video", lo=0, fillable=True, needed=True, percent_ok=True, ceiling=100),
    Column("engagement_rate", "number", "share", "engagements per reached account", 0, 1,
           fillable=True, needed=True, percent_ok=True),
    Column("conversion_rate", "number", "share", "conversions per reached account", 0, 1,
           fillable=True, needed=True, percent_ok=True),
    Column("order_value", "number", "currency", "revenue per conversion", lo=0, fillable=True, needed=True,
           ceiling=1e7),
    Column("tier", "text", "text", "nano, micro, macro, mega (or the scenario's tiers); "
           "derived from followers when empty"),
    Column("niche", "text", "text", "content niche, for niche limits"),
    Column("region", "text", "text", "audience region, for region limits"),
    Column("handle", "text", "text", "display handle"),
    Column("audience_quality", "number", "share", "share of real followers; multiplies reach (default 1)",
           0, 1, fillable=True, percent_ok=True),
    Column("reach_rate_sd", "number", "share", "standard deviation of reach_rate", lo=0, fillable=True,
           percent_ok=True, ceiling=100),
    Column("engagement_rate_sd", "number", "share", "standard deviation of engagement_rate", 0, 1,
           fillable=True, percent_ok=True),
    Column("conversion_rate_sd", "number", "share", "standard deviation of conversion_rate", 0, 1,
           fillable=True, percent_ok=True),
    Column("order_value_sd", "number", "currency", "standard deviation of order_value", lo=0, fillable=True,
           ceiling=1e7),
    Column("commission_rate", "number", "share", "share of the creator's attributed revenue paid to it as commission "
           "(affiliate and discount-code deals; default 0)", 0, 1, fillable=True, percent_ok=True),
    Column("min_guarantee", "number", "currency", "commission paid however little the creator sells (a floor on "
           "the commission, committed up front; default 0)", lo=0, fillable=True, ceiling=1e9),
    Column("cap", "number", "currency", "the most commission the creator can earn (a ceiling; default none)", lo=0,
           fillable=True, ceiling=1e12),
    Column("product_cost", "number", "currency", "cost of the product sent to the creator (gifting; default 0)",
           lo=0, fillable=True, ceiling=1e9),
    Column("usage_fee", "number", "currency", "fee for the rights to reuse the content (default 0)", lo=0,
           fillable=True, ceiling=1e9),
    Column("history_posts", "int", "posts", "past posts the rates were estimated from (written by calibrate)",
           lo=0, ceiling=1e7),
    Column("evidence_weight", "number", "share", "weight of the creator's own history in its rates, the weakest "
           "of the three (written by calibrate)", 0, 1, percent_ok=True),
)
# a deal's terms beyond the fee; each is 0 when not given, but the cap, which is then none
DEAL_COLUMNS = ("commission_rate", "min_guarantee", "cap", "product_cost", "usage_fee")
ZERO_DEFAULT = ("commission_rate", "min_guarantee", "product_cost", "usage_fee")
THIN_WEIGHT = 0.5  # below this weight on its own history, a creator's rates rest mostly on the prior
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
#: Header names exports and colleagues use for the contract's columns (compared after ``cells.canonical_header``;
#: the first present wins, a column the contract names itself always wins).
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("creator", "creator_id", "influencer", "influencer_id", "username", "user_name", "account",
           "account_name", "profile", "creator_name", "influencer_name", "name"),
    "platform": ("network", "social_network", "social_platform", "channel", "social"),
    "followers": ("follower_count", "followers_count", "number_of_followers", "no_of_followers", "subscribers",
                  "subscriber_count", "fans", "audience_size", "total_followers"),
    "fee": ("price", "cost", "fee_per_post", "price_per_post", "cost_per_post", "quote", "rate_card"),
    "reach_rate": ("avg_reach_rate", "reach_per_follower"),
    "engagement_rate": ("er", "eng_rate", "engagement", "avg_engagement_rate", "average_engagement_rate"),
    "conversion_rate": ("cvr", "conv_rate"),
    "order_value": ("aov", "average_order_value", "avg_order_value"),
    "audience_quality": ("audience_credibility", "credibility", "real_followers", "authentic_followers"),
    "handle": ("instagram_handle", "tiktok_handle", "youtube_handle", "social_handle"),
    "niche": ("category", "vertical"),
    "region": ("country", "location", "geo"),
}
#: Names the selection gives its own columns: an input column of that name is carried as "NAME (input)".
RESERVED = ("reach", "engagements", "conversions", "revenue", "profit", "roi", "evidence", "creator", "phase", "posts",
            "post_factor")
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
    carried: tuple[str, ...] = ()  # the file's columns outside the contract, in ``table`` after the contract's
    # where each filled cell came from: column -> per row label ("" = the shortlist's own cell), for the
    # assumptions section (io/provenance.py)
    sources: Mapping[str, np.ndarray] = field(default_factory=dict)
    # text values as the file writes them, for display: column -> lower-case value -> as written ("uk" -> "UK")
    display: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # the scenario's deals.commission_in_budget: expected commissions count against the budget (Outcomes.spend)
    commission_in_budget: bool = False

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
        return Candidates(table=table, source=self.source, rows=self.rows[mask],
                          outcomes=Outcomes.from_table(table, self.commission_in_budget), warnings=self.warnings,
                          carried=self.carried, sources={k: v[mask] for k, v in self.sources.items()},
                          display=self.display, commission_in_budget=self.commission_in_budget)

    def with_fee(self, position: int, fee: float) -> Candidates:
        """The same shortlist with the candidate at ``position`` costing ``fee`` (its outcomes recomputed)."""
        table = self.table.copy()
        table.loc[position, "fee"] = float(fee)
        return Candidates(table=table, source=self.source, rows=self.rows,
                          outcomes=Outcomes.from_table(table, self.commission_in_budget), warnings=self.warnings,
                          carried=self.carried, sources=self.sources, display=self.display,
                          commission_in_budget=self.commission_in_budget)

    def with_commission_in_budget(self, counted: bool) -> Candidates:
        """The same shortlist with expected commissions counted against the budget (or not)."""
        if counted == self.commission_in_budget:
            return self
        return replace(self, outcomes=Outcomes.from_table(self.table, counted), commission_in_budget=counted)

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

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
TEXT_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES  # files read as a grid of text cells with no missing cell


def read_table(path: Path, sheet: str | int | None = None,
               accepts: Callable[[list[str]], bool] | None = None) -> pd.DataFrame:
    """Read a CSV, Excel or Parquet file as text cells ('' for empty), raising InputError on failure. The header is the
    first row, kept as written (a repeated name stays repeated, for the caller to report); the frame's index is
    each row's number as a spreadsheet shows it (the header is row 1), and rows with every cell empty (the blank
    rows a spreadsheet leaves at its end) are dropped. An .xlsx without ``sheet`` is read from its first sheet
    whose header ``accepts`` (all sheets' names listed in the error when none does)."""
    label = str(path)
    if not path.exists():
        raise InputError.at(label, "file not found")
    if path.is_dir():
        raise InputError.at(label, "is a folder, not a file")
    if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, (str, int))):
        raise InputError.at(label, f"sheet must be one sheet's name or number, got {sheet!r}")
    suffix = path.suffix.lower()
    try:
        if suffix in CSV_SUFFIXES:
            grid = _read_csv(path, "\t" if suffix == ".tsv" else ",")
        elif suffix in (".xlsx", ".xlsm"):
            if sheet is not None:
                grid = pd.read_excel(path, sheet_name=sheet, dtype=object, keep_default_na=False, na_values=[],
                                     engine="openpyxl", header=None)
            else:
                grid = _pick_sheet(path, label, accepts)
        elif suffix in PARQUET_SUFFIXES:
            grid = _read_parquet(path)
        else:
            raise InputError.at(label, f"unsupported file type '{suffix}': use .csv, .xlsx or .parquet")
    except pd.errors.EmptyDataError:
        raise InputError.at(label, "the file is empty: no header and no candidates") from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError.at(label, f"cannot be read as {suffix[1:].upper()}: "
                                   f"{str(exc).splitlines()[0]}") from None
    except InputError:
        raise
    except ValueError as exc:  # e.g. unknown sheet name
        raise InputError.at(label, str(exc).splitlines()[0]) from None
    except OSError as exc:
        raise InputError.at(label, f"cannot be read: {exc.strerror or exc}") from None
    except Exception as exc:  # openpyxl raises assorted errors on corrupt workbooks
        raise InputError.at(label, f"cannot be read as Excel: {exc}") from None
    if len(grid) == 0:
        raise InputError.at(label, "the file is empty: no header and no candidates")
    # a CSV or Parquet file is read as text with no missing cells: its columns stay text (vectorised string
    # operations); a workbook's cells are of any type, held as objects with '' for empty
    cells = grid if suffix in TEXT_SUFFIXES else grid.astype(object).where(~pd.isna(grid), "")
    header = as_text(cells.iloc[0]).tolist()
    body = cells.iloc[1:]
    body.index = np.arange(len(body)) + 2
    filled = body.apply(lambda col: as_text(col) != "").any(axis=1) if len(body) else pd.Series(dtype=bool)
    body = body[filled.to_numpy()] if len(body) else body
    body.columns = header
    return body


def _read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file as the same grid of text cells as a CSV (the header as row 1): every column cast to text by
    Arrow in one pass (12500.0 is '12500', a missing value ''), so that it is validated like any shortlist."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValueError(f"cannot be read as Parquet: {str(exc).splitlines()[0]}") from None
    columns = {}
    for k, name in enumerate(table.column_names):
        col = table.column(name)
        text = pc.fill_null(pc.cast(col, pa.large_string()), "")
        columns[str(k)] = pa.concat_arrays([pa.array([str(name)], type=pa.large_string()), *text.chunks])
    grid = pa.table(columns).to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow"))
    grid.columns = range(len(columns))
    return grid


def _read_csv(path: Path, sep: str) -> pd.DataFrame:
    """Every cell of a CSV as text, no header taken. Arrow's reader (seven times pandas' own on 100,000 rows) for
    a plain UTF-8 file; pandas' reader for anything Arrow declines (a byte-order mark, ragged rows, quoted line
    breaks, an empty file) and for the errors it names. Cells are stripped later either way."""
    with open(path, "rb") as fh:
        bom = fh.read(3) == b"\xef\xbb\xbf"
    if not bom:
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, encoding="utf-8", header=None,
                               engine="pyarrow")
        except Exception:  # noqa: BLE001 - pandas' reader below reads it or names what is wrong
            pass
    return pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, skipinitialspace=True, encoding="utf-8-sig",
                       header=None)


def _pick_sheet(path: Path, label: str, accepts: Callable[[list[str]], bool] | None) -> pd.DataFrame:
    """The first sheet of a workbook whose header ``accepts``; the first sheet when nothing is asked."""
    sheets = pd.read_excel(path, sheet_name=None, dtype=object, keep_default_na=False, na_values=[],
                           engine="openpyxl", header=None)
    if not sheets:
        raise InputError.at(label, "the workbook has no sheets")
    if accepts is None:
        return next(iter(sheets.values()))
    for grid in sheets.values():
        if len(grid) and accepts([str(v) for v in grid.iloc[0] if not pd.isna(v)]):
            return grid
    names = ", ".join(f"'{n}'" for n in sheets)
    raise InputError.at(label, f"no sheet has a shortlist's header (id, platform, followers, fee); the sheets are "
                        f"{names}: name one with candidates: {{path: ..., sheet: NAME}}")


def _fmt(v: float) -> str:
    return f"{v:g}"


def load_candidates(
    source: str | Path | pd.DataFrame,
    *,
    defaults: Defaults | None = None,
    tier_cutoffs: Mapping[str, float] | None = None,
    sheet: str | int | None = None,
    label: str | None = None,
    columns: Mapping[str, str] | None = None,
    engagement_basis: str = "reach",
) -> Candidates:
    """Read and validate a shortlist. ``columns`` maps contract names to the file's own headers (the scenario's
    ``columns:``); ``engagement_basis`` says whether ``engagement_rate`` is per reached account (``reach``, the
    contract) or per follower (``followers``, as platforms quote it; converted at load). Raises
    :class:`InputError` listing every problem found."""
    if isinstance(source, pd.DataFrame):
        raw = source.copy()
        label = label or "candidates"
        rows = np.asarray(raw.index, dtype=object)
    else:
        path = Path(source)
        label = label or str(source)
        raw = read_table(path, sheet, accepts=lambda header: _looks_like_shortlist(header, columns))
        rows = raw.index.to_numpy()  # as a spreadsheet numbers them: the header is row 1
    return _validate(raw, label, rows, "row", defaults or Defaults(), dict(tier_cutoffs or tiers_mod.DEFAULT_TIERS),
                     dict(columns or {}), engagement_basis)


def _looks_like_shortlist(header: list[str], columns: Mapping[str, str] | None) -> bool:
    found, _, _ = _header_map(header, columns or {})
    return {"platform", "followers", "fee"} <= set(found.values()) and ("id" in found.values() or
                                                                          "handle" in found.values())


def _header_map(header: list[str], columns: Mapping[str, str]) -> tuple[dict[int, str], list[str], list[str]]:
    """(column position -> contract name, problems, notes) for a header: the scenario's ``columns:`` first, then
    each header read as a contract name (``cells.canonical_header``), then the aliases of the names still free."""
    found: dict[int, str] = {}
    problems: list[str] = []
    notes: list[str] = []
    plain = [str(h).strip().lower() for h in header]
    canon = [canonical_header(h) for h in header]
    for name, written in columns.items():
        hits = [i for i, h in enumerate(plain) if h == str(written).strip().lower()]
        if not hits:
            problems.append(f"key 'columns.{name}': the header has no column '{written}'"
                            f"{suggest(str(written).strip().lower(), plain)}")
        else:
            found[hits[0]] = name
    taken = set(found.values())
    for i, c in enumerate(canon):
        if i not in found and c in BY_NAME and c not in taken:
            found[i] = c
            taken.add(c)
            if str(header[i]).strip().lower() != c:
                notes.append(f"column '{header[i]}' read as {c}")
    for name, aliases in ALIASES.items():
        if name in taken:
            continue
        for alias in aliases:
            hit = next((i for i, c in enumerate(canon) if c == alias and i not in found), None)
            if hit is not None:
                found[hit] = name
                taken.add(name)
                notes.append(f"column '{header[hit]}' read as {name}")
                break
    return found, problems, notes


def _validate(raw: pd.DataFrame, label: str, rows: np.ndarray, row_word: str, defaults: Defaults,
              cutoffs: dict[str, float], columns: dict[str, str] | None = None,
              engagement_basis: str = "reach") -> Candidates:
    problems = ProblemList()
    warnings: list[str] = []
    notes: list[str] = []

    # Header: the contract's names as written in exports (case, spaces, units in brackets, aliases) or mapped by
    # the scenario's columns:; the other columns are carried unchanged into the selection.
    header = [str(c) for c in raw.columns]
    found, header_problems, header_notes = _header_map(header, columns or {})
    for message in header_problems:
        problems.add(label, message)
    notes += header_notes
    counts: dict[str, int] = {}
    for i, c in enumerate(canonical_header(h) for h in header):
        name = found.get(i, c if c in BY_NAME else None)
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
    for name, k in counts.items():
        if k > 1:
            written = ", ".join(repr(h) for i, h in enumerate(header) if found.get(i, canonical_header(h)) == name)
            problems.add(label, f"appears {k} times in the header (as {written}): keep one", f"column '{name}'")
    extra = [i for i in range(len(header)) if i not in found and canonical_header(header[i]) not in BY_NAME]
    cols = {name: raw.iloc[:, i] for i, name in found.items()}
    if "id" not in cols and "handle" in cols:
        cols["id"] = cols["handle"]
        notes.append("no id column: the handle is the id")
    extra_names = []
    for i in extra:
        name = header[i].strip() or f"column {i + 1}"
        while name.lower() in RESERVED or name in extra_names or name in BY_NAME:
            name = f"{name} (input)"
        extra_names.append(name)
        hint = suggest(canonical_header(header[i]), BY_NAME)
        if hint:
            warnings.append(f"{label}: column '{header[i]}' is not a column of the contract{hint}; it is carried "
                            "into the selection unchanged (map it with the scenario's columns: if it is that)")
    unknown = [header[i] for i in extra]
    for col in COLUMNS:
        if col.required and col.name not in cols:
            near = suggest(col.name, [canonical_header(h) for h in unknown])
            how = f" (map it with the scenario's columns: {{{col.name}: ...}})" if near else ""
            problems.add(label, f"required column is missing{near}{how}", f"column '{col.name}'")
    if len(raw) == 0:
        problems.add(label, "the shortlist is empty: no candidate rows")
    problems.raise_if_any()
    carried = {name: raw.iloc[:, i].to_numpy(dtype=object) for name, i in zip(extra_names, extra, strict=True)}
    raw = pd.DataFrame({name: series.to_numpy() for name, series in cols.items()})

    def where(idx: np.ndarray, column: str) -> str:
        return f"{rows_text(rows[idx]) if row_word == 'row' else ''}, column '{column}'"

    n = len(raw)
    table = pd.DataFrame(index=pd.RangeIndex(n))

    # Text columns.
    display: dict[str, dict[str, str]] = {}
    for name in ("id", "platform", "tier", "niche", "region", "handle"):
        if name not in raw.columns:
            table[name] = "" if name in ("niche", "region", "handle", "tier") else None
            continue
        text = as_text(raw[name])
        if name == "platform":
            text, mapped = canonical_platform(text)
            notes += mapped
        elif name in TEXT_LOWER:
            low = text.str.lower()
            first = pd.DataFrame({"k": low.to_numpy(dtype=object), "v": text.to_numpy(dtype=object)})
            first = first.drop_duplicates("k")  # the first spelling of each value
            shown = {k: v for k, v in zip(first["k"], first["v"], strict=True) if k and k != v}
            if shown:  # the first way the file writes each value, for display ("UK", not "uk")
                display[name] = shown
            text = low
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
        text = as_text(raw[col.name])
        parsed = parse_numbers(text, percent_ok=col.percent_ok, label=f"column '{col.name}'")
        values, empty, bad = parsed.values, parsed.empty, parsed.bad
        notes += parsed.notes
        if bad.any():
            idx = np.flatnonzero(bad)
            shown = ", ".join(repr(str(v)) for v in text.to_numpy()[idx[:3]])
            problems.add(label, f"not a number ({shown}; write 12500, 12.5K, 1,200 or $80)", where(idx, col.name))
        if col.required and empty.any():
            problems.add(label, f"empty: {col.name} is required on every row", where(np.flatnonzero(empty),
                                                                                      col.name))
        checks = []
        if col.ceiling is not None:
            checks.append((values > col.ceiling, f"implausibly large (at most {col.ceiling:,.0f}: check the cell)"))
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
    sources: dict[str, np.ndarray] = {}

    def came_from(name: str, take: np.ndarray, label_: str) -> None:
        sources.setdefault(name, np.full(n, "", dtype=object))[take] = label_

    for tier, platform, values in reversed(defaults.layers()):  # most specific first; only NaN is filled
        mask = np.ones(n, dtype=bool)
        if tier is not None:
            mask &= tier_arr == tier
        if platform is not None:
            mask &= plat_arr == platform
        layer = ("defaults" if tier is None and platform is None else f"defaults for {tier} on {platform}"
                 if tier is not None and platform is not None else f"defaults for {tier or platform}")
        for name, value in values.items():
            col = table[name].to_numpy(float).copy()
            take = mask & np.isnan(col)
            col[take] = value
            table[name] = col
            if take.any():
                filled[name] = filled.get(name, 0) + int(take.sum())
                came_from(name, take, f"scenario {layer}")
    if filled:
        warnings.append(f"{label}: scenario defaults filled " + ", ".join(f"{c} in {k} row(s)" for c, k in
                                                                        filled.items()))
    if defaults.benchmarks:
        empty = {c: np.isnan(table[c].to_numpy(float)) for c in (*RATE_COLUMNS, "order_value")}
        table, filled = benchmarks.fill(table, label)
        warnings += filled
        for c, was in empty.items():
            came_from(c, was & ~np.isnan(table[c].to_numpy(float)), "benchmark priors (docs/benchmarks.md)")
    for name in ZERO_DEFAULT:  # no term stated and no default: there is none
        table[name] = np.nan_to_num(table[name].to_numpy(float), nan=0.0)
    low_cap = table["cap"].to_numpy(float) < table["min_guarantee"].to_numpy(float)
    if low_cap.any():
        problems.add(label, "the cap on commission is below the minimum guarantee", where(np.flatnonzero(low_cap),
                                                                                        "cap"))
    aq = table["audience_quality"].to_numpy(float)
    if np.isnan(aq).any():
        came_from("audience_quality", np.isnan(aq), "default 1 (every follower real)")
    table["audience_quality"] = np.where(np.isnan(aq), 1.0, aq)
    for col in COLUMNS:
        if col.needed:
            miss = np.flatnonzero(np.isnan(table[col.name].to_numpy(float)))
            if not miss.size:
                continue
            near = suggest(col.name, [canonical_header(h) for h in unknown]) if col.name not in raw.columns else ""
            if near:  # the sheet has the data under another name: never advise defaults that would discard it
                problems.add(label, f"column is missing{near} (map it with the scenario's columns: "
                             f"{{{col.name}: ...}})", f"column '{col.name}'")
            else:
                what = "column is missing" if col.name not in raw.columns else "empty"
                problems.add(label, f"{what} and no scenario default covers it (add `defaults: "
                             f"{{{col.name}: ...}}` globally, per tier or per platform)", where(miss, col.name))
    problems.raise_if_any()
    if engagement_basis == "followers":  # engagements per follower, as platforms quote them: per reached account
        seen = table["audience_quality"].to_numpy(float) * table["reach_rate"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(seen > 0, 1.0 / seen, 0.0)
        er = table["engagement_rate"].to_numpy(float) * factor
        over = er > 1.0
        if over.any():
            problems.add(label, "engagements per follower above the share of followers reached (more engagements than "
                         "accounts reached): is engagement_basis right?", where(np.flatnonzero(over),
                                                                                "engagement_rate"))
        table["engagement_rate"] = er
        table["engagement_rate_sd"] = table["engagement_rate_sd"].to_numpy(float) * factor
        notes.append("engagement_rate read per follower (engagement_basis: followers) and converted to per reached "
                     "account: divided by audience_quality x reach_rate")
    problems.raise_if_any()
    _check_spreads(table, problems, label, where)
    problems.raise_if_any()

    table = table[[c.name for c in COLUMNS]]
    table["evidence"] = evidence(stated, table["history_posts"].to_numpy(float),
                                 table["evidence_weight"].to_numpy(float))
    for name, values in carried.items():  # the file's other columns, unchanged, for the selection
        table[name] = values
    warnings += [f"{label}: {note}" for note in dict.fromkeys(notes)]
    if "history_posts" in table and table["history_posts"].notna().any():
        calibrated = table["history_posts"].notna().to_numpy()
        for c in RATE_COLUMNS:
            came_from(c, calibrated & (sources.get(c, np.full(n, "", dtype=object)) == ""),
                      "calibrated from past posts (influencer-mix calibrate)")
    return Candidates(table=table, source=label, rows=rows, outcomes=Outcomes.from_table(table),
                      warnings=tuple(warnings), carried=tuple(carried), sources=sources, display=display)



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
