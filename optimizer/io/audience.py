"""Unique reach: who is reached at least once when creators' audiences overlap, and how often.

Counts are in people of the target ``population`` N; creator i's expected reach R_i comes from ``funnel.py``.
Overlap is stated on reach: "shared 0.15" means 15% of the smaller creator's reached people are also reached by
the other. A mix's people fall into three kinds of pools:

random segments   a segment s of N_s people holds R_is = R_i w_is of creator i's reach, spread at random within it
                  (random duplication), so a person there is reached by i with probability p_is = min(1, R_is/N_s),
                  independently of the other creators. Unique reach in s: N_s (1 - prod_i (1 - p_is)); with one
                  segment, the whole population, this is Sainsbury's formula N (1 - prod (1 - R_i / N)).
nested cores      a group g (a niche, a region, or one pair from a pairs file) shares a core, a random subset of the
                  population placed independently of every other core, in which creator i's part c_ig is nested: a
                  smaller part lies inside a larger one, so the group's hires cover max_i c_ig of it, and two members
                  share the smaller part on top of what chance gives. A niche core is c = same_niche_overlap x R_i,
                  so two creators of a niche share that rate of the smaller reach beyond chance (exactly, where the
                  population is large against their reach; of the people chance would leave to one of them, where
                  it is not); a pair (a, b) with shared s is a core of s x min(R_a, R_b) that either reaches.
general part      the rest of creator i's reach is spread at random over the population: a person outside i's cores
                  is reached with probability q_i, set so that i alone reaches exactly R_i people,
                  1 - R_i / N = (1 - q_i) prod_g (1 - c_ig / N). A person is missed by a mix with probability
                  prod_i (1 - q_i) prod_g (1 - max_hired c_ig / N), so creators who share no niche, region or pair
                  overlap exactly as independent draws from the population (Sainsbury), and unique reach is
                  N (1 - that product).
disjoint          ``model: disjoint``: no two creators share anyone; unique reach min(N, sum R_i).

With a segments file, what a creator's reach does not put into a named segment goes into the general segment, the
population less the named segments, at random (random duplication). The frequency of a mix is its impressions
(the sum of its creators' reach) per person reached.

Models (``audience.model``): ``overlap`` (default) uses the overlap file if there is one, else niche and region
cores at ``same_niche_overlap`` and ``same_region_overlap``; ``independent`` is Sainsbury over the population;
``disjoint`` as above. The integer program's linear form of all this is in ``model/reach.py``; the simulation of
who is reached is :meth:`Audience.unique_draws`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from optimizer.errors import InputError
from optimizer.io.candidates import Candidates
from optimizer.io.overlap import Overlap, PairOverlap, SegmentShares

if TYPE_CHECKING:  # scipy loads in the functions that build matrices: only scenarios with an audience need it
    import scipy.sparse as sp

MODELS = ("overlap", "independent", "disjoint")
DEFAULT_NICHE_OVERLAP = 0.15
DEFAULT_REGION_OVERLAP = 0.10
GENERAL = "general"
_HYPER_MAX = 10 ** 9 - 1  # numpy's hypergeometric needs ngood and nbad below 1e9


@dataclass(frozen=True)
class AudienceSettings:
    """The scenario's ``audience:`` block. ``population``: people in the target population; ``overlap``: the path
    of an overlap file (pairs or segments, ``overlap.py``) already read into ``data``; ``same_niche_overlap`` and
    ``same_region_overlap``: the share of the smaller reach two creators of one niche (region) share when there is
    no overlap file; ``model``: overlap, independent or disjoint."""

    population: float
    model: str = "overlap"
    same_niche_overlap: float = DEFAULT_NICHE_OVERLAP
    same_region_overlap: float = DEFAULT_REGION_OVERLAP
    overlap: str | None = None
    data: Overlap | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Audience:
    """The pools of one shortlist (see the module docstring). Arrays are over the shortlist's n candidates."""

    population: float
    model: str
    reach: np.ndarray  # R_i, expected reach per candidate
    segment_names: tuple[str, ...]
    segment_size: np.ndarray  # N_s
    segment_reach: sp.csc_matrix  # (n x S) R_is, creator i's expected reach in segment s
    group_names: tuple[str, ...]
    group_ptr: np.ndarray  # members of group g are group_member[group_ptr[g]:group_ptr[g + 1]]
    group_member: np.ndarray  # candidate positions
    group_value: np.ndarray  # c_ig, each member's nested core part (people)
    warnings: tuple[str, ...] = ()
    core_segment: int = -1  # the segment (the whole population) the cores are placed in at random; -1 without cores

    @property
    def n(self) -> int:
        return self.reach.size

    @property
    def disjoint(self) -> bool:
        return self.model == "disjoint"

    def probabilities(self) -> sp.csc_matrix:
        """(n x S) p_is = min(1, R_is / N_s): the chance that a person of segment s is reached by creator i."""
        p = self.segment_reach.multiply(1.0 / np.maximum(self.segment_size, 1e-300)[None, :]).tocsc()
        p.data = np.minimum(p.data, 1.0)
        return p

    def unique_reach(self, x: np.ndarray) -> float:
        """Expected people reached at least once by the mix ``x`` (0/1 over the shortlist)."""
        x = np.asarray(x, float)[: self.n]
        if self.disjoint:
            return float(min(self.population, self.reach @ x))
        if not self.segment_size.size:
            return 0.0
        missed = self._missed(self.probabilities(), x > 0.5)
        if self.core_segment >= 0:
            missed[self.core_segment] *= float(np.prod(self._core_missed(self._group_max(x))))
        return float(self.segment_size @ (1.0 - missed))

    def _core_missed(self, covered: np.ndarray) -> np.ndarray:
        """Per nested group, the share of the population outside its covered core: 1 - covered / N."""
        return 1.0 - np.minimum(covered / self.segment_size[self.core_segment], 1.0)

    def group_of_entry(self) -> np.ndarray:
        """Each group entry's group (an index into ``group_names``)."""
        return np.searchsorted(self.group_ptr, np.arange(self.group_member.size), side="right") - 1

    @staticmethod
    def _missed(p: sp.csc_matrix, sel: np.ndarray) -> np.ndarray:
        """Per segment, the share of its people that none of the hires ``sel`` reaches: prod_i (1 - p_is)."""
        with np.errstate(divide="ignore"):
            logq = p.copy()
            logq.data = np.log1p(-logq.data)  # -inf where p = 1
        return np.exp(np.asarray(logq[sel].sum(axis=0)).ravel())

    def _group_max(self, x: np.ndarray) -> np.ndarray:
        """Each nested group's covered core: the largest part among its hired members (0 if none)."""
        v = self.group_value * (x[self.group_member] > 0.5)
        return np.maximum.reduceat(v, self.group_ptr[:-1]) if v.size else np.zeros(0)

    def frequency(self, x: np.ndarray) -> float | None:
        """Impressions (the sum of reach) per person reached; None when nobody is reached."""
        x = np.asarray(x, float)[: self.n]
        u = self.unique_reach(x)
        return float(self.reach @ x) / u if u > 0 else None

    def restricted(self, mask: np.ndarray) -> Audience:
        """The same pools with only the candidates where ``mask`` is true (the others reach nobody): the unique
        reach of one phase's hires."""
        import scipy.sparse as sp
        keep = np.asarray(mask, dtype=bool)
        seg = sp.csc_matrix(sp.diags(keep.astype(float)) @ self.segment_reach)
        entry = keep[self.group_member]
        group = self.group_of_entry()
        kept_groups = np.unique(group[entry])
        sizes = np.bincount(group[entry], minlength=self.group_ptr.size - 1)[kept_groups]
        return replace(self, segment_reach=seg, group_names=tuple(self.group_names[g] for g in kept_groups),
                       group_ptr=np.concatenate([[0], np.cumsum(sizes)]).astype(int),
                       group_member=self.group_member[entry], group_value=self.group_value[entry])

    def singles(self) -> np.ndarray:
        """Unique reach of each creator alone."""
        if self.disjoint:
            return np.minimum(self.reach, self.population)
        out = np.zeros(self.n)
        if self.segment_size.size:
            p = self.probabilities()
            out += p @ self.segment_size
            if self.core_segment >= 0:  # alone: N (1 - (1 - q_i) prod_g (1 - c_ig / N))
                q = p[:, self.core_segment].toarray().ravel()
                with np.errstate(divide="ignore"):
                    logs = np.log(self._core_missed(self.group_value))
                kept = np.exp(np.bincount(self.group_member, weights=logs, minlength=self.n))
                out += self.segment_size[self.core_segment] * (1.0 - q) * (1.0 - kept)
        return out

    def gains(self, x: np.ndarray) -> np.ndarray:
        """Unique reach each candidate would add to the mix ``x`` (0 for those already in it)."""
        x = np.asarray(x, float)[: self.n]
        sel = x > 0.5
        if self.disjoint:
            room = max(0.0, self.population - float(self.reach @ x))
            g = np.minimum(self.reach, room)
        else:
            g = np.zeros(self.n)
            if self.segment_size.size:
                p = self.probabilities()
                missed = self._missed(p, sel)
                if self.core_segment >= 0:
                    covered = self._group_max(x)
                    missed[self.core_segment] *= float(np.prod(self._core_missed(covered)))
                g += p @ (self.segment_size * missed)  # p_is x the people of s not yet reached
                if self.core_segment >= 0:  # and the part of i's cores not yet covered, among those still missed
                    cover = np.repeat(covered, np.diff(self.group_ptr))
                    with np.errstate(divide="ignore", invalid="ignore"):
                        ratio = np.log(self._core_missed(np.maximum(self.group_value, cover))) - \
                            np.log(self._core_missed(cover))
                    kept = np.exp(np.bincount(self.group_member, weights=np.nan_to_num(ratio, nan=0.0),
                                              minlength=self.n))
                    q = p[:, self.core_segment].toarray().ravel()
                    g += self.segment_size[self.core_segment] * missed[self.core_segment] * (1.0 - q) * (1.0 - kept)
        g[sel] = 0.0
        return g

    def unique_draws(self, reached: np.ndarray, positions: np.ndarray, rng: np.random.Generator,
                     counts: bool) -> np.ndarray:
        """People reached at least once in each run, given ``reached`` (runs x k), the people each creator at
        ``positions`` reached in each run.

        With ``counts`` (whole numbers of people) the simulation draws who they are: a creator's reached people are
        split over its segments multinomially, and within a segment each creator's people are a uniform random
        subset, so the number new to the mix is hypergeometric. Without ``counts`` (expected counts) each run's
        unique reach is the expectation given the run's reach. With nested cores (placed at random in the whole
        population) each part scales with its creator's reach in the run, the people missed are
        prod_j (1 - q_j r_j) prod_g (1 - max_j c_jg r_j / N) of the population (r_j the run's reach over the
        expected), and the people reached are binomial with that chance (with ``counts``) or its expectation."""
        runs = reached.shape[0]
        if self.disjoint:
            return np.minimum(self.population, reached.sum(axis=1))
        positions = np.asarray(positions, int)
        total = np.zeros(runs)
        R = self.reach[positions]
        rel = reached / np.where(R > 0, R, 1.0)[None, :]
        if not self.segment_size.size:
            return total
        W = self.segment_reach[positions].tocsr()  # (k x S)
        share = W.multiply(1.0 / np.where(R > 0, R, 1.0)[:, None]).tocsr()
        segs = [s for s in np.flatnonzero(np.diff(W.tocsc().indptr) > 0) if s != self.core_segment]
        covered = {s: np.zeros(runs) for s in segs}
        miss = {s: np.ones(runs) for s in segs}
        size = np.floor(self.segment_size)
        for j in range(positions.size):
            lo, hi = share.indptr[j], share.indptr[j + 1]
            cols, w = share.indices[lo:hi], share.data[lo:hi]
            keep = cols != self.core_segment
            cols, w = cols[keep], w[keep]
            if counts:
                left = np.rint(reached[:, j]).astype(np.int64)
                rest = float(w.sum())
                for s, ws in zip(cols, w, strict=True):  # multinomial split, one conditional binomial at a time
                    n_s = left if rest - ws <= 1e-12 else rng.binomial(left, min(1.0, ws / rest))
                    left = left - n_s
                    rest -= ws
                    cap = size[s]
                    n_s = np.minimum(n_s, cap).astype(np.int64)
                    good = (cap - covered[s]).astype(np.int64)
                    if cap < _HYPER_MAX:
                        new = rng.hypergeometric(good, (cap - good).astype(np.int64), n_s)
                    else:  # beyond numpy's hypergeometric: sampling with replacement is indistinguishable
                        new = rng.binomial(n_s, good / cap)
                    covered[s] = covered[s] + new
            else:
                for s, ws in zip(cols, w, strict=True):
                    miss[s] = miss[s] * np.clip(1.0 - rel[:, j] * R[j] * ws / self.segment_size[s], 0.0, 1.0)
        for s in segs:
            total += covered[s] if counts else self.segment_size[s] * (1.0 - miss[s])
        if self.core_segment >= 0:
            total += self._core_draws(rel, positions, rng, counts)
        return total

    def _core_draws(self, rel: np.ndarray, positions: np.ndarray, rng: np.random.Generator,
                    counts: bool) -> np.ndarray:
        """People reached in the whole population (the segment holding the nested cores), per run."""
        c = self.core_segment
        N = self.segment_size[c]
        q = np.asarray(self.segment_reach[positions][:, c].todense()).ravel() / N
        missed = np.prod(np.clip(1.0 - rel * q[None, :], 0.0, 1.0), axis=1)
        col_of = {int(p): j for j, p in enumerate(positions)}
        gidx = self.group_of_entry()
        best: dict[int, np.ndarray] = {}
        for e in np.flatnonzero(np.isin(self.group_member, positions)):
            part = self.group_value[e] * rel[:, col_of[int(self.group_member[e])]]
            g = int(gidx[e])
            best[g] = part if g not in best else np.maximum(best[g], part)
        for part in best.values():
            missed = missed * np.clip(1.0 - part / N, 0.0, 1.0)
        if counts:
            people = int(np.floor(N))
            return rng.binomial(people, 1.0 - missed).astype(float) if people < 2 ** 62 else N * (1.0 - missed)
        return N * (1.0 - missed)


