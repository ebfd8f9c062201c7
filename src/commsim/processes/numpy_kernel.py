"""numpy's own results inside compiled code, where numba's versions differ.

numba reproduces numpy's random streams for ``random``, ``normal``, ``integers`` and
``permutation`` but not ``choice(replace=False)`` (:func:`numpy_choice` rebuilds its draws
and result bit for bit); its ``sum`` adds in order where numpy sums pairwise
(:func:`numpy_sum`, :func:`numpy_std` follow numpy's blocks); and its ``tanh`` differs in
the last bit, so the logistic is computed by numpy itself (:func:`numpy_logistic`, in
object mode).
"""

from __future__ import annotations

import numpy as np
from numba import njit, objmode

from commsim.mechanisms import logistic


@njit(cache=True)
def numpy_logistic(x: np.ndarray) -> np.ndarray:
    """``mechanisms.logistic`` as numpy computes it (numba's tanh differs in the last bit)."""
    with objmode(result="float64[:]"):
        result = logistic(x)
    return result


@njit(cache=True)
def _block_sum(values: np.ndarray, first: int, n: int) -> float:
    """Numpy's sum of a block of at most 128 values (eight accumulators past eight values)."""
    if n < 8:
        total = -0.0
        for k in range(n):
            total += values[first + k]
        return total
    partial = values[first : first + 8].copy()
    k = 8
    while k < n - (n % 8):
        for lane in range(8):
            partial[lane] += values[first + k + lane]
        k += 8
    low = (partial[0] + partial[1]) + (partial[2] + partial[3])
    total = low + ((partial[4] + partial[5]) + (partial[6] + partial[7]))
    while k < n:
        total += values[first + k]
        k += 1
    return total


@njit(cache=True)
def _pairwise(values: np.ndarray, first: int, n: int) -> float:
    """Numpy's pairwise sum of ``values[first:first + n]``, on explicit stacks (numba caches no recursion)."""
    task_first = np.empty(256, dtype=np.int64)
    task_n = np.empty(256, dtype=np.int64)  # -1 marks "add the last two sums"
    sums = np.empty(128)
    tasks, depth = 1, 0
    task_first[0], task_n[0] = first, n
    while tasks:
        tasks -= 1
        start, count = task_first[tasks], task_n[tasks]
        if count < 0:
            depth -= 1
            sums[depth - 1] = sums[depth - 1] + sums[depth]
        elif count <= 128:
            sums[depth] = _block_sum(values, start, count)
            depth += 1
        else:
            half = count // 2
            half -= half % 8
            task_first[tasks], task_n[tasks] = 0, -1
            task_first[tasks + 1], task_n[tasks + 1] = start + half, count - half
            task_first[tasks + 2], task_n[tasks + 2] = start, half
            tasks += 3
    return sums[0]


@njit(cache=True)
def numpy_sum(values: np.ndarray) -> float:
    """``values.sum()`` bit for bit as numpy computes it (pairwise, from an initial 0)."""
    return 0.0 + _pairwise(values, 0, len(values))


@njit(cache=True)
def numpy_std(values: np.ndarray) -> float:
    """``np.std(values)`` bit for bit as numpy computes it."""
    n = len(values)
    mean = numpy_sum(values) / n
    squares = np.empty(n)
    for k in range(n):
        squares[k] = (values[k] - mean) * (values[k] - mean)
    return np.sqrt(numpy_sum(squares) / n)


@njit(cache=True)
def numpy_choice(rng: np.random.Generator, population: int, size: int) -> np.ndarray:
    """``rng.choice(population, size, replace=False)``: numpy's draws and result, bit for bit.

    As numpy: a tail shuffle for large draws from large populations, else Floyd's algorithm
    with a hash set, then a shuffle of the chosen; bounded integers as ``rng.integers``.
    """
    if population > 10000 and size > population // 50:
        everyone = np.arange(population)
        for k in range(population - 1, max(population - size, 1) - 1, -1):
            swap = rng.integers(0, k + 1)
            everyone[k], everyone[swap] = everyone[swap], everyone[k]
        return everyone[population - size :].copy()
    chosen = np.empty(size, dtype=np.int64)
    mask = 0
    while mask < int(1.2 * size):
        mask = (mask << 1) | 1
    table = np.full(mask + 1, -1, dtype=np.int64)
    for j in range(population - size, population):
        value = rng.integers(0, j + 1)
        loc = value & mask
        while table[loc] != -1 and table[loc] != value:
            loc = (loc + 1) & mask
        if table[loc] == -1:
            table[loc] = value
            chosen[j - population + size] = value
        else:
            loc = j & mask
            while table[loc] != -1:
                loc = (loc + 1) & mask
            table[loc] = j
            chosen[j - population + size] = j
    for k in range(size - 1, 0, -1):
        swap = rng.integers(0, k + 1)
        chosen[k], chosen[swap] = chosen[swap], chosen[k]
    return chosen
