"""The outputs' kernels give the array formulation's outputs bit for bit.

The references below are the formulations the kernels replaced in :mod:`commsim.metrics`
(whole-array means, masks and numpy's ``choice`` for the clustering sample). A busy
model pickled at week k runs to week k+1, and every output must equal the reference's
exactly; the clustering sample must leave the generator where numpy leaves it.
"""

from __future__ import annotations

import copy
import pickle

import networkx as nx
import numpy as np
import pytest

import commsim.metrics_kernel as kernel
from commsim import CommunityModel
from commsim.metric_table import YEAR
from commsim.metrics import compute_metrics
from commsim.state.residents import NO_ROLE, Residents
from commsim.state.ties import Ties, clustering_coefficient
from commsim.state.ties_kernel import triangles

BUSY = {
    "profile": "migrant_heavy",
    "policy": "complete_community",
    "n_centres": 3,
    "time_bank": True,
    "platform_reach": 0.5,
    "points_per_act": 10.0,
    "leader_coverage": 1.0,
}


def reference_outputs(residents: Residents, step: int) -> dict[str, float]:
    """The floating-point outputs over residents as whole-array reductions."""
    volunteer = residents.role != NO_ROLE
    member, credits = residents.time_bank_member, residents.credits
    held = np.where(member, np.maximum(credits, 0.0), 0.0)
    spent = member & (residents.credits_paid > 0)
    total = float(held.sum())
    return {
        "mean_belonging": float(residents.belonging.mean()),
        "mean_trust": float(residents.trust.mean()),
        "mean_efficacy": float(residents.efficacy.mean()),
        "mean_satisfaction": float(residents.satisfaction.mean()),
        "volunteer_burnout": float(residents.burnout[volunteer].mean()) if volunteer.any() else 0.0,
        "informal_helping_year": float(np.mean(residents.last_helped_informally > step - YEAR)),
        "credits_idle_share": float(held[~spent].sum()) / total if total > 0 else 0.0,
        "spenders_overdrawn": float(np.count_nonzero(credits[spent] < 0) / np.count_nonzero(spent))
        if spent.any()
        else 0.0,
    }


@pytest.fixture(scope="module")
def pickled_week() -> bytes:
    model = CommunityModel(rng=12, n_residents=900, **BUSY)
    for _ in range(30):
        model.step()
    return pickle.dumps(model)


@pytest.mark.parametrize("weeks", [1, 4])
def test_resident_outputs_equal_the_array_reductions(pickled_week, weeks):
    model = pickle.loads(pickled_week)
    for _ in range(weeks):
        model.step()
    rng_before = copy.deepcopy(model.metrics_rng)
    outputs = compute_metrics(model)
    for name, value in reference_outputs(model.residents, model.steps).items():
        assert type(outputs[name]) is float, name
        assert outputs[name] == value, name
    assert outputs["network_clustering"] == clustering_coefficient(model.ties, rng_before)
    assert rng_before.bit_generator.state == model.metrics_rng.bit_generator.state
    # The comparisons mean something: the busy community has volunteers, spenders and ties.
    assert outputs["volunteer_burnout"] > 0 and outputs["spenders_overdrawn"] >= 0
    assert 0 < outputs["credits_idle_share"] < 1 and outputs["network_clustering"] > 0


def _random_ties(n: int, p: float, seed: int) -> tuple[Ties, nx.Graph]:
    graph = nx.fast_gnp_random_graph(n, p, seed=seed)  # O(n + edges): the sparse graphs here are cheap to draw
    ties = Ties(n)
    edges = np.array(graph.edges())
    ties.strengthen(edges[:, 0], edges[:, 1], np.random.default_rng(seed).uniform(0.1, 1.0, len(edges)))
    return ties, graph


@pytest.mark.parametrize(("n", "p", "sample"), [(300, 0.03, 2000), (3000, 0.002, 2000), (12000, 0.0005, 2000)])
def test_clustering_kernel_draws_and_averages_as_the_array_formulation(n, p, sample):
    ties, _ = _random_ties(n, p, seed=n)
    array_rng, kernel_rng = np.random.default_rng(7), np.random.default_rng(7)
    expected = clustering_coefficient(ties, array_rng, sample=sample)
    value = kernel.network_clustering(ties.start, ties.length, ties.column, kernel_rng, sample)
    assert value == expected
    assert array_rng.bit_generator.state == kernel_rng.bit_generator.state
    assert expected > 0 or n == 12000  # the sparsest graph may hold no triangle in the sample


@pytest.mark.parametrize("seed", [0, 1])
def test_triangle_count_equals_networkx(seed):
    ties, graph = _random_ties(200, 0.08, seed)
    nodes = np.arange(200, dtype=np.int64)
    expected = nx.triangles(graph)
    assert triangles(ties.start, ties.length, ties.column, nodes).tolist() == [float(expected[v]) for v in range(200)]
    assert sum(expected.values()) > 0


def test_credit_circulation_counts_idle_credits_and_overdrawn_spenders():
    member = np.array([True, True, True, False, True])
    credits = np.array([4.0, -2.0, 6.0, 9.0, -0.0])
    paid = np.array([0.0, 3.0, 1.0, 0.0, 0.0])
    idle_share, overdrawn = kernel.credit_circulation(member, credits, paid)
    # Members hold 4 + 0 + 6 (the non-member's 9 does not count); 4 is with one who never spent.
    assert idle_share == 4.0 / 10.0
    assert overdrawn == 0.5  # two spenders, one in debt
    assert kernel.credit_circulation(member, np.zeros(5), np.zeros(5)) == (0.0, 0.0)
