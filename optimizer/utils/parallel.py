"""Independent solves (frontier points, budgets) run in parallel.

By default in worker processes of our own (one pipe each, nothing shared), which leave Ctrl-C and SIGTERM to the
main process and are ended at once when it is interrupted (no queued work runs on, no worker is left behind: one
that does not answer SIGTERM within a second is killed). Any
``concurrent.futures.Executor`` works instead (a thread pool; a Dask ``distributed.Client``, or its
``get_executor()``, to run the same work on a cluster: the ``[dask]`` extra); it is used as given and not shut
down. The work items and the function are
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
from multiprocessing.connection import wait
from typing import TypeVar

from optimizer.utils import stopping

children: set = set()  # solver processes (CBC) this process has running; ended with it (see _quiet_worker)

T = TypeVar("T")
R = TypeVar("R")


def as_executor(executor):
    """``executor`` as a ``concurrent.futures.Executor``: a Dask ``distributed.Client`` gives its own
    (``get_executor()``); anything else is taken as it is."""
    get = getattr(executor, "get_executor", None)
    return get() if callable(get) else executor


def run_all(fn: Callable[[T], R], items: Iterable[T], *, executor: Executor | None = None, jobs: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> list[R]:
    """``[fn(item) for item in items]`` in order. With ``executor`` it is used as given (and not shut down);
    otherwise ``jobs`` processes (default: the machine's cores), or in this process when ``jobs`` is 1 or there
    is a single item."""
    items = list(items)
    done: list[R] = []
    executor = as_executor(executor)
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
    # our own workers: one process and one pipe each, sent the next item as each result comes back. Nothing is
    # shared between them (a multiprocessing.Pool shares a locked task queue, and a worker ended while holding
    # its lock made Pool.terminate wait forever), so they can be ended at any moment.
    ctx = multiprocessing.get_context()
    workers = []
    for _ in range(min(len(items), jobs or os.cpu_count() or 1)):
        mine, theirs = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(theirs, fn, items), daemon=True)
        proc.start()
        theirs.close()
        workers.append((proc, mine))
    results: list = [None] * len(items)
    queue = iter(range(len(items)))
    finished = False
    busy = []  # the connections of workers with an item in hand

    def hand_out(conn) -> None:
        i = next(queue, None)
        conn.send(i)  # None: no more work, the worker ends
        if i is not None:
            busy.append(conn)

    try:
        for _, conn in workers:
            hand_out(conn)
        count = 0
        while count < len(items):
            for conn in wait(list(busy), timeout=0.25):  # in steps: a swallowed stop is acted on (utils.stopping)
                busy.remove(conn)
                try:
                    i, ok, value = conn.recv()
                except EOFError:
                    raise RuntimeError("a worker process ended without its result") from None
                if not ok:
                    raise value
                results[i] = value
                count += 1
                if progress is not None:
                    progress(count, len(items))
                hand_out(conn)
            stopping.check()
        finished = True
    finally:
        _end_workers(workers, polite=finished)
    return results


def _serve(conn, fn: Callable, items: list) -> None:
    """A worker: compute ``fn(items[i])`` for each index received, until None."""
    _quiet_worker()
    while True:
        i = conn.recv()
        if i is None:
            return
        try:
            conn.send((i, True, fn(items[i])))
        except Exception as exc:  # the main process raises it
            conn.send((i, False, exc))


def _end_workers(workers: list, polite: bool, grace: float = 1.0) -> None:
    """After the work: tell each worker to stop. On Ctrl-C, SIGTERM or an error: SIGTERM (a worker kills its
    solver and exits), then SIGKILL for any still alive after ``grace`` seconds (one blocked where its handler
    cannot run, as in C code after a fork)."""
    if not polite:  # (after the work each worker was sent None when the items ran out, and ends by itself)
        for proc, _ in workers:
            with contextlib.suppress(OSError, ValueError):
                proc.terminate()
    deadline = time.monotonic() + (grace if not polite else 30.0)
    for proc, _ in workers:
        proc.join(timeout=max(0.0, deadline - time.monotonic()))
    for proc, conn in workers:
        if proc.is_alive():
            with contextlib.suppress(OSError, ValueError):
                proc.kill()
            proc.join(timeout=grace)
        conn.close()


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
