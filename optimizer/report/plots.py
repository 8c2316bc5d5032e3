"""Charts written as PNG files (matplotlib, without a display)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from optimizer.report.files import atomic_write_bytes


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)  # files only: never needs a display
    # names and currencies come from the inputs: "$5 to $10" is text, not TeX (mathtext would fail or garble it)
    matplotlib.rcParams["text.parse_math"] = False
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
    except BaseException:
        plt.close(fig)
        raise
    return _save(fig, path)


def _png(fig) -> bytes:
    """The figure as PNG bytes (and closed)."""
    plt = _pyplot()
    try:
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    finally:
        plt.close(fig)
    return buf.getvalue()


def _save(fig, path: Path) -> Path:
    atomic_write_bytes(path, _png(fig))
    return path


def mix_chart(result) -> bytes:
    """Spend of the chosen mix by tier and by platform, side by side (PNG bytes)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), dpi=110)
    try:
        for ax, (kind, rows) in zip(axes, (("tier", result.breakdown.get("tier", [])),
                                           ("platform", result.breakdown.get("platform", []))), strict=True):
            names = [r[kind] for r in rows]
            cost = [r["cost"] for r in rows]
            ax.bar(names, cost, color="#7aa6c2")
            for k, r in enumerate(rows):
                ax.annotate(f"{r['count']}", xy=(k, r["cost"]), ha="center", va="bottom", fontsize=8)
            ax.set_title(f"spend by {kind} (labels: creators)", fontsize=10)
            _money_axis(ax.yaxis)
            ax.grid(axis="y", alpha=0.3)
    except BaseException:
        plt.close(fig)
        raise
    return _png(fig)


def histogram_png(values: np.ndarray, **kwargs) -> bytes:
    """``histogram`` as PNG bytes instead of a file."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.png"
        histogram(values, path, **kwargs)
        return path.read_bytes()


def _money_axis(axis) -> None:
    axis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")


def frontier_chart(result, path: Path) -> Path:
    """Expected profit against CVaR: the frontier, with the risk-neutral optimum and the reference mixes marked."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=110)
    pts = result.points
    a = f"{result.alpha:.0%}"
    if pts:
        ax.plot([p.cvar for p in pts], [p.expected_profit for p in pts], "-o", color="#2c6e91",
                label=f"frontier: {len(pts)} mixes, CVaR {pts[0].cvar:,.0f} to {pts[-1].cvar:,.0f}")
        ax.scatter([pts[0].cvar], [pts[0].expected_profit], s=120, facecolors="none", edgecolors="#c0392b",
                   linewidths=2, zorder=3, label="risk-neutral optimum")
    for m in result.markers:
        ax.scatter([m.cvar], [m.expected_profit], marker="s" if m.kind == "best_single" else "^", s=50, zorder=3,
                   label=m.name)
    ax.set_xlabel(f"CVaR {a} of profit ({result.currency}; mean of the worst {1 - result.alpha:.0%} of runs)")
    ax.set_ylabel(f"expected profit ({result.currency})")
    ax.set_title(f"{result.name}: return against risk ({result.scenarios:,} simulated runs)", fontsize=11)
    _money_axis(ax.xaxis)
    _money_axis(ax.yaxis)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return _save(fig, path)


def sweep_chart(result, path: Path) -> Path:
    """Expected profit and CVaR against the budget, and the marginal return of the next unit of budget."""
    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 6.0), dpi=110, sharex=True,
                                      gridspec_kw={"height_ratios": [2, 1]})
    pts = [p for p in result.points if p.expected_profit is not None]
    b = [p.budget for p in pts]
    top.plot(b, [p.expected_profit for p in pts], "-o", color="#2c6e91", label="expected profit")
    top.plot(b, [p.cvar for p in pts], "--s", color="#c0392b", label=f"CVaR {result.alpha:.0%} of profit")
    top.set_ylabel(result.currency)
    top.set_title(f"{result.name}: what each budget buys (objective {result.objective})", fontsize=11)
    top.grid(alpha=0.3)
    top.legend(fontsize=8)
    _money_axis(top.yaxis)
    marg = [(p.budget, p.marginal_return) for p in pts if p.marginal_return is not None]
    if marg:
        width = (b[1] - b[0]) * 0.6 if len(b) > 1 else 1.0
        bottom.bar([m[0] for m in marg], [m[1] for m in marg], width=width, color="#7aa6c2")
    bottom.axhline(0, color="black", linewidth=0.8)
    bottom.set_ylabel("marginal return\nper unit of budget")
    bottom.set_xlabel(f"budget ({result.currency})")
    bottom.grid(axis="y", alpha=0.3)
    _money_axis(bottom.xaxis)
    return _save(fig, path)
