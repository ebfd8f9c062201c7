"""Where commsim finds its shipped data: parameter declarations, presets, experiments."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


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
