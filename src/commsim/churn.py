"""Process 1 — churn: migrants move out and newcomers take their dwellings.

Each week a migrant leaves with probability ``1 - (1 - turnover)^(1/52)``, so that a
share ``migrant_turnover_per_year`` leaves in a year. The newcomer is a migrant with no
ties, low belonging and low trust; roles, points and ties of the leaver are lost, and
the leaver's time credits return to the time bank's pool (credits are conserved).
"""

from __future__ import annotations

import numpy as np

from commsim.population import draw_residents


def weekly_leave_probability(turnover_per_year: float) -> float:
    """Weekly probability of leaving that gives ``turnover_per_year`` leavers a year."""
    return 1.0 - (1.0 - min(turnover_per_year, 0.999999)) ** (1.0 / 52.0)


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
