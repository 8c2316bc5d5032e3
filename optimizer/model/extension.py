"""Model extensions: one object per feature of the integer program beyond the core rules of ``formulation.py``.

The core model has one 0/1 column per candidate and one row per rule of the ``constraints:`` block. A feature that
adds to it (packages, phases, unique reach, risk) is an :class:`Extension`: one object that

* adds its columns and rows (``extend``), each row named by its scenario key;
* if its rows only approximate the truth (unique reach's tangents), says so (``exact``) and refines them at a
  solution (``cuts``, ``repair``), turns the solver's bound into one on the true objective (``bound``), and gives
  its share of the objective at a mix in truth (``true_objective``);
* evaluates a mix: the objective when the feature defines it (``value``), its rules checked in truth
  (``violations``), their status in the planner's units (``status`` for its own rows, ``statuses`` for rules
  that are not rows);
* contributes to the result (``contribute``: fields of ``PlanResult``) and to the report (``panels``).

``decision.optimize`` asks the extensions ``model/program.py`` lists for the scenario and does not branch on any
feature; a new feature is one new class and a line in ``program.EXTENSIONS``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from optimizer.io.scenario import Scenario
from optimizer.model.formulation import ConstraintStatus, MilpModel


@dataclass(frozen=True)
class Panel:
    """An extension's section of the report: a title, one sentence, and a table of formatted cells (one dict per
    row, the same keys in each). The CLI prints it as a titled table; the HTML and Markdown report as a section."""

    title: str
    note: str
    rows: tuple[dict[str, str], ...]


class Extension:
    """The interface; the defaults are those of a feature that adds nothing (see the module docstring)."""

    name: ClassVar[str] = ""
    prefixes: ClassVar[tuple[str, ...]] = ()  # row keys (prefixes) whose status this extension reports

    @staticmethod
    def applies(scenario: Scenario) -> bool:
        """Whether ``scenario`` uses this feature (each extension says; ``program.extensions`` asks)."""
        return False

    @staticmethod
    def in_steps(scenario: Scenario, optimize: Callable[..., Any], **kwargs) -> Any | None:
        """A plan made as a sequence of plans (``optimize(variant, **kwargs)`` each) when the feature asks for one
        (lexicographic phases); None: one solve."""
        return None

    def on(self, scenario: Scenario) -> Extension:
        """The same feature on a variant of its scenario, sharing what it computed (risk's runs, the objective)."""
        return type(self)(scenario)

    # the model
    def extend(self, model: MilpModel, drop: Collection[str] = frozenset()) -> MilpModel:
        """``model`` with this feature's columns and rows (those whose keys are in ``drop`` left out)."""
        return model

    @property
    def exact(self) -> bool:
        """Whether the rows express the feature exactly (False: an outer approximation, refined by ``cuts``)."""
        return True

    def cuts(self, model: MilpModel, solution: np.ndarray) -> MilpModel | None:
        """``model`` with rows that cut off ``solution``'s overstatement; None when the model is exact there."""
        return None

    @property
    def reducible(self) -> bool:
        """Whether the solve may fix columns by reduced costs with this feature in the model (``solve/reduction``):
        it adds no columns, or only continuous ones that an LP completes for any hires (paid boosts)."""
        return False

    @property
    def fractional_cuts(self) -> bool:
        """Whether ``cuts`` also separates a fractional ``solution`` (an LP relaxation's) with rows valid for every
        mix, so that the LP relaxation itself can be refined before branching (``decision``: a bound tight enough
        for reduced-cost fixing)."""
        return False

    def repair(self, solution: np.ndarray) -> np.ndarray:
        """``solution`` with this feature's auxiliary columns set to their true values at its hires."""
        return solution

    def bound(self, model_bound: float | None) -> float | None:
        """A bound on the true objective from the solver's bound on the model's."""
        return model_bound

    @property
    def approximates_objective(self) -> bool:
        """Whether the objective holds a term this feature approximates (refine until the gap is met)."""
        return False

    def true_objective(self, hires: np.ndarray) -> float:
        """This feature's approximated objective term at the 0/1 ``hires``, in truth (0 if none)."""
        return 0.0

    def learned(self, model: MilpModel, fresh_rows: int) -> Any:
        """Rows refinement added after the first ``fresh_rows`` that stay valid under any rules (None: none)."""
        return None

    def reuse(self, model: MilpModel, learned: Any) -> MilpModel:
        """``model`` with rows an earlier plan ``learned`` (when they fit it)."""
        return model

    def column_metric(self, metric: str) -> tuple[int, np.ndarray] | None:
        """For a feature with continuous columns that carry outcomes (paid boosts): (its first column, ``metric``
        per unit of each of its columns), so that an objective the decision sets (ROI) counts them; None: none."""
        return None

    # a mix
    def realised(self, scenario: Scenario, x: np.ndarray) -> Scenario:
        """The scenario whose candidates' outcomes are what the full solution ``x`` delivers (paid boosts add to
        the chosen creators'); for the plan's totals, tables and simulation."""
        return scenario

    def value(self, hires: np.ndarray) -> float | None:
        """The plan's objective at the 0/1 ``hires`` when this feature defines it (None: it does not)."""
        return None

    def violations(self, hires: np.ndarray) -> list[str]:
        """Keys of this feature's rules that the 0/1 ``hires`` break, checked in truth."""
        return []

    def owns(self, key: str) -> bool:
        return key.startswith(self.prefixes) if self.prefixes else False

    def status(self, model: MilpModel, i: int, x: np.ndarray, activity: np.ndarray) -> ConstraintStatus | None:
        """The status of row ``i`` (one this feature ``owns``) at the solution ``x``; None to leave it out."""
        return None

    def statuses(self, x: np.ndarray) -> list[ConstraintStatus]:
        """The status of this feature's rules that are not rows of the model (after the rows' statuses)."""
        return []

    def notes(self) -> list[str]:
        """Warnings about the model this feature built."""
        return []

    # the result and the report
    def contribute(self, hires: np.ndarray) -> Mapping[str, Any]:
        """Fields of ``PlanResult`` this feature fills for the 0/1 ``hires`` of the plan."""
        return {}

    def panels(self, fields: Mapping[str, Any]) -> list[Panel]:
        """This feature's report sections, from the fields it contributed."""
        return []


def mix_value(extensions: Collection[Extension], hires: np.ndarray) -> float | None:
    """The objective at ``hires`` as the first extension that defines it gives it (None: the goal's own)."""
    for e in extensions:
        v = e.value(hires)
        if v is not None:
            return v
    return None
