"""The issue table: every local issue of a run, one array per attribute.

An issue affects a building or a whole compound, has a category, an urgency in [0, 1]
and a cost in yuan. It becomes known when reported and stays in the table, resolved or
not, for the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

CATEGORIES = ("environment", "disputes", "public_services", "facilities", "safety_health")
ENVIRONMENT, DISPUTES, PUBLIC_SERVICES, FACILITIES, SAFETY_HEALTH = range(5)


@dataclass(slots=True)
class IssueTable:
    """All issues of a run, one array per attribute (grown as issues arrive)."""

    category: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    compound_scope: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    scope_id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    urgency: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    raised_step: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    known_step: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    resolved_step: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    next_meeting: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    attempts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.category)

    def append(self, **columns: np.ndarray) -> None:
        """Add new issues; ``columns`` gives every attribute as an array of equal length."""
        for column in fields(self):
            setattr(self, column.name, np.concatenate([getattr(self, column.name), columns[column.name]]))

    @property
    def open(self) -> np.ndarray:
        """Mask of issues not yet resolved."""
        return self.resolved_step < 0

    @property
    def known(self) -> np.ndarray:
        """Mask of issues known to the committee."""
        return self.known_step >= 0
