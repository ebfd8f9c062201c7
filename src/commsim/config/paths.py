"""Where commsim finds its shipped data: parameter declarations, presets, experiments."""

from __future__ import annotations

import os
import re
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the commsim package folder


def config_dir() -> Path:
    """Return the folder holding ``parameters.yaml``, ``profiles/`` and ``policies/``.

    ``COMMSIM_CONFIG_DIR`` wins; otherwise the package's bundled copy (wheel installs),
    otherwise the repository's ``configs/`` (editable installs).

    Returns:
        The configuration folder.

    Raises:
        FileNotFoundError: If no configuration folder can be found.
    """
    candidates = []
    if env := os.environ.get("COMMSIM_CONFIG_DIR"):
        candidates.append(Path(env))
    candidates += [_PACKAGE_DIR / "_configs", _PACKAGE_DIR.parents[1] / "configs"]
    for candidate in candidates:
        if (candidate / "parameters.yaml").is_file():
            return candidate
    raise FileNotFoundError("commsim cannot find its configs folder (parameters.yaml); set COMMSIM_CONFIG_DIR")


def project_root() -> Path:
    """Return the repository root when running from a checkout, else the working folder."""
    root = _PACKAGE_DIR.parents[1]
    return root if (root / "pyproject.toml").is_file() else Path.cwd()


def shipped_reports() -> Path:
    """Return ``docs/reports``: the shipped records, which a user's runs (under ``results/``) never touch."""
    return project_root() / "docs" / "reports"


# A results folder's name: one path component, never hidden, never "." or "..", portable.
SAFE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"
SAFE_NAME_RULE = "a folder name of 1-80 ASCII letters, digits, '_', '-' or '.', starting with a letter or digit"


def check_safe_name(name: str) -> str:
    """Check that a name can be used as one results folder name.

    Args:
        name: A scenario or experiment name.

    Returns:
        The name.

    Raises:
        ValueError: If the name is empty, hidden, a path, or holds other characters.
    """
    if not isinstance(name, str) or re.fullmatch(SAFE_NAME_PATTERN, name) is None:
        raise ValueError(f"must be {SAFE_NAME_RULE}, got {name!r}")
    return name


def inside(path: Path, root: Path) -> bool:
    """Whether a path, with every symbolic link resolved, lies inside a root folder (or is it).

    Args:
        path: The path to check (need not exist).
        root: The folder it must lie in.

    Returns:
        True if ``path`` resolves to ``root`` or to something below it.
    """
    resolved, folder = path.resolve(), root.resolve()
    return resolved == folder or folder in resolved.parents
