"""Ctrl-C and termination signals that arrive while the model's compiled kernels run.

numba unpickles a cached kernel on its first call; a KeyboardInterrupt raised inside that
unpickling surfaces as a ``SystemError`` whose cause is the interrupt. Commands treat such
an error as the Ctrl-C it is (exit 130, nothing half-written), not as a crash
(:func:`interrupt_of`).

A KeyboardInterrupt raised inside a kernel's object-mode call (numpy's own functions
called from compiled code) is worse: numba may lose it, so the run goes on and writes its
result, or the process crashes (SIGSEGV). So the commands hold SIGINT and SIGTERM while a
model steps (:func:`signals_held`): a signal that arrives is remembered and its handler
runs as soon as the step is over, at most one step (milliseconds) later.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the block; then run the handler of the first that arrived.

    Only the main thread can set signal handlers: elsewhere, and for a signal whose handler
    is not a Python function (ignored, or the system's default), the block runs as is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[tuple[int, FrameType | None]] = []
    previous = {}
    for signum in HELD_SIGNALS:
        handler = signal.getsignal(signum)
        if callable(handler):
            previous[signum] = handler
            signal.signal(signum, lambda number, frame: arrived.append((number, frame)))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if arrived:
        signum, frame = arrived[0]
        previous[signum](signum, frame)  # raises as the signal would have (KeyboardInterrupt, _Stopped)


def interrupt_of(error: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt an exception was raised from (its cause or context chain), if any."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
