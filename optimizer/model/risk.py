"""Risk inside the integer program: sample-average approximation over simulated runs.

With P[s, i] the profit of creator i in simulated run s (``simulation.creator_revenue`` minus the fee; the same
draws the simulator reports, shocks included) and S runs, the model of ``formulation.py`` gains

    t free, u_s >= 0                 u_s >= t - sum_i P[s, i] x_i          (one row per run, key risk.cvar_rows)
    CVaR(x) = t - sum_s u_s / ((1 - alpha) S)                              (Rockafellar and Uryasev 2000)
    risk.min_cvar       t - sum_s u_s / ((1 - alpha) S) >= min_cvar
    objective cvar      maximise t - sum_s u_s / ((1 - alpha) S)
    risk.max_prob_loss  z_s binary, sum_i P[s, i] x_i + M_s z_s >= 0,  sum_s z_s <= floor(max_prob_loss S)

At the optimum of t and u for a fixed mix, t is the mix's VaR and the expression is exactly the empirical CVaR of
``risk.var_cvar`` on those runs, so the CVaR the model reports is the CVaR of the chosen mix on the same draws.
M_s = min(budget, sum_i max(0, -P[s, i])) bounds the loss in run s (revenue is never negative), so the big-M rows
cut nothing but the runs they switch off. A run with profit exactly 0 is not a loss, as in P(profit < 0).

**Aggregated cuts** (Kunzi-Bay and Mayer's CVaRMin): the empirical CVaR of a mix is the smallest weighted mean of
its run profits with weights w_s in [0, 1/h] summing to 1 (h = (1 - alpha) S), so it is concave and piecewise
linear in x, and for any mix x' with its h worst runs weighted, g(x') = w(x') P gives CVaR(x) <= g(x') . x for
every x, with equality at x'. Instead of the S rows above, the model gains one free column eta (the CVaR) and the
rows eta <= g(x') . x, starting from eta <= mean profit (w = 1/S); after each solve the extension adds the cut at
the chosen mix wherever eta overstates its CVaR (``cuts``), and ``decision`` solves again until the mix meets the
floor and its CVaR is within the gap of the bound. Exact on the sampled runs like the rows above, with n + 1
columns and a row per cut instead of n + S + 1 columns and S rows: used from ``CUTS_FROM`` coefficients
(candidates x runs) on, and always for the conflict diagnosis's dense rows, which prove infeasibility.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from optimizer.domain.funnel import commission_paid
from optimizer.io.scenario import RiskSettings, Scenario, SimulationSettings
from optimizer.model.extension import Extension, Panel
from optimizer.model.formulation import ConstraintStatus, MilpModel, Row
from optimizer.simulation.engine import creator_revenue, simulate_mixes
from optimizer.simulation.measures import var_cvar
from optimizer.utils.numbers import num, pct
from optimizer.utils.sizing import check_risk_model

CVAR_ROWS, MIN_CVAR, MAX_PROB_LOSS = "risk.cvar_rows", "risk.min_cvar", "risk.max_prob_loss"
RISK_ROWS = (MIN_CVAR, MAX_PROB_LOSS)  # the keys of the rows this module adds (io/scenario's RISK_KEYS: the block's)
RISK_MODEL_WARN = 5_000_000  # coefficients in the scenario rows beyond which a slow solve is worth a warning


def in_sample_settings(scenario: Scenario) -> SimulationSettings:
    """The simulation settings of the runs placed inside the model: the risk block's count, seed and alpha, the
    simulation block's shocks and count model."""
    risk, sim = scenario.risk_settings(), scenario.simulation_settings()
    return SimulationSettings(runs=risk.scenarios, seed=risk.seed, alpha=risk.alpha, shocks=sim.shocks,
                              counts=sim.counts, targets={}, compare=False)


def out_of_sample_settings(scenario: Scenario) -> SimulationSettings:
    risk, sim = scenario.risk_settings(), scenario.simulation_settings()
    return SimulationSettings(runs=risk.validation_runs, seed=risk.out_of_sample_seed, alpha=risk.alpha,
                              shocks=sim.shocks, counts=sim.counts, targets=dict(sim.targets), compare=False)


def profit_draws(scenario: Scenario, threads: int | None = None) -> np.ndarray:
    """(S x n) profit of every candidate in each in-sample run (refused above ``limits.risk_cells``)."""
    check_risk_model(scenario.limits, scenario.source, in_sample_settings(scenario).runs, scenario.candidates.n)
    out = scenario.candidates.outcomes
    profit = creator_revenue(scenario, in_sample_settings(scenario), threads=threads)
    if out.commissioned.any():  # the commission is paid on what each creator sells in the run
        profit -= commission_paid(profit, out.commission_rate[None, :], out.guarantee[None, :], out.cap[None, :])
    profit -= out.upfront[None, :]  # in place: the draws are the largest array of a plan
    return profit


