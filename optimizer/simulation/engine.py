"""Monte Carlo simulation of a mix: what the campaign may actually return, run by run.

Per creator i and run r (distributions in ``distributions.py``):

    accounts    A_i = followers x audience_quality, rounded to a whole number at random (floor, plus one with
                probability equal to the fraction), so its mean is exact
    reach       R_ir ~ Binomial(A_i, rho_ir x P_pr)           rho ~ Beta (Gamma when the mean reach rate >= 1)
    engagements E_ir ~ Binomial(R_ir, epsilon_ir x C_r)       epsilon ~ Beta
    conversions K_ir ~ Binomial(R_ir, kappa_ir x C_r x N_nr)  kappa ~ Beta
    revenue     V_ir = K_ir x v_ir                            v ~ lognormal (the creator's average order value)
    profit      V_ir - fee_i                                  fees are fixed

with shared shocks, each lognormal with mean 1: C_r for the campaign, P_pr for platform p, N_nr for niche n
(creators with no niche get none). A mix whose posts are boosted (``amplification:``, ``domain/amplification.py``)
adds, per boosted creator, B_i x L_ir accounts (B_i the boost's expected reach, L lognormal with mean 1 and the
block's ``reach_cv``, from a stream of its own) that engage and convert at the run's epsilon_ir and kappa_ir times
the response (their conditional means: a boost reaches thousands) and buy at v_ir; its spend is a fixed cost and no
commission is paid on its sales. Where a shocked rate exceeds 1 the count is Poisson with the same mean. With
``counts: expected`` the counts are their conditional means instead (A_i x rho, R x epsilon, R x kappa), so with
every sd and shock at 0 each run equals the expected-value funnel of ``funnel.py`` exactly.

Every shock and count is independent given the rates, and all shocks have mean 1, so the simulated means equal
the funnel's expected values whatever the shocks: shocks change the spread, never the mean.

Reproducibility and common random numbers: runs are cut into fixed blocks of ``BLOCK`` runs; each creator's draws
in a block come from its own generator, seeded by (seed, the creator's id, the block), and each shock's from
(seed, the shock and its platform or niche, the block). So the numbers do not depend on the chunk size, the
thread count, or which other creators are simulated alongside: a creator behaves identically in every mix
simulated with the same seed, which is what makes comparisons between mixes sharp. Totals over creators are
summed in shortlist order, and statistics are accumulated block by block, so they are identical too.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import struct
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.domain.distributions import Uncertainty, lognormal_params
from optimizer.domain.funnel import commission_paid
from optimizer.errors import InputError, suggest
from optimizer.io.audience import Audience
from optimizer.io.scenario import Scenario, SimulationSettings
from optimizer.simulation.measures import Summary, binomial_se, prob_below, var_cvar
from optimizer.utils.parallel import as_executor
from optimizer.utils.sizing import check_simulation

BLOCK = 2048  # runs per random-number block (fixed: changing it changes the numbers)
CHUNK_ELEMENTS = 1 << 21  # creator-runs held in memory per outcome matrix (a chunk is a whole number of blocks)
SUMMARY_METRICS: tuple[str, ...] = ("cost", "reach", "engagements", "conversions", "revenue", "profit", "roi")
DRAW_COLUMNS: tuple[str, ...] = ("reach", "engagements", "conversions", "revenue", "profit", "roi")

_CREATOR, _CAMPAIGN, _PLATFORM, _NICHE, _UNIQUE, _BOOST = 1, 2, 3, 4, 5, 6
ORGANIC: tuple[str, ...] = ("reach", "engagements", "conversions", "revenue")
BOOSTED: dict[str, str] = {m: f"boost_{m}" for m in ORGANIC}  # per expected boosted account, per run
AUDIENCE_METRICS: tuple[str, ...] = ("unique_reach", "frequency")  # simulated when the scenario has an audience

Progress = Callable[[int, int], None]  # (runs done, runs in total)


def stable_key(text: str) -> int:
    """A 64-bit integer from a name, the same on every machine and Python process."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


