"""Decisions taken out of the model's hands: what students playing residents and officials chose this week.

One small integer per resident slot and decision: ``MODEL`` (-1: the model's own rule
decides, as for everyone when nobody plays), ``NO`` (0) or ``YES`` (1). The processes
draw every random number as they always do and replace only the played residents' own
decision (:func:`commsim.mechanisms.forced_log_odds`), so a week with nobody forced runs
exactly as without a class. A forced yes still needs what the model requires of anyone:
a session heard of with a place left, someone to ask, someone who asks.

:class:`ForcedRoles` holds the officials' choices the same way: a building team leader's
asks and report, the residents' committee's formats, fund and open day, an organisation
representative's space and staff hours; -1 wherever the model's rule decides.
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


NO_ISSUE = -2  # an official who plays chose no issue (to report, or for the fund to pay for)


@dataclass(slots=True)
class ForcedRoles:
    """The choices of students playing officials this week; ``MODEL`` (-1) wherever the model's rule decides.

    Attributes:
        leader_asks: Per resident slot: whether their building's played team leader asked
            them this week (1), passed them over (0), or the model's reach decides (-1).
        leader_report: Per building: the issue its played team leader reports to the
            committee, :data:`NO_ISSUE` for none, or -1 (the model's reporting chance).
        formats: Per issue category: the format the played committee sends it to (a name
            of ``deliberation.FORMATS``), or None for the model's rule.
        fund_issue: The only issue whose project the autonomy fund pays for this week,
            :data:`NO_ISSUE` (the fund pays for none), or -1 (every agreed project draws on it).
        fund_cap_yuan: The most the fund pays for ``fund_issue``'s project.
        disclose: Whether the committee holds an open day this week (1/0), or -1 (the lever's cadence).
        org_space: Per organisation: whether its representative offers its space this week (1/0), or -1.
        org_staff_hours: Per organisation: staff hours its representative gives this week, or -1.
    """

    leader_asks: np.ndarray
    leader_report: np.ndarray
    formats: tuple[str | None, ...]
    org_space: np.ndarray
    org_staff_hours: np.ndarray
    fund_issue: int = MODEL
    fund_cap_yuan: float = float("inf")
    disclose: int = MODEL

    @classmethod
    def none(cls, n_residents: int, n_buildings: int, n_organisations: int, n_categories: int) -> ForcedRoles:
        """Nobody playing an official: every decision is the model's."""
        return cls(
            leader_asks=np.full(n_residents, MODEL, dtype=np.int8),
            leader_report=np.full(n_buildings, MODEL, dtype=np.int64),
            formats=(None,) * n_categories,
            org_space=np.full(n_organisations, MODEL, dtype=np.int8),
            org_staff_hours=np.full(n_organisations, float(MODEL)),
        )

    @property
    def any(self) -> bool:
        """Whether any official's decision is forced."""
        arrays = (self.leader_asks, self.leader_report, self.org_space, self.org_staff_hours)
        return (
            any(bool(np.any(array != MODEL)) for array in arrays)
            or any(name is not None for name in self.formats)
            or self.fund_issue != MODEL
            or self.disclose != MODEL
        )
