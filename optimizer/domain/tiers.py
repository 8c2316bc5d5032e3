"""Creator tiers by follower count: each cut-off is the inclusive lower bound of its tier."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

#: nano 1k-10k, micro 10k-100k, macro 100k-1M, mega 1M+ (seeds 003 and 004).
DEFAULT_TIERS: dict[str, int] = {"nano": 1_000, "micro": 10_000, "macro": 100_000, "mega": 1_000_000}


def ordered(cutoffs: Mapping[str, float]) -> list[tuple[str, float]]:
    """Tiers sorted by their lower bound, smallest first."""
    return sorted(cutoffs.items(), key=lambda kv: kv[1])


def names(cutoffs: Mapping[str, float], present=None) -> list[str]:
    """Tier names from the smallest, those in ``present`` only when it is given."""
    return [t for t, _ in ordered(cutoffs) if present is None or t in present]


def assign(followers: np.ndarray, cutoffs: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Tier name per account and a mask of accounts below the lowest cut-off.

    Accounts under the lowest cut-off are put in the lowest tier; the caller warns about them.
    """
    tiers = ordered(cutoffs)
    names = np.array([t for t, _ in tiers], dtype=object)
    bounds = np.array([b for _, b in tiers], dtype=float)
    idx = np.searchsorted(bounds, np.asarray(followers, dtype=float), side="right") - 1
    below = idx < 0
    return names[np.clip(idx, 0, None)], below
