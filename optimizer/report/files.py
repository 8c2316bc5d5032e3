"""Files on disk: the output names, atomic writes, cells made inert for spreadsheets, the check of an output
folder before any work, and ``OutputSet`` (a command's files appear together or not at all)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError
from optimizer.utils import stopping

OUTPUT_FILES = ("selection.csv", "summary.json")
SIMULATION_FILES = ("simulation.json",)
PLOT_FILES = ("profit_histogram.png", "roi_histogram.png")
FRONTIER_FILES = ("frontier.json", "frontier.png")
SWEEP_FILES = ("sweep.json", "sweep.png")
WORKBOOK_FILES = ("plan.xlsx",)
COMPARE_FILES = ("comparison.json", "comparison.html", "comparison.md")
REPORT_FILES = ("report.html", "report.md", "mix.png", "profit_distribution.png", "roi_distribution.png")


def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes files private; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def inert_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula (one starting with = + - @, a tab
    or a carriage return) prefixed with a single quote, as OWASP advises for CSV exports; numbers are untouched."""
    out = frame.copy()
    for c in [c for c in out.columns if not pd.api.types.is_numeric_dtype(out[c])]:
        out[c] = out[c].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA) else v)
    return out


def check_out_dir(out_dir: Path, inputs: Iterable[str | Path], names: Iterable[str] = OUTPUT_FILES) -> None:
    """Raise InputError (before anything is solved or written) if ``out_dir`` cannot take the outputs: it is a
    file or under one, it cannot be created or written (a read-only place such as /proc), an output's name is a
    folder there, or an output would replace an input. Folders it creates to find out are removed again."""
    label = str(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError.at(label, "--out must be a folder, and this is a file")
    protected = {Path(p).resolve() for p in inputs}
    for name in names:
        target = out_dir / name
        if target.resolve() in protected:
            raise InputError.at(str(target), "would overwrite an input file; choose another --out folder")
        if target.is_dir():
            raise InputError.at(str(target), "is a folder: the output of that name cannot be written there")
    created = []
    try:
        missing = [p for p in (out_dir, *out_dir.parents) if not p.exists()]
        for p in reversed(missing):
            p.mkdir()
            created.append(p)
        fd, probe = tempfile.mkstemp(dir=out_dir, prefix=".influencer-mix-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError.at(label, f"--out cannot be written here: {exc.strerror or exc}") from None
    finally:
        for p in reversed(created):
            with contextlib.suppress(OSError):
                p.rmdir()


class OutputSet:
    """A command's output files as one set: written into a staging folder inside ``out_dir``, then moved into
    place together with Ctrl-C and SIGTERM held back for those few renames, under a lock on the folder so that two
    runs cannot interleave. Leaving the block without :meth:`commit` (an error, an interrupt) removes the staging
    folder: nothing half-written is left."""

    LOCK = ".influencer-mix.lock"

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.dir = out_dir
        self._lock = None

    def __enter__(self) -> OutputSet:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.out_dir / self.LOCK, "w")  # noqa: SIM115 (held until __exit__)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            self._lock = None
            raise InputError.at(str(self.out_dir), "another run is writing to this --out folder; wait for it or "
                                "choose another") from None
        self.dir = Path(tempfile.mkdtemp(dir=self.out_dir, prefix=".influencer-mix-staging-"))
        return self

    def commit(self) -> list[Path]:
        """Move every staged file into ``out_dir``; returns their final paths."""
        names = sorted(p.name for p in self.dir.iterdir())
        held = {signal.SIGINT, signal.SIGTERM}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            stopping.check()  # a stop received earlier, even one swallowed where it arrived, writes nothing
            for name in names:
                os.replace(self.dir / name, self.out_dir / name)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        return [self.out_dir / n for n in names]

    def __exit__(self, *exc) -> None:
        if self.dir != self.out_dir:  # the staging folder: empty after a commit, half-written after an error
            shutil.rmtree(self.dir, ignore_errors=True)
        if self._lock is not None:
            with contextlib.suppress(OSError):
                (self.out_dir / self.LOCK).unlink()
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()


