"""Network dynamics: the initial neighbourly ties, and ties fading without contact.

At the start each resident has a few ties, mostly within the own building and otherwise
within the compound, formed more readily among residents alike in age group and tenure
(homophily; McPherson, Smith-Lovin & Cook 2001). Contact — sessions attended together
(focus theory, Feld 1981), meetings, help — strengthens ties in the processes where it
happens; every week all ties weaken, and those below a floor dissolve, so only ties
without contact fade.
"""

from __future__ import annotations

import numpy as np

from commsim.config.declaration import Params
from commsim.state.layout import Layout
from commsim.state.residents import Residents
from commsim.state.ties import Ties

INITIAL_STRENGTH = (0.3, 1.0)  # initial ties' strengths are uniform in this range


def initial_network(residents: Residents, layout: Layout, params: Params, rng: np.random.Generator) -> Ties:
    """The network at the start: :func:`initial_ties` with uniform strengths."""
    ties = Ties(len(residents))
    i, j = initial_ties(
        residents.building,
        layout.building_start,
        layout.building_compound,
        layout.compound_building_start,
        residents.age_group * 2 + residents.migrant,
        mean_degree=params["initial_mean_degree"],
        share_within_building=params["share_initial_ties_within_building"],
        homophily=params["homophily"],
        rng=rng,
    )
    ties.strengthen(i, j, rng.uniform(*INITIAL_STRENGTH, len(i)))
    return ties


def weaken_ties(ties: Ties, params: Params) -> None:
    """Ties weaken without contact and dissolve below the floor (contact this week renewed them)."""
    ties.decay(params["tie_decay_per_week"], params["tie_floor"])


def initial_ties(
    building: np.ndarray,
    building_start: np.ndarray,
    compound_of_building: np.ndarray,
    compound_building_start: np.ndarray,
    similarity_key: np.ndarray,
    *,
    mean_degree: float,
    share_within_building: float,
    homophily: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw the initial neighbourly ties.

    Each resident starts about ``mean_degree / 2`` ties; a partner is drawn from the own
    building (with probability ``share_within_building``) or else from the own compound.
    Homophily: of two candidate partners the one with the same ``similarity_key`` (age
    group and tenure) is preferred with probability ``homophily``.

    Args:
        building: Building of each resident slot (slots ordered by building).
        building_start: First slot of each building; length buildings + 1.
        compound_of_building: Compound of each building (buildings ordered by compound).
        compound_building_start: First building of each compound.
        similarity_key: Integer group of each resident for homophily.
        mean_degree: Target mean number of ties.
        share_within_building: Share of ties within the building.
        homophily: Preference for similar partners in [0, 1].
        rng: Random generator.

    Returns:
        The two ends of each tie (duplicates and self-ties are removed by :class:`Ties`).
    """
    n = len(building)
    stubs = rng.poisson(mean_degree / 2.0, size=n)
    source = np.repeat(np.arange(n), stubs)
    if len(source) == 0:
        return source, source
    source_building = building[source]
    within = rng.random(len(source)) < share_within_building
    compound = compound_of_building[source_building]
    slot_lo = np.where(within, building_start[source_building], building_start[compound_building_start[compound]])
    slot_hi = np.where(
        within, building_start[source_building + 1], building_start[compound_building_start[compound + 1]]
    )
    width = slot_hi - slot_lo
    first = slot_lo + (rng.random(len(source)) * width).astype(np.int64)
    second = slot_lo + (rng.random(len(source)) * width).astype(np.int64)
    alike_first = similarity_key[first] == similarity_key[source]
    alike_second = similarity_key[second] == similarity_key[source]
    prefer_alike = rng.random(len(source)) < homophily
    take_second = prefer_alike & ~alike_first & alike_second
    partner = np.where(take_second, second, first)
    return source, partner
