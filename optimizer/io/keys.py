"""Names and limits a scenario and the command line accept, with no dependencies, so that the command line's
parser (``--help``, flag checks) reads them without loading the data stack (``io/scenario.py`` re-exports them)."""

from __future__ import annotations

SOLVERS: tuple[str, ...] = ("cbc", "highs")
TARGET_KEYS = ("roi", "revenue", "profit", "reach", "engagements", "conversions", "unique_reach")
MAX_RUNS = 10_000_000  # simulated runs: more would take hours (raise it here if a machine can)
MAX_SEED = 2 ** 63 - 1
