"""The attribution models and defaults ``calibrate`` accepts, with no dependencies, so that the command line's
parser reads them without loading the data stack (``learn/attribution.py`` re-exports them)."""

from __future__ import annotations

MODELS = ("last_click", "first_click", "linear", "time_decay", "position_based")
DEFAULT_HALF_LIFE = 7.0  # days
DEFAULT_WEIGHTS = (0.4, 0.2, 0.4)
