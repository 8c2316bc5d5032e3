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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from optimizer.io.scenario import RiskSettings, Scenario, SimulationSettings
from optimizer.model.formulation import MilpModel, Row
from optimizer.simulation.engine import creator_revenue
from optimizer.simulation.measures import var_cvar
from optimizer.utils.sizing import check_risk_model

CVAR_ROWS, MIN_CVAR, MAX_PROB_LOSS = "risk.cvar_rows", "risk.min_cvar", "risk.max_prob_loss"
RISK_ROWS = (MIN_CVAR, MAX_PROB_LOSS)  # the keys of the rows this module adds (io/scenario's RISK_KEYS: the block's)


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
    rev = creator_revenue(scenario, in_sample_settings(scenario), threads=threads)
    return rev - scenario.candidates.outcomes.cost[None, :]


@dataclass(frozen=True)
class RiskColumns:
    """Where the auxiliary columns sit in the extended model (None when absent)."""

    t: int | None
    u: slice | None
    z: slice | None


def mix_cvar(draws: np.ndarray, x: np.ndarray, alpha: float) -> tuple[float, float, float]:
    """(CVaR, P(loss), mean profit) of the 0/1 mix ``x`` on the in-sample draws."""
    profit = draws @ np.asarray(x[: draws.shape[1]], float)
    _, cvar = var_cvar(profit, alpha)
    return cvar, float(np.mean(profit < 0)), float(profit.mean())


def extend(model: MilpModel, scenario: Scenario, draws: np.ndarray, risk: RiskSettings,
           drop: frozenset[str] | set[str] = frozenset()) -> tuple[MilpModel, RiskColumns]:
    """The model with the CVaR and chance-constraint rows of ``risk`` (and the cvar objective if asked)."""
    n = model.n_candidates
    S = draws.shape[0]
    need_cvar = scenario.goal.method == "sampled" or (risk.min_cvar is not None and MIN_CVAR not in drop)
    need_chance = risk.max_prob_loss is not None and MAX_PROB_LOSS not in drop
    base = model.shape[1]  # hire columns, then any auxiliary columns of other extensions (unique reach)
    col = base
    t = u = z = None
    if need_cvar:
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
    if need_cvar:
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
            parts.append(sp.csr_matrix((S, 1 + S)))
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
    if t is not None:
        lb[t], ub[t] = -np.inf, np.inf
    if z is not None:
        ub[z] = 1.0
        integer[z] = True
    if scenario.goal.method == "sampled":
        c[:] = 0.0
        c[t] = 1.0
        c[u] = -w
    out = MilpModel(c=c, A=A, lo=np.concatenate(lo), hi=np.concatenate(hi), lb=lb, ub=ub, integer=integer, rows=rows,
                    n_candidates=n, offset=model.offset, bound_keys=model.bound_keys)
    return out, RiskColumns(t, u, z)

