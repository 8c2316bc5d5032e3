"""Several scenarios side by side (``influencer-mix compare A.yaml B.yaml ...``): each one's plan in one table
(totals and, when simulated, risk on each scenario's own runs), how much their mixes overlap, and what differs
between the scenarios (budget, objective, every rule whose limit is not the same in all of them).

The mixes are compared by creator id: the overlap of two plans is the creators both hire, and their Jaccard
share (both over either); plans on different shortlists can share none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.io.scenario import Scenario
from optimizer.result import PlanResult
from optimizer.utils.jsonable import SCHEMA_VERSION, json_ready


@dataclass(frozen=True)
class Overlap:
    """Two plans' mixes: the creators both hire, and that count over the creators either hires."""

    a: str
    b: str
    shared: int
    jaccard: float | None

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "shared": self.shared, "jaccard": self.jaccard}


@dataclass(frozen=True)
class Difference:
    """One setting that is not the same in every scenario: its key and its value in each (None: not set)."""

    key: str
    values: tuple[float | str | None, ...]

    def to_dict(self) -> dict:
        return {"key": self.key, "values": list(self.values)}


@dataclass(frozen=True)
class ScenarioComparison:
    """The plans of several scenarios (``labels`` name them: their names, made unique), their overlaps and the
    settings that differ."""

    labels: tuple[str, ...]
    sources: tuple[str, ...]
    plans: tuple[PlanResult, ...]
    overlaps: tuple[Overlap, ...]
    differences: tuple[Difference, ...]

    def rows(self) -> list[dict]:
        """One row per scenario: status, budget, cost (what the mix costs, commissions included), spend (what counts
        against the budget), commission, boost, creators, the expected totals and, when simulated, risk."""
        out = []
        for label, r in zip(self.labels, self.plans, strict=True):
            t, s = r.totals, r.simulation
            p = s.metrics["profit"] if s is not None else None
            out.append({"scenario": label, "status": str(r.status), "objective": r.objective,
                        "currency": r.currency, "budget": r.budget,
                        "cost": t.cost if t else None, "spend": t.spend if t else None,
                        "commission": t.commission if t else None, "boost": t.boost if t else None,
                        "creators": t.count if t else 0,
                        "revenue": t.revenue if t else None, "profit": t.profit if t else None,
                        "roi": t.roi if t else None, "reach": t.reach if t else None,
                        "engagements": t.engagements if t else None, "conversions": t.conversions if t else None,
                        "unique_reach": t.unique_reach if t else None,
                        "mean_profit": p.mean if p else None, "p5_profit": p.p5 if p else None,
                        "p95_profit": p.p95 if p else None, "prob_loss": s.prob_loss if s else None,
                        "cvar": s.cvar if s else None})
        return out

    def to_dict(self) -> dict:
        return json_ready({"schema_version": SCHEMA_VERSION, "kind": "compare",
                           "scenarios": [{**row, "source": src, "selected": list(r.selected)}
                                         for row, src, r in zip(self.rows(), self.sources, self.plans, strict=True)],
                           "overlap": [o.to_dict() for o in self.overlaps],
                           "differences": [d.to_dict() for d in self.differences],
                           "plans": [r.to_dict() for r in self.plans]})


def _labels(scenarios: Sequence[Scenario]) -> tuple[str, ...]:
    out: list[str] = []
    for sc in scenarios:
        name, k = sc.name, 2
        while name in out:
            name, k = f"{sc.name} ({k})", k + 1
        out.append(name)
    return tuple(out)


def _settings(sc: Scenario, r: PlanResult) -> dict[str, float | str | None]:
    """The settings compared: budget, objective, currency, each rule's limit (by key and sense)."""
    out: dict[str, float | str | None] = {"budget": sc.budget, "objective": sc.objective, "currency": sc.currency,
                                          "shortlist": sc.candidates.source}
    for c in r.constraints:
        if c.key != "budget":
            out[f"{c.key} ({c.sense})"] = c.limit
    return out


def side_by_side(scenarios: Sequence[Scenario], plans: Sequence[PlanResult]) -> ScenarioComparison:
    """The plans of ``scenarios`` (one each, in order; ``optimizer.compare`` makes them) side by side."""
    if len(scenarios) < 2 or len(plans) != len(scenarios):
        raise ValueError("compare needs at least two scenarios, and one plan for each")
    plans = tuple(plans)
    labels = _labels(scenarios)
    overlaps = []
    for i in range(len(plans)):
        for j in range(i + 1, len(plans)):
            a, b = set(plans[i].selected), set(plans[j].selected)
            union = a | b
            overlaps.append(Overlap(labels[i], labels[j], len(a & b), len(a & b) / len(union) if union else None))
    settings = [_settings(sc, r) for sc, r in zip(scenarios, plans, strict=True)]
    keys = list(dict.fromkeys(k for s in settings for k in s))
    differences = tuple(Difference(k, tuple(s.get(k) for s in settings)) for k in keys
                        if len({repr(s.get(k)) for s in settings}) > 1)
    return ScenarioComparison(labels, tuple(sc.source for sc in scenarios), plans, tuple(overlaps), differences)
