"""Docking: commsim's mechanisms against independent implementations of their canonical models.

MODEL_SPEC section 7. tests/model/test_mechanisms.py checks each mechanism against the
theory's closed-form properties; these tests run it side by side with a straightforward
re-implementation of the canonical model on the same inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from commsim.mechanisms import hegselmann_krause, project_success_probability
from commsim.validation.docking import (
    cascade_sizes,
    cluster_counts,
    consensus_threshold,
    deffuant_reference,
    fit_production_function,
    hk_consensus,
    hk_reference,
    major_clusters,
    observe_projects,
    omt_reference,
    production_function_gap,
    random_graph,
    summarise_cascades,
    summarise_clusters,
    summarise_consensus,
    watts_cascade,
)

# ------------------------------------------------------------------ bounded confidence


def test_deffuant_reference_moves_a_close_pair_to_its_midpoint_and_keeps_the_mean():
    """The reference itself: mu = 0.5 merges a pair inside the bound; far pairs never move."""
    pair = deffuant_reference(np.array([0.4, 0.5]), epsilon=0.2, mu=0.5, encounters=1, rng=np.random.default_rng(0))
    assert pair == pytest.approx([0.45, 0.45])
    far = deffuant_reference(np.array([0.1, 0.9]), epsilon=0.5, mu=0.5, encounters=50, rng=np.random.default_rng(0))
    assert far.tolist() == [0.1, 0.9]
    start = np.random.default_rng(1).random(100)
    out = deffuant_reference(start, epsilon=0.3, mu=0.3, encounters=2000, rng=np.random.default_rng(2))
    assert out.mean() == pytest.approx(start.mean(), abs=1e-12)


def test_major_clusters_ignores_stragglers():
    """Two big groups and one lone opinion between them: two major clusters."""
    opinions = np.concatenate([np.full(50, 0.2), np.full(50, 0.8), [0.5]])
    assert major_clusters(opinions) == 2
    assert major_clusters(np.full(10, 0.3)) == 1


@pytest.fixture(scope="module")
def clusters():
    counts = cluster_counts([0.1, 0.2, 0.3, 0.5], seeds=range(4), n_agents=200, encounters_per_agent=150)
    return summarise_clusters(counts).set_index("epsilon")


def test_model_and_reference_deffuant_give_the_same_number_of_clusters(clusters):
    """Same initial opinions, independent encounters: mean cluster counts agree within sampling noise."""
    assert (clusters["model_mean"] - clusters["reference_mean"]).abs().max() <= 0.75
    assert (clusters["mannwhitney_p"] > 0.05).all()


def test_both_implementations_follow_the_one_over_two_epsilon_rule(clusters):
    """Deffuant et al. 2000: about floor(1/(2 eps)) major clusters, consensus from eps ~ 0.3 on."""
    for column in ("model_mean", "reference_mean"):
        assert (clusters[column] - clusters["rule_1_over_2eps"]).abs().max() <= 1.0
        assert clusters.loc[0.1, column] >= 3
    for column in ("model_consensus_share", "reference_consensus_share"):
        assert clusters.loc[0.5, column] == 1.0
        assert clusters.loc[0.3, column] >= 0.5  # near the consensus threshold: mostly, not always
        assert clusters.loc[0.1, column] == 0.0


@pytest.mark.parametrize("epsilon", [0.05, 0.15, 0.3])
def test_hegselmann_krause_equals_the_agent_by_agent_reference(epsilon):
    """Same initial opinions, same rounds: the sorted-window rounds equal the published loop."""
    start = np.random.default_rng(7).random(150)
    for rounds in (1, 3, 40):
        model = hegselmann_krause(start, epsilon=epsilon, rounds=rounds)
        assert model == pytest.approx(hk_reference(start, epsilon=epsilon, rounds=rounds), abs=1e-12)


def test_hegselmann_krause_keeps_groups_apart_and_reaches_a_fixed_point():
    """Two meetings with the same opinions evolve alike and alone; the extremes never widen."""
    start = np.random.default_rng(3).random(60)
    both = hegselmann_krause(np.concatenate([start, start]), epsilon=0.2, rounds=100, group=np.repeat([5, 9], 60))
    alone = hegselmann_krause(start, epsilon=0.2, rounds=100)
    assert both[:60] == pytest.approx(alone, abs=1e-12) and both[60:] == pytest.approx(alone, abs=1e-12)
    assert alone.min() >= start.min() and alone.max() <= start.max()
    assert hegselmann_krause(alone, epsilon=0.2, rounds=1) == pytest.approx(alone, abs=1e-12)  # fixed point
    assert hegselmann_krause(np.array([0.1, 0.3]), epsilon=0.25, rounds=1) == pytest.approx([0.2, 0.2])
    assert hegselmann_krause(np.array([0.1, 0.3]), epsilon=0.15, rounds=5) == pytest.approx([0.1, 0.3], abs=1e-15)


def test_hegselmann_krause_consensus_threshold_is_near_fortunato_s():
    """Fortunato (2005): consensus from about eps = 0.2 on a complete graph; Deffuant's lies higher."""
    summary = summarise_consensus(hk_consensus([0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5], seeds=range(6), n_agents=300))
    hk = consensus_threshold(summary, "hk_consensus_share")
    assert 0.2 <= hk <= 0.3
    assert consensus_threshold(summary, "deffuant_consensus_share") > hk
    assert summary.set_index("epsilon").loc[0.1, "hk_clusters"] >= 3


