"""How long runs take on this machine: its description, measured per-run costs, a cache.

A dry run estimates a sweep's time from a cost measured here, not from a guess: the
cost per resident-week of the model, measured by a short calibration (a few repeats of
a few weeks of the sweep's own first run) or, better, by the runs of an earlier sweep
on this machine. Both are cached per machine and model version in ``timing.json`` under
the user's cache folder (``COMMSIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/commsim``, else
``~/.cache/commsim``), so a second dry run measures nothing. A measurement is a mean
with its spread, and an estimate carries the range that spread implies.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commsim.experiments.targets import execute, model_version
from commsim.runs.labels import format_duration, plural
from commsim.runs.provenance import machine, now, write_json_atomically

if TYPE_CHECKING:
    from commsim.experiments.plan import Plan
    from commsim.experiments.store import ExperimentStore

CACHE_FILE = "timing.json"
TRIAL_STEPS = 5  # weeks of a run a calibration times (and one)
CALIBRATION_RUNS = 3  # pending runs timed by a calibration, spread over the plan
FULL_RUN_LIMIT_S = 15.0  # a calibration times one run in full if it should take less
# Entries kept in the cache file, newest first: enough for a few machines and versions.
CACHE_ENTRIES = 32


@dataclass(frozen=True)
class Cost:
    """The measured cost of one resident-week of a model on one machine.

    Attributes:
        per_resident_week_s: Mean seconds per resident-week of a run.
        spread: Relative standard deviation of the samples (0.1 is 10%).
        samples: How many runs or repeats were measured.
        source: What was measured, in words ("12 runs of smoke", "a calibration of ...").
        measured: When (UTC, ISO 8601).
        workers: How many workers ran side by side while it was measured.
    """

    per_resident_week_s: float
    spread: float
    samples: int
    source: str
    measured: str
    workers: int = 1


@dataclass(frozen=True)
class Estimate:
    """A sweep's estimated wall time with its range.

    Attributes:
        seconds: The central estimate.
        low_s: Its lower end (two standard deviations of the per-run cost below it).
        high_s: Its upper end.
        cost: The measurement behind it.
    """

    seconds: float
    low_s: float
    high_s: float
    cost: Cost


def machine_key(model_version: str) -> str:
    """The cache key of this machine and a model version."""
    found = machine()
    return f"{found['host']}|{found['processor']}|{found['cores']}|{found['python']}|{model_version}"


def cache_path() -> Path:
    """Where measured costs are cached (see the module's docstring)."""
    if folder := os.environ.get("COMMSIM_CACHE_DIR"):
        return Path(folder) / CACHE_FILE
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "commsim" / CACHE_FILE


def _read_cache() -> dict[str, Any]:
    try:
        found = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def cached_cost(model_version: str) -> Cost | None:
    """The cost last measured on this machine for this model version, or None.

    Args:
        model_version: The model's version (``commsim.experiments.targets.model_version``).

    Returns:
        The cached cost, or None if nothing usable is cached.
    """
    entry = _read_cache().get(machine_key(model_version))
    if not isinstance(entry, dict):
        return None
    try:
        cost = Cost(**entry)
    except TypeError:
        return None
    usable = math.isfinite(cost.per_resident_week_s) and cost.per_resident_week_s > 0 and cost.samples > 0
    return cost if usable else None


def remember(model_version: str, cost: Cost) -> None:
    """Cache a measured cost for this machine and model version; a cache that cannot be written is skipped.

    Args:
        model_version: The model's version.
        cost: What was measured.
    """
    entries = _read_cache()
    entries.pop(machine_key(model_version), None)
    kept = dict(list(entries.items())[: CACHE_ENTRIES - 1])
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomically(path, {machine_key(model_version): cost.__dict__, **kept})
    except OSError:
        pass  # a read-only home: the next dry run measures again


def cost_from_samples(
    seconds: Iterable[float], resident_weeks: Iterable[float], *, source: str, workers: int = 1
) -> Cost | None:
    """The cost per resident-week from timed runs (or repeats) and their sizes.

    Args:
        seconds: Each sample's duration.
        resident_weeks: Each sample's residents times weeks.
        source: What was measured, in words.
        workers: Workers that ran side by side.

    Returns:
        The cost, or None if no sample has a positive duration and size.
    """
    rates = [s / w for s, w in zip(seconds, resident_weeks, strict=True) if s > 0 and w > 0]
    if not rates:
        return None
    mean = statistics.fmean(rates)
    spread = statistics.stdev(rates) / mean if len(rates) > 1 else 0.25  # one sample: assume 25%
    return Cost(mean, spread, len(rates), source, now(), workers)


def residents_of(parameters: dict[str, Any], cache: dict[tuple[str, str], int] | None = None) -> int:
    """The residents of one run of commsim's model: its ``n_residents`` or its presets' default.

    Args:
        parameters: The run's keyword arguments.
        cache: Defaults already resolved, by (profile, policy); filled in as found.

    Returns:
        The number of residents.
    """
    if parameters.get("n_residents") is not None:
        return int(parameters["n_residents"])
    from commsim.config.loading import resolve_parameters

    preset = (parameters.get("profile", "old_inner_city"), parameters.get("policy", "baseline"))
    cache = {} if cache is None else cache
    if preset not in cache:
        cache[preset] = int(resolve_parameters(*preset)["n_residents"])
    return cache[preset]


def estimate(cost: Cost, resident_weeks: list[float], *, workers: int) -> Estimate:
    """The wall time of runs of the given sizes on ``workers`` workers, with its range.

    Runs are handed out in order to the first free worker; the range is the estimate at
    the cost two standard deviations (of the per-run cost) either side of the mean,
    never below a tenth of it. A cost measured with fewer workers side by side than will
    run says nothing of how much they slow each other down (shared cores, memory), so the
    upper end is then the worst case of that: the runs one after another.

    Args:
        cost: Measured cost per resident-week.
        resident_weeks: Each pending run's residents times weeks.
        workers: Workers running side by side.

    Returns:
        The estimate.
    """

    def wall(rate: float) -> float:
        free = [0.0] * max(workers, 1)
        for size in resident_weeks:
            free[free.index(min(free))] += rate * size
        return max(free)

    rate = cost.per_resident_week_s
    low, high = rate * max(1 - 2 * cost.spread, 0.1), rate * (1 + 2 * cost.spread)
    worst = high * sum(resident_weeks) if workers > max(cost.workers, 1) else wall(high)
    return Estimate(wall(rate), wall(low), worst, cost)


# ------------------------------------------------------------------ measuring


def measured_cost(plan: Plan, pending: list[Any]) -> tuple[Cost, list[float]]:
    """The cost per resident-week (cached, or calibrated now) and each pending run's resident-weeks.

    Args:
        plan: The experiment.
        pending: The runs a sweep would execute (at least one).

    Returns:
        The cost (for a function target: seconds per evaluation) and each run's size.

    Raises:
        RuntimeError: If a calibration run fails.
    """
    version = model_version(plan.spec.target)
    if not plan.commsim_model:  # a function: the cost of one evaluation
        cost = _calibrate(plan, pending[:1], [1.0], source=f"a timing of run {pending[0].index} here")
        return cost, [1.0] * len(pending)
    defaults: dict[tuple[str, str], int] = {}
    sizes = [float(residents_of(run.parameters, defaults) * plan.spec.steps) for run in pending]
    cost = cached_cost(version)
    if cost is None:
        chosen = sorted({round(i * (len(pending) - 1) / max(CALIBRATION_RUNS - 1, 1)) for i in range(CALIBRATION_RUNS)})
        runs = [pending[i] for i in chosen]
        weeks = min(TRIAL_STEPS, plan.spec.steps)
        source = f"a calibration here: {plural(len(runs), 'run')} of the plan timed over {weeks} weeks, scaled up"
        cost = _calibrate(plan, runs, [sizes[i] for i in chosen], source=source)
        remember(version, cost)
    return cost, sizes


def _calibrate(plan: Plan, runs: list[Any], sizes: list[float], *, source: str) -> Cost:
    """Time runs briefly (one step and a few, scaled to the horizon; functions once) and, if cheap, one in full.

    A model's weeks grow dearer as its network and participation grow, so a short timing
    scaled up underestimates; when the first run is predicted to take under
    :data:`FULL_RUN_LIMIT_S`, it is timed over the whole horizon too and every short
    timing is scaled by the ratio.
    """
    samples = []
    for run in runs:
        task = plan.task(run)
        short = timed_run(dataclasses.replace(task, steps=1, timeout_s=None))
        if not plan.stepped:
            samples.append(short)
            continue
        steps = min(TRIAL_STEPS, task.steps)
        longer = timed_run(dataclasses.replace(task, steps=steps, timeout_s=None))
        per_step = max(longer - short, 0.0) / max(steps - 1, 1)
        samples.append(max(short - per_step, 0.0) + per_step * task.steps)
    if plan.stepped and plan.spec.steps > TRIAL_STEPS and 0 < samples[0] <= FULL_RUN_LIMIT_S:
        full = timed_run(dataclasses.replace(plan.task(runs[0]), timeout_s=None))
        samples = [sample * full / samples[0] for sample in samples]
        source += f", one of them also in full ({format_duration(full)})"
    cost = cost_from_samples(samples, sizes, source=source)
    if cost is None:  # runs too quick to time: a microsecond apiece
        cost = Cost(1e-6 / max(sizes[0], 1.0), 0.25, len(samples), source, now())
    return cost


def remember_sweep_cost(plan: Plan, store: ExperimentStore, workers: int) -> Cost | None:
    """Cache the cost per resident-week that the runs of a finished sweep measured on this machine.

    Args:
        plan: The experiment (commsim's model only; other targets are not cached).
        store: Its folder.
        workers: Workers that ran side by side.

    Returns:
        The cached cost, or None if the sweep ran no run of commsim's model.
    """
    if not plan.commsim_model:
        return None
    defaults: dict[tuple[str, str], int] = {}
    seconds, sizes = [], []
    for run in plan.runs:
        record = store.record(run.key) or {}
        if record.get("status") == "done" and isinstance(record.get("duration_s"), (int, float)):
            seconds.append(float(record["duration_s"]))
            sizes.append(float(residents_of(run.parameters, defaults) * plan.spec.steps))
    source = f"{plural(len(seconds), 'run')} of the sweep {plan.spec.name} here on {plural(workers, 'worker')}"
    cost = cost_from_samples(seconds, sizes, source=source, workers=workers)
    if cost is not None:
        remember(model_version(plan.spec.target), cost)
    return cost


def timed_run(task: Any) -> float:
    """Seconds one trial run takes; a failed run raises ``RuntimeError`` with its error."""
    clock = time.perf_counter()
    output = execute(task)
    if output.status != "done":
        raise RuntimeError(f"the trial run failed: {output.error}")
    return time.perf_counter() - clock
