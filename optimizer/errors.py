"""User-facing input errors: each problem names its file, row, column or key and what is wrong."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    source: str  # file name, or "scenario"/"candidates" for in-memory inputs
    message: str
    where: str = ""  # "row 5, column 'fee'" or "key 'constraints.min_count'"

    def __str__(self) -> str:
        loc = f"{self.source}: {self.where}: " if self.where else f"{self.source}: "
        return loc + self.message


class InputError(Exception):
    """Bad input. Carries every problem found; ``str()`` is one line for the command line."""

    def __init__(self, problems: Sequence[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        super().__init__(self.one_line())

    @classmethod
    def at(cls, source: str, message: str, where: str = "") -> InputError:
        """An error with a single problem."""
        return cls(Problem(source, message, where))

    def one_line(self, where_all: str = "`influencer-mix validate` lists all") -> str:
        """The first problem, and how many more there are (``where_all`` says where to see them)."""
        first = str(self.problems[0])
        more = len(self.problems) - 1
        if more:
            first += f" (and {more} more problem{'s' if more > 1 else ''}; {where_all})"
        return first


class ProblemList:
    """Collects problems so that validation can report all of them at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, source: str, message: str, where: str = "") -> None:
        self.items.append(Problem(source, message, where))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


def suggest(word: str, options: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the nearest option, or '' when nothing is close."""
    match = difflib.get_close_matches(str(word).lower(), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def rows_text(rows: Sequence[int], limit: int = 5) -> str:
    """'row 5' / 'rows 5, 9, 12 and 40 more' for messages."""
    rows = [int(r) for r in rows]
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(str(r) for r in rows[:limit])
    rest = len(rows) - limit
    return f"rows {shown}" + (f" and {rest} more" if rest > 0 else "")
