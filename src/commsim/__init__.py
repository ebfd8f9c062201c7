"""commsim: an agent-based simulation of community participation under governance policies.

Public names:

* :class:`CommunityModel` — the Mesa model;
* :class:`Resident`, :class:`Volunteer`, :class:`Organization` — its agent types;
* :mod:`commsim.mechanisms` — the canonical mechanisms (bounded confidence and others).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from commsim.agents import Organization, Resident, Volunteer
from commsim.model import CommunityModel

try:
    __version__ = version("commsim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["CommunityModel", "Organization", "Resident", "Volunteer", "__version__"]