@dataclass(frozen=True)
class RiskColumns:
    """Where the auxiliary columns sit in the extended model (None when absent)."""

    t: int | None
    u: slice | None
    z: slice | None
    eta: int | None = None  # the CVaR column of the aggregated-cut formulation


CUTS_FROM = 50_000  # candidates x runs from which CVaR is modelled by aggregated cuts (benchmarks/bench_risk.py)
CUT_TOL = 1e-9  # relative overstatement of eta over the mix's CVaR below which no cut is added


def _cut_row(g: np.ndarray, width: int, eta: int) -> sp.csr_matrix:
    """The row eta - g . x (<= 0: the aggregated cut eta <= g . x) over a model ``width`` columns wide."""
    row = np.zeros(width)
    row[: g.size] = -g
    row[eta] = 1.0
    return sp.csr_matrix(row.reshape(1, -1))


def cvar_weights(profit: np.ndarray, alpha: float) -> np.ndarray:
    """The weights w (in [0, 1/h], summing to 1, h = (1 - alpha) S) under which sum_s w_s profit_s is the empirical
    CVaR of ``var_cvar``: 1/h on the k - 1 worst runs and the rest on the k-th (k = ceil(h))."""
    S = profit.size
    h = (1.0 - alpha) * S
    k = min(S, max(1, math.ceil(h - 1e-9)))
    order = np.argsort(profit, kind="stable")
    w = np.zeros(S)
    if h < 1:
        w[order[0]] = 1.0
        return w
    w[order[: k - 1]] = 1.0 / h
    w[order[k - 1]] = (h - (k - 1)) / h
    return w


def mix_cvar(draws: np.ndarray, x: np.ndarray, alpha: float) -> tuple[float, float, float]:
    """(CVaR, P(loss), mean profit) of the 0/1 mix ``x`` on the in-sample draws."""
    profit = draws @ np.asarray(x[: draws.shape[1]], float)
    _, cvar = var_cvar(profit, alpha)
    return cvar, float(np.mean(profit < 0)), float(profit.mean())


