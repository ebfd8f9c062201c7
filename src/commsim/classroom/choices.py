"""A student's choices for the open week, checked on the server, and how they reach the model.

A resident's student decides four things each week, each a yes or no: go to a session
they heard of, go to a meeting on an issue they are invited to or read the notice of, ask
for help, offer help when asked. The choices reach the model as
:class:`commsim.state.forced.Forced`; a student who did not choose in time leaves the
week's decisions to the model's own rules.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictBool

from commsim.state.forced import DECISIONS, Forced


class ResidentChoice(BaseModel):
    """What a resident's student chose for the week (every field a strict true or false)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    activity: StrictBool = False
    deliberation: StrictBool = False
    ask_help: StrictBool = False
    offer_help: StrictBool = False


def forced_by(n: int, choices: dict[int, ResidentChoice]) -> Forced:
    """The week's forced decisions: each played resident's choices (slot to choice), the model's elsewhere."""
    return Forced.from_decisions(
        n, {slot: {decision: getattr(choice, decision) for decision in DECISIONS} for slot, choice in choices.items()}
    )
