"""The social network's state: undirected, weighted ties among residents.

Ties live in a symmetric sparse structure with spare room per row
(:mod:`commsim.state.ties_kernel`): resident ``r``'s ties are one row, sorted by the
other end, stored in both ends' rows with the same strength in (0, 1]. Contact
strengthens or creates ties in place and the weekly decay works in place; a row that
runs out of room grows (all rows get spare room again), so nothing is rebuilt per step.
How ties form and fade is in :mod:`commsim.processes.network` and in the processes
where residents meet; the network measures of the outputs are here.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

import commsim.state.ties_kernel as kernel

INITIAL_ROOM = 8  # spare entries per row before the first ties are made
CLUSTERING_SAMPLE = 2000  # residents whose clustering is averaged each week (all if fewer have two ties)


class Ties:
    """Weighted undirected ties among ``n`` residents.

    Args:
        n: Number of resident slots.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.start = np.arange(n + 1, dtype=np.int64) * INITIAL_ROOM
        self.length = np.zeros(n, dtype=np.int64)
        self.column = np.zeros(n * INITIAL_ROOM, dtype=np.int64)
        self.weight = np.zeros(n * INITIAL_ROOM)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def _rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.start, self.length, self.column, self.weight

    def upper(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every tie once: ends ``i < j`` and strength, ordered by ``i`` then ``j``."""
        return kernel.upper_pairs(*self._rows, self._count)

    @property
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """The two ends (i < j) of every tie, ordered by i then j."""
        i, j, _ = self.upper()
        return i, j

    @property
    def keys(self) -> np.ndarray:
        """Each tie as the int64 key ``i * n + j`` (i < j), ascending."""
        i, j, _ = self.upper()
        return i * self.n + j

    @property
    def strength(self) -> np.ndarray:
        """Strength of every tie, in the order of :attr:`pairs`."""
        return self.upper()[2]

    def degree(self) -> np.ndarray:
        """Number of ties of each resident."""
        return self.length.copy()

    def strengthen(self, i: np.ndarray, j: np.ndarray, gain: float | np.ndarray) -> None:
        """Create ties between pairs, or strengthen existing ones, capped at 1.

        Gains of repeated contacts between the same pair add up before the cap.

        Args:
            i: One end of each contact.
            j: Other end of each contact.
            gain: Strength added (a new tie starts at ``gain``).
        """
        i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        if len(i) == 0:
            return
        gain = np.ascontiguousarray(np.broadcast_to(np.asarray(gain, dtype=float), i.shape))
        self.start, self.column, self.weight, created = kernel.strengthen(*self._rows, i, j, gain)
        self._count += created

    def decay(self, rate: float, floor: float) -> None:
        """Weaken every tie by ``rate`` (share per week) and dissolve those below ``floor``."""
        self._count = kernel.decay(*self._rows, 1.0 - rate, floor) // 2

    def remove_residents(self, slots: np.ndarray) -> None:
        """Dissolve every tie of the given slots (residents who moved out)."""
        if len(slots) == 0 or self._count == 0:
            return
        gone = np.zeros(self.n, dtype=np.bool_)
        gone[slots] = True
        self._count = kernel.remove(*self._rows, gone) // 2

    def adjacency(self) -> sp.csr_matrix:
        """Symmetric CSR matrix of tie strengths (a copy; for analysis and tests)."""
        indptr, indices, data = kernel.compact(*self._rows)
        return sp.csr_matrix((data, indices, indptr), shape=(self.n, self.n))

    def strength_between(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Strength of the tie between each pair ``(i[k], j[k])`` (0 where there is none)."""
        return kernel.weights_between(*self._rows, np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64))

    def share_of_ties(self, flag: np.ndarray) -> np.ndarray:
        """Share of each resident's ties for whom ``flag`` is true (0 without ties)."""
        return kernel.share_flagged(self.start, self.length, self.column, np.asarray(flag, dtype=np.int64))

    def random_neighbour(self, who: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One tie of each resident in ``who``, drawn in proportion to strength (-1 if none)."""
        who = np.asarray(who, dtype=np.int64)
        if not (self.length[who] > 0).any():
            return np.full(len(who), -1, dtype=np.int64)
        return kernel.weighted_pick(*self._rows, who, rng.random(len(who)))


def clustering_coefficient(ties: Ties, rng: np.random.Generator, sample: int = CLUSTERING_SAMPLE) -> float:
    """Average local clustering coefficient, exact up to ``sample`` nodes, else estimated.

    Args:
        ties: The network.
        rng: Random generator for the node sample.
        sample: Largest number of nodes evaluated.

    Returns:
        Mean over sampled nodes with degree >= 2 of triangles / possible triangles.
    """
    degree = ties.length
    nodes = np.flatnonzero(degree >= 2)
    if len(nodes) == 0:
        return 0.0
    if len(nodes) > sample:
        nodes = rng.choice(nodes, sample, replace=False)
    closed = kernel.triangles(ties.start, ties.length, ties.column, nodes.astype(np.int64))
    k = degree[nodes]
    return float(np.mean(closed / (k * (k - 1) / 2.0)))


def cross_building_share(ties: Ties, building: np.ndarray) -> float:
    """Share of ties that join residents of different buildings."""
    if len(ties) == 0:
        return 0.0
    return kernel.count_crossing(ties.start, ties.length, ties.column, np.asarray(building, dtype=np.int64)) / len(ties)
