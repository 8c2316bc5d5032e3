"""Independent solves (frontier points, budgets) run through a ``concurrent.futures.Executor``.

Any executor works: the default process pool, a thread pool, or a Dask ``distributed.Client.get_executor()``
to run the same sweep on a cluster. The work items and the function are plain picklable objects.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_all(fn: Callable[[T], R], items: Iterable[T], *, executor: Executor | None = None, jobs: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> list[R]:
    """``[fn(item) for item in items]`` in order. With ``executor`` it is used as given (and not shut down);
    otherwise ``jobs`` processes (default: the machine's cores), or in this process when ``jobs`` is 1 or there
    is a single item."""
    items = list(items)
    done: list[R] = []
    if executor is None and (jobs == 1 or len(items) <= 1):
        for item in items:
            done.append(fn(item))
            if progress is not None:
                progress(len(done), len(items))
        return done
    own = executor is None
    pool = executor or ProcessPoolExecutor(max_workers=min(len(items), jobs or os.cpu_count() or 1))
    try:
        futures = [pool.submit(fn, item) for item in items]
        for f in futures:
            done.append(f.result())
            if progress is not None:
                progress(len(done), len(items))
    finally:
        if own:
            pool.shutdown()
    return done