class _Streams:
    """Random streams keyed by (seed, kind, key, block). One PCG64 generator is re-pointed to each stream by
    setting its 128-bit state and increment from a BLAKE2b hash of the key, which costs about a tenth of building
    a generator from a SeedSequence (it matters: there is one stream per creator and block)."""

    def __init__(self) -> None:
        self.gen = np.random.Generator(np.random.PCG64(0))
        self.bits = self.gen.bit_generator

    def at(self, seed: int, kind: int, key: int, block: int) -> np.random.Generator:
        h = hashlib.blake2b(struct.pack("<4Q", seed & _MASK64, kind, key, block), digest_size=32).digest()
        self.bits.state = {"bit_generator": "PCG64", "has_uint32": 0, "uinteger": 0,
                           "state": {"state": int.from_bytes(h[:16], "little"),
                                     "inc": int.from_bytes(h[16:], "little") | 1}}
        return self.gen


_MASK64 = (1 << 64) - 1


# ---------------------------------------------------------------------------------------------- results

@dataclass
class SimulationResult:
    """The simulated distribution of one mix.

    ``metrics`` maps cost, reach, engagements, conversions, revenue, profit and roi to a :class:`Summary`, and
    with an audience also unique_reach (people reached at least once) and frequency (reach over unique reach, over
    the runs that reach anyone).
    ``var`` and ``cvar`` are of profit at ``alpha`` (see ``simulation/measures.py``); ``prob_loss`` is P(profit < 0).
    ``contributions`` has one row per creator: its mean and sd of profit, its covariance with the mix's profit,
    and ``share`` = covariance / variance of the mix's profit (an Euler allocation: the shares sum to 1).
    ``draws`` (on request) has one row per run with the mix's totals."""

    name: str
    ids: tuple[str, ...]
    runs: int
    seed: int
    alpha: float
    counts: str
    shocks: dict[str, float]
    cost: float  # what the mix costs: fees, product and usage, plus the mean commission over the runs
    expected: dict[str, float]  # the expected-value funnel's totals, for comparison with the simulated means
    metrics: dict[str, Summary]
    prob_loss: float
    prob_loss_se: float
    var: float
    cvar: float
    targets: dict[str, dict[str, float]]
    contributions: pd.DataFrame
    diversification_ratio: float | None  # sum of the creators' sds of profit / sd of the mix's profit
    seconds: float = 0.0
    draws: pd.DataFrame | None = None

    def to_dict(self) -> dict:
        """JSON-ready; keys are a contract (docs/modelling.md, "The risk of a mix")."""
        return {
            "name": self.name,
            "runs": self.runs,
            "seed": self.seed,
            "alpha": self.alpha,
            "counts": self.counts,
            "shocks": dict(self.shocks),
            "selected": list(self.ids),
            "count": len(self.ids),
            **{m: self.metrics[m].to_dict() for m in SUMMARY_METRICS},
            **{m: self.metrics[m].to_dict() if m in self.metrics else None for m in AUDIENCE_METRICS},
            "expected": dict(self.expected),
            "prob_loss": self.prob_loss,
            "prob_loss_se": self.prob_loss_se,
            "var": self.var,
            "cvar": self.cvar,
            "targets": {k: dict(v) for k, v in self.targets.items()},
            "contributions": {str(i): float(s) for i, s in zip(self.contributions["id"],
                                                                 self.contributions["share"], strict=True)},
            "diversification_ratio": self.diversification_ratio,
            "seconds": self.seconds,
        }


# ----------------------------------------------------------------------------------------------- engine

