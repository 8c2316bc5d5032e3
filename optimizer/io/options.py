"""Campaign structure: multi-post packages and funnel phases, turned into the rows the integer program chooses from.

Without packages or phases every shortlisted creator is one row (one post at its fee). With them, each creator
becomes one row per *option*, an offer it can be hired on:

- **packages** (a file ``id, posts, fee[, decay]``, e.g. 1 post for $100, 3 for $250, 6 for $450): each package is
  an option. The shortlist's own row stays the one-post offer unless the file gives a one-post package. Returns
  diminish: post k (from 1) returns decay^(k-1) of the first, so a package of n posts counts as
  e(n) = (1 - decay^n) / (1 - decay) posts (n posts when decay is 1). Its expected reach, engagements,
  conversions and revenue are the single post's times e(n); its fee is the package's. The default decay 0.7 is a
  planning judgement, not a measurement; give ``decay`` per package row, or ``packages: {decay: ...}``.
- **phases** (awareness, consideration, conversion, ...): every option is offered in every phase.

A row's id is the creator's id, with ``@phase`` and ``xN`` (N posts) appended where they apply, so a plan without
packages or phases keeps the shortlist's ids. The table gains ``creator``, ``phase``, ``posts`` and
``post_factor`` (e(n)). The integer program hires at most one option per creator (per phase with
``phase_settings: {repeat_creators: true}``). The simulator draws a creator's rates once per run for all its
options (the same random stream, keyed by the creator), so its posts are correlated: a package of n posts is one
draw of the rates over e(n) times the audience.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.domain.funnel import Outcomes
from optimizer.domain.objectives import weights
from optimizer.errors import InputError, ProblemList, rows_text, suggest
from optimizer.io.candidates import Candidates
from optimizer.io.cells import as_text, parse_numbers
from optimizer.io.history import read_contract

DEFAULT_DECAY = 0.7
PACKAGE_COLUMNS = ("id", "posts", "fee")


@dataclass(frozen=True)
class Package:
    posts: int
    fee: float
    decay: float

    @property
    def factor(self) -> float:
        """e(n): the package's returns in single posts."""
        return float(self.posts) if self.decay == 1 else (1 - self.decay ** self.posts) / (1 - self.decay)


@dataclass(frozen=True)
class Packages:
    """The packages on offer per creator id."""

    offers: Mapping[str, tuple[Package, ...]]
    decay: float = DEFAULT_DECAY
    source: str = "packages"


