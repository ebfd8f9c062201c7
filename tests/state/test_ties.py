"""The tie store: an undirected weighted network, its queries and its measures (clustering as in networkx)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.state.ties import Ties, clustering_coefficient, cross_building_share


def test_ties_strengthen_merges_duplicates_and_is_symmetric():
    """An undirected tie: (i, j) and (j, i) are the same tie; repeated contacts add up."""
    ties = Ties(5)
    ties.strengthen(np.array([0, 1, 3]), np.array([1, 0, 2]), 0.2)
    assert len(ties) == 2
    adjacency = ties.adjacency().toarray()
    assert adjacency[0, 1] == pytest.approx(0.4) and adjacency[1, 0] == pytest.approx(0.4)
    assert adjacency[2, 3] == pytest.approx(0.2) and adjacency[3, 2] == pytest.approx(0.2)
    assert np.allclose(adjacency, adjacency.T)
    ties.strengthen(np.array([1]), np.array([0]), 0.1)
    assert ties.adjacency()[0, 1] == pytest.approx(0.5)
    i, j = ties.pairs
    assert np.all(i < j)


def test_ties_strength_caps_at_one_and_self_pairs_are_ignored():
    """Strength lies in (0, 1]; nobody has a tie with themselves."""
    ties = Ties(4)
    ties.strengthen(np.array([0, 0, 2, 2]), np.array([1, 1, 2, 2]), 0.8)
    assert len(ties) == 1
    assert ties.strength.max() == pytest.approx(1.0)
    ties.strengthen(np.array([3]), np.array([3]), 0.5)
    assert len(ties) == 1
    ties.strengthen(np.array([2]), np.array([3]), 5.0)
    assert ties.strength.max() <= 1.0
    assert np.all(ties.adjacency().diagonal() == 0)


@settings(max_examples=30, deadline=None)
@given(
    contacts=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.floats(0.01, 0.7)), max_size=60),
)
def test_ties_match_a_reference_dictionary(contacts, degree):
    """Property: the sparse store equals a plain dict of min(1, sum of gains) per unordered pair."""
    ties = Ties(10)
    reference: dict[tuple[int, int], float] = {}
    for a, b, gain in contacts:
        ties.strengthen(np.array([a]), np.array([b]), gain)
        if a != b:
            key = (min(a, b), max(a, b))
            reference[key] = min(1.0, reference.get(key, 0.0) + gain)
    i, j = ties.pairs
    stored = {(int(x), int(y)): float(s) for x, y, s in zip(i, j, ties.strength, strict=True)}
    assert stored.keys() == reference.keys()
    for key, value in reference.items():
        assert stored[key] == pytest.approx(value)
    assert np.all(np.diff(ties.keys) > 0)  # kept sorted and unique
    expected = np.zeros(10, dtype=int)
    for a, b in reference:
        expected[a] += 1
        expected[b] += 1
    assert degree(ties).tolist() == expected.tolist()


def test_ties_decay_weakens_and_dissolves_below_the_floor():
    """Ties weaken by the decay rate each week without contact and dissolve below the floor."""
    ties = Ties(4)
    ties.strengthen(np.array([0, 1, 2]), np.array([1, 2, 3]), np.array([1.0, 0.5, 0.2]))
    ties.decay(0.5, 0.2)
    assert len(ties) == 2
    assert sorted(ties.strength.tolist()) == pytest.approx([0.25, 0.5])
    assert ties.adjacency()[2, 3] == 0  # cache was rebuilt
    ties.decay(0.5, 0.2)
    assert len(ties) == 1 and ties.strength[0] == pytest.approx(0.25)


def test_remove_residents_dissolves_all_their_ties(degree):
    """A resident who moves out loses every tie; ties among the others stay."""
    ties = Ties(6)
    ties.strengthen(np.array([0, 0, 1, 2, 3, 4]), np.array([1, 2, 2, 3, 4, 5]), 0.5)
    ties.remove_residents(np.array([2, 5]))
    degree = degree(ties)
    assert degree[2] == 0 and degree[5] == 0
    i, j = ties.pairs
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (3, 4)]
    assert ties.adjacency()[2].nnz == 0


def test_share_of_ties_on_a_hand_made_graph():
    """Threshold input: the share of one's ties who took part (0 without ties)."""
    ties = Ties(6)
    # Star 0-1, 0-2, 0-3, plus 1-2; node 4 and 5 isolated... 5 tied to 4.
    ties.strengthen(np.array([0, 0, 0, 1, 4]), np.array([1, 2, 3, 2, 5]), np.array([0.9, 0.2, 0.5, 0.4, 0.3]))
    active = np.array([False, True, True, False, False, False])
    share = ties.share_of_ties(active)
    # Node 0: ties 1, 2, 3 -> 2/3; node 1: ties 0, 2 -> 1/2; node 2: ties 0, 1 -> 1/2;
    # node 3: tie 0 -> 0; node 4: tie 5 -> 0; node 5: tie 4 -> 0. (Counts, not strengths.)
    assert share == pytest.approx([2 / 3, 1 / 2, 1 / 2, 0.0, 0.0, 0.0])
    lonely = Ties(3)
    assert lonely.share_of_ties(np.ones(3, dtype=bool)).tolist() == [0.0, 0.0, 0.0]