class _Accumulator:
    """Per-run totals of one mix, and per-creator sums for the variance allocation. With an ``audience`` also
    the people reached at least once, drawn from a stream of its own per (seed, mix, block)."""

    def __init__(self, cols: np.ndarray, mu_rev: np.ndarray, runs: int, keep: bool,
                 audience: tuple[Audience, np.ndarray, SimulationSettings, int] | None = None,
                 terms: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
                 boost: np.ndarray | None = None):
        self.cols = cols  # columns of the union matrices, in shortlist order
        self.boost = boost  # per member: the expected accounts its paid boost reaches (None: no boost in the mix)
        # per member: (commission rate, guarantee, cap, expected commission); None: no commission in the mix
        self.terms = terms
        self.mu_gross = mu_rev  # expected revenue per member
        self.mu_rev = mu_rev if terms is None else mu_rev - terms[3]  # expected revenue the brand keeps
        self.runs = runs
        self.keep = keep
        self.totals = {m: np.zeros(runs) for m in ("reach", "engagements", "conversions", "revenue", "kept")}
        self.audience = audience
        if audience is not None:
            self.totals["unique_reach"] = np.zeros(runs)
            self.streams = _Streams()
        k = cols.size
        self.d = np.zeros(k)  # sum over runs of (revenue - its mean), per member
        self.q = np.zeros(k)  # sum of squares of the same
        self.s = np.zeros(k)  # sum of (revenue - mean) x (mix revenue - mix mean)

    def add(self, mats: Mapping[str, np.ndarray], r0: int, r1: int) -> None:
        self.merge(self.part(mats, r0, r1), r0)

    def part(self, mats: Mapping[str, np.ndarray], r0: int, r1: int) -> _Part:
        """This mix's share of the chunk of runs r0..r1: its per-run totals and, per block, its per-member sums
        (computed where the chunk was drawn: a worker process or machine returns this, not the matrices)."""
        # Column-major matrices summed along rows add the columns one by one in shortlist order, so a mix's totals
        # are the same numbers whatever else is simulated alongside (M[:, cols] keeps the column-major layout).
        whole = self.cols.size == mats["reach"].shape[1]
        wanted = ORGANIC + (tuple(BOOSTED.values()) if self.boost is not None else ())
        subs = {m: mats[m] if whole else mats[m][:, self.cols] for m in wanted}
        totals = {m: subs[m].sum(axis=1) for m in ORGANIC}
        if self.terms is not None:  # what the brand keeps of each creator's revenue, after its commission in the run
            net = subs["revenue"] - commission_paid(subs["revenue"], *self.terms[:3])
            totals["kept"] = net.sum(axis=1)
        else:
            net, totals["kept"] = subs["revenue"], totals["revenue"]
        if self.boost is not None:  # the boosts' accounts and sales, on top (no commission on them)
            for m in ("reach", "engagements", "conversions"):
                totals[m] = totals[m] + subs[BOOSTED[m]] @ self.boost
            paid = subs[BOOSTED["revenue"]] * self.boost
            net = net + paid
            paid_total = paid.sum(axis=1)
            totals["revenue"] = totals["revenue"] + paid_total
            totals["kept"] = totals["kept"] + paid_total
        if self.audience is not None:
            aud, pos, st, mix_key = self.audience
            unique = np.empty(r1 - r0)
            for b0 in range(0, r1 - r0, BLOCK):
                rng = self.streams.at(st.seed, _UNIQUE, mix_key, (r0 + b0) // BLOCK)
                block = subs["reach"][b0:b0 + BLOCK]
                unique[b0:b0 + block.shape[0]] = aud.unique_draws(block, pos, rng, counts=st.counts == "binomial")
            totals["unique_reach"] = unique
        mu_total = float(self.mu_rev.sum())
        sums = []
        for b0 in range(0, r1 - r0, BLOCK):  # per block, so the sums do not depend on the chunk size
            dev = net[b0:b0 + BLOCK] - self.mu_rev
            pdev = totals["kept"][b0:b0 + dev.shape[0]] - mu_total
            sums.append((dev.sum(axis=0), (dev * dev).sum(axis=0), (dev * pdev[:, None]).sum(axis=0)))
        return totals, sums

    def merge(self, part: _Part, r0: int) -> None:
        """Add a chunk's :meth:`part`; chunks are merged in run order, so the sums are added in the same order
        as in one pass, and are the same numbers."""
        totals, sums = part
        for m, v in totals.items():
            self.totals[m][r0:r0 + v.size] = v
        for d, q, s in sums:
            self.d += d
            self.q += q
            self.s += s


_Part = tuple  # (per-run totals by metric, [(d, q, s) per block]): _Accumulator.part


def _shock_draws(streams: _Streams, seed: int, kind: int, names: Sequence[str], sd: float, blocks: range,
                 r0: int, r1: int) -> np.ndarray | None:
    """(len(names), runs in chunk) lognormal shocks with mean 1; None when sd is 0 (no shock)."""
    if sd <= 0:
        return None
    out = np.empty((len(names), r1 - r0))
    mu, sigma = (float(v) for v in lognormal_params(np.array(1.0), np.array(sd)))
    for b in blocks:
        a, z = max(b * BLOCK, r0), min((b + 1) * BLOCK, r1)
        for j, name in enumerate(names):
            out[j, a - r0:z - r0] = streams.at(seed, kind, stable_key(name), b).lognormal(mu, sigma, z - a)
    return out


def _count(rng: np.random.Generator, n, p, size: int) -> np.ndarray:
    """Binomial(n, p) counts; Poisson(n p) where p > 1 (a shocked rate above 1)."""
    p = np.asarray(p, float)
    over = p > 1.0
    if not over.any():
        return rng.binomial(n, p, size)
    k = rng.binomial(n, np.minimum(p, 1.0), size)
    over = np.broadcast_to(over, (size,))
    k[over] = rng.poisson(np.broadcast_to(np.asarray(n, float) * p, (size,))[over])
    return k


class _Engine:
    def __init__(self, scenario: Scenario, union: np.ndarray, settings: SimulationSettings,
                 boosted: np.ndarray | None = None):
        table = scenario.candidates.table
        # per union column: whether some mix boosts it (its boost draws are made); the response and spread
        self.boosted = boosted if boosted is not None and boosted.any() else None
        amp = scenario.amplification
        self.response = amp.response if amp is not None else 0.0
        self.boost_params = tuple(float(v) for v in lognormal_params(np.array(1.0), np.array(
            amp.reach_cv if amp is not None else 0.0)))
        self.unc = Uncertainty.from_table(table)
        self.union = union
        self.ids = [str(i) for i in scenario.candidates.ids[union]]
        # a creator's options (packages, phases: options.py) share its stream: its posts move together
        streams = table["creator"].to_numpy(object)[union] if "creator" in table else self.ids
        self.keys = [stable_key(str(i)) for i in streams]
        self.settings = settings
        plats = table["platform"].to_numpy(dtype=object)[union]
        niches = table["niche"].to_numpy(dtype=object)[union]
        self.platforms = sorted(set(plats))
        self.niches = sorted(set(niches) - {""})
        self.plat_idx = np.array([self.platforms.index(p) for p in plats], dtype=int)
        self.niche_idx = np.array([self.niches.index(n) if n else -1 for n in niches], dtype=int)

    def chunk(self, r0: int, r1: int, pool: ThreadPoolExecutor | None, tasks: int) -> dict[str, np.ndarray]:
        st = self.settings
        blocks = range(r0 // BLOCK, (r1 - 1) // BLOCK + 1)
        streams = _Streams()
        camp = _shock_draws(streams, st.seed, _CAMPAIGN, ["campaign"], st.shocks.campaign, blocks, r0, r1)
        shocks = (None if camp is None else camp[0],
                  _shock_draws(streams, st.seed, _PLATFORM, self.platforms, st.shocks.platform, blocks, r0, r1),
                  _shock_draws(streams, st.seed, _NICHE, self.niches, st.shocks.niche, blocks, r0, r1))
        shape = (r1 - r0, self.union.size)
        mats = {m: np.empty(shape, order="F") for m in ORGANIC}
        if self.boosted is not None:
            mats.update({m: np.zeros(shape, order="F") for m in BOOSTED.values()})
        groups = np.array_split(np.arange(self.union.size), max(1, min(tasks, self.union.size)))
        work = [(g, blocks, r0, r1, mats, shocks) for g in groups if g.size]
        if pool is None or len(work) == 1:
            for w in work:
                self._fill(*w)
        else:
            list(pool.map(lambda w: self._fill(*w), work))
        return mats

    def _fill(self, cols: np.ndarray, blocks: range, r0: int, r1: int, mats: dict[str, np.ndarray],
              shocks: tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]) -> None:
        """Draw the creators at union columns ``cols`` for runs r0..r1 into ``mats``; ``shocks`` are the chunk's
        (campaign, platform, niche) shocks, None where that shock is off."""
        u, st = self.unc, self.settings
        binomial = st.counts == "binomial"
        reach_m, eng_m, conv_m, rev_m = mats["reach"], mats["engagements"], mats["conversions"], mats["revenue"]
        streams = _Streams()  # one per task: generators are not shared between threads
        camp, plat, niche = shocks
        for j in cols:
            i = self.union[j]
            acc = u.audience[i]
            base = math.floor(acc)
            frac = acc - base
            for b in blocks:
                a, z = max(b * BLOCK, r0), min((b + 1) * BLOCK, r1)
                m, s = z - a, slice(a - r0, z - r0)
                rng = streams.at(st.seed, _CREATOR, self.keys[j], b)
                rho = u.reach_rate.draw(i, rng, m)
                eps = u.engagement_rate.draw(i, rng, m)
                kap = u.conversion_rate.draw(i, rng, m)
                value = u.order_value.draw(i, rng, m)
                if plat is not None:
                    rho = rho * plat[self.plat_idx[j], s]
                if camp is not None:
                    eps = eps * camp[s]
                    kap = kap * camp[s]
                if niche is not None and self.niche_idx[j] >= 0:
                    kap = kap * niche[self.niche_idx[j], s]
                if binomial:
                    n = base + (rng.random(m) < frac) if frac > 0 else base
                    reach = _count(rng, n, rho, m)
                    eng = _count(rng, reach, eps, m)
                    conv = _count(rng, reach, kap, m)
                else:
                    reach = acc * rho
                    eng = reach * eps
                    conv = reach * kap
                reach_m[s, j] = reach
                eng_m[s, j] = eng
                conv_m[s, j] = conv
                rev_m[s, j] = conv * value
                if self.boosted is not None and self.boosted[j]:  # per expected boosted account
                    mu, sigma = self.boost_params
                    lift = streams.at(st.seed, _BOOST, self.keys[j], b).lognormal(mu, sigma, m) if sigma > 0 else 1.0
                    mats[BOOSTED["reach"]][s, j] = lift
                    mats[BOOSTED["engagements"]][s, j] = lift * eps * self.response
                    conv_b = lift * kap * self.response
                    mats[BOOSTED["conversions"]][s, j] = conv_b
                    mats[BOOSTED["revenue"]][s, j] = conv_b * value


def _chunk_runs(n_union: int, runs: int, chunk_runs: int | None) -> int:
    if chunk_runs is not None:
        if chunk_runs < BLOCK or chunk_runs % BLOCK:
            raise ValueError(f"chunk_runs must be a positive multiple of {BLOCK}")
        return chunk_runs
    per = max(1, CHUNK_ELEMENTS // max(1, n_union) // BLOCK)
    return min(per * BLOCK, -(-runs // BLOCK) * BLOCK)


@contextlib.contextmanager
def _drawing(threads: int | None, creators: int) -> Iterator[tuple[ThreadPoolExecutor | None, int]]:
    """(the thread pool that draws a chunk's creators, or None for one thread; the number of threads)."""
    threads = threads or min(8, os.cpu_count() or 1)
    pool = ThreadPoolExecutor(threads) if threads > 1 and creators > 1 else None
    try:
        yield pool, threads
    finally:
        if pool is not None:  # on Ctrl-C or SIGTERM, the blocks not yet started are dropped, not drawn
            pool.shutdown(wait=True, cancel_futures=True)


def _chunks(engine: _Engine, runs: int, threads: int | None,
            chunk_runs: int | None) -> Iterator[tuple[int, int, dict[str, np.ndarray]]]:
    """(first run, end run, outcome matrices) chunk by chunk, the creators of each chunk drawn by a thread pool."""
    step = _chunk_runs(engine.union.size, runs, chunk_runs)
    with _drawing(threads, engine.union.size) as (pool, threads):
        for r0 in range(0, runs, step):
            r1 = min(runs, r0 + step)
            yield r0, r1, engine.chunk(r0, r1, pool, tasks=4 * threads)


def simulate_mixes(scenario: Scenario, mixes: Mapping[str, Sequence[int] | np.ndarray], *,
                   settings: SimulationSettings | None = None, keep_draws: bool | Sequence[str] = False,
                   threads: int | None = None, chunk_runs: int | None = None,
                   progress: Progress | None = None, executor: Executor | None = None,
                   boosts: Mapping[str, np.ndarray] | None = None) -> dict[str, SimulationResult]:
    """Simulate several mixes (name -> positions in the shortlist) on common random numbers, in one pass.
    ``boosts``: per mix name, the paid boost behind each candidate's post (spend per candidate, ``amplification:``;
    a mix not named has none).

    ``threads`` (default: the machine's cores, at most 8) and ``chunk_runs`` (a multiple of ``BLOCK``; default
    keeps each outcome matrix near 16 MB) change the speed and memory, never the numbers. ``keep_draws``: True
    for every mix, or the names of the mixes whose per-run totals to return as ``draws``. ``executor`` (a
    ``concurrent.futures.Executor`` or a Dask ``distributed.Client``) draws the chunks of runs elsewhere, each
    returning only its mixes' totals and sums (:meth:`_Accumulator.part`), merged here in run order: the same
    numbers as in one process."""
    st = settings or scenario.simulation or SimulationSettings()
    start = time.perf_counter()
    pos = {name: np.unique(np.asarray(p, dtype=int)) for name, p in mixes.items()}
    union = np.unique(np.concatenate([p for p in pos.values()] + [np.zeros(0, int)]))
    check_simulation(scenario.limits, scenario.source, st.runs, union.size)
    # each mix's outcomes: its boosts (if any) add to its creators'
    outcomes = {name: scenario.with_boosts(_boost_spend(boosts, name, p, scenario.candidates.n)).candidates.outcomes
                for name, p in pos.items()}
    boosted = np.zeros(union.size, dtype=bool)
    for name, p in pos.items():
        boosted[np.searchsorted(union, p)] |= outcomes[name].boost_reach[p] > 0
    engine = _Engine(scenario, union, st, boosted)
    keep = set(mixes) if keep_draws is True else set(keep_draws or ())
    aud = scenario.audience
    accs = {name: _Accumulator(cols=np.searchsorted(union, p), mu_rev=outcomes[name].revenue[p], runs=st.runs,
                               terms=_terms(outcomes[name], p),
                               keep=name in keep, audience=None if aud is None else
                               (aud, p, st, stable_key(",".join(str(i) for i in scenario.candidates.ids[p]))),
                               boost=outcomes[name].boost_reach[p] if (outcomes[name].boost_reach[p] > 0).any()
                               else None)
            for name, p in pos.items()}
    if executor is not None:
        _elsewhere(as_executor(executor), scenario, union, st, accs, threads, chunk_runs, progress, boosted)
    else:
        for r0, r1, mats in _chunks(engine, st.runs, threads, chunk_runs):
            for acc in accs.values():
                acc.add(mats, r0, r1)
            if progress is not None:
                progress(r1, st.runs)
    seconds = time.perf_counter() - start
    return {name: _result(name, scenario, pos[name], accs[name], st, seconds, outcomes[name]) for name in mixes}


def _boost_spend(boosts: Mapping[str, np.ndarray] | None, name: str, pos: np.ndarray, n: int) -> np.ndarray:
    """The boost spend per candidate of mix ``name``, on its creators only (zeros without boosts)."""
    out = np.zeros(n)
    if boosts is not None and name in boosts:
        given = np.asarray(boosts[name], float)
        out[pos] = given[pos]
    return out


ELSEWHERE_CHUNKS = 8  # chunks of runs at least, when an executor draws them (so that several workers share them)


def _elsewhere(executor: Executor, scenario: Scenario, union: np.ndarray, st: SimulationSettings,
               accs: Mapping[str, _Accumulator], threads: int | None, chunk_runs: int | None,
               progress: Progress | None, boosted: np.ndarray) -> None:
    """Draw the chunks of runs through ``executor`` and merge their parts into ``accs`` in run order."""
    step = _chunk_runs(union.size, st.runs, chunk_runs)
    if chunk_runs is None:  # enough chunks for the workers, each still a whole number of blocks
        step = min(step, max(BLOCK, -(-st.runs // (ELSEWHERE_CHUNKS * BLOCK)) * BLOCK))
    specs = {name: (a.cols, a.mu_gross, a.audience, a.terms, a.boost) for name, a in accs.items()}
    jobs = [(scenario, union, st, specs, r0, min(st.runs, r0 + step), threads, boosted)
            for r0 in range(0, st.runs, step)]
    futures = [executor.submit(_chunk_parts, job) for job in jobs]
    try:
        for job, f in zip(jobs, futures, strict=True):
            parts = f.result()
            for name, acc in accs.items():
                acc.merge(parts[name], job[4])
            if progress is not None:
                progress(job[5], st.runs)
    except BaseException:
        for f in futures:
            f.cancel()
        raise


def _chunk_parts(job: tuple) -> dict[str, _Part]:
    """One chunk of runs, drawn where the executor runs it: each mix's :meth:`_Accumulator.part` (top level, so
    that a process pool or a Dask worker can run it)."""
    scenario, union, st, specs, r0, r1, threads, boosted = job
    engine = _Engine(scenario, union, st, boosted)
    with _drawing(threads, union.size) as (pool, threads):
        mats = engine.chunk(r0, r1, pool, tasks=4 * threads)
    return {name: _Accumulator(cols, mu, 0, False, audience, terms, boost).part(mats, r0, r1)  # no run totals here
            for name, (cols, mu, audience, terms, boost) in specs.items()}


def _terms(outcomes, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The commission terms of the creators at ``pos`` for an accumulator (None when none of them has any)."""
    if not outcomes.commissioned[pos].any():
        return None
    return outcomes.commission_rate[pos], outcomes.guarantee[pos], outcomes.cap[pos], outcomes.commission[pos]


def creator_revenue(scenario: Scenario, settings: SimulationSettings, positions: Sequence[int] | None = None, *,
                    threads: int | None = None) -> np.ndarray:
    """(runs x creators) revenue of each creator in each run, column-major, for the creators at ``positions``
    (default: the whole shortlist). The same draws as :func:`simulate_mixes` with these settings: a mix's
    revenue in run r is the sum of its columns in row r."""
    pos = np.arange(scenario.candidates.n) if positions is None else np.unique(np.asarray(positions, dtype=int))
    check_simulation(scenario.limits, scenario.source, settings.runs, pos.size)
    engine = _Engine(scenario, pos, settings)
    out = np.empty((settings.runs, pos.size), order="F")
    for r0, r1, mats in _chunks(engine, settings.runs, threads, None):
        out[r0:r1] = mats["revenue"]
    return out


def _result(name: str, scenario: Scenario, pos: np.ndarray, acc: _Accumulator, st: SimulationSettings,
            seconds: float, out) -> SimulationResult:
    """``out``: the mix's expected outcomes per candidate (its boosts included)."""
    upfront = float(out.upfront[pos].sum())  # fees, product, usage and boosts: the same in every run
    runs = st.runs
    rev = acc.totals["revenue"]
    commission = rev - acc.totals["kept"]  # paid on what each creator sold in the run
    cost = upfront + commission
    profit = acc.totals["kept"] - upfront
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = np.where(cost > 0, profit / np.where(cost > 0, cost, 1.0), np.nan)
    series = {"cost": cost, **{m: acc.totals[m] for m in ("reach", "engagements", "conversions")},
              "revenue": rev, "profit": profit, "roi": roi}
    metrics = {m: Summary.of(series[m]) for m in SUMMARY_METRICS}
    if acc.audience is not None:
        unique = acc.totals["unique_reach"]
        series["unique_reach"] = unique
        with np.errstate(divide="ignore", invalid="ignore"):
            series["frequency"] = np.where(unique > 0, series["reach"] / unique, np.nan)
        metrics["unique_reach"] = Summary.of(unique)
        metrics["frequency"] = Summary.of(series["frequency"][unique > 0])  # over the runs that reach anyone
    p_loss = prob_below(profit, 0.0)
    var, cvar = var_cvar(profit, st.alpha) if runs else (float("nan"), float("nan"))
    targets = {}
    for k, level in st.targets.items():
        if k in series and np.all(np.isfinite(series[k])):
            targets[k] = {"target": float(level), "prob_miss": prob_below(series[k], level)}
    # Euler allocation of the variance of profit: cov(X_i, P) / var(P); upfront costs are constants, so the revenue
    # the brand keeps (after commission) will do.
    dp = float(acc.d.sum())
    cov = (acc.s - acc.d * dp / runs) / max(runs - 1, 1)
    var_i = np.maximum((acc.q - acc.d ** 2 / runs) / max(runs - 1, 1), 0.0)
    total_var = float(cov.sum())
    ids = scenario.candidates.ids[pos]
    contributions = pd.DataFrame({
        "id": [str(i) for i in ids],
        "expected_profit": out.profit[pos],
        "mean_profit": acc.d / runs + out.profit[pos],  # d: deviations of what the brand keeps of its revenue
        "sd_profit": np.sqrt(var_i),
        "covariance": cov,
        "share": cov / total_var if total_var > 0 else np.zeros(len(pos)),
    })
    sd_p = metrics["profit"].sd
    ratio = float(np.sqrt(var_i).sum() / sd_p) if sd_p else None
    expected = {m: float(out.metric(m)[pos].sum()) for m in ("cost", "reach", "engagements", "conversions",
                                                              "revenue", "profit")}
    if acc.audience is not None:
        x = scenario.candidates.indicator(pos)
        expected["unique_reach"] = acc.audience[0].unique_reach(x)
        expected["frequency"] = acc.audience[0].frequency(x)
    draws = None
    if acc.keep:
        draws = pd.DataFrame({m: series[m] for m in DRAW_COLUMNS + tuple(k for k in AUDIENCE_METRICS if k in series)})
    return SimulationResult(
        name=name, ids=tuple(str(i) for i in ids), runs=runs, seed=st.seed, alpha=st.alpha, counts=st.counts,
        shocks={"campaign": st.shocks.campaign, "platform": st.shocks.platform, "niche": st.shocks.niche},
        cost=upfront + float(commission.mean()) if runs else upfront, expected=expected, metrics=metrics,
        prob_loss=p_loss, prob_loss_se=binomial_se(p_loss, runs),
        var=var, cvar=cvar, targets=targets, contributions=contributions, diversification_ratio=ratio,
        seconds=seconds, draws=draws)


def positions_of(scenario: Scenario, ids: Sequence[str], label: str = "--ids") -> np.ndarray:
    """Shortlist positions of ``ids``; an unknown or repeated id is an :class:`InputError`."""
    cand = scenario.candidates
    known = set(cand.ids)
    seen: set[str] = set()
    for i in ids:
        if i not in known:
            raise InputError.at(label, f"id '{i}' is not in {cand.source}{suggest(i, known)}")
        if i in seen:
            raise InputError.at(label, f"id '{i}' is given twice")
        seen.add(i)
    if not ids:
        raise InputError.at(label, "no ids given")
    return cand.positions(ids)


def simulate_mix(scenario: Scenario, mix, *, settings: SimulationSettings | None = None,
                 keep_draws: bool = False, threads: int | None = None, chunk_runs: int | None = None,
                 progress: Progress | None = None, executor: Executor | None = None) -> SimulationResult:
    """Simulate one mix: a plan result (anything with ``selected`` and ``has_solution``; its ``boosts`` too) or a
    list of candidate ids (:func:`optimizer.simulate` also plans one when none is given). Settings default to the
    scenario's ``simulation:`` block, then to the documented defaults."""
    boosts = None
    if hasattr(mix, "selected"):
        if not mix.has_solution:
            raise ValueError(f"the plan has no mix to simulate (status {mix.status})")
        pos = scenario.candidates.positions(mix.selected)
        name = "portfolio"
        if getattr(mix, "boosts", None):
            boosts = {name: mix.boost_vector(scenario.candidates.ids)}
    else:
        pos = positions_of(scenario, [str(i) for i in mix], "ids")
        name = "given"
    res = simulate_mixes(scenario, {name: pos}, settings=settings, keep_draws=keep_draws, threads=threads,
                         chunk_runs=chunk_runs, progress=progress, executor=executor, boosts=boosts)
    return res[name]