def build_audience(settings: AudienceSettings, candidates: Candidates, source: str = "scenario") -> Audience:
    """The pools of ``candidates`` under ``settings``. Raises :class:`InputError` (key ``audience.population``)
    when the population cannot hold them."""
    import scipy.sparse as sp
    n = candidates.n
    R = candidates.outcomes.reach.astype(float)
    N = float(settings.population)
    warnings: list[str] = []
    big = np.flatnonzero(R > N)
    if big.size:
        warnings.append(f"{source}: key 'audience.population': {big.size} creator(s) (e.g. "
                        f"'{candidates.ids[big[0]]}') reach more people than the population of {N:,.0f}")
    empty = Audience(population=N, model=settings.model, reach=R, segment_names=(), segment_size=np.zeros(0),
                     segment_reach=sp.csc_matrix((n, 0)), group_names=(), group_ptr=np.zeros(1, int),
                     group_member=np.zeros(0, int), group_value=np.zeros(0), warnings=tuple(warnings))
    if settings.model == "disjoint":
        return empty
    if settings.model == "independent":
        return _with_general(empty, R, N, [], [])

    general = np.ones(n)
    names: list[str] = []
    members: list[np.ndarray] = []
    values: list[np.ndarray] = []
    named: tuple[list[str], list[float], sp.csc_matrix] | None = None
    data = settings.data
    if data is None:
        table = candidates.table
        for column, rate in (("niche", settings.same_niche_overlap), ("region", settings.same_region_overlap)):
            if rate <= 0:
                continue
            col = table[column].to_numpy(dtype=object)
            for g in sorted(set(col) - {""}):
                pos = np.flatnonzero(col == g)
                names.append(f"{column}:{g}")
                members.append(pos)
                values.append(rate * R[pos])
    elif isinstance(data, PairOverlap):
        names, members, values = _pair_cores(data, candidates, R, warnings)
    else:
        named = _named_segments(data, candidates, R, N)
        general = 1.0 - np.divide(np.asarray(named[2].sum(axis=1)).ravel(), R, out=np.zeros(n), where=R > 0)
    general = np.clip(general, 0.0, 1.0)
    if named is not None:
        taken = float(sum(named[1]))
        rest = N - taken
        if bool(np.any((general > 1e-12) & (R > 0))) and rest <= 0:
            raise InputError.at(source, f"{N:,.0f} people cannot hold the shortlist's segments ({taken:,.0f} "
                                "people); raise the population", "key 'audience.population'")
        aud = _with_general(empty, R * general, max(rest, 0.0), [], [])
        seg_names, sizes, reach = named
        aud = replace(aud, segment_names=aud.segment_names + tuple(seg_names),
                      segment_size=np.concatenate([aud.segment_size, sizes]),
                      segment_reach=sp.hstack([aud.segment_reach, reach], format="csc"))
        return replace(aud, warnings=tuple(warnings))
    if not values:
        return _with_general(empty, R, N, [], [])
    largest = max(float(v.max()) for v in values)
    if largest > N:
        raise InputError.at(source, f"{N:,.0f} people cannot hold the shortlist's shared cores (the largest is "
                            f"{largest:,.0f} people); raise the population", "key 'audience.population'")
    groups = list(zip(members, values, strict=True))
    # q_i: 1 - R_i / N = (1 - q_i) prod_g (1 - c_ig / N), so that each creator alone reaches R_i people
    with np.errstate(divide="ignore"):
        in_cores = np.bincount(np.concatenate(members), weights=np.log1p(-np.concatenate(values) / N), minlength=n)
        log_alone = np.log1p(-np.minimum(R, N) / N)
    q = np.clip(-np.expm1(log_alone - in_cores), 0.0, 1.0)
    return replace(_with_general(empty, q * N, N, names, groups, cores=True), warnings=tuple(warnings))


