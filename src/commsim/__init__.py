"""commsim: an agent-based simulation of community participation under governance policies.

Public names:

* :class:`CommunityModel` — the Mesa model;
* :class:`Resident`, :class:`Volunteer`, :class:`Organization` — its agent types;
* :mod:`commsim.mechanisms` — the canonical mechanisms (bounded confidence and others).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from commsim.version import __version__

if TYPE_CHECKING:
    from commsim.agents import Organization, Resident, Volunteer
    from commsim.model import CommunityModel

__all__ = ["CommunityModel", "Organization", "Resident", "Volunteer", "__version__"]

# The model is imported on first use (PEP 562), so that commands which do not run it
# (``commsim --help``, ``validate``, ``status``) start without importing Mesa.
_LAZY = {
    "CommunityModel": "commsim.model",
    "Organization": "commsim.agents",
    "Resident": "commsim.agents",
    "Volunteer": "commsim.agents",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'commsim' has no attribute {name!r}")