def extend(model: MilpModel, scenario: Scenario, draws: np.ndarray, risk: RiskSettings,
           drop: frozenset[str] | set[str] = frozenset(), cuts: bool = False) -> tuple[MilpModel, RiskColumns]:
    """The model with the CVaR and chance-constraint rows of ``risk`` (and the cvar objective if asked); with
    ``cuts``, CVaR as the column eta under aggregated cuts (refined by ``Risk.cuts``) instead of the S rows."""
    n = model.n_candidates
    S = draws.shape[0]
    need_cvar = scenario.goal.method == "sampled" or (risk.min_cvar is not None and MIN_CVAR not in drop)
    need_chance = risk.max_prob_loss is not None and MAX_PROB_LOSS not in drop
    base = model.shape[1]  # hire columns, then any auxiliary columns of other extensions (unique reach)
    col = base
    t = u = z = eta = None
    if need_cvar and cuts:
        eta = col
        col += 1
    elif need_cvar:
        t, u = col, slice(col + 1, col + 1 + S)
        col += 1 + S
    if need_chance:
        z = slice(col, col + S)
        col += S
    total = col
    blocks: list[sp.spmatrix] = [sp.hstack([model.A, sp.csr_matrix((model.shape[0], total - base))])]
    lo, hi, rows = [model.lo], [model.hi], list(model.rows)
    P = sp.hstack([sp.csr_matrix(draws), sp.csr_matrix((S, base - n))], format="csr")
    w = 1.0 / ((1.0 - risk.alpha) * S)
    if eta is not None:
        # eta <= mean profit . x: the first aggregated cut (the mean of the runs is at least their lower tail)
        blocks.append(_cut_row(draws.mean(axis=0), total, eta))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([0.0]))
        rows.append(Row(CVAR_ROWS, "<=", 0.0))
        if risk.min_cvar is not None and MIN_CVAR not in drop:
            row = np.zeros(total)
            row[eta] = 1.0
            blocks.append(sp.csr_matrix(row.reshape(1, -1)))
            lo.append(np.array([risk.min_cvar]))
            hi.append(np.array([np.inf]))
            rows.append(Row(MIN_CVAR, ">=", risk.min_cvar))
    elif need_cvar:
        # P x - t + u_s >= 0
        parts = [P, sp.csr_matrix(-np.ones((S, 1))), sp.identity(S, format="csr")]
        if need_chance:
            parts.append(sp.csr_matrix((S, S)))
        blocks.append(sp.hstack(parts))
        lo.append(np.zeros(S))
        hi.append(np.full(S, np.inf))
        rows += [Row(CVAR_ROWS, ">=", 0.0)] * S
        if risk.min_cvar is not None and MIN_CVAR not in drop:
            row = np.zeros(total)
            row[t] = 1.0
            row[u] = -w
            blocks.append(sp.csr_matrix(row.reshape(1, -1)))
            lo.append(np.array([risk.min_cvar]))
            hi.append(np.array([np.inf]))
            rows.append(Row(MIN_CVAR, ">=", risk.min_cvar))
    if need_chance:
        big = np.minimum(scenario.budget, np.maximum(-draws, 0.0).sum(axis=1))
        parts = [P]
        if need_cvar:
            parts.append(sp.csr_matrix((S, 1 if eta is not None else 1 + S)))
        parts.append(sp.diags(np.maximum(big, 1e-9), format="csr"))
        blocks.append(sp.hstack(parts))
        lo.append(np.zeros(S))
        hi.append(np.full(S, np.inf))
        rows += [Row(MAX_PROB_LOSS, ">=", 0.0)] * S
        row = np.zeros(total)
        row[z] = 1.0
        blocks.append(sp.csr_matrix(row.reshape(1, -1)))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([float(math.floor(risk.max_prob_loss * S + 1e-9))]))
        rows.append(Row(MAX_PROB_LOSS, "<=", risk.max_prob_loss))
    A = sp.vstack(blocks, format="csr")
    lb = np.concatenate([model.lb, np.zeros(total - base)])
    ub = np.concatenate([model.ub, np.full(total - base, np.inf)])
    integer = np.concatenate([model.integer, np.zeros(total - base, dtype=bool)])
    c = np.concatenate([model.c, np.zeros(total - base)])
    for free in (t, eta):
        if free is not None:
            lb[free], ub[free] = -np.inf, np.inf
    if z is not None:
        ub[z] = 1.0
        integer[z] = True
    if scenario.goal.method == "sampled":
        c[:] = 0.0
        if eta is not None:
            c[eta] = 1.0
        else:
            c[t] = 1.0
            c[u] = -w
    out = MilpModel(c=c, A=A, lo=np.concatenate(lo), hi=np.concatenate(hi), lb=lb, ub=ub, integer=integer, rows=rows,
                    n_candidates=n, offset=model.offset, bound_keys=model.bound_keys)
    return out, RiskColumns(t, u, z, eta)



@dataclass(frozen=True)
class RiskReport:
    """A plan's CVaR and P(loss) on the runs inside the model (in sample) and on fresh runs (out of sample): a
    mix chosen on 1,000 runs can be lucky on exactly those runs, and the gap between the two shows by how much."""

    alpha: float
    scenarios: int
    seed: int
    validation_runs: int
    validation_seed: int
    min_cvar: float | None
    max_prob_loss: float | None
    cvar_in_sample: float
    cvar_out_of_sample: float
    prob_loss_in_sample: float
    prob_loss_out_of_sample: float
    mean_profit_in_sample: float | None
    mean_profit_out_of_sample: float | None

    def to_dict(self) -> dict:
        return asdict(self)

    def panel(self) -> Panel:
        """In-sample against out-of-sample CVaR and P(loss)."""
        a = f"{self.alpha:.0%}"
        floors = []
        if self.min_cvar is not None:
            floors.append(f"CVaR {a} >= {num(self.min_cvar)}")
        if self.max_prob_loss is not None:
            floors.append(f"P(loss) <= {self.max_prob_loss:.1%}")
        rows = (
            {"": f"in sample ({self.scenarios:,} runs in the model, seed {self.seed})",
             f"CVaR {a}": num(self.cvar_in_sample), "P(loss)": pct(self.prob_loss_in_sample),
             "mean profit": num(self.mean_profit_in_sample)},
            {"": f"out of sample ({self.validation_runs:,} fresh runs, seed {self.validation_seed})",
             f"CVaR {a}": num(self.cvar_out_of_sample), "P(loss)": pct(self.prob_loss_out_of_sample),
             "mean profit": num(self.mean_profit_out_of_sample)},
        )
        return Panel("Risk", f"rules: {', '.join(floors)}" if floors else "no risk rule; reported only", rows)


