"""A student's choices for the open week, checked on the server, and how they reach the model.

A resident's student decides four things each week, each a yes or no: go to a session
they heard of, go to a meeting on an issue they are invited to or read the notice of, ask
for help, offer help when asked. The choices reach the model as :class:`Forced`: one small
integer per resident and decision, ``MODEL`` (-1, the model's own rule decides, as for
every agent nobody plays and every student who did not choose in time), ``NO`` (0) or
``YES`` (1). A forced yes still needs what the model requires of anyone (a session heard
of with a place left, an invitation, someone to ask); it replaces only the resident's own
decision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, StrictBool

MODEL, NO, YES = -1, 0, 1
DECISIONS = ("activity", "deliberation", "ask_help", "offer_help")


class ResidentChoice(BaseModel):
    """What a resident's student chose for the week (every field a strict true or false)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    activity: StrictBool = False
    deliberation: StrictBool = False
    ask_help: StrictBool = False
    offer_help: StrictBool = False


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
    def from_choices(cls, n: int, choices: dict[int, ResidentChoice]) -> Forced:
        """The choices of the played residents (slot to choice); every other slot left to the model.

        Raises:
            IndexError: If a slot is outside ``range(n)``.
        """
        forced = cls.none(n)
        for slot, choice in choices.items():
            if not 0 <= slot < n:
                raise IndexError(f"no resident slot {slot}")
            for decision in DECISIONS:
                getattr(forced, decision)[slot] = YES if getattr(choice, decision) else NO
        return forced

    @property
    def any(self) -> bool:
        """Whether any decision is forced (else the model runs exactly as without a class)."""
        return any(bool(np.any(getattr(self, decision) != MODEL)) for decision in DECISIONS)


def apply_to_log_odds(log_odds: np.ndarray, forced: np.ndarray, *, decided: float = 50.0) -> np.ndarray:
    """Log-odds with forced decisions replaced: +``decided`` for yes, -``decided`` for no.

    A decision drawn as ``random < logistic(log_odds)`` then follows the student (the
    draw is still made, so every other resident's stream is unchanged).
    """
    return np.where(forced == YES, decided, np.where(forced == NO, -decided, log_odds))
