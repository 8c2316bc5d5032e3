"""Ctrl-C and SIGTERM that cannot be lost.

Python runs a signal handler in the main thread between bytecodes, wherever it happens to be. When that is inside a
callback whose exceptions Python ignores (a weakref callback of the import system, a ``__del__``), the exception the
handler raises is printed as "Exception ignored in ..." and swallowed: the command would carry on and end 0 after
the user asked it to stop. So the handlers here also *record* the request, and the places where the command waits or
is about to write (each step of a solver wait, the commit of the output files, the end of a command) call
:func:`check`, which raises the stop again. Standard library only: the CLI installs these before any heavy import.
"""

from __future__ import annotations

import signal
import threading


class Terminated(BaseException):
    """Raised on SIGTERM so that the command unwinds (temporary files removed) as on Ctrl-C."""


_requested: int | None = None  # the signal number received and not yet acted upon


def _raise(signum: int) -> None:
    if signum == signal.SIGTERM:
        raise Terminated()
    raise KeyboardInterrupt()


def handler(signum, frame) -> None:
    """Record the stop, then raise it here (KeyboardInterrupt for SIGINT, :class:`Terminated` for SIGTERM)."""
    global _requested
    _requested = signum
    _raise(signum)


def check() -> None:
    """Raise the stop again if one was received (it may have been swallowed where it first arrived)."""
    if _requested is not None:
        _raise(_requested)


def clear() -> None:
    """Forget a stop that has been acted upon (the command has ended, or a test runs ``main`` again)."""
    global _requested
    _requested = None


def install() -> dict[int, object] | None:
    """Install :func:`handler` for SIGINT and SIGTERM in the main thread; returns the previous handlers (None
    elsewhere, where signals cannot be handled)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    clear()
    return {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}


def restore(previous: dict[int, object] | None) -> None:
    """Put back the handlers :func:`install` replaced."""
    clear()
    for s, h in (previous or {}).items():
        signal.signal(s, h)
