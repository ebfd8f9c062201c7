"""Where results come from: seeds, hashes, versions, the git commit, and atomic writes.

Plumbing shared by the scenario runner and the experiment runner.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

import commsim
from commsim.paths import project_root

VERSIONED_PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "matplotlib")


def seed_integer(sequence: np.random.SeedSequence) -> int:
    """The integer seed a spawned ``SeedSequence`` stands for.

    63 bits: a non-negative int that every numpy and Mesa seeding path accepts.

    Args:
        sequence: A (spawned) seed sequence.

    Returns:
        The seed to pass as ``rng=``.
    """
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> 1)


def canonical_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of a JSON-compatible value.

    Args:
        value: Dicts, lists, strings, numbers, booleans and None.

    Returns:
        The hex digest.
    """
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def git_commit() -> str | None:
    """The commit checked out in the project folder, or None outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=project_root(), capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def package_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Versions of Python, commsim and the packages results depend on.

    Args:
        extra: More distribution names to report.

    Returns:
        Name to version (``not installed`` if absent).
    """
    found = {"python": platform.python_version(), "commsim": commsim.__version__}
    for package in (*VERSIONED_PACKAGES, *extra):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def now() -> str:
    """The current UTC time in ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def host() -> str:
    """This machine's network name."""
    return platform.node()


def write_file_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through a temporary sibling that replaces it only once complete.

    A process killed at any moment leaves either the old file (or none) or the new one,
    never half of it; a leftover temporary file starts with ``.`` and ends with ``.tmp``.

    Args:
        path: The file to write.
        write: Writes the content to the path it is given.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_json_atomically(path: Path, value: Any) -> None:
    """Write JSON (indented, trailing newline) atomically; see :func:`write_file_atomically`."""
    text = json.dumps(value, indent=2, default=str) + "\n"
    write_file_atomically(path, lambda target: target.write_text(text, encoding="utf-8"))


def replace_folder_atomically(target: Path, fill: Callable[[Path], None]) -> None:
    """Build a folder in a staging sibling and move it into place only when complete.

    An existing folder is replaced only after ``fill`` succeeded; on failure nothing
    changes and the staging folder is removed.

    Args:
        target: The folder to create or replace.
        fill: Writes the folder's content into the staging folder it is given.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; results are meant to be shared
        fill(staging)
        if not target.exists():
            staging.rename(target)
            return
        old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
        target.rename(old)
        try:
            staging.rename(target)
        except BaseException:
            old.rename(target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
