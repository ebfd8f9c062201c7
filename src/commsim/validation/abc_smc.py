"""Bayesian calibration by ABC-SMC (pyabc): every stylized fact jointly, over the level-setting parameters.

Approximate Bayesian computation by sequential Monte Carlo (Toni et al. 2009; Beaumont et
al. 2009), run by pyabc (Schälte et al. 2022): a population of parameter particles drawn
from uniform priors is moved generation by generation toward the facts of MODEL_SPEC
section 8, each generation accepting the particles whose simulated facts lie within a
shrinking tolerance of the targets. The distance is the calibration distance of
:func:`commsim.validation.facts.calibration_distance` (root mean square of the
standardised distances from every target), so every fact counts at once.

Pattern-oriented (Grimm et al. 2005): a section 6 behaviour that the level-setting
parameters can switch off is a target too (:data:`PATTERNS`). The service-centre lever
is one: with a low propensity to attend and a high social threshold, more centres and
sessions stop raising activity participation, so each evaluation also runs the lever's
two settings on one paired seed and the effect joins the distance as a one-sided target.

Reproducible: pyabc's own parallel samplers reseed their workers from the clock, so
:class:`SeededMappingSampler` hands every parallel evaluation a seed drawn from the main
process's generator (seeded by :func:`calibrate`), and each simulated run takes its model
seed from that. Same seed, same workers or not, same posterior.

Posterior predictive checks (:func:`predictive_check`) run the facts again for particles
drawn by weight from the last generation, on fresh seeds.
"""

from __future__ import annotations

import functools
import multiprocessing
import random
import tempfile
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.validation.facts import TARGETS, YEAR_WEEKS, Target, pooled_value, run_model, stylized_facts

SEED_LIMIT = 2**31 - 1
UNMEASURED_DISTANCE = 10.0  # standardised distance of a fact a run could not measure

# The service-centre lever of MODEL_SPEC section 6 (tests/model/test_behaviours.py runs the same two settings).
FEW_CENTRES: dict[str, Any] = {"n_centres": 1, "centre_sessions_per_week": 3}
MANY_CENTRES: dict[str, Any] = {"n_centres": 3, "centre_sessions_per_week": 10, "centre_placement": "spread"}
CENTRE_PATTERN = Target(
    "centre_effect",
    "more centres and sessions raise activity participation",
    0.0,
    None,
    0.03,
    0.03,
    "MODEL_SPEC 6: service centres raise activity participation; 3 centres with 10 sessions a week against 1 "
    "with 3, one paired seed, change in the share taking part in activities over the last year",
)
PATTERNS: tuple[Target, ...] = (CENTRE_PATTERN,)
CALIBRATION_TARGETS: tuple[Target, ...] = (*TARGETS, *PATTERNS)


def centre_effect(*, seed: int, n_residents: int, steps: int, **overrides: Any) -> float:
    """Change in activity participation over the last year from :data:`FEW_CENTRES` to :data:`MANY_CENTRES`.

    Both runs take the same seed (common random numbers) and ``overrides``.
    """
    rates = []
    for lever in (FEW_CENTRES, MANY_CENTRES):
        model, _ = run_model(seed, steps, {"n_residents": n_residents, **overrides, **lever})
        frame = model.datacollector.get_model_vars_dataframe()
        rates.append(float(frame["rate_activities"].iloc[-YEAR_WEEKS:].mean()))
    return rates[1] - rates[0]


def simulated_facts(parameters: Mapping[str, float], *, n_residents: int, steps: int) -> dict[str, float]:
    """One run of every fact and pattern at ``parameters``, on model seeds drawn from numpy's global generator.

    pyabc calls its model with the parameters only; the sampler seeds the global generator
    before every evaluation (:class:`SeededMappingSampler`), so the seeds are reproducible.
    """
    seed, pattern_seed = (int(value) for value in np.random.randint(0, SEED_LIMIT, size=2))
    values = {name: float(value) for name, value in dict(parameters).items()}
    run = stylized_facts(seed=seed, n_residents=n_residents, steps=steps, **values)
    columns = {name: np.array([value], dtype=float) for name, value in run.items()}
    facts = {target.name: float(pooled_value(target.name, columns)) for target in TARGETS}
    effect = centre_effect(seed=pattern_seed, n_residents=n_residents, steps=steps, **values)
    return {**facts, CENTRE_PATTERN.name: effect}


