"""Charts written as PNG files (matplotlib, without a display)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from .outputs import atomic_write_bytes


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)  # files only: never needs a display
    import matplotlib.pyplot as plt

    return plt


def histogram(values: np.ndarray, path: Path, *, title: str, xlabel: str, marks: dict[str, float] | None = None,
              zero_line: bool = False) -> Path:
    """A histogram of ``values`` with vertical lines at ``marks`` (label -> value), written atomically."""
    plt = _pyplot()
    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=110)
    try:
        ax.hist(x, bins=min(80, max(10, int(np.sqrt(x.size)))), color="#7aa6c2", edgecolor="white", linewidth=0.3)
        styles = ("--", "-", "--")
        for k, (label, v) in enumerate((marks or {}).items()):
            ax.axvline(v, color="#c0392b", linestyle=styles[k % 3], linewidth=1.4)
            ax.annotate(f"{label}\n{v:,.2f}" if abs(v) < 100 else f"{label}\n{v:,.0f}", xy=(v, 1.0),
                        xycoords=("data", "axes fraction"), xytext=(3, -4), textcoords="offset points",
                        va="top", fontsize=8, color="#c0392b")
        if zero_line:
            ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_title(title, fontsize=11)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("runs")
        ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}")
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    finally:
        plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return path
