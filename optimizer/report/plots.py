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
            ax.set_title(f"cost by {kind}, commissions and boosts included (labels: creators)", fontsize=10)
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


def frontier_spread(points) -> str:
    """One sentence on how much the frontier's mixes differ (so close mixes are said to be close)."""
    if len(points) < 2:
        return ""
    dp = max(p.expected_profit for p in points) - min(p.expected_profit for p in points)
    dc = max(p.cvar for p in points) - min(p.cvar for p in points)
    scale = max(abs(p.expected_profit) for p in points) or 1.0
    ids = [set(p.selected) for p in points]
    swaps = max(len(a ^ b) for a in ids for b in ids)
    text = (f"The {len(points)} mixes differ by at most {dp:,.0f} in expected profit and {dc:,.0f} in CVaR, and by "
            f"at most {swaps} creator{'s' if swaps != 1 else ''} swapped in or out")
    return text + (": they barely differ." if dp < 0.01 * scale else ".")


def frontier_chart(result, path: Path) -> Path:
    """Expected profit against CVaR: the frontier (each mix numbered, so close mixes stay distinct, and shown in a
    zoomed inset when the reference mixes stretch the axes), the risk-neutral optimum and the reference mixes."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=110)
    pts = result.points
    a = f"{result.alpha:.0%}"
    if pts:
        xs, ys = [p.cvar for p in pts], [p.expected_profit for p in pts]
        ax.plot(xs, ys, "-o", color="#2c6e91",
                label=f"frontier: {len(pts)} mixes, CVaR {pts[0].cvar:,.0f} to {pts[-1].cvar:,.0f}")
        ax.scatter([pts[0].cvar], [pts[0].expected_profit], s=120, facecolors="none", edgecolors="#c0392b",
                   linewidths=2, zorder=3, label="risk-neutral optimum")
        for k, (x, y) in enumerate(zip(xs, ys, strict=True), start=1):
            ax.annotate(str(k), (x, y), textcoords="offset points", xytext=(4, 4 + 7 * (k % 2)), fontsize=7)
        spread = frontier_spread(pts)
        if spread:
            fig.text(0.01, 0.005, spread, fontsize=7, va="bottom", ha="left", wrap=True)
        all_x = xs + [m.cvar for m in result.markers]
        all_y = ys + [m.expected_profit for m in result.markers]
        wide = (max(all_x) - min(all_x)) or 1.0, (max(all_y) - min(all_y)) or 1.0
        if len(pts) > 1 and (max(xs) - min(xs)) < 0.05 * wide[0] and (max(ys) - min(ys)) < 0.05 * wide[1]:
            inset = ax.inset_axes([0.6, 0.08, 0.37, 0.37])  # the frontier alone, zoomed
            inset.plot(xs, ys, "-o", color="#2c6e91", markersize=3)
            for k, (x, y) in enumerate(zip(xs, ys, strict=True), start=1):
                inset.annotate(str(k), (x, y), textcoords="offset points", xytext=(3, 3), fontsize=6)
            inset.tick_params(labelsize=6)
            inset.xaxis.set_major_locator(plt.MaxNLocator(3))
            inset.yaxis.set_major_locator(plt.MaxNLocator(4))
            inset.set_title("the frontier, zoomed", fontsize=7)
            _money_axis(inset.xaxis)
            _money_axis(inset.yaxis)
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
    return _save(sweep_figure(result), path)


def sweep_figure(result):
    """The figure of ``sweep_chart`` (its y-axis from zero; budgets with no mix marked on the axis)."""
    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 6.0), dpi=110, sharex=True,
                                      gridspec_kw={"height_ratios": [2, 1]})
    pts = [p for p in result.points if p.expected_profit is not None]
    b = [p.budget for p in pts]
    top.plot(b, [p.expected_profit for p in pts], "-o", color="#2c6e91", label="expected profit")
    top.plot(b, [p.cvar for p in pts], "--s", color="#c0392b", label=f"CVaR {result.alpha:.0%} of profit")
    none = [p.budget for p in result.points if p.expected_profit is None]  # no mix at these budgets
    if none:
        top.scatter(none, [0.0] * len(none), marker="x", color="#7f7f7f", s=60, zorder=3,
                    label="no mix meets the rules at this budget")
    values = [v for p in pts for v in (p.expected_profit, p.cvar) if v is not None]
    top.set_ylim(bottom=min([0.0, *values]) * 1.05, top=max([0.0, *values]) * 1.08 or 1.0)  # from zero
    top.set_ylabel(result.currency)
    top.set_title(f"{result.name}: what each budget buys (objective {result.objective})", fontsize=11)
    top.grid(alpha=0.3)
    top.legend(fontsize=8, loc="lower right")
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
    return fig
