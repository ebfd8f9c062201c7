"""Process 1 — churn: migrants move out and newcomers take their dwellings.

Migrants move out at the rate ``migrant_turnover_per_year`` (per year): each week a
migrant leaves with probability ``1 - exp(-rate / 52)``, so that a share
``1 - exp(-rate)`` of the migrants present at the start of a year leaves within it. The newcomer is a migrant with no
ties, low belonging and low trust; roles, points and ties of the leaver are lost, and
the leaver's time credits return to the time bank's pool (credits are conserved).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from commsim.config.declaration import Params
from commsim.state.residents import Residents, draw_residents
from commsim.state.ties import Ties
from commsim.state.timescale import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from commsim.processes.time_bank import TimeBank


@dataclass(frozen=True, slots=True)
class ChurnContext:
    """What churn reads and writes.

    Attributes:
        params: Resolved parameters (turnover, and how newcomers are drawn).
        residents: Resident slots (a leaver's slot gets a newcomer).
        ties: The network (a leaver's ties are deleted).
        time_bank: The time bank (a leaver's balance returns to its pool).
        rng: The model's stream (who leaves, who arrives).
        step: This week's step (the newcomers' arrival).
    """

    params: Params
    residents: Residents
    ties: Ties
    time_bank: TimeBank
    rng: np.random.Generator
    step: int


def weekly_leave_probability(turnover_per_year: float) -> float:
    """Weekly probability of leaving for a move-out rate of ``turnover_per_year`` per year."""
    return float(-np.expm1(-turnover_per_year / WEEKS_PER_YEAR))


def run_churn(ctx: ChurnContext) -> np.ndarray:
    """Replace leaving migrants with newcomers; return the slots that changed hands."""
    params, residents, rng = ctx.params, ctx.residents, ctx.rng
    p = weekly_leave_probability(params["migrant_turnover_per_year"])
    leaving = np.flatnonzero(residents.migrant & (rng.random(len(residents)) < p))
    if len(leaving) == 0:
        return leaving
    ctx.time_bank.take_back(residents.credits[leaving])
    newcomers = draw_residents(residents.building[leaving], params, rng, step=ctx.step, newcomers=True)
    residents.replace(leaving, newcomers)
    ctx.ties.remove_residents(leaving)
    return leaving
