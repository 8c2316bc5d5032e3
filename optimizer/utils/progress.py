"""A progress bar for long runs on a terminal (stderr), shown only once a run has taken a couple of seconds."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class TerminalProgress:
    """Callable as ``progress(done, total)``. Draws nothing until ``delay`` seconds have passed, so quick runs
    stay quiet; ``close()`` ends the line if anything was drawn."""

    def __init__(self, label: str, stream: TextIO | None = None, delay: float = 2.0, width: int = 30,
                 unit: str = "runs"):
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.delay = delay
        self.width = width
        self.start = time.monotonic()
        self.drawn = False

    @classmethod
    def for_terminal(cls, label: str, enabled: bool = True, unit: str = "runs") -> TerminalProgress | None:
        """A bar when ``enabled`` and stderr is a terminal; otherwise None (no progress output at all)."""
        stream = sys.stderr
        ok = enabled and hasattr(stream, "isatty") and stream.isatty()
        return cls(label, stream, unit=unit) if ok else None

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.monotonic() - self.start
        if elapsed < self.delay and not self.drawn:
            return
        frac = done / total if total else 1.0
        filled = int(round(frac * self.width))
        eta = elapsed / frac - elapsed if frac > 0 else float("nan")
        left = f", about {eta:.0f} s left" if frac < 1 else ""
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {frac:4.0%} "
                          f"{done:,}/{total:,} {self.unit}, {elapsed:.0f} s{left}   ")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


@contextmanager
def terminal_progress(label: str, enabled: bool = True, unit: str = "runs") -> Iterator[TerminalProgress | None]:
    """``with terminal_progress(...) as bar``: the bar of :meth:`TerminalProgress.for_terminal`, its line ended on
    the way out however the block ends."""
    bar = TerminalProgress.for_terminal(label, enabled, unit)
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()
