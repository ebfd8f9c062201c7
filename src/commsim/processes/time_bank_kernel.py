"""Compiled kernel of the time bank's helper draw: per requester, no prefix array over buildings.

:func:`draw_members` gives each requester a member living within the matching radius,
every such member equally likely, by walking the requester's own list of buildings in
reach (their member counts) instead of a running count over every building's list. It
maps the same uniform draw to the same member as the running-count formulation (the
``target``-th member within reach, buildings in the order of the list, members by slot
within a building), so its helpers are that formulation's exactly.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def draw_members(
    uniform: np.ndarray,
    buildings: np.ndarray,
    near_indptr: np.ndarray,
    near_indices: np.ndarray,
    member_start: np.ndarray,
    members: np.ndarray,
) -> np.ndarray:
    """A member within reach of each requester's building, or -1 where none lives within reach.

    Args:
        uniform: One uniform draw in [0, 1) per requester.
        buildings: Building of each requester.
        near_indptr: CSR row pointers of the buildings within reach of each building.
        near_indices: CSR column indices (the buildings within reach).
        member_start: Start of each building's members in ``members`` (length buildings + 1).
        members: Member slots grouped by building.

    Returns:
        A member's slot per requester, or -1.
    """
    chosen = np.full(len(buildings), -1, dtype=np.int64)
    for r in range(len(buildings)):
        b = buildings[r]
        total = 0
        for k in range(near_indptr[b], near_indptr[b + 1]):
            c = near_indices[k]
            total += member_start[c + 1] - member_start[c]
        if total == 0:
            continue
        target = np.int64(uniform[r] * total)
        for k in range(near_indptr[b], near_indptr[b + 1]):
            c = near_indices[k]
            count = member_start[c + 1] - member_start[c]
            if target < count:
                chosen[r] = members[member_start[c] + target]
                break
            target -= count
    return chosen
