"""Writing results to disk: atomically, and never over an input file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError
from .result import PlanResult

OUTPUT_FILES = ("selection.csv", "summary.json")


def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def check_out_dir(out_dir: Path, inputs: Iterable[str | Path], names: Iterable[str] = OUTPUT_FILES) -> None:
    """Raise InputError (before anything is solved or written) if ``out_dir`` cannot take the outputs."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError.at(str(out_dir), "--out must be a folder, and this is a file")
    protected = {Path(p).resolve() for p in inputs}
    for name in names:
        target = (out_dir / name).resolve()
        if target in protected:
            raise InputError.at(str(out_dir / name), "would overwrite an input file; choose another --out folder")


def write_outputs(result: PlanResult, out_dir: Path) -> list[Path]:
    """``selection.csv`` (the chosen rows with expected outcomes) and ``summary.json`` (the full result)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sel = out_dir / "selection.csv"
    summary = out_dir / "summary.json"
    atomic_write(sel, result.selection.to_csv(index=False))
    atomic_write(summary, json.dumps(result.to_dict(), indent=2) + "\n")
    return [sel, summary]
