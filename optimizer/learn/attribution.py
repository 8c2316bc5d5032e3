"""Multi-touch attribution: turning customer journeys into conversions and revenue credited to each creator.

A journey is the ordered touches of one customer (``history.load_touchpoints``). Each row with converted = 1 is a
conversion of that row's value, credited to the touches since the journey's previous conversion (the converting
row's own touch included). Within those touches (in time order; ties keep file order), the models weigh:

last_click       the last touch gets everything
first_click      the first touch gets everything
linear           every touch the same
time_decay       2^(-(t_conversion - t_touch) / half_life): a touch half_life days before the conversion counts
                 half as much as one at the moment of conversion
position_based   first and last share ``weights[0]`` and ``weights[2]`` (40% each by default), the middle touches
                 split ``weights[1]`` (20%); with two touches the middle share is split between them in proportion
                 to theirs, with one touch it gets everything

Weights are normalised per conversion, so each conversion hands out exactly 1 conversion and its value: the
credits of all touches add up to the number of conversions and the total value (a property the tests check).
Touches that are not creators (another channel: "search", "email") get credit too and are reported as channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.learn.keys import DEFAULT_HALF_LIFE, DEFAULT_WEIGHTS, MODELS


@dataclass(frozen=True)
class Attribution:
    """Credit per touch (creator or channel): ``credits`` has columns touch, conversions, revenue; ``conversions``
    and ``revenue`` are the totals handed out (the sums of the credits)."""

    model: str
    credits: pd.DataFrame
    conversions: int
    revenue: float
    journeys: int

    def of(self, touch: str) -> tuple[float, float]:
        """(conversions, revenue) credited to ``touch`` (0, 0 if none)."""
        row = self.credits[self.credits["touch"] == touch]
        return (float(row["conversions"].sum()), float(row["revenue"].sum())) if len(row) else (0.0, 0.0)


def attribute(touches: pd.DataFrame, model: str = "linear", *, half_life: float = DEFAULT_HALF_LIFE,
              weights: tuple[float, float, float] = DEFAULT_WEIGHTS) -> Attribution:
    """Credit conversions to touches. ``touches`` has the validated columns journey, timestamp (datetime), touch,
    converted (0/1) and value (float), as ``history.load_touchpoints`` returns them."""
    if model not in MODELS:
        raise ValueError(f"unknown attribution model {model!r}; one of {', '.join(MODELS)}")
    t = touches.reset_index(drop=True).copy()
    t["_order"] = np.arange(len(t))
    t = t.sort_values(["journey", "timestamp", "_order"], kind="stable").reset_index(drop=True)
    conv = t["converted"].to_numpy(int)
    journey = t["journey"].to_numpy(object)
    new_journey = np.ones(len(t), dtype=bool)
    new_journey[1:] = journey[1:] != journey[:-1]
    # segment id: a new segment starts at each journey start and after each conversion
    after_conv = np.zeros(len(t), dtype=bool)
    after_conv[1:] = (conv[:-1] == 1) & ~new_journey[1:]
    seg = np.cumsum(new_journey | after_conv) - 1
    t["_seg"] = seg
    # segments that end in a conversion (a journey's trailing touches after its last conversion earn nothing)
    closing = t.groupby("_seg")["converted"].transform("last").to_numpy(int) == 1
    c = t[closing].copy()
    if c.empty:
        return Attribution(model, pd.DataFrame({"touch": [], "conversions": [], "revenue": []}), 0, 0.0,
                           int(pd.unique(journey).size))
    g = c.groupby("_seg", sort=False)
    pos = g.cumcount().to_numpy()
    size = g["_seg"].transform("size").to_numpy()
    if model == "last_click":
        w = (pos == size - 1).astype(float)
    elif model == "first_click":
        w = (pos == 0).astype(float)
    elif model == "linear":
        w = np.ones(len(c))
    elif model == "time_decay":
        end = g["timestamp"].transform("last")
        days = (end - c["timestamp"]).dt.total_seconds().to_numpy() / 86400.0
        w = np.power(2.0, -days / half_life)
    else:
        first, middle, last = weights
        w = np.where(pos == 0, first, np.where(pos == size - 1, last, 0.0))
        n_mid = np.maximum(size - 2, 1)
        w = np.where((pos > 0) & (pos < size - 1), middle / n_mid, w)
        two = size == 2
        w = np.where(two, np.where(pos == 0, first, last) / (first + last) if first + last > 0 else 0.5, w)
        w = np.where(size == 1, 1.0, w)
    c["_w"] = w
    total = c.groupby("_seg")["_w"].transform("sum").to_numpy()
    share = np.where(total > 0, w / np.where(total > 0, total, 1.0), 1.0 / size)  # all-zero weights: equal shares
    value = c.groupby("_seg")["value"].transform("last").to_numpy(float)  # the converting row's value
    c["conversions"] = share
    c["revenue"] = share * value
    credits = c.groupby("touch", sort=True)[["conversions", "revenue"]].sum().reset_index()
    n_conv = int(c["_seg"].nunique())
    revenue = float(c.groupby("_seg")["value"].last().sum())
    return Attribution(model, credits, n_conv, revenue, int(pd.unique(journey).size))
