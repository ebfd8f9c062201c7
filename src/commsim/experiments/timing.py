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

import json
import math
import os
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commsim.runs.provenance import machine, now, write_json_atomically

CACHE_FILE = "timing.json"
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
