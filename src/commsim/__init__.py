"""commsim: an agent-based simulation of community participation under governance policies.

Public names:

* :class:`CommunityModel` — the Mesa model;
* :class:`Resident`, :class:`Volunteer`, :class:`Organization` — its agent types;
* :mod:`commsim.mechanisms` — the canonical mechanisms (bounded confidence and others).
"""

from __future__ import annotations

from commsim.agents import Organization, Resident, Volunteer
from commsim.model import CommunityModel
from commsim.version import __version__

__all__ = ["CommunityModel", "Organization", "Resident", "Volunteer", "__version__"]