def risk_report(scenario: Scenario, ids: list[str], threads: int | None = None,
                draws: np.ndarray | None = None) -> RiskReport:
    """The mix's CVaR and P(loss) on the in-sample runs (those in the model; ``draws`` when the plan already has
    them, else simulated for the mix alone) and on fresh out-of-sample runs."""
    risk = scenario.risk_settings()
    pos = scenario.candidates.positions(ids)
    if draws is not None:
        cvar_in, loss_in, mean_in = mix_cvar(draws, scenario.candidates.indicator(pos), risk.alpha)
    else:
        ins = simulate_mixes(scenario, {"mix": pos}, settings=in_sample_settings(scenario), threads=threads)["mix"]
        cvar_in, loss_in, mean_in = ins.cvar, ins.prob_loss, ins.metrics["profit"].mean
    outs = simulate_mixes(scenario, {"mix": pos}, settings=out_of_sample_settings(scenario), threads=threads)["mix"]
    return RiskReport(alpha=risk.alpha, scenarios=risk.scenarios, seed=risk.seed,
                      validation_runs=risk.validation_runs, validation_seed=risk.out_of_sample_seed,
                      min_cvar=risk.min_cvar, max_prob_loss=risk.max_prob_loss,
                      cvar_in_sample=cvar_in, cvar_out_of_sample=outs.cvar,
                      prob_loss_in_sample=loss_in, prob_loss_out_of_sample=outs.prob_loss,
                      mean_profit_in_sample=mean_in, mean_profit_out_of_sample=outs.metrics["profit"].mean)


