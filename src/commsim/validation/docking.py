"""Docking: commsim's mechanisms against independent implementations of their canonical models.

MODEL_SPEC section 7 names the model each mechanism stands on. Here each is re-implemented
in the most straightforward way, independently of :mod:`commsim.mechanisms`, and both are
run on the same inputs:

* bounded confidence — a one-encounter-at-a-time loop of Deffuant, Neau, Amblard &
  Weisbuch (2000) against :func:`commsim.mechanisms.bounded_confidence`: the number of
  opinion clusters over confidence bounds, and the ~1/(2 epsilon) rule;
* synchronous bounded confidence — an agent-by-agent loop of Hegselmann & Krause (2002)
  against :func:`commsim.mechanisms.hegselmann_krause`, and its consensus threshold
  against the one Fortunato (2005) measured (about 0.2 on a complete graph), next to
  Deffuant's on the same initial opinions;
* threshold influence — Watts's (2002) cascade on a random graph with hard thresholds
  against the same cascade driven by :func:`commsim.mechanisms.threshold_response` as its
  sharpness goes to 0;
* project success — the accelerating production function of Oliver, Marwell &
  Teixeira (1985), written as the log-logistic distribution function of
  :mod:`scipy.stats`, against :func:`commsim.mechanisms.project_success_probability`, and
  fitted to the projects that model runs actually carried out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from unittest import mock

import numpy as np
import pandas as pd
from scipy import optimize, sparse, stats

from commsim.mechanisms import bounded_confidence, hegselmann_krause, project_success_probability, threshold_response
from commsim.processes import deliberation_kernel

# ------------------------------------------------------------------ bounded confidence


def deffuant_reference(opinions: np.ndarray, *, epsilon: float, mu: float, encounters: int, rng: np.random.Generator):
    """Deffuant et al. (2000) as published: one random pair at a time, updated in place.

    Args:
        opinions: Initial opinions; not modified.
        epsilon: Confidence bound.
        mu: Convergence parameter.
        encounters: Number of random pairwise encounters.
        rng: Random generator.

    Returns:
        The opinions after the encounters.
    """
    x = [float(value) for value in opinions]
    n = len(x)
    first = rng.integers(0, n, encounters)
    other = rng.integers(0, n - 1, encounters)
    for i, j in zip(first.tolist(), other.tolist(), strict=True):
        j += j >= i  # a partner other than i, uniformly
        gap = x[j] - x[i]
        if abs(gap) < epsilon:
            x[i] += mu * gap
            x[j] -= mu * gap
    return np.array(x)


def major_clusters(opinions: np.ndarray, *, gap: float = 0.02, min_share: float = 0.02) -> int:
    """Clusters of sorted opinions split by gaps above ``gap`` and holding at least ``min_share``.

    Deffuant et al. count major clusters; a few stragglers between clusters are not one.
    """
    ordered = np.sort(np.asarray(opinions, dtype=float))
    breaks = np.flatnonzero(np.diff(ordered) > gap)
    sizes = np.diff(np.concatenate([[0], breaks + 1, [len(ordered)]]))
    return int(np.sum(sizes >= min_share * len(ordered)))


def cluster_counts(
    epsilons: Sequence[float],
    *,
    seeds: Sequence[int],
    n_agents: int = 300,
    mu: float = 0.5,
    encounters_per_agent: int = 200,
) -> pd.DataFrame:
    """Major clusters after convergence, both implementations, on the same initial opinions.

    Args:
        epsilons: Confidence bounds.
        seeds: One run per seed and bound (initial opinions and the two dynamics' streams
            are spawned from it).
        n_agents: Agents, opinions initially U(0, 1).
        mu: Convergence parameter.
        encounters_per_agent: Encounters per agent (long enough to converge).

    Returns:
        One row per bound and seed: ``epsilon``, ``seed``, ``model``, ``reference`` and
        the rule's ``rule_1_over_2eps`` = max(1, floor(1 / (2 epsilon))).
    """
    rows = []
    for epsilon in epsilons:
        for seed in seeds:
            start_stream, model_stream, reference_stream = np.random.SeedSequence([seed, round(epsilon * 1e6)]).spawn(3)
            start = np.random.default_rng(start_stream).random(n_agents)
            encounters = encounters_per_agent * n_agents
            model = bounded_confidence(
                start, epsilon=epsilon, mu=mu, encounters=encounters, rng=np.random.default_rng(model_stream)
            )
            reference = deffuant_reference(
                start, epsilon=epsilon, mu=mu, encounters=encounters, rng=np.random.default_rng(reference_stream)
            )
            rows.append(
                {
                    "epsilon": epsilon,
                    "seed": seed,
                    "model": major_clusters(model),
                    "reference": major_clusters(reference),
                    "rule_1_over_2eps": max(1, math.floor(1 / (2 * epsilon))),
                }
            )
    return pd.DataFrame(rows)


def summarise_clusters(counts: pd.DataFrame) -> pd.DataFrame:
    """Mean clusters per bound for both implementations with the paired difference and its 95% CI.

    Returns:
        One row per epsilon: means, the rule, the mean model-minus-reference difference with
        a t-interval (0 wide when every run agrees), and the Mann-Whitney p-value.
    """
    rows = []
    for epsilon, group in counts.groupby("epsilon"):
        difference = (group["model"] - group["reference"]).to_numpy(float)
        n = len(difference)
        half = (
            stats.t.ppf(0.975, n - 1) * difference.std(ddof=1) / math.sqrt(n) if n > 1 and difference.std() > 0 else 0.0
        )
        same = np.array_equal(np.sort(group["model"]), np.sort(group["reference"]))
        pvalue = 1.0 if same else float(stats.mannwhitneyu(group["model"], group["reference"]).pvalue)
        rows.append(
            {
                "epsilon": epsilon,
                "runs": n,
                "model_mean": group["model"].mean(),
                "reference_mean": group["reference"].mean(),
                "rule_1_over_2eps": int(group["rule_1_over_2eps"].iloc[0]),
                "difference": difference.mean(),
                "difference_low": difference.mean() - half,
                "difference_high": difference.mean() + half,
                "mannwhitney_p": pvalue,
                "model_consensus_share": float(np.mean(group["model"] == 1)),
                "reference_consensus_share": float(np.mean(group["reference"] == 1)),
            }
        )
    return pd.DataFrame(rows)


def hk_reference(opinions: np.ndarray, *, epsilon: float, rounds: int) -> np.ndarray:
    """Hegselmann & Krause (2002) as published: each agent in turn, against the previous round's opinions.

    Args:
        opinions: Initial opinions; not modified.
        epsilon: Confidence bound (|x_j - x_i| <= epsilon counts).
        rounds: Synchronous rounds.

    Returns:
        The opinions after the rounds.
    """
    x = [float(value) for value in opinions]
    for _ in range(rounds):
        previous = list(x)
        for i, own in enumerate(previous):
            near = [other for other in previous if abs(other - own) <= epsilon]
            x[i] = sum(near) / len(near)
    return np.array(x)


def hk_consensus(
    epsilons: Sequence[float], *, seeds: Sequence[int], n_agents: int = 300, rounds: int = 200
) -> pd.DataFrame:
    """Major clusters under Hegselmann-Krause and under Deffuant on the same U(0, 1) opinions.

    Args:
        epsilons: Confidence bounds.
        seeds: One run per seed and bound.
        n_agents: Agents.
        rounds: Hegselmann-Krause rounds (it stops at its fixed point, reached much sooner).

    Returns:
        One row per bound and seed: ``epsilon``, ``seed``, ``hk`` and ``deffuant`` (major
        clusters; Deffuant with mu = 0.5 and 200 encounters per agent).
    """
    rows = []
    for epsilon in epsilons:
        for seed in seeds:
            start_stream, pair_stream = np.random.SeedSequence([seed, round(epsilon * 1e6), 2002]).spawn(2)
            start = np.random.default_rng(start_stream).random(n_agents)
            synchronous = hegselmann_krause(start, epsilon=epsilon, rounds=rounds)
            pairwise = bounded_confidence(
                start, epsilon=epsilon, mu=0.5, encounters=200 * n_agents, rng=np.random.default_rng(pair_stream)
            )
            rows.append(
                {
                    "epsilon": epsilon,
                    "seed": seed,
                    "hk": major_clusters(synchronous),
                    "deffuant": major_clusters(pairwise),
                }
            )
    return pd.DataFrame(rows)


def summarise_consensus(counts: pd.DataFrame) -> pd.DataFrame:
    """Per bound: mean major clusters and the share of runs reaching consensus, under both models."""
    summary = counts.groupby("epsilon").agg(
        runs=("seed", "size"),
        hk_clusters=("hk", "mean"),
        deffuant_clusters=("deffuant", "mean"),
        hk_consensus_share=("hk", lambda clusters: float(np.mean(clusters == 1))),
        deffuant_consensus_share=("deffuant", lambda clusters: float(np.mean(clusters == 1))),
    )
    return summary.reset_index()


def consensus_threshold(summary: pd.DataFrame, column: str) -> float:
    """The smallest bound from which every larger bound reaches consensus in at least half of the runs."""
    ordered = summary.sort_values("epsilon")
    reached = ordered[column].to_numpy() >= 0.5
    failing = np.flatnonzero(~reached)
    start = 0 if len(failing) == 0 else failing[-1] + 1
    return float(ordered["epsilon"].iloc[start]) if start < len(ordered) else math.nan


# ------------------------------------------------------------------ threshold cascades


def random_graph(n_nodes: int, mean_degree: float, rng: np.random.Generator) -> sparse.csr_matrix:
    """Erdos-Renyi graph G(n, p = z / (n - 1)) as a symmetric 0/1 CSR adjacency matrix."""
    m = rng.binomial(n_nodes * (n_nodes - 1) // 2, mean_degree / (n_nodes - 1))
    i, j = rng.integers(0, n_nodes, m), rng.integers(0, n_nodes, m)
    keep = i != j
    upper = sparse.coo_matrix((np.ones(int(keep.sum())), (i[keep], j[keep])), shape=(n_nodes, n_nodes)).tocsr()
    upper.data[:] = 1.0  # duplicate draws collapse to one edge
    adjacency = ((upper + upper.T) > 0).astype(float)
    return adjacency.tocsr()


def watts_cascade(adjacency: sparse.csr_matrix, threshold: float, seed_node: int) -> float:
    """Watts (2002): nodes adopt once the share of adopting neighbours reaches ``threshold``.

    The reference: hard thresholds, synchronous rounds until nothing changes.

    Returns:
        Final share of adopters.
    """
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    active = np.zeros(adjacency.shape[0], dtype=bool)
    active[seed_node] = True
    while True:
        share = np.divide(adjacency @ active.astype(float), degree, out=np.zeros(len(degree)), where=degree > 0)
        new = active | ((share >= threshold) & (degree > 0))
        if new.sum() == active.sum():
            return float(active.mean())
        active = new


def smooth_cascade(
    adjacency: sparse.csr_matrix,
    threshold: float,
    seed_node: int,
    *,
    sharpness: float,
    rounds: int,
    rng: np.random.Generator,
) -> float:
    """The same cascade driven by commsim's smooth threshold: adopt with probability response.

    Each round every non-adopter adopts with probability
    ``threshold_response(share of adopting neighbours, threshold, sharpness)``.

    Returns:
        Share of adopters after ``rounds`` rounds.
    """
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    active = np.zeros(adjacency.shape[0], dtype=bool)
    active[seed_node] = True
    thresholds = np.full(len(degree), threshold)
    for _ in range(rounds):
        share = np.divide(adjacency @ active.astype(float), degree, out=np.zeros(len(degree)), where=degree > 0)
        chance = threshold_response(share, thresholds, sharpness) * (degree > 0)
        active |= rng.random(len(degree)) < chance
    return float(active.mean())


def cascade_sizes(
    mean_degrees: Sequence[float],
    *,
    sharpness: Sequence[float],
    graphs: int,
    seed: int,
    n_nodes: int = 1000,
    threshold: float = 0.18,
    rounds: int = 60,
) -> pd.DataFrame:
    """Cascade sizes of the hard (Watts) and smooth (commsim) rules on the same graphs and seeds.

    Args:
        mean_degrees: Mean degrees z of the random graphs.
        sharpness: Sharpness values of the smooth rule.
        graphs: Graphs (each with one random initial adopter) per mean degree.
        seed: Root seed.
        n_nodes: Nodes per graph.
        threshold: Common threshold phi (Watts's figure uses 0.18).
        rounds: Rounds of the smooth rule.

    Returns:
        One row per mean degree, graph and rule: ``mean_degree``, ``graph``, ``rule``
        (``watts`` or ``smooth s=...``), ``size`` (share adopting).
    """
    rows = []
    streams = np.random.SeedSequence(seed).spawn(len(mean_degrees))
    for z, stream in zip(mean_degrees, streams, strict=True):
        for graph, graph_stream in enumerate(stream.spawn(graphs)):
            rng = np.random.default_rng(graph_stream)
            adjacency = random_graph(n_nodes, z, rng)
            start = int(rng.integers(0, n_nodes))
            rows.append(
                {"mean_degree": z, "graph": graph, "rule": "watts", "size": watts_cascade(adjacency, threshold, start)}
            )
            for width in sharpness:
                size = smooth_cascade(adjacency, threshold, start, sharpness=width, rounds=rounds, rng=rng)
                rows.append({"mean_degree": z, "graph": graph, "rule": f"smooth s={width:g}", "size": size})
    return pd.DataFrame(rows)


def summarise_cascades(sizes: pd.DataFrame, *, global_share: float = 0.1) -> pd.DataFrame:
    """Mean cascade size and frequency of global cascades per mean degree and rule.

    Returns:
        One row per mean degree and rule: ``mean_size``, ``global_frequency`` (share of
        graphs whose cascade reached ``global_share`` of nodes) and the mean absolute
        difference from the Watts rule on the same graphs.
    """
    watts = sizes[sizes["rule"] == "watts"].set_index(["mean_degree", "graph"])["size"]
    rows = []
    for (z, rule), group in sizes.groupby(["mean_degree", "rule"], sort=False):
        paired = watts.loc[[(z, g) for g in group["graph"]]].to_numpy()
        rows.append(
            {
                "mean_degree": z,
                "rule": rule,
                "mean_size": group["size"].mean(),
                "global_frequency": float(np.mean(group["size"] >= global_share)),
                "mean_abs_difference_from_watts": float(np.mean(np.abs(group["size"].to_numpy() - paired))),
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ production function


def omt_reference(resources: np.ndarray | float, *, half: float, acceleration: float) -> np.ndarray:
    """An accelerating-then-saturating production function (Oliver, Marwell & Teixeira 1985).

    Written independently as the distribution function of the log-logistic (Fisk)
    distribution with shape ``acceleration`` and scale ``half``: convex below its
    inflection when the shape exceeds 1, saturating above it.
    """
    return stats.fisk.cdf(np.maximum(np.asarray(resources, dtype=float), 0.0), acceleration, scale=half)


def production_function_gap(half: float, acceleration: float, *, upper: float = 5.0) -> float:
    """Largest absolute difference between the model's and the reference curve on [0, upper]."""
    resources = np.linspace(0.0, upper, 2001)
    model = project_success_probability(resources, half=half, acceleration=acceleration)
    return float(np.max(np.abs(model - omt_reference(resources, half=half, acceleration=acceleration))))


@dataclass(frozen=True, slots=True)
class ProjectFit:
    """Maximum-likelihood fit of the production function to projects of model runs.

    Attributes:
        projects: Projects observed.
        half: Fitted half-success resources, with a 95% profile-free Wald interval.
        acceleration: Fitted exponent g, with its 95% Wald interval.
        table: Observed and reference success by resource band.
    """

    projects: int
    half: tuple[float, float, float]
    acceleration: tuple[float, float, float]
    table: pd.DataFrame


def observe_projects(settings: dict, *, seeds: Sequence[int], steps: int) -> pd.DataFrame:
    """Resources and outcome of every costed project in model runs.

    The model is run unchanged; the week's compiled meetings
    (:func:`commsim.processes.deliberation_kernel.hold_meetings`) are observed: they return
    the resources and outcome of every project with a cost.

    Args:
        settings: Model keyword arguments.
        seeds: Model seeds.
        steps: Weeks per run.

    Returns:
        One row per project: ``resources`` (share of cost) and ``success`` (0/1).
    """
    from commsim.model import CommunityModel

    observed: list[tuple[float, bool]] = []
    original_meetings = deliberation_kernel.hold_meetings

    def meetings(*args):
        held = original_meetings(*args)
        resources, success = held[-2], held[-1]
        observed.extend(zip(resources.tolist(), success.tolist(), strict=True))
        return held

    with mock.patch.object(deliberation_kernel, "hold_meetings", meetings):
        for seed in seeds:
            model = CommunityModel(rng=seed, **settings)
            for _ in range(steps):
                model.step()
    return pd.DataFrame(observed, columns=["resources", "success"]).astype({"success": int})


def fit_production_function(projects: pd.DataFrame, *, bands: int = 6) -> ProjectFit:
    """Fit P = r^g / (r^g + h^g) to observed project outcomes by maximum likelihood.

    Args:
        projects: Output of :func:`observe_projects`.
        bands: Resource bands (quantiles) of the comparison table.

    Returns:
        The fit, with Wald intervals from the numerical Hessian of the log-likelihood.
    """
    r = np.maximum(projects["resources"].to_numpy(float), 1e-9)
    y = projects["success"].to_numpy(float)

    def negative_log_likelihood(theta: np.ndarray) -> float:
        log_h, log_g = theta
        p = omt_reference(r, half=math.exp(log_h), acceleration=math.exp(log_g))
        p = np.clip(p, 1e-12, 1 - 1e-12)
        return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))

    fit = optimize.minimize(negative_log_likelihood, np.array([math.log(np.median(r)), 0.0]), method="Nelder-Mead")
    hessian = _numerical_hessian(negative_log_likelihood, fit.x)
    se = np.sqrt(np.diag(np.linalg.inv(hessian)))
    half = (math.exp(fit.x[0]), math.exp(fit.x[0] - 1.96 * se[0]), math.exp(fit.x[0] + 1.96 * se[0]))
    acceleration = (math.exp(fit.x[1]), math.exp(fit.x[1] - 1.96 * se[1]), math.exp(fit.x[1] + 1.96 * se[1]))
    edges = np.unique(np.quantile(r, np.linspace(0, 1, bands + 1)))
    band = np.clip(np.searchsorted(edges, r, side="right") - 1, 0, len(edges) - 2)
    table = (
        pd.DataFrame({"band": band, "resources": r, "success": y})
        .groupby("band")
        .agg(resources=("resources", "mean"), projects=("success", "size"), observed=("success", "mean"))
        .reset_index(drop=True)
    )
    return ProjectFit(len(r), half, acceleration, table)


def _numerical_hessian(function, x: np.ndarray, step: float = 1e-3) -> np.ndarray:
    size = len(x)
    hessian = np.zeros((size, size))
    for a in range(size):
        for b in range(size):
            shift_a, shift_b = np.eye(size)[a] * step, np.eye(size)[b] * step
            hessian[a, b] = (
                function(x + shift_a + shift_b)
                - function(x + shift_a - shift_b)
                - function(x - shift_a + shift_b)
                + function(x - shift_a - shift_b)
            ) / (4 * step * step)
    return hessian