def facts_distance(simulated: Mapping[str, float], _observed: Mapping[str, float]) -> float:
    """The calibration distance of one run's facts and patterns (the targets are bands, not observed values).

    As :func:`~commsim.validation.facts.calibration_distance` over :data:`CALIBRATION_TARGETS`,
    except that a fact the run could not measure (no youth deliberated, so no age gradient)
    counts as :data:`UNMEASURED_DISTANCE` scales from its target instead of making the whole
    distance infinite: the other facts still rank the particle.
    """
    capped = [min(target.distance(simulated[target.name]), UNMEASURED_DISTANCE) for target in CALIBRATION_TARGETS]
    return float(np.sqrt(np.mean(np.square(capped))))


def _seeded_call(payload: bytes, seed: int):
    """Evaluate until one particle is accepted, after seeding every generator from ``seed``."""
    import cloudpickle

    simulate_one = cloudpickle.loads(payload)
    # Run in the main process (one worker), the evaluation must not move the main generator.
    saved = np.random.get_state(), random.getstate()
    np.random.seed(seed)
    random.seed(seed)
    try:
        sample = []
        while True:
            sample.append(simulate_one())
            if sample[-1].accepted:
                return sample, len(sample)
    finally:
        np.random.set_state(saved[0])
        random.setstate(saved[1])


def _make_sampler(workers: int):
    """A pyabc mapping sampler whose evaluations draw their seeds in the main process (see module text)."""
    from pyabc.sampler import MappingSampler

    class SeededMappingSampler(MappingSampler):
        """pyabc's MappingSampler, seeding each mapped evaluation from the main process's generator."""

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
            import cloudpickle

            seeds = np.random.randint(0, SEED_LIMIT, size=n).tolist()
            payload = cloudpickle.dumps(simulate_one)
            results = list(self.map_(functools.partial(_seeded_call, payload), seeds))
            self.nr_evaluations_ = sum(evaluations for _, evaluations in results)
            sample = self._create_empty_sample()
            for particles, _ in results:
                for particle in particles:
                    sample.append(particle)
            return sample

    if workers <= 1:
        return SeededMappingSampler(map_=map), None
    # Spawned, not forked: the main process runs threads (pyabc's, numba's), and so do the experiment executors.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    return SeededMappingSampler(map_=pool.map), pool


def facts_model(*, n_residents: int, steps: int) -> Callable[[Mapping[str, float]], dict[str, float]]:
    """The model pyabc calibrates: one run of every fact (:func:`simulated_facts`) at this size."""
    return functools.partial(simulated_facts, n_residents=n_residents, steps=steps)


def calibrate(
    priors: Mapping[str, tuple[float, float]],
    *,
    model: Callable[[Mapping[str, float]], dict[str, float]],
    population: int,
    generations: int,
    seed: int,
    workers: int = 1,
    database: Path | None = None,
    min_acceptance: float = 0.02,
):
    """Run ABC-SMC over uniform ``priors`` and return pyabc's history.

    Args:
        priors: Low and high of each parameter's uniform prior.
        model: Parameters to facts (:func:`facts_model`; a synthetic one in tests). It must
            draw any randomness from numpy's global generator, which each evaluation seeds.
        population: Particles per generation.
        generations: Most generations.
        seed: Seed of the main process's generator (proposals, evaluation seeds).
        workers: Parallel evaluations (processes).
        database: pyabc's SQLite history file (a temporary one if None).
        min_acceptance: Stop once a generation accepts fewer than this share of its evaluations.

    Returns:
        A ``pyabc.History``.

    Raises:
        ValueError: If a prior's low is not a finite number below its high (checked before
            any evaluation: pyabc would fail later, naming neither the prior nor why).
    """
    import pyabc

    for name, (low, high) in priors.items():
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"the prior of {name} needs a finite low below its high, not [{low}, {high}]")
    np.random.seed(seed)
    random.seed(seed)
    prior = pyabc.Distribution(**{name: pyabc.RV("uniform", low, high - low) for name, (low, high) in priors.items()})
    sampler, pool = _make_sampler(workers)
    try:
        abc = pyabc.ABCSMC(model, prior, facts_distance, population_size=population, sampler=sampler)
        path = database or Path(tempfile.mkdtemp(prefix="commsim-abc-")) / "abc.db"
        observed = {target.name: target.centre for target in CALIBRATION_TARGETS}
        abc.new(f"sqlite:///{path}", observed)
        return abc.run(max_nr_populations=generations, min_acceptance_rate=min_acceptance)
    finally:
        if pool is not None:
            pool.shutdown()