def test_random_neighbour_is_drawn_in_proportion_to_strength():
    """Help is sought among one's ties in proportion to tie strength; -1 without ties."""
    ties = Ties(6)
    ties.strengthen(np.array([0, 0, 3, 4]), np.array([1, 2, 4, 5]), np.array([0.2, 0.8, 0.5, 0.5]))
    rng = np.random.default_rng(0)
    draws = ties.random_neighbour(np.repeat([0, 4], 5000), rng)
    from_0, from_4 = draws[:5000], draws[5000:]
    assert set(from_0.tolist()) == {1, 2}
    assert np.mean(from_0 == 2) == pytest.approx(0.8, abs=0.02)
    assert set(from_4.tolist()) == {3, 5}
    assert np.mean(from_4 == 3) == pytest.approx(0.5, abs=0.03)
    assert ties.random_neighbour(np.array([1, 2, 3, 5]), rng).tolist()[:2] == [0, 0]
    empty = Ties(3)
    empty.strengthen(np.array([0]), np.array([1]), 0.5)
    assert empty.random_neighbour(np.array([2, 0]), rng).tolist() == [-1, 1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clustering_coefficient_matches_networkx(seed):
    """Local clustering (Watts & Strogatz) averaged over nodes of degree >= 2, as networkx computes it."""
    graph = nx.gnp_random_graph(80, 0.05, seed=seed)  # sparse: some nodes have degree < 2
    ties = Ties(80)
    edges = np.array(graph.edges())
    ties.strengthen(edges[:, 0], edges[:, 1], np.random.default_rng(seed).uniform(0.1, 1.0, len(edges)))
    local = nx.clustering(graph)
    eligible = [v for v in graph if graph.degree(v) >= 2]
    expected = np.mean([local[v] for v in eligible])
    assert 0 < len(eligible) < len(graph) and expected > 0
    value = clustering_coefficient(ties, np.random.default_rng(0))
    assert value == pytest.approx(expected, abs=1e-12)
    assert value == pytest.approx(nx.average_clustering(graph, nodes=eligible), abs=1e-12)
    # networkx's default average also counts nodes of degree < 2 as 0: the two differ by that share.
    assert nx.average_clustering(graph) == pytest.approx(value * len(eligible) / len(graph), abs=1e-12)


def test_clustering_coefficient_of_simple_graphs():
    """A triangle has clustering 1, a star 0, an empty network 0."""
    triangle = Ties(3)
    triangle.strengthen(np.array([0, 1, 2]), np.array([1, 2, 0]), 0.5)
    assert clustering_coefficient(triangle, np.random.default_rng(0)) == pytest.approx(1.0)
    star = Ties(5)
    star.strengthen(np.zeros(4, dtype=int), np.arange(1, 5), 0.5)
    assert clustering_coefficient(star, np.random.default_rng(0)) == 0.0
    assert clustering_coefficient(Ties(4), np.random.default_rng(0)) == 0.0


def test_sampled_clustering_estimates_the_exact_value():
    """Above the sample size the metric is a node-sample estimate of the same average."""
    graph = nx.gnp_random_graph(400, 0.02, seed=5)
    ties = Ties(400)
    edges = np.array(graph.edges())
    ties.strengthen(edges[:, 0], edges[:, 1], 0.5)
    exact = clustering_coefficient(ties, np.random.default_rng(0))
    estimates = [clustering_coefficient(ties, np.random.default_rng(s), sample=100) for s in range(40)]
    assert np.mean(estimates) == pytest.approx(exact, abs=0.01)


def test_cross_building_share_on_a_small_graph():
    """Share of ties joining different buildings ('acquaintance community' bridging)."""
    ties = Ties(4)
    ties.strengthen(np.array([0, 0, 2]), np.array([1, 2, 3]), 0.5)
    building = np.array([0, 0, 1, 1])
    assert cross_building_share(ties, building) == pytest.approx(1 / 3)
    assert cross_building_share(Ties(4), building) == 0.0
