"""Mutual aid's kernels: the time bank's helper draw and first come, first served, exactly as before.

The reference below is the formulation the kernel replaced: a running count of members
over every building's list of buildings in reach, searched for each requester's draw.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import commsim.processes.mutual_aid_kernel as mutual_aid_kernel
from commsim import CommunityModel
from commsim.processes.time_bank import MemberIndex

BUSY = {
    "profile": "old_inner_city",
    "policy": "complete_community",
    "time_bank": True,
    "platform_reach": 0.5,
    "leader_coverage": 1.0,
}


def reference_draw(index: MemberIndex, buildings: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Members drawn through a running count over all buildings' lists (the kernel's reference)."""
    indptr, indices, members = index.near_indptr, index.near_indices, index.members
    per_building = np.diff(index.member_start)
    cumulative = np.concatenate([[0], np.cumsum(per_building[indices])])
    low, high = cumulative[indptr[buildings]], cumulative[indptr[buildings + 1]]
    total = high - low
    target = low + (uniform * total).astype(np.int64)
    position = np.searchsorted(cumulative, target, side="right") - 1
    chosen = indices[np.minimum(position, len(indices) - 1)]
    offset = target - cumulative[np.minimum(position, len(cumulative) - 1)]
    slot = (
        members[np.minimum(index.member_start[chosen] + offset, max(len(members) - 1, 0))]
        if len(members)
        else np.zeros(len(buildings), dtype=np.int64)
    )
    return np.where(total > 0, slot, -1)


@pytest.fixture(scope="module")
def pickled_week() -> bytes:
    model = CommunityModel(rng=5, n_residents=1500, **BUSY)
    for _ in range(12):
        model.step()
    return pickle.dumps(model)


@pytest.mark.parametrize(("radius", "share"), [(300.0, 1.0), (150.0, 0.05), (1e-6, 0.3)])
def test_member_draw_equals_the_running_count_formulation(pickled_week, radius, share):
    model = pickle.loads(pickled_week)
    picker = np.random.default_rng(1)
    model.residents.time_bank_member[:] = picker.random(len(model.residents)) < share  # some buildings without members
    model.time_bank.near = None
    index = model.time_bank.members_within_reach(model.residents, model.layout, model.p | {"matching_radius_m": radius})
    buildings = picker.integers(0, model.layout.n_buildings, 5000)
    state = model.rng.bit_generator.state
    drawn = index.draw(buildings, model.rng)
    model.rng.bit_generator.state = state
    expected = reference_draw(index, buildings, model.rng.random(len(buildings)))
    assert np.array_equal(drawn, expected)
    found = drawn >= 0
    assert found.any()
    assert model.residents.time_bank_member[drawn[found]].all()


def test_no_member_anywhere_draws_nobody(pickled_week):
    model = pickle.loads(pickled_week)
    model.residents.time_bank_member[:] = False
    index = model.time_bank.members_within_reach(model.residents, model.layout, model.p)
    assert (index.draw(np.arange(model.layout.n_buildings), model.rng) == -1).all()


def reference_first_of_each(helpers: np.ndarray, order: np.ndarray) -> np.ndarray:
    """The first request in ``order`` for each helper, through ``numpy.unique`` (the kernel's reference)."""
    _, first = np.unique(helpers[order], return_index=True)
    keep = np.zeros(len(helpers), dtype=bool)
    keep[order[first]] = True
    return keep


@pytest.mark.parametrize("seed", range(5))
def test_first_come_keeps_numpy_uniques_first_occurrences(seed):
    rng = np.random.default_rng(seed)
    helpers = rng.integers(0, 40, 200)  # many requests want the same helper
    order = rng.permutation(np.flatnonzero(rng.random(200) < 0.7))
    keep = mutual_aid_kernel.first_of_each(helpers, order)
    assert np.array_equal(keep, reference_first_of_each(helpers, order))
    assert len(set(helpers[keep].tolist())) == keep.sum() == len(set(helpers[order].tolist()))
