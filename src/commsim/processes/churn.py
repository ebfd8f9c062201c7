"""Process 1 — churn: migrants move out and newcomers take their dwellings.

Migrants move out at the rate ``migrant_turnover_per_year`` (per year): each week a
migrant leaves with probability ``1 - exp(-rate / 52)``, so that a share
``1 - exp(-rate)`` of the migrants present at the start of a year leaves within it. The newcomer is a migrant with no
ties, low belonging and low trust; roles, points and ties of the leaver are lost, and
the leaver's time credits return to the time bank's pool (credits are conserved).
"""

from __future__ import annotations

import numpy as np

from commsim.state.residents import draw_residents


def weekly_leave_probability(turnover_per_year: float) -> float:
    """Weekly probability of leaving for a move-out rate of ``turnover_per_year`` per year."""
    return float(-np.expm1(-turnover_per_year / 52.0))


def run_churn(model) -> np.ndarray:
    """Replace leaving migrants with newcomers; return the slots that changed hands."""
    params, residents, rng = model.p, model.residents, model.rng
    p = weekly_leave_probability(params["migrant_turnover_per_year"])
    leaving = np.flatnonzero(residents.migrant & (rng.random(len(residents)) < p))
    if len(leaving) == 0:
        return leaving
    model.time_bank_pool += float(residents.credits[leaving].sum())
    newcomers = draw_residents(residents.building[leaving], params, rng, step=model.steps, newcomers=True)
    residents.replace(leaving, newcomers)
    model.ties.remove_residents(leaving)
    model.week.moved_in = len(leaving)
    return leaving
