"""Compiled kernel of a deliberation meeting: initial opinions and bounded-confidence encounters.

:func:`meeting_opinions` draws the attendees' opinions on the proposal
(``deliberation.initial_opinions``) and runs the Deffuant-Weisbuch encounters of
``mechanisms.bounded_confidence`` on them, in one call instead of a dozen array calls
per round. It draws from the model's Generator in the same order (one normal per
attendee, then one uniform per attendee and round) and pairs attendees the same way
(a stable sort of the uniforms, neighbours in that order paired), so its opinions are
the array formulation's bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def meeting_opinions(
    rng: np.random.Generator,
    trust: np.ndarray,
    proposal: float,
    spread: float,
    trust_ceiling: float,
    epsilon: float,
    mu: float,
    encounters: int,
) -> np.ndarray:
    """Opinions of a meeting's attendees after ``encounters`` bounded-confidence encounters.

    Args:
        rng: The model's stream.
        trust: Trust of each attendee.
        proposal: The proposal's position on the opinion scale.
        spread: ``opinion_spread``: dispersion per unit of distrust.
        trust_ceiling: ``opinion_trust_ceiling``: trust at which opinions stop dispersing.
        epsilon: Confidence bound.
        mu: Convergence rate.
        encounters: Total encounters (pairs meeting), in rounds of disjoint pairs.

    Returns:
        The opinions, in [0, 1].
    """
    n = len(trust)
    opinions = np.empty(n)
    for k in range(n):
        opinions[k] = min(max(rng.normal(proposal, spread * (trust_ceiling - trust[k])), 0.0), 1.0)
    if n < 2:
        return opinions
    remaining = encounters
    while remaining > 0:
        order = np.argsort(rng.random(n), kind="mergesort")
        pairs = min(n // 2, remaining)
        for p in range(pairs):
            left, right = order[2 * p], order[2 * p + 1]
            difference = opinions[right] - opinions[left]
            shift = mu * difference * (abs(difference) < epsilon)
            opinions[left] += shift
            opinions[right] -= shift
        remaining -= pairs
    return opinions
