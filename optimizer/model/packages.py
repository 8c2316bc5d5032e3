"""Options: a creator's packages (``packages:``, one option per number of posts) and a phase's copy of a creator
(``phases:``) are rows of the shortlist, several per creator (``io/options.py``). The model gains

    options.one_per_creator   sum of a creator's options <= 1      (per phase when phases may repeat creators)
    constraints.include       sum of an included creator's options >= 1

Excluding a creator bounds all its options at 0 (``formulation.core_model``).
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import scipy.sparse as sp

from optimizer.io.options import option_matrix
from optimizer.io.scenario import Scenario
from optimizer.model.extension import Extension
from optimizer.model.formulation import INCLUDE, MilpModel, Row

ONE_PER_CREATOR = "options.one_per_creator"


class Packages(Extension):
    """At most one option per creator, and an included creator takes one of its options."""

    name = "packages"
    reducible = True  # rows over the hire columns only

    def __init__(self, scenario: Scenario):
        self.scenario = scenario

    @staticmethod
    def applies(scenario: Scenario) -> bool:
        return "creator" in scenario.candidates.table

    def extend(self, model: MilpModel, drop: Collection[str] = frozenset()) -> MilpModel:
        s = self.scenario
        table = s.candidates.table
        if ONE_PER_CREATOR not in drop:
            M, _ = option_matrix(table, per_phase=s.phase_settings.repeat_creators)
            model = model.with_rows(M, np.full(M.shape[0], -np.inf), np.ones(M.shape[0]),
                                    [Row(ONE_PER_CREATOR, "<=", 1.0)] * M.shape[0])
        include = s.constraints.include
        if include and INCLUDE not in drop:
            creators = table["creator"].to_numpy(object)
            inc = sp.csr_matrix(np.vstack([(creators == i).astype(float) for i in include]))
            model = model.with_rows(inc, np.ones(inc.shape[0]), np.full(inc.shape[0], np.inf),
                                    [Row(INCLUDE, ">=", 1.0)] * inc.shape[0])
        return model
