"""Expensive results computed once per test session, whichever pytest-xdist worker asks first.

A ``functools.cache`` lives in one worker: under ``make test`` two workers that run tests of
one module would each compute the same model runs. :func:`shared` keeps a result in a
folder of the test session (set by ``tests/conftest.py``) under a file lock: the first
worker to ask computes and stores it, the others wait for it and read it.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from filelock import FileLock

FOLDER: list[Path] = []  # the session's folder, set by tests/conftest.py
_LOADED: dict[str, Any] = {}


def shared(key: str, compute: Callable[[], Any]) -> Any:
    """The result of ``compute()`` stored under ``key`` (a file name), computed once per session."""
    if key in _LOADED:
        return _LOADED[key]
    if not FOLDER:  # outside a pytest session: no folder to share through
        _LOADED[key] = compute()
        return _LOADED[key]
    path = FOLDER[0] / f"{key}.pickle"
    with FileLock(f"{path}.lock"):
        if path.exists():
            value = pickle.loads(path.read_bytes())
        else:
            value = compute()
            path.with_suffix(".part").write_bytes(pickle.dumps(value))
            path.with_suffix(".part").replace(path)
    _LOADED[key] = value
    return value
