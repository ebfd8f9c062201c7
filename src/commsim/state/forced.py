"""Decisions taken out of the model's hands: what students playing residents chose this week.

One small integer per resident slot and decision: ``MODEL`` (-1: the model's own rule
decides, as for everyone when nobody plays), ``NO`` (0) or ``YES`` (1). The processes
draw every random number as they always do and replace only the played residents' own
decision (:func:`commsim.mechanisms.forced_log_odds`), so a week with nobody forced runs
exactly as without a class. A forced yes still needs what the model requires of anyone:
a session heard of with a place left, someone to ask, someone who asks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MODEL, NO, YES = -1, 0, 1
DECISIONS = ("activity", "deliberation", "ask_help", "offer_help")


@dataclass(slots=True)
class Forced:
    """Per resident slot and decision: the model's rule (-1), no (0) or yes (1)."""

    activity: np.ndarray
    deliberation: np.ndarray
    ask_help: np.ndarray
    offer_help: np.ndarray

    @classmethod
    def none(cls, n: int) -> Forced:
        """Nobody forced: every decision is the model's."""
        return cls(*(np.full(n, MODEL, dtype=np.int8) for _ in DECISIONS))

    @classmethod
    def from_decisions(cls, n: int, decisions: dict[int, dict[str, bool]]) -> Forced:
        """The decisions of played residents (slot to decision name to yes/no); every other slot the model's.

        Raises:
            IndexError: If a slot is outside ``range(n)``.
            KeyError: If a decision is not one of :data:`DECISIONS`.
        """
        forced = cls.none(n)
        for slot, chosen in decisions.items():
            if not 0 <= slot < n:
                raise IndexError(f"no resident slot {slot}")
            for decision, yes in chosen.items():
                if decision not in DECISIONS:
                    raise KeyError(f"no decision {decision!r}; decisions are {', '.join(DECISIONS)}")
                getattr(forced, decision)[slot] = YES if yes else NO
        return forced

    @property
    def any(self) -> bool:
        """Whether any decision is forced."""
        return any(bool(np.any(getattr(self, decision) != MODEL)) for decision in DECISIONS)