class Risk(Extension):
    """Risk in the decision (the CVaR and chance-constraint rows over the in-sample runs, when the scenario has a
    CVaR objective or a risk rule) and in the result (in- and out-of-sample CVaR and P(loss), with a ``risk:``
    block). ``draws``: the in-sample profit runs (simulated here unless given); ``out_of_sample``: also simulate
    fresh runs for the result."""

    name = "risk"
    prefixes = ("risk.",)

    def __init__(self, scenario: Scenario, draws: np.ndarray | None = None, threads: int | None = None,
                 out_of_sample: bool = True, cuts: bool | None = None):
        self.scenario = scenario
        self.threads = threads
        self.out_of_sample = out_of_sample
        if draws is None and scenario.uses_risk_model:
            draws = profit_draws(scenario, threads)
        self.draws = draws
        self.settings = scenario.risk_settings()
        self.use_cuts = cuts if cuts is not None else draws is not None and draws.size >= CUTS_FROM
        self.columns: RiskColumns | None = None  # set by extend

    @staticmethod
    def applies(scenario: Scenario) -> bool:
        return scenario.risk is not None or scenario.uses_risk_model

    def on(self, scenario: Scenario) -> Risk:
        """The same runs on ``scenario``, as the dense rows: the conflict diagnosis needs rows that prove
        infeasibility, which a relaxation by cuts cannot."""
        return Risk(scenario, self.draws, self.threads, out_of_sample=False, cuts=False)

    def extend(self, model: MilpModel, drop: Collection[str] = frozenset()) -> MilpModel:
        if self.draws is None:
            return model
        model, self.columns = extend(model, self.scenario, self.draws, self.settings, drop, cuts=self.use_cuts)
        return model

    @property
    def exact(self) -> bool:
        return self.columns is None or self.columns.eta is None

    def cuts(self, model: MilpModel, solution: np.ndarray) -> MilpModel | None:
        """``model`` with the aggregated cut at ``solution``'s hires, when its eta overstates their CVaR."""
        c = self.columns
        if c is None or c.eta is None:
            return None
        x = np.asarray(solution, float)
        n = self.draws.shape[1]
        hires = x[:n]
        hires = np.where(np.abs(hires - np.round(hires)) <= 1e-6, np.round(hires), hires)  # solver noise, not a mix
        profit = self.draws @ hires
        w = cvar_weights(profit, self.settings.alpha)
        cvar = float(w @ profit)
        if x[c.eta] <= cvar + CUT_TOL * max(1.0, abs(cvar)):
            return None
        return replace(model, A=sp.vstack([model.A, _cut_row(w @ self.draws, model.shape[1], c.eta)], format="csr"),
                       lo=np.concatenate([model.lo, [-np.inf]]), hi=np.concatenate([model.hi, [0.0]]),
                       rows=list(model.rows) + [Row(CVAR_ROWS, "<=", 0.0)])

    @property
    def fractional_cuts(self) -> bool:  # CVaR is concave in x on [0, 1]^n: the cut at any x' holds for every x
        return True

    @property
    def approximates_objective(self) -> bool:
        return not self.exact and self.scenario.goal.method == "sampled"

    def true_objective(self, hires: np.ndarray) -> float:
        if not self.approximates_objective:
            return 0.0
        return mix_cvar(self.draws, hires, self.settings.alpha)[0]

    def repair(self, solution: np.ndarray) -> np.ndarray:
        """``solution`` with t, u and z at their best values for its hires: t the profit at which the expression
        t - sum_s u_s / ((1 - alpha) S) peaks (the VaR; the expression is then the mix's CVaR on the runs),
        u_s = max(0, t - profit_s), z_s = 1 on the runs that lose money. A known mix so completed is a valid start."""
        c = self.columns
        if c is None or (c.t is None and c.z is None and c.eta is None):
            return solution
        x = np.asarray(solution, float).copy()
        profit = self.draws @ x[: self.draws.shape[1]]
        if c.eta is not None:  # every cut is at least the mix's CVaR: eta at the CVaR meets them all
            x[c.eta] = var_cvar(profit, self.settings.alpha)[1]
        if c.t is not None:
            p = np.sort(profit)
            w = 1.0 / ((1.0 - self.settings.alpha) * p.size)
            below = np.concatenate([[0.0], np.cumsum(p)[:-1]])  # sum of the smaller runs' profits
            value = p - (np.arange(p.size) * p - below) * w  # the expression at t = each run's profit
            t = float(p[int(np.argmax(value))])
            x[c.t] = t
            x[c.u] = np.maximum(0.0, t - profit)
        if c.z is not None:
            x[c.z] = (profit < 0).astype(float)
        return x

    def value(self, hires: np.ndarray) -> float | None:
        if self.scenario.goal.method != "sampled":
            return None
        return mix_cvar(self.draws, hires, self.settings.alpha)[0]

    def violations(self, hires: np.ndarray) -> list[str]:
        if self.draws is None:
            return []
        risk = self.settings
        cvar, p_loss, _ = mix_cvar(self.draws, hires, risk.alpha)
        broken = []
        if risk.min_cvar is not None and cvar < risk.min_cvar - 1e-6 * max(1.0, abs(risk.min_cvar)):
            broken.append(MIN_CVAR)
        if risk.max_prob_loss is not None and p_loss > risk.max_prob_loss + 1e-12:
            broken.append(MAX_PROB_LOSS)
        return broken

    def statuses(self, x: np.ndarray) -> list[ConstraintStatus]:
        """The risk rules on the in-sample runs: a CVaR floor binds when its slack is below 0.1% of it, a chance
        constraint when no further run may lose money."""
        if self.draws is None:
            return []
        risk, draws = self.settings, self.draws
        cvar, p_loss, _ = mix_cvar(draws, x, risk.alpha)
        out = []
        if risk.min_cvar is not None:
            slack = cvar - risk.min_cvar
            out.append(ConstraintStatus(MIN_CVAR, ">=", risk.min_cvar, cvar, slack,
                                        slack <= 1e-3 * max(1.0, abs(risk.min_cvar))))
        if risk.max_prob_loss is not None:
            allowed = math.floor(risk.max_prob_loss * draws.shape[0] + 1e-9)
            losses = int(round(p_loss * draws.shape[0]))
            out.append(ConstraintStatus(MAX_PROB_LOSS, "<=", risk.max_prob_loss, p_loss,
                                        risk.max_prob_loss - p_loss, losses >= allowed))
        return out

    def notes(self) -> list[str]:
        d = self.draws
        if d is None or d.size <= RISK_MODEL_WARN or self.use_cuts:  # the cuts' model does not grow with the runs
            return []
        return [f"the risk model holds {d.shape[1]:,} candidates x {d.shape[0]:,} runs ({d.size:,} coefficients); "
                "solves of this size can be slow: shortlist fewer candidates or lower risk.scenarios"]

    def contribute(self, hires: np.ndarray) -> Mapping[str, Any]:
        if self.scenario.risk is None or not self.out_of_sample:
            return {}
        ids = [str(i) for i in self.scenario.candidates.ids[np.flatnonzero(np.asarray(hires) > 0.5)]]
        return {"risk": risk_report(self.scenario, ids, self.threads, self.draws)}

    def panels(self, fields: Mapping[str, Any]) -> list[Panel]:
        report = fields.get("risk")
        return [report.panel()] if report is not None else []
