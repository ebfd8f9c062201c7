"""Compiled kernels of the outputs: the per-resident outputs in one call, the clustering coefficient in another.

:func:`resident_outputs` gives, in one call per week, every output computed over the
residents but the inequality of acts: the counts of :mod:`commsim.state.census_kernel`,
the four attitude means, the volunteers' mean burnout, informal helping over a year and
the circulation of time credits. :func:`network_clustering` draws the
clustering coefficient's sample and counts its triangles. Each keeps the array
formulation's results to the bit: sums are numpy's pairwise sums
(:func:`commsim.processes.numpy_kernel.numpy_sum`), the sample is numpy's
``choice(replace=False)`` rebuilt, and every other operation is a comparison, a count or
an IEEE operation in the order the array code applied it. The Gini and the top-10% share
of acts stay numpy's: the Gini sorts the residents' acts, and numpy's sort is three to
four times faster than numba's; the top share sums numpy's ``partition``, whose order of
the top values (on which their pairwise sum depends) a kernel cannot know.

numba's cache of :func:`resident_outputs` does not notice a change to the kernels it
calls: after editing :mod:`commsim.state.census_kernel`, touch this module too (last:
holding a volunteer role counts as taking part).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from commsim.processes.numpy_kernel import numpy_choice, numpy_sum
from commsim.state.census_kernel import resident_counts
from commsim.state.ties_kernel import triangles

# Positions in the floating-point array returned by resident_outputs.
MEAN_BELONGING, MEAN_TRUST, MEAN_EFFICACY, MEAN_SATISFACTION = 0, 1, 2, 3
VOLUNTEER_BURNOUT = 4
INFORMAL_HELPING_YEAR = 5
CREDITS_IDLE_SHARE, SPENDERS_OVERDRAWN = 6, 7
N_OUTPUTS = 8


@njit(cache=True)
def credit_circulation(member: np.ndarray, credits: np.ndarray, credits_paid: np.ndarray) -> tuple[float, float]:
    """Share of members' positive credits held by members who never spent, and share of spenders overdrawn."""
    n = len(member)
    held = np.zeros(n)
    idle = np.empty(n)
    n_idle = spenders = overdrawn = 0
    for i in range(n):
        if member[i]:
            # As numpy's maximum: a credit of -0.0 is kept as -0.0.
            held[i] = credits[i] if credits[i] >= 0.0 else 0.0
        spent = member[i] and credits_paid[i] > 0
        if spent:
            spenders += 1
            if credits[i] < 0:
                overdrawn += 1
        else:
            idle[n_idle] = held[i]
            n_idle += 1
    total = numpy_sum(held)
    idle_share = numpy_sum(idle[:n_idle]) / total if total > 0 else 0.0
    return idle_share, overdrawn / spenders if spenders else 0.0


@njit(cache=True)
def resident_outputs(
    census: tuple,
    attitudes: tuple,
    burnout: np.ndarray,
    last_helped_informally: np.ndarray,
    credits: np.ndarray,
    credits_paid: np.ndarray,
    recent_after: int,
    year_after: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The counts and the floating-point outputs over the residents, in one call.

    Args:
        census: The arrays :func:`commsim.state.census_kernel.resident_counts` reads, in
            its order (age group to time-bank membership).
        attitudes: Belonging, trust, efficacy and satisfaction of each resident.
        burnout: Each resident's burnout (averaged over role holders).
        last_helped_informally: Step of each resident's last informal help.
        credits: Time-credit balance of each resident.
        credits_paid: Credits each resident has paid.
        recent_after: A last act counts as recent when its step is above this.
        year_after: A last act counts within the year when its step is above this.

    Returns:
        The counts (positions of ``census_kernel``) and ``N_OUTPUTS`` floats at the
        positions named by this module's constants.
    """
    age_group, migrant, elderly_care, with_children, disability, low_income = census[:6]
    last_activities, last_deliberation, last_mutual_aid, last_volunteered, role, member = census[6:]
    counts = resident_counts(
        age_group,
        migrant,
        elderly_care,
        with_children,
        disability,
        low_income,
        last_activities,
        last_deliberation,
        last_mutual_aid,
        last_volunteered,
        role,
        member,
        recent_after,
        year_after,
    )
    n = len(age_group)
    outputs = np.zeros(N_OUTPUTS)
    for position in range(4):
        outputs[MEAN_BELONGING + position] = numpy_sum(attitudes[position]) / n
    holders = np.empty(n)
    n_holders = helped = 0
    for i in range(n):
        if role[i] != 0:
            holders[n_holders] = burnout[i]
            n_holders += 1
        if last_helped_informally[i] > year_after:
            helped += 1
    if n_holders:
        outputs[VOLUNTEER_BURNOUT] = numpy_sum(holders[:n_holders]) / n_holders
    outputs[INFORMAL_HELPING_YEAR] = helped / n
    idle_share, overdrawn = credit_circulation(member, credits, credits_paid)
    outputs[CREDITS_IDLE_SHARE], outputs[SPENDERS_OVERDRAWN] = idle_share, overdrawn
    return counts, outputs


@njit(cache=True)
def network_clustering(
    start: np.ndarray, length: np.ndarray, column: np.ndarray, rng: np.random.Generator, sample: int
) -> float:
    """``ties.clustering_coefficient`` bit for bit: the same sample from ``rng``, the same triangles and mean."""
    nodes = np.flatnonzero(length >= 2)
    if len(nodes) == 0:
        return 0.0
    if len(nodes) > sample:
        nodes = nodes[numpy_choice(rng, len(nodes), sample)]
    closed = triangles(start, length, column, nodes)
    share = np.empty(len(nodes))
    for t in range(len(nodes)):
        k = length[nodes[t]]
        share[t] = closed[t] / (k * (k - 1) / 2.0)
    return numpy_sum(share) / len(nodes)
