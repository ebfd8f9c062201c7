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


@njit(cache=True)
def sorted_difference(items: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """The sorted unique values of ``items`` not in ``removed`` (what ``numpy.setdiff1d`` returns)."""
    ordered = np.sort(items)
    excluded = np.sort(removed)
    kept = np.empty(len(ordered), dtype=ordered.dtype)
    count = 0
    for k in range(len(ordered)):
        value = ordered[k]
        if k > 0 and value == ordered[k - 1]:
            continue
        position = np.searchsorted(excluded, value)
        if position < len(excluded) and excluded[position] == value:
            continue
        kept[count] = value
        count += 1
    return kept[:count]
