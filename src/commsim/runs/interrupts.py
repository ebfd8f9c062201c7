"""Ctrl-C that arrives while numba loads a compiled kernel from its cache.

numba unpickles a cached kernel on its first call; a KeyboardInterrupt raised inside that
unpickling surfaces as a ``SystemError`` whose cause is the interrupt. Commands treat such
an error as the Ctrl-C it is (exit 130, nothing half-written), not as a crash.
"""

from __future__ import annotations


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
