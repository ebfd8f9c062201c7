"""Compiled kernels of the tie store: a symmetric sparse structure with spare room per row.

Row ``r`` of the structure holds the ties of resident ``r`` in ``column`` and
``weight`` at positions ``start[r] .. start[r] + length[r]``, columns ascending; the
room of the row ends at ``start[r + 1]``. Each tie is stored in both rows with the same
weight, so every query reads one row. The kernels keep every floating-point operation
of the sparse-matrix code they replace in the same order (sums of gains in input order,
one running sum of weights over the rows), so results do not change by a bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def find(start: np.ndarray, length: np.ndarray, column: np.ndarray, row: int, target: int) -> int:
    """Position of ``target`` in ``row``, or -1-(insertion position) if absent (binary search)."""
    low, high = start[row], start[row] + length[row]
    while low < high:
        middle = (low + high) // 2
        if column[middle] < target:
            low = middle + 1
        else:
            high = middle
    if low < start[row] + length[row] and column[low] == target:
        return low
    return -1 - low


@njit(cache=True)
def regrow(
    start: np.ndarray, length: np.ndarray, column: np.ndarray, weight: np.ndarray, need: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A copy of the structure with room in every row for ``need`` more entries and some spare."""
    n = len(length)
    new_start = np.zeros(n + 1, dtype=np.int64)
    for row in range(n):
        wanted = length[row] + need[row]
        new_start[row + 1] = new_start[row] + wanted + max(4, wanted // 2)
    new_column = np.empty(new_start[n], dtype=np.int64)
    new_weight = np.empty(new_start[n], dtype=np.float64)
    for row in range(n):
        source, target = start[row], new_start[row]
        for k in range(length[row]):
            new_column[target + k] = column[source + k]
            new_weight[target + k] = weight[source + k]
    return new_start, new_column, new_weight


@njit(cache=True)
def _insert(
    start: np.ndarray, length: np.ndarray, column: np.ndarray, weight: np.ndarray, row: int, col: int, w: float
) -> None:
    """Insert ``(col, w)`` into ``row`` keeping its columns sorted (room is there)."""
    position = -1 - find(start, length, column, row, col)
    stop = start[row] + length[row]
    for k in range(stop, position, -1):
        column[k] = column[k - 1]
        weight[k] = weight[k - 1]
    column[position] = col
    weight[position] = w
    length[row] += 1


@njit(cache=True)
def strengthen(
    start: np.ndarray,
    length: np.ndarray,
    column: np.ndarray,
    weight: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    gain: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Add contacts: gains of a pair summed in input order, new ties created, strengths capped at 1.

    Returns:
        ``(start, column, weight, created)``: the structure (new arrays if a row had to
        grow) and the number of ties created.
    """
    n = len(length)
    m = len(first)
    keys = np.empty(m, dtype=np.int64)
    for t in range(m):
        low, high = min(first[t], second[t]), max(first[t], second[t])
        keys[t] = -1 if low == high else low * n + high
    order = np.argsort(keys, kind="mergesort")
    new_low = np.empty(m, dtype=np.int64)
    new_high = np.empty(m, dtype=np.int64)
    new_weight = np.empty(m, dtype=np.float64)
    need = np.zeros(n, dtype=np.int64)
    created = 0
    t = 0
    while t < m:
        key = keys[order[t]]
        total = 0.0
        while t < m and keys[order[t]] == key:
            total += gain[order[t]]
            t += 1
        if key < 0:
            continue
        low, high = key // n, key % n
        position = find(start, length, column, low, high)
        if position >= 0:
            value = min(1.0, weight[position] + total)
            weight[position] = value
            weight[find(start, length, column, high, low)] = value
        else:
            new_low[created], new_high[created], new_weight[created] = low, high, min(1.0, total)
            need[low] += 1
            need[high] += 1
            created += 1
    for row in range(n):
        if length[row] + need[row] > start[row + 1] - start[row]:
            start, column, weight = regrow(start, length, column, weight, need)
            break
    for k in range(created):
        _insert(start, length, column, weight, new_low[k], new_high[k], new_weight[k])
        _insert(start, length, column, weight, new_high[k], new_low[k], new_weight[k])
    return start, column, weight, created


@njit(cache=True)
def decay(
    start: np.ndarray, length: np.ndarray, column: np.ndarray, weight: np.ndarray, keep_share: float, floor: float
) -> int:
    """Multiply every weight by ``keep_share`` and drop entries below ``floor``, in place; entries left."""
    total = 0
    for row in range(len(length)):
        base, kept = start[row], 0
        for k in range(length[row]):
            value = weight[base + k] * keep_share
            if value >= floor:
                column[base + kept] = column[base + k]
                weight[base + kept] = value
                kept += 1
        length[row] = kept
        total += kept
    return total


@njit(cache=True)
def remove(start: np.ndarray, length: np.ndarray, column: np.ndarray, weight: np.ndarray, gone: np.ndarray) -> int:
    """Drop every entry in a row of, or pointing to, a resident flagged in ``gone``; entries left."""
    total = 0
    for row in range(len(length)):
        if gone[row]:
            length[row] = 0
            continue
        base, kept = start[row], 0
        for k in range(length[row]):
            if not gone[column[base + k]]:
                column[base + kept] = column[base + k]
                weight[base + kept] = weight[base + k]
                kept += 1
        length[row] = kept
        total += kept
    return total


@njit(cache=True)
def upper_pairs(
    start: np.ndarray, length: np.ndarray, column: np.ndarray, weight: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every tie once as ``(i, j, strength)`` with ``i < j``, ordered by ``i`` then ``j``."""
    i = np.empty(count, dtype=np.int64)
    j = np.empty(count, dtype=np.int64)
    strength = np.empty(count, dtype=np.float64)
    t = 0
    for row in range(len(length)):
        for k in range(start[row], start[row] + length[row]):
            if column[k] > row:
                i[t], j[t], strength[t] = row, column[k], weight[k]
                t += 1
    return i, j, strength


@njit(cache=True)
def compact(
    start: np.ndarray, length: np.ndarray, column: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The structure without spare room: CSR ``(indptr, indices, data)``."""
    n = len(length)
    indptr = np.zeros(n + 1, dtype=np.int64)
    for row in range(n):
        indptr[row + 1] = indptr[row] + length[row]
    indices = np.empty(indptr[n], dtype=np.int64)
    data = np.empty(indptr[n], dtype=np.float64)
    for row in range(n):
        for k in range(length[row]):
            indices[indptr[row] + k] = column[start[row] + k]
            data[indptr[row] + k] = weight[start[row] + k]
    return indptr, indices, data


@njit(cache=True)
def share_flagged(start: np.ndarray, length: np.ndarray, column: np.ndarray, flag: np.ndarray) -> np.ndarray:
    """Share of each row's entries whose column is flagged (0 for an empty row)."""
    n = len(length)
    share = np.zeros(n)
    for row in range(n):
        if length[row] > 0:
            hits = 0
            for k in range(start[row], start[row] + length[row]):
                hits += flag[column[k]]
            share[row] = hits / length[row]
    return share


@njit(cache=True)
def weighted_pick(
    start: np.ndarray, length: np.ndarray, column: np.ndarray, weight: np.ndarray, who: np.ndarray, uniform: np.ndarray
) -> np.ndarray:
    """One entry of each row in ``who`` drawn in proportion to weight from ``uniform`` draws (-1 if empty).

    As the sparse-matrix code did: one running sum of the weights over all rows in
    order; the target ``before + u * row total`` picks the first entry whose running sum
    exceeds it, or the row's last.
    """
    n = len(length)
    running = np.empty(len(column), dtype=np.float64)
    before_row = np.empty(n, dtype=np.float64)
    total = 0.0
    for row in range(n):
        before_row[row] = total
        for k in range(start[row], start[row] + length[row]):
            total += weight[k]
            running[k] = total
    picked = np.full(len(who), -1, dtype=np.int64)
    for t in range(len(who)):
        row = who[t]
        if length[row] == 0:
            continue
        first, last = start[row], start[row] + length[row] - 1
        before = before_row[row]
        target = before + uniform[t] * (running[last] - before)
        choice = last
        for k in range(first, last + 1):
            if running[k] > target:
                choice = k
                break
        picked[t] = column[choice]
    return picked


@njit(cache=True)
def weights_between(
    start: np.ndarray, length: np.ndarray, column: np.ndarray, weight: np.ndarray, first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    """Strength of the tie between each pair (0 where there is none)."""
    result = np.zeros(len(first))
    for t in range(len(first)):
        position = find(start, length, column, first[t], second[t])
        if position >= 0:
            result[t] = weight[position]
    return result


@njit(cache=True)
def triangles(start: np.ndarray, length: np.ndarray, column: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Triangles through each of ``nodes`` (ties between two of its neighbours)."""
    mark = np.full(len(length), -1, dtype=np.int64)
    result = np.zeros(len(nodes))
    for t in range(len(nodes)):
        node = nodes[t]
        for k in range(start[node], start[node] + length[node]):
            mark[column[k]] = t
        closed = 0
        for k in range(start[node], start[node] + length[node]):
            neighbour = column[k]
            for q in range(start[neighbour], start[neighbour] + length[neighbour]):
                if mark[column[q]] == t:
                    closed += 1
        result[t] = closed / 2.0
    return result


@njit(cache=True)
def count_crossing(start: np.ndarray, length: np.ndarray, column: np.ndarray, group: np.ndarray) -> int:
    """Ties (each counted once) whose two ends lie in different groups."""
    crossing = 0
    for row in range(len(length)):
        for k in range(start[row], start[row] + length[row]):
            if column[k] > row and group[column[k]] != group[row]:
                crossing += 1
    return crossing