# ------------------------------------------------------------------ threshold cascades


def test_random_graph_has_the_requested_mean_degree_and_no_self_loops():
    adjacency = random_graph(2000, 4.0, np.random.default_rng(0))
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    assert degree.mean() == pytest.approx(4.0, rel=0.05)
    assert adjacency.diagonal().sum() == 0
    assert (adjacency != adjacency.T).nnz == 0


def test_watts_cascade_spreads_on_a_chain_only_below_the_threshold():
    """On a path every node has half its neighbours active once one is: spreads iff phi <= 1/2."""
    n = 20
    path = sparse.diags([np.ones(n - 1), np.ones(n - 1)], [-1, 1]).tocsr()
    assert watts_cascade(path, 0.5, 0) == 1.0
    assert watts_cascade(path, 0.51, 0) == pytest.approx(1 / n)


@pytest.fixture(scope="module")
def cascades():
    sizes = cascade_sizes([2, 4, 10], sharpness=[0.05, 0.01, 0.0005], graphs=12, seed=7, n_nodes=600)
    return summarise_cascades(sizes).set_index(["mean_degree", "rule"])


def test_watts_cascade_window(cascades):
    """Watts 2002 (phi = 0.18): global cascades are frequent at moderate degree and vanish on dense graphs."""
    assert cascades.loc[(4, "watts"), "global_frequency"] >= 0.6
    assert cascades.loc[(10, "watts"), "global_frequency"] <= 0.1


def test_smooth_threshold_docks_to_watts_as_sharpness_vanishes(cascades):
    """commsim's smooth threshold tends to Watts's hard rule: the gap shrinks with the sharpness."""
    for z in (2, 4, 10):
        gaps = [cascades.loc[(z, f"smooth s={s:g}"), "mean_abs_difference_from_watts"] for s in (0.05, 0.01, 0.0005)]
        assert gaps[-1] <= 0.02, (z, gaps)
        assert gaps[0] >= gaps[-1]
    # At the default sharpness 0.05 the rule is a noisy threshold: adoption happens without active ties.
    assert cascades.loc[(10, "smooth s=0.05"), "mean_size"] > 0.5


# ------------------------------------------------------------------ production function


@pytest.mark.parametrize(("half", "g"), [(0.6, 2.5), (1.0, 1.0), (0.3, 4.0)])
def test_model_production_function_equals_the_log_logistic_reference(half, g):
    """OMT 1985's accelerating production function, written independently, is the model's curve."""
    assert production_function_gap(half, g) < 1e-12
    assert omt_reference(-1.0, half=half, acceleration=g) == 0.0


def test_production_function_fit_recovers_known_parameters_from_synthetic_projects():
    """The fit used on model runs recovers (h, g) from outcomes drawn from a known curve."""
    rng = np.random.default_rng(3)
    resources = rng.uniform(0.1, 1.5, 3000)
    success = rng.random(3000) < project_success_probability(resources, half=0.6, acceleration=2.5)
    fit = fit_production_function(pd.DataFrame({"resources": resources, "success": success.astype(int)}))
    assert fit.half[1] < 0.6 < fit.half[2]
    assert fit.acceleration[1] < 2.5 < fit.acceleration[2]


@pytest.mark.slow
def test_projects_in_model_runs_follow_an_accelerating_production_function():
    """Projects the model actually funds: the fitted exponent exceeds 1 (accelerating) and matches the parameter."""
    common = {"n_residents": 500, "issue_rate_per_1000": 20.0, "council_interval_weeks": 4, "council_agenda_size": 20}
    frames = [
        observe_projects({**common, "public_project_share": share, "expert_pool_share": 0.5}, seeds=[1], steps=52)
        for share in (0.1, 0.5)
    ]
    projects = pd.concat(frames)
    assert len(projects) >= 150
    fit = fit_production_function(projects)
    assert fit.acceleration[1] > 1.0
    assert fit.acceleration[1] < 2.5 < fit.acceleration[2]
    assert fit.half[1] < 0.6 < fit.half[2]