def _with_general(base: Audience, reach: np.ndarray, size: float, names: list[str],
                  groups: list[tuple[np.ndarray, np.ndarray]], cores: bool = False) -> Audience:
    """``base`` with the general segment of ``size`` people (creator i puts ``reach[i]`` people there) and the
    nested groups; with ``cores`` the groups' cores are placed at random in that segment (the whole population)."""
    import scipy.sparse as sp
    n = base.n
    keep = size > 0 and (cores or bool(np.any(reach > 0)))
    seg = sp.csc_matrix(np.asarray(reach, float).reshape(-1, 1)) if keep else sp.csc_matrix((n, 0))
    seg.eliminate_zeros()
    ptr = np.concatenate([[0], np.cumsum([m.size for m in (g[0] for g in groups)])]).astype(int)
    return Audience(population=base.population, model=base.model, reach=base.reach,
                    segment_names=(GENERAL,) if keep else (), segment_size=np.array([size]) if keep else np.zeros(0),
                    segment_reach=seg, group_names=tuple(names), group_ptr=ptr,
                    group_member=np.concatenate([g[0] for g in groups]).astype(int) if groups else np.zeros(0, int),
                    group_value=np.concatenate([g[1] for g in groups]).astype(float) if groups else np.zeros(0),
                    warnings=base.warnings, core_segment=0 if cores and keep else -1)