def weighted_quantile(values: np.ndarray, weights: np.ndarray, quantile: float) -> float:
    """The ``quantile`` of ``values`` under normalised ``weights`` (lower step of the weighted ECDF)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / np.sum(weights)
    return float(values[order][min(np.searchsorted(cumulative, quantile), len(values) - 1)])


def posterior_table(history, priors: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    """Per parameter of the last generation: prior range, weighted median and 5-95% quantiles."""
    particles, weights = history.get_distribution()
    weights = np.asarray(weights, dtype=float)
    rows = []
    for name, (low, high) in priors.items():
        values = particles[name].to_numpy(float)
        rows.append(
            {
                "parameter": name,
                "prior_low": low,
                "prior_high": high,
                "posterior_median": weighted_quantile(values, weights, 0.5),
                "posterior_q05": weighted_quantile(values, weights, 0.05),
                "posterior_q95": weighted_quantile(values, weights, 0.95),
            }
        )
    return pd.DataFrame(rows)


def generations_table(history) -> pd.DataFrame:
    """Per generation: its tolerance, accepted particles, their effective number and evaluations spent.

    The effective number of particles is Kish's (sum of weights)^2 / sum of squared
    weights: how many equally weighted particles the weighted population is worth, so how
    far its quantiles can be trusted.
    """
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    effective = []
    for generation in populations["t"].astype(int):
        _, weights = history.get_distribution(t=int(generation))
        weights = np.asarray(weights, dtype=float)
        effective.append(float(weights.sum() ** 2 / np.square(weights).sum()))
    return pd.DataFrame(
        {
            "generation": populations["t"].astype(int),
            "tolerance": populations["epsilon"].astype(float),
            "particles": populations["particles"].astype(int),
            "effective_particles": effective,
            "evaluations": populations["samples"].astype(int),
        }
    ).reset_index(drop=True)


def predictive_check(
    history, *, model: Callable[[Mapping[str, float]], dict[str, float]], draws: int, seed: int
) -> pd.DataFrame:
    """Posterior predictive check: every fact and pattern of ``draws`` particles drawn by weight, each on a fresh seed.

    Args:
        history: The calibration's pyabc history (its last generation is the posterior).
        model: As for :func:`calibrate` (:func:`facts_model`, usually at a larger size).
        draws: Particles drawn.
        seed: Seed of the draws and of the runs' seeds.

    Returns:
        One row per target (:data:`CALIBRATION_TARGETS`): the band, the median and 5-95% range of the simulated fact,
        and the share of draws inside the band.
    """
    particles, weights = history.get_distribution()
    weights = np.asarray(weights, dtype=float)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(particles), size=draws, p=weights / weights.sum())
    saved = np.random.get_state()
    runs = []
    try:
        for index, run_seed in zip(picks, rng.integers(0, SEED_LIMIT, draws), strict=True):
            np.random.seed(int(run_seed))
            runs.append(model({name: float(value) for name, value in particles.iloc[int(index)].items()}))
    finally:
        np.random.set_state(saved)
    rows = []
    for target in CALIBRATION_TARGETS:
        values = np.array([run[target.name] for run in runs], dtype=float)
        finite = values[np.isfinite(values)]
        low, middle, high = np.quantile(finite, [0.05, 0.5, 0.95]) if len(finite) else (np.nan,) * 3
        rows.append(
            {
                "target": target.name,
                "label": target.label,
                "band_low": target.low,
                "band_high": target.high if target.high is not None else np.inf,
                "median": float(middle),
                "q05": float(low),
                "q95": float(high),
                "share_in_band": float(np.mean([target.hit(value) for value in values])),
                "draws": draws,
            }
        )
    return pd.DataFrame(rows)
