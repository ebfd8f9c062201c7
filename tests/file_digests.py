"""Digests of every file under a folder, to show that a command or a page wrote nothing there."""

from __future__ import annotations

import hashlib
from pathlib import Path

from commsim.experiments.folder import LOCK_FILE

# LOCK_FILE is created by any command that reads an experiment folder under its lock (git
# ignores it); a test running at the same time under pytest-xdist may leave one in a shipped folder.


def digests(folder: Path, *, locks: bool = True) -> dict[str, str]:
    """SHA-256 of each file under ``folder`` by relative path; without lock files if ``locks`` is false."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and (locks or path.name != LOCK_FILE)
    }
