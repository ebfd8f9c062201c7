"""Compiled kernel of mutual aid's matching: first come, first served.

:func:`first_of_each` keeps, in a random order of the requests, the first request for
each helper, as ``numpy.unique``'s first occurrences of the helpers in that order did,
with one pass over the requests instead of a sort.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def first_of_each(helpers: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Keep, for each helper, the first request in ``order`` that wants them.

    Args:
        helpers: Helper wanted by each request.
        order: Requests to consider, in the (random) order they are served.

    Returns:
        A mask over requests: True where the request keeps its helper (``numpy.unique``'s
        first occurrence of each helper in ``helpers[order]``).
    """
    keep = np.zeros(len(helpers), dtype=np.bool_)
    taken = set()
    for k in range(len(order)):
        request = order[k]
        helper = helpers[request]
        if helper not in taken:
            taken.add(helper)
            keep[request] = True
    return keep
