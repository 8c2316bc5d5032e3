"""Paid amplification in the integer program: the creators and each chosen creator's boost, chosen together
(``domain/amplification.py`` has the curve and its defaults).

For each candidate i whose post may be boosted and each piece k of its curve, one continuous column b_ik (money):

    0 <= b_ik <= w_ik x_i     amplification.in_mix    only creators in the mix are boosted (x_i the hire)
    sum_ik b_ik <= cap        amplification.budget    the least of the amplification budget, its share of the
                              (or .share)             campaign budget, and max_boost_per_creator per creator (w)

and the boosts enter every row that counts money or outcomes: the budget and min_spend (+1 per unit), a group's
share of spend ((1[g] - s) per unit of a member's boost), the floors (the outcome per unit), and min_roi (revenue -
(1 + r) per unit). Count rules do not see them. The objective gains each column's value per unit: the objective's
weights times the metrics per unit (cost 1, reach r_ik accounts, and the engagements, conversions and revenue those
accounts bring at the creator's rates times the response).

Exactness: the accounts per unit r_ik fall with k (the curve is concave) while every piece costs the same, so for
any objective and rules that value outcomes (weights of boosted metrics are never negative: the scenario checks),
filling a creator's pieces in order is never worse: the model's boosted reach at an optimum is the curve's, without
binaries. Were pieces filled out of order the model would understate reach, never overstate it; the plan's figures
are always computed on the curve (``Scenario.with_boosts``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from optimizer.domain.amplification import response_rates
from optimizer.io.scenario import FLOORS, GROUP_COLUMN, GROUPS, Scenario
from optimizer.model.extension import Extension, Panel
from optimizer.model.formulation import ConstraintStatus, MilpModel, Row
from optimizer.utils.numbers import num, pct, plural

IN_MIX = "amplification.in_mix"
CAP_BUDGET = "amplification.budget"
CAP_SHARE = "amplification.share"
PER_CREATOR = "amplification.max_boost_per_creator"
PANEL_ROWS = 25  # boosted creators the report's panel lists (the largest boosts; every one is in the mix table)


class Amplification(Extension):
    """Boost spend per chosen creator, in pieces of its concave curve (see the module docstring)."""

    name = "amplification"
    prefixes = ("amplification.",)
    reducible = True  # continuous columns: the reduction completes them by an LP for any hires

    def __init__(self, scenario: Scenario, weights: Mapping[str, float] | None = None):
        self.scenario = scenario
        self.weights = dict(weights or {})  # the objective's (empty for roi: the decision sets that objective)
        amp = scenario.amplification
        assert amp is not None
        table = scenario.candidates.table
        _, width, rate = amp.pieces(table, scenario.budget)
        owner, piece = np.nonzero(width > 0)
        self.owner = owner  # the candidate of each boost column (a known mix completes with every boost at 0:
        # Extension.repair's default)
        self.width, self.rate = width[owner, piece], rate[owner, piece]
        eng, conv, rev = response_rates(table, amp.response)
        ones = np.ones(owner.size)
        revenue = self.rate * rev[owner]
        self.per_unit = {"cost": ones, "spend": ones, "reach": self.rate, "engagements": self.rate * eng[owner],
                         "conversions": self.rate * conv[owner], "revenue": revenue, "profit": revenue - 1.0}
        self.cap = amp.cap(scenario.budget)
        self.first = -1  # the first boost column of the model (set by ``extend``)

    @staticmethod
    def applies(scenario: Scenario) -> bool:
        return scenario.amplification is not None

    def on(self, scenario: Scenario) -> Extension:
        return Amplification(scenario, scenario.weights)  # the variant's own objective (its columns' values)

    def column_metric(self, metric: str) -> tuple[int, np.ndarray] | None:
        """(the first boost column, the metric per unit of each boost column), for objectives the decision sets
        (ROI's Dinkelbach steps)."""
        return (self.first, self.per_unit[metric]) if self.first >= 0 else None

    # the model
    def extend(self, model: MilpModel, drop: Collection[str] = frozenset()) -> MilpModel:
        m, n = self.owner.size, model.n_candidates
        self.first = model.shape[1]
        if m == 0:
            return model
        block = self._existing_rows(model)
        c = np.zeros(m)
        for metric, w in self.weights.items():
            if metric in self.per_unit:
                c += w * self.per_unit[metric]
        A = sp.hstack([model.A, block], format="csr")
        total = model.shape[1] + m
        model = MilpModel(c=np.concatenate([model.c, c]), A=A, lo=model.lo, hi=model.hi,
                          lb=np.concatenate([model.lb, np.zeros(m)]), ub=np.concatenate([model.ub, self.width]),
                          integer=np.concatenate([model.integer, np.zeros(m, dtype=bool)]), rows=model.rows,
                          n_candidates=n, offset=model.offset, bound_keys=model.bound_keys)
        j = np.arange(m)
        link = sp.csr_matrix((np.concatenate([np.ones(m), -self.width]),
                              (np.concatenate([j, j]), np.concatenate([self.first + j, self.owner]))), shape=(m, total))
        model = model.with_rows(link, np.full(m, -np.inf), np.zeros(m), [Row(IN_MIX, "<=", 0.0)] * m)
        key = self.cap_key()
        if key not in drop and self.cap < self.scenario.budget:
            row = sp.csr_matrix((np.ones(m), (np.zeros(m, int), self.first + j)), shape=(1, total))
            amp = self.scenario.amplification
            limit = amp.share if key == CAP_SHARE else self.cap
            model = model.with_rows(row, np.array([-np.inf]), np.array([self.cap]), [Row(key, "<=", limit)])
        return model

    def cap_key(self) -> str:
        amp = self.scenario.amplification
        if amp.share is not None and (amp.budget is None or amp.share * self.scenario.budget < amp.budget):
            return CAP_SHARE
        return CAP_BUDGET

    def _existing_rows(self, model: MilpModel) -> sp.csr_matrix:
        """The boost columns' coefficients in the rows already in ``model`` (budget, spend, shares, floors, ROI)."""
        table = self.scenario.candidates.table
        owner = self.owner
        rows, cols, vals = [], [], []
        for i, row in enumerate(model.rows):
            coef = self._coefficient(row, table, owner)
            if coef is None:
                continue
            nz = np.flatnonzero(coef)
            rows.append(np.full(nz.size, i))
            cols.append(nz)
            vals.append(coef[nz])
        if not rows:
            return sp.csr_matrix((model.shape[0], owner.size))
        return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(model.shape[0], owner.size))

    def _coefficient(self, row: Row, table, owner: np.ndarray) -> np.ndarray | None:
        key = row.key
        if key == "budget" or key == "constraints.min_spend":
            return self.per_unit["spend"]
        if key == "constraints.min_roi":
            return self.per_unit["revenue"] - (1.0 + row.limit) * self.per_unit["cost"]
        for floor in FLOORS:
            if key == f"constraints.{floor}":
                return self.per_unit[floor.removeprefix("min_")]
        parts = key.split(".")
        if len(parts) == 4 and parts[0] == "constraints" and parts[1] in GROUPS and parts[3] in ("min_share",
                                                                                                  "max_share"):
            member = table[GROUP_COLUMN[parts[1]]].to_numpy(object)[owner] == parts[2]
            return (member.astype(float) - row.limit) * self.per_unit["spend"]
        return None

    # a plan
    def spend(self, x: np.ndarray) -> np.ndarray:
        """Boost spend per candidate at the model's solution ``x`` (solver noise below 1e-6 dropped)."""
        n = self.scenario.candidates.n
        if self.first < 0 or self.owner.size == 0 or x.size < self.first + self.owner.size:
            return np.zeros(n)
        b = np.clip(np.asarray(x, float)[self.first:self.first + self.owner.size], 0.0, None)
        out = np.bincount(self.owner, weights=b, minlength=n)
        return np.where(out > 1e-6, out, 0.0)

    def realised(self, scenario: Scenario, x: np.ndarray) -> Scenario:
        return scenario.with_boosts(self.spend(x))

    def status(self, model: MilpModel, i: int, x: np.ndarray, activity: np.ndarray) -> ConstraintStatus | None:
        row = model.rows[i]
        if row.key == IN_MIX:
            return None
        used = float(activity[i])
        value = used / self.scenario.budget if row.key == CAP_SHARE else used
        slack = row.limit - value
        return ConstraintStatus(row.key, "<=", float(row.limit), value, float(slack),
                                bool(self.cap - used <= 1e-6 * max(1.0, self.cap)))

    def statuses(self, x: np.ndarray) -> list[ConstraintStatus]:
        """``max_boost_per_creator`` (a bound on each creator's pieces, not a row): the largest boost against it."""
        most = self.scenario.amplification.max_boost_per_creator
        if most is None:
            return []
        top = float(self.spend(x).max(initial=0.0))
        return [ConstraintStatus(PER_CREATOR, "<=", most, top, most - top, most - top <= 1e-6 * max(1.0, most))]

    def panels(self, fields: Mapping[str, Any]) -> list[Panel]:
        boosts = fields.get("boosts") or {}
        if not boosts:
            return []
        s = self.scenario
        amp = s.amplification
        cand = s.candidates
        pos = cand.positions(list(boosts))
        spend = np.zeros(cand.n)
        spend[pos] = list(boosts.values())
        boosted = s.with_boosts(spend).candidates.outcomes
        table = cand.table
        cpm = amp.cpm_of(table)
        base = cand.outcomes
        ids, platforms = cand.ids, table["platform"].to_numpy(object)
        shown = pos[np.argsort(-spend[pos], kind="stable")[:PANEL_ROWS]]  # the largest boosts first
        rows = []
        for p in shown:
            rows.append({"creator": str(ids[p]), "platform": str(platforms[p]),
                         "boost": num(spend[p]), "CPM": num(cpm[p], 2), "boosted reach": num(boosted.boost_reach[p]),
                         "own reach": num(base.reach[p]),
                         "boost revenue": num(boosted.revenue[p] - base.revenue[p]),
                         "boost return": f"{(boosted.revenue[p] - base.revenue[p]) / spend[p]:.2f}"})
        total = float(spend.sum())
        more = f"; the {len(rows)} largest shown" if len(pos) > len(rows) else ""
        note = (f"{num(total)} of paid boosts behind the posts of {plural(len(pos), 'creator')}{more} (at most "
                f"{num(self.cap)}); boosted "
                f"viewers respond at {pct(amp.response)} of the creators' own rates; boost return is revenue per unit "
                "of boost, before the creators' fees")
        return [Panel("Paid amplification", note, tuple(rows))]
