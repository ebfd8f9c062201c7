"""The social network's state: undirected, weighted ties among residents, as a sparse matrix.

Ties are stored once per pair (``i < j``) as sorted int64 keys with a strength in
(0, 1]; the symmetric CSR adjacency used by the processes is rebuilt lazily after a
change. How ties form and fade is in :mod:`commsim.processes.network` and in the
processes where residents meet; the network measures of the outputs are here.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def pair_keys(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """Encode unordered pairs as int64 keys ``min * n + max``; self-pairs give -1."""
    low, high = np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
    return np.where(low == high, -1, low * n + high)


class Ties:
    """Weighted undirected ties among ``n`` residents.

    Args:
        n: Number of resident slots.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.keys = np.zeros(0, dtype=np.int64)
        self.strength = np.zeros(0)
        self._adjacency: sp.csr_matrix | None = None

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """The two ends (i < j) of every tie."""
        return np.divmod(self.keys, self.n)

    def strengthen(self, i: np.ndarray, j: np.ndarray, gain: float | np.ndarray) -> None:
        """Create ties between pairs, or strengthen existing ones, capped at 1.

        Args:
            i: One end of each contact.
            j: Other end of each contact.
            gain: Strength added (a new tie starts at ``gain``).
        """
        keys = pair_keys(np.asarray(i), np.asarray(j), self.n)
        gain = np.broadcast_to(np.asarray(gain, dtype=float), keys.shape)
        valid = keys >= 0
        if not valid.any():
            return
        keys, gain = keys[valid], gain[valid]
        keys, inverse = np.unique(keys, return_inverse=True)
        gain = np.bincount(inverse, weights=gain, minlength=len(keys))
        position = np.searchsorted(self.keys, keys)
        found = position < len(self.keys)
        found[found] = self.keys[position[found]] == keys[found]
        self.strength[position[found]] = np.minimum(1.0, self.strength[position[found]] + gain[found])
        if (~found).any():
            new_keys = keys[~found]
            insert_at = position[~found]
            self.keys = np.insert(self.keys, insert_at, new_keys)
            self.strength = np.insert(self.strength, insert_at, np.minimum(1.0, gain[~found]))
        self._adjacency = None

    def decay(self, rate: float, floor: float) -> None:
        """Weaken every tie by ``rate`` (share per week) and dissolve those below ``floor``."""
        self.strength *= 1.0 - rate
        keep = self.strength >= floor
        if not keep.all():
            self.keys, self.strength = self.keys[keep], self.strength[keep]
        self._adjacency = None

    def remove_residents(self, slots: np.ndarray) -> None:
        """Dissolve every tie of the given slots (residents who moved out)."""
        if len(slots) == 0 or len(self.keys) == 0:
            return
        gone = np.zeros(self.n, dtype=bool)
        gone[slots] = True
        i, j = self.pairs
        keep = ~(gone[i] | gone[j])
        self.keys, self.strength = self.keys[keep], self.strength[keep]
        self._adjacency = None

    def adjacency(self) -> sp.csr_matrix:
        """Symmetric CSR matrix of tie strengths (cached until the ties change).

        The stored keys order the upper triangle by row and column, so it is already a
        canonical CSR matrix; adding its transpose gives the symmetric matrix without the
        sorting and duplicate-summing of a general COO conversion. No entry repeats,
        because each pair is stored once (i < j).
        """
        if self._adjacency is None:
            i, j = self.pairs
            indptr = np.zeros(self.n + 1, dtype=np.int64)
            np.cumsum(np.bincount(i, minlength=self.n), out=indptr[1:])
            upper = sp.csr_matrix((self.strength, j, indptr), shape=(self.n, self.n))
            self._adjacency = (upper + upper.T).tocsr()
        return self._adjacency

    def share_of_ties(self, flag: np.ndarray) -> np.ndarray:
        """Share of each resident's ties for whom ``flag`` is true (0 without ties)."""
        i, j = self.pairs
        degree = np.bincount(i, minlength=self.n) + np.bincount(j, minlength=self.n)
        hits = np.bincount(i, weights=flag[j], minlength=self.n) + np.bincount(j, weights=flag[i], minlength=self.n)
        return np.divide(hits, degree, out=np.zeros(self.n), where=degree > 0)

    def random_neighbour(self, who: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One tie of each resident in ``who``, drawn in proportion to strength (-1 if none)."""
        adjacency = self.adjacency()
        start, stop = adjacency.indptr[who], adjacency.indptr[who + 1]
        result = np.full(len(who), -1, dtype=np.int64)
        has = stop > start
        if not has.any():
            return result
        cumulative = np.cumsum(adjacency.data)
        before = np.where(start > 0, cumulative[np.maximum(start - 1, 0)], 0.0)
        total = cumulative[stop - 1] - before
        target = before + rng.random(len(who)) * np.where(has, total, 0.0)
        pick = np.searchsorted(cumulative, target, side="right")
        pick = np.clip(pick, start, np.maximum(stop - 1, start))
        result[has] = adjacency.indices[pick[has]]
        return result


def clustering_coefficient(ties: Ties, rng: np.random.Generator, sample: int = 2000) -> float:
    """Average local clustering coefficient, exact up to ``sample`` nodes, else estimated.

    Args:
        ties: The network.
        rng: Random generator for the node sample.
        sample: Largest number of nodes evaluated.

    Returns:
        Mean over sampled nodes with degree >= 2 of triangles / possible triangles.
    """
    adjacency = ties.adjacency()
    # The same structure with every strength 1, sharing the index arrays (no copy).
    pattern = sp.csr_matrix((np.ones(adjacency.nnz), adjacency.indices, adjacency.indptr), shape=adjacency.shape)
    degree = np.diff(pattern.indptr)
    nodes = np.flatnonzero(degree >= 2)
    if len(nodes) == 0:
        return 0.0
    if len(nodes) > sample:
        nodes = rng.choice(nodes, sample, replace=False)
    rows = pattern[nodes]
    triangles = np.asarray((rows @ pattern).multiply(rows).sum(axis=1)).ravel() / 2.0
    k = degree[nodes]
    return float(np.mean(triangles / (k * (k - 1) / 2.0)))


def cross_building_share(ties: Ties, building: np.ndarray) -> float:
    """Share of ties that join residents of different buildings."""
    if len(ties) == 0:
        return 0.0
    i, j = ties.pairs
    return float(np.mean(building[i] != building[j]))