def _creators(candidates: Candidates) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
    """(creator ids in first-seen order, creator -> its rows, each row's one-post reach). With packages or phases
    (``options.py``) a creator has several rows; overlap files name creators."""
    table = candidates.table
    creator = table["creator"].astype(str) if "creator" in table else table["id"].astype(str)
    factor = table["post_factor"].to_numpy(float) if "post_factor" in table else np.ones(len(table))
    rows = {c: np.asarray(r) for c, r in creator.groupby(creator, sort=False).indices.items()}
    return list(rows), rows, candidates.outcomes.reach / np.where(factor > 0, factor, 1.0)


def _pair_cores(data: PairOverlap, candidates: Candidates, R: np.ndarray, warnings: list[str]):
    """Pairs as cores of shared x min(R_a, R_b) people (one-post reach) that any option of either creator reaches.
    The pairwise model assumes nobody is shared by three or more creators; where a creator's pair parts add up to
    more than its reach (which only such people could explain), its pairs are scaled down to fit, with a
    warning."""
    names_c, rows_of, base = _creators(candidates)
    index = {c: k for k, c in enumerate(names_c)}
    rb = np.array([base[rows_of[c][0]] for c in names_c])  # one-post reach per creator
    a = np.array([index[i] for i in data.a])
    b = np.array([index[i] for i in data.b])
    size = data.shared * np.minimum(rb[a], rb[b])
    m = rb.size
    load = np.bincount(a, size, m) + np.bincount(b, size, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.nan_to_num(np.where(load > rb, rb / load, 1.0), nan=1.0)
    over = np.flatnonzero(factor < 1.0 - 1e-12)
    if over.size:
        warnings.append(f"{data.source}: the pairwise overlaps of {over.size} creator(s) (e.g. "
                        f"'{names_c[over[0]]}') add up to more than their reach, which means people shared by "
                        "three or more creators; the pairs model cannot express that, so those overlaps were scaled "
                        "down to fit (a segments file can express it)")
    size = size * np.minimum(factor[a], factor[b])
    keep = [k for k, s in enumerate(size) if s > 0]
    names = [f"pair:{names_c[a[k]]}|{names_c[b[k]]}" for k in keep]
    members = [np.concatenate([rows_of[names_c[a[k]]], rows_of[names_c[b[k]]]]) for k in keep]
    values = [np.full(mm.size, size[k]) for mm, k in zip(members, keep, strict=True)]
    return names, members, values


def _named_segments(data: SegmentShares, candidates: Candidates, R: np.ndarray,
                    N: float) -> tuple[list[str], np.ndarray, sp.csc_matrix]:
    """(names, sizes, (n x S) reach in each named segment). Without sizes in the file, each segment's size is its
    share of the shortlist's total reach times the population. Every option of a creator has its shares."""
    import scipy.sparse as sp
    names = sorted(set(data.segment))
    col = {s: k for k, s in enumerate(names)}
    _, rows_of, base = _creators(candidates)
    rows, cols, shares = [], [], []
    for i, seg, share in zip(data.id, data.segment, data.share, strict=True):
        r = rows_of[i]
        rows.append(r)
        cols.append(np.full(r.size, col[seg]))
        shares.append(np.full(r.size, share))
    W = sp.csc_matrix((np.concatenate(shares), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(R.size, len(names)))
    reach = sp.csc_matrix(W.multiply(R[:, None]))
    if data.sizes is not None:
        sizes = np.array([data.sizes[s] for s in names], float)
    else:  # the segment's share of the shortlist's one-post reach (one row per creator: options do not count twice)
        first = np.array([r[0] for r in rows_of.values()])
        one = sp.csc_matrix(W[first].multiply(base[first][:, None]))
        total = float(base[first].sum())
        sizes = N * np.asarray(one.sum(axis=0)).ravel() / total if total > 0 else np.zeros(len(names))
    return names, sizes, reach