def load_packages(path: str | Path, ids: set[str], decay: float = DEFAULT_DECAY,
                  label: str | None = None) -> tuple[Packages, list[str]]:
    """Read and validate a packages file against the shortlist's ``ids``; returns the offers and warnings."""
    raw, label, rows = read_contract(Path(path), label, PACKAGE_COLUMNS, ("decay",))
    problems = ProblemList()
    ids_col = as_text(raw["id"]).to_numpy(object)
    parsed = parse_numbers(as_text(raw["posts"]), percent_ok=False)
    posts, bad_p = parsed.values, parsed.bad
    parsed = parse_numbers(as_text(raw["fee"]), percent_ok=False)
    fees, empty_f, bad_f = parsed.values, parsed.empty, parsed.bad
    dec = np.full(len(raw), decay)
    if "decay" in raw.columns:
        parsed = parse_numbers(as_text(raw["decay"]), percent_ok=True)
        given, empty_d, bad_d = parsed.values, parsed.empty, parsed.bad
        wrong = bad_d | (~empty_d & ((given <= 0) | (given > 1)))
        if wrong.any():
            problems.add(label, "decay must be above 0 and at most 1 (each extra post returns this share of the one "
                         "before)", f"{rows_text(rows[np.flatnonzero(wrong)])}, column 'decay'")
        dec = np.where(empty_d, decay, given)
    for mask, col, what in ((bad_p | np.isnan(posts) | (np.nan_to_num(posts) < 1) |
                             (np.nan_to_num(posts) != np.floor(np.nan_to_num(posts))), "posts",
                             "must be a whole number of posts, at least 1"),
                            (bad_f | empty_f | (np.nan_to_num(fees) < 0), "fee", "must be a fee, 0 or more"),
                            (ids_col == "", "id", "missing id")):
        if mask.any():
            problems.add(label, what, f"{rows_text(rows[np.flatnonzero(mask)])}, column '{col}'")
    problems.raise_if_any()
    warnings = []
    unknown = ~np.isin(ids_col, list(ids))
    if unknown.all():
        raise InputError.at(label, f"no row names a creator on the shortlist (e.g. '{ids_col[0]}'"
                            f"{suggest(str(ids_col[0]), ids)})", "column 'id'")
    if unknown.any():
        warnings.append(f"{label}: {rows_text(rows[np.flatnonzero(unknown)])} name creators that are not on the "
                        "shortlist; skipped")
    frame = pd.DataFrame({"id": ids_col, "posts": posts, "fee": fees, "decay": dec, "row": rows})[~unknown]
    dup = frame.duplicated(["id", "posts"], keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        raise InputError.at(label, f"creator '{first['id']}' has two {int(first['posts'])}-post packages",
                            rows_text(frame.loc[dup & (frame["id"] == first["id"]), "row"].to_numpy()))
    offers = {str(i): tuple(Package(int(p), float(f), float(d)) for p, f, d in
                            zip(g["posts"], g["fee"], g["decay"], strict=True))
              for i, g in frame.sort_values(["id", "posts"]).groupby("id", sort=False)}
    return Packages(offers=offers, decay=decay, source=label), warnings


@dataclass(frozen=True)
class Phase:
    """One funnel phase: its share of the budget (``budget_lo``..``budget_hi``, shares of the budget; None: no
    limit that side), objective (as weights on totals, ``objectives.py``), weight in the combined objective and
    rules (a ``Constraints`` over the phase's hires only)."""

    name: str
    objective: str
    objective_weights: Mapping[str, float]
    constraints: object  # scenario.Constraints (imported there; this module is imported by scenario.py)
    budget_lo: float | None = None
    budget_hi: float | None = None
    weight: float = 1.0

    @property
    def weights(self) -> dict[str, float]:
        return weights(self.objective, self.objective_weights)


@dataclass(frozen=True)
class PhaseSettings:
    """``combine``: weighted (each phase's objective over its best on its own, times its weight) or
    lexicographic (phases in order: each keeps the best of the ones before); ``repeat_creators``: a creator may
    serve in more than one phase."""

    combine: str = "weighted"
    repeat_creators: bool = False
    order: tuple[str, ...] = field(default=())
    only: str | None = None  # internal: optimise this phase alone (combine.py)
    kept: tuple[tuple[str, float], ...] = ()  # internal: lexicographic levels already reached (phase, level)


def expand(cand: Candidates, packages: Packages | None, phases: tuple[Phase, ...]) -> Candidates:
    """One row per option (module docstring); the table gains creator, phase, posts and post_factor."""
    table = cand.table
    base = table.assign(creator=table["id"], phase="", posts=1, post_factor=1.0)
    rows = [base]
    origin = [np.arange(cand.n)]
    if packages is not None:
        extra = []
        for i, cid in enumerate(table["id"]):
            for p in packages.offers.get(str(cid), ()):
                extra.append((i, p))
        replaced = {i for i, p in extra if p.posts == 1}  # a one-post package replaces the shortlist's offer
        keep = np.array([i not in replaced for i in range(cand.n)])
        rows = [base[keep]]
        origin = [np.flatnonzero(keep)]
        if extra:
            idx = np.array([i for i, _ in extra])
            pk = table.iloc[idx].assign(creator=table["id"].to_numpy(object)[idx], phase="",
                                        posts=[p.posts for _, p in extra],
                                        post_factor=[p.factor for _, p in extra],
                                        fee=[p.fee for _, p in extra])
            rows.append(pk)
            origin.append(idx)
    options = pd.concat(rows, ignore_index=True)
    src = np.concatenate(origin)
    order = np.lexsort((options["posts"].to_numpy(), src))  # shortlist order, then by posts
    options, src = options.iloc[order].reset_index(drop=True), src[order]
    if phases:
        options = pd.concat([options.assign(phase=ph.name) for ph in phases], ignore_index=True)
        src = np.tile(src, len(phases))
    ids = options["creator"].astype(str)
    multi = options["posts"].to_numpy() != 1
    ids = ids.where(~multi, ids + "x" + options["posts"].astype(str))
    if phases:
        ids = ids + "@" + options["phase"].astype(str)
    options["id"] = ids.to_numpy(object)
    options["posts"] = options["posts"].astype(int)
    return Candidates(table=options, source=cand.source, rows=cand.rows[src],
                      outcomes=Outcomes.from_table(options, cand.commission_in_budget), warnings=cand.warnings,
                      carried=cand.carried, sources={k: v[src] for k, v in cand.sources.items()},
                      display=cand.display, commission_in_budget=cand.commission_in_budget)


def option_matrix(table: pd.DataFrame, per_phase: bool):
    """(groups x rows) 0/1 sparse matrix: the options of one creator (per phase when ``per_phase``), for groups
    with more than one option; and the group labels."""
    import scipy.sparse as sp  # only models over options need it: validate and most commands do not load scipy

    key = table["creator"].astype(str)
    if per_phase:
        key = key + "@" + table["phase"].astype(str)
    codes, labels = pd.factorize(key)
    counts = np.bincount(codes)
    multi = np.flatnonzero(counts > 1)
    if not multi.size:
        return sp.csr_matrix((0, len(table))), []
    remap = -np.ones(counts.size, int)
    remap[multi] = np.arange(multi.size)
    rows = remap[codes]
    keep = rows >= 0
    M = sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], np.flatnonzero(keep))), shape=(multi.size, len(table)))
    return M, [str(labels[m]) for m in multi]
