"""Independent solves (frontier points, budgets) run in parallel.

By default in a ``multiprocessing`` pool of our own, whose workers leave Ctrl-C and SIGTERM to the main process and
are ended at once when it is interrupted (no queued work runs on, no worker is left behind). Any
``concurrent.futures.Executor`` works instead (a thread pool, or a Dask ``distributed.Client.get_executor()`` to
run the same sweep on a cluster); it is used as given and not shut down. The work items and the function are
plain picklable objects.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import TypeVar

children: set = set()  # solver processes (CBC) this process has running; ended with it (see _quiet_worker)

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
    if executor is not None:
        futures = [executor.submit(fn, item) for item in items]
        try:
            for f in futures:
                done.append(f.result())
                if progress is not None:
                    progress(len(done), len(items))
        except BaseException:
            for f in futures:
                f.cancel()
            raise
        return done
    # our own workers: a multiprocessing pool, which can be ended at once (terminate) on Ctrl-C or SIGTERM
    pool = multiprocessing.get_context().Pool(min(len(items), jobs or os.cpu_count() or 1),
                                               initializer=_quiet_worker)
    try:
        for result in pool.imap(fn, items):
            done.append(result)
            if progress is not None:
                progress(len(done), len(items))
    except BaseException:  # Ctrl-C, SIGTERM, an error: stop now, not after the work already queued
        _end_pool(pool)
        raise
    pool.close()
    pool.join()
    return done


def _end_pool(pool, grace: float = 1.0) -> None:
    """End the workers now: SIGTERM (each kills its solver and exits), and SIGKILL for any still alive after
    ``grace`` seconds. A worker stuck where its handler cannot run (blocked in C code: a lock taken at the fork,
    a solver's thread pool in a forked child) never answers SIGTERM, and ``Pool.terminate`` would wait on it
    forever; this happened under load."""
    workers = list(getattr(pool, "_pool", []))  # the Pool's own processes (no public handle)
    for w in workers:
        with contextlib.suppress(OSError, ValueError):
            w.terminate()
    deadline = time.monotonic() + grace
    for w in workers:
        w.join(timeout=max(0.0, deadline - time.monotonic()))
    for w in workers:
        if w.is_alive():
            with contextlib.suppress(OSError, ValueError):
                w.kill()
            w.join(timeout=grace)
    pool.terminate()
    pool.join()


def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the main process, which ends them with SIGTERM: a worker then kills the solver it
    runs (a CBC process would otherwise live on) and exits at once, with no traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_worker)


def _end_worker(signum, frame) -> None:
    for proc in list(children):
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=1.0)  # reaped, not left a zombie
    os._exit(128 + signum)
