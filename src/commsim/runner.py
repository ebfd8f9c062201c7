"""Run a scenario over replicates and write its results folder.

Plumbing only: no behavioural rule lives here. Replicate seeds are spawned from the
config's root seed (``numpy.random.SeedSequence.spawn``); a policy package other than
``baseline`` is paired with the baseline package on the same seeds (common random
numbers), which gives ``cost_per_additional_participant`` and paired differences.
Everything is written to a staging folder next to the results folder and moved into
place only when the whole run succeeded, so a failed run leaves nothing behind and an
earlier result stays until it is replaced.

A results folder holds:

* ``timeseries.parquet`` — tidy: scenario, replicate, seed, step, then every metric;
* ``summary.csv`` — per scenario and metric: mean, SD, 95% t-interval and n, at the
  final step and averaged over the last 52 weeks (all weeks if fewer);
* ``paired_differences.csv`` — scenario minus baseline, paired by seed (paired runs only);
* ``manifest.json`` — config, resolved parameters, their hash, seeds, versions, timings;
* ``figures/*.png``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

import commsim
from commsim.config import RunConfig, resolve_parameters
from commsim.metrics import METRIC_NAMES
from commsim.model import CommunityModel
from commsim.params import parameters
from commsim.paths import project_root

YEAR = 52
BASELINE = "baseline"
COST_PER_ADDITIONAL = "cost_per_additional_participant"
ID_COLUMNS = ("scenario", "replicate", "seed", "step")
VERSIONED_PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "matplotlib")


@dataclass(frozen=True, slots=True)
class ReplicateSeed:
    """The seed of one replicate, spawned from the root seed.

    Attributes:
        replicate: Replicate index, 0-based.
        spawn_key: The child's ``SeedSequence.spawn_key``.
        seed: The integer passed to ``CommunityModel(rng=...)``.
    """

    replicate: int
    spawn_key: tuple[int, ...]
    seed: int


@dataclass(frozen=True, slots=True)
class Estimate:
    """Mean, standard deviation and t-based confidence interval of a sample."""

    mean: float
    sd: float
    ci_low: float
    ci_high: float
    n: int


@dataclass(frozen=True, slots=True)
class RunResult:
    """Where a run's results went, with its summary tables and manifest.

    Attributes:
        out_dir: The results folder.
        summary: Contents of ``summary.csv``.
        paired: Contents of ``paired_differences.csv``; None without a paired baseline.
        manifest: Contents of ``manifest.json``.
    """

    out_dir: Path
    summary: pd.DataFrame
    paired: pd.DataFrame | None
    manifest: dict[str, Any]

    @property
    def timeseries_path(self) -> Path:
        """The tidy time series (Parquet)."""
        return self.out_dir / "timeseries.parquet"

    @property
    def summary_path(self) -> Path:
        """The summary table (CSV)."""
        return self.out_dir / "summary.csv"

    @property
    def manifest_path(self) -> Path:
        """The manifest (JSON)."""
        return self.out_dir / "manifest.json"

    @property
    def figure_paths(self) -> list[Path]:
        """The figures (PNG)."""
        return sorted((self.out_dir / "figures").glob("*.png"))


# ------------------------------------------------------------------ seeds and scenarios


def replicate_seeds(root_seed: int, replicates: int) -> list[ReplicateSeed]:
    """Spawn one integer seed per replicate from the root seed.

    Args:
        root_seed: The config's root seed.
        replicates: Number of replicates.

    Returns:
        One seed per replicate, in order.
    """
    children = np.random.SeedSequence(root_seed).spawn(replicates)
    return [
        ReplicateSeed(
            replicate=index,
            spawn_key=tuple(int(part) for part in child.spawn_key),
            # 63 bits: a non-negative int that every numpy and Mesa seeding path accepts.
            seed=int(child.generate_state(1, dtype=np.uint64)[0] >> 1),
        )
        for index, child in enumerate(children)
    ]


def scenario_settings(config: RunConfig) -> dict[str, dict[str, Any]]:
    """Model keyword arguments of each scenario a config runs.

    The config's own package comes first. A paired baseline, if any, keeps the profile
    and every override except those of policy parameters.

    Args:
        config: Validated run config.

    Returns:
        Scenario name (the package name) to ``CommunityModel`` keyword arguments.
    """
    scenarios = {config.policy: {"profile": config.profile, "policy": config.policy, **config.overrides}}
    if config.compare_with_baseline and config.policy != BASELINE:
        declared = parameters()
        kept = {name: value for name, value in config.overrides.items() if declared[name].group != "policy"}
        scenarios[BASELINE] = {"profile": config.profile, "policy": BASELINE, **kept}
    return scenarios


# ------------------------------------------------------------------ simulation


def simulate(seed: int, steps: int, settings: dict[str, Any], progress: _StepProgress | None = None) -> pd.DataFrame:
    """Run one replicate.

    Args:
        seed: Integer seed of the model.
        steps: Weeks to simulate.
        settings: ``CommunityModel`` keyword arguments (profile, policy, overrides).
        progress: Advanced once per step, if given.

    Returns:
        One row per step (row 0 is the initial state): ``step`` then every metric.
    """
    model = CommunityModel(rng=seed, **settings)
    for _ in range(steps):
        model.step()
        if progress is not None:
            progress.advance()
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.insert(0, "step", np.arange(len(frame)))
    return frame


def _simulate_all(
    scenarios: dict[str, dict[str, Any]], seeds: list[ReplicateSeed], steps: int, *, progress: bool
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    frames, timings = [], []
    with _StepProgress(steps * len(seeds) * len(scenarios), enabled=progress) as bar:
        for scenario, settings in scenarios.items():
            for entry in seeds:
                bar.describe(f"{scenario} {entry.replicate + 1}/{len(seeds)}")
                started, wall, cpu = _now(), time.perf_counter(), time.process_time()
                frame = simulate(entry.seed, steps, settings, bar)
                timings.append(
                    {
                        "scenario": scenario,
                        "replicate": entry.replicate,
                        "seed": entry.seed,
                        "started": started,
                        "finished": _now(),
                        "wall_s": time.perf_counter() - wall,
                        "cpu_s": time.process_time() - cpu,
                    }
                )
                frames.append(frame.assign(scenario=scenario, replicate=entry.replicate, seed=entry.seed))
    series = pd.concat(frames, ignore_index=True)
    metrics = [column for column in series.columns if column not in ID_COLUMNS]
    return series[[*ID_COLUMNS, *metrics]], timings


# ------------------------------------------------------------------ statistics


def estimate(values: np.ndarray, level: float = 0.95) -> Estimate:
    """Mean, SD and t-based confidence interval of the finite values of a sample.

    Args:
        values: The sample; NaN and infinite values are left out.
        level: Confidence level.

    Returns:
        The estimate; SD and interval are NaN with fewer than two values.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return Estimate(np.nan, np.nan, np.nan, np.nan, 0)
    mean = float(values.mean())
    if n == 1:
        return Estimate(mean, np.nan, np.nan, np.nan, 1)
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n))
    return Estimate(mean, sd, mean - half, mean + half, n)


def last_year_means(series: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Average each replicate over the last 52 weeks (all weeks if fewer; never step 0).

    Args:
        series: Tidy time series.
        metrics: Columns to average.

    Returns:
        One row per scenario and replicate, indexed by both.
    """
    last_step = series["step"].max()
    window = series[series["step"] > max(last_step - YEAR, 0)]
    return window.groupby(["scenario", "replicate"], sort=False)[metrics].mean()


def summarise(series: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Estimate each metric across replicates, at the final step and over the last year.

    Args:
        series: Tidy time series.
        metrics: Columns to summarise.

    Returns:
        One row per scenario, window (``final`` or ``last_year``) and metric, with the
        window's length in weeks and the fields of :class:`Estimate`.
    """
    last_step = int(series["step"].max())
    windows = {
        "final": (series[series["step"] == last_step].set_index(["scenario", "replicate"])[metrics], 1),
        "last_year": (last_year_means(series, metrics), min(YEAR, last_step)),
    }
    rows = []
    for scenario in series["scenario"].unique():
        for window, (frame, weeks) in windows.items():
            replicates = frame.loc[scenario]
            for metric in metrics:
                where = {"scenario": scenario, "window": window, "weeks": weeks, "metric": metric}
                rows.append(where | asdict(estimate(replicates[metric].to_numpy())))
    return pd.DataFrame(rows)


def paired_differences(series: pd.DataFrame, scenario: str, metrics: list[str]) -> pd.DataFrame:
    """Scenario minus baseline, paired by replicate (same seed), over the last year.

    Args:
        series: Tidy time series holding the scenario and the baseline.
        scenario: The scenario compared with the baseline.
        metrics: Columns to compare.

    Returns:
        One row per metric: the mean paired difference and its 95% interval.
    """
    yearly = last_year_means(series, metrics)
    difference = yearly.loc[scenario] - yearly.loc[BASELINE]
    rows = [
        {"metric": metric, **asdict(estimate(difference[metric].to_numpy()))}
        for metric in metrics
        if metric != COST_PER_ADDITIONAL  # defined against the baseline already
    ]
    return pd.DataFrame(rows).rename(columns={"mean": "difference"})


def add_cost_per_additional_participant(series: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Add the extra programme cost per participant gained over the paired baseline run.

    ``(programme_cost - baseline programme_cost) / (unique_participants - baseline
    unique_participants)`` of the same replicate and step (an incremental
    cost-effectiveness ratio); NaN where the package adds no participant and on baseline
    rows.

    Args:
        series: Tidy time series holding the scenario and the baseline.
        scenario: The scenario whose cost is measured.

    Returns:
        A copy of the series with the ``cost_per_additional_participant`` column.
    """
    keys = ["replicate", "step"]
    baseline = series[series["scenario"] == BASELINE].set_index(keys)
    paired = baseline.reindex(pd.MultiIndex.from_frame(series[keys]))
    additional = series["unique_participants"].to_numpy() - paired["unique_participants"].to_numpy()
    extra_cost = series["programme_cost"].to_numpy() - paired["programme_cost"].to_numpy()
    cost = extra_cost / np.where(additional > 0, additional, np.nan)
    cost[series["scenario"].to_numpy() != scenario] = np.nan
    return series.assign(**{COST_PER_ADDITIONAL: cost})


# ------------------------------------------------------------------ provenance


def config_hash(config: dict[str, Any], resolved: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of a config and its parameters.

    Args:
        config: The run config as a JSON-compatible dict.
        resolved: The fully resolved parameter set.

    Returns:
        The hex digest.
    """
    canonical = json.dumps({"config": config, "parameters": resolved}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=project_root(), capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "commsim": commsim.__version__}
    for package in VERSIONED_PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# ------------------------------------------------------------------ the run


def run_scenario(
    config: RunConfig,
    *,
    out_dir: Path,
    replicates: int | None = None,
    steps: int | None = None,
    progress: bool = True,
) -> RunResult:
    """Run a scenario (and its paired baseline) over replicates and write the results folder.

    Args:
        config: Validated run config.
        out_dir: Results folder; an existing one is replaced only after the run succeeded.
        replicates: Replicates to run instead of ``config.replicates``.
        steps: Weeks to simulate instead of ``config.steps``.
        progress: Show a progress bar (on stderr) over all replicate-steps.

    Returns:
        Paths, summary tables and manifest of the run.

    Raises:
        ValueError: If ``replicates`` or ``steps`` is below 1.
        commsim.config.ConfigError: If the config's parameters do not resolve.
    """
    replicates = config.replicates if replicates is None else replicates
    steps = config.steps if steps is None else steps
    if replicates < 1 or steps < 1:
        raise ValueError(f"replicates and steps must be at least 1, got {replicates} and {steps}")
    effective = config.model_copy(update={"replicates": replicates, "steps": steps})
    resolved = resolve_parameters(config.profile, config.policy, config.overrides)
    scenarios = scenario_settings(config)
    paired = BASELINE in scenarios and config.policy != BASELINE
    seeds = replicate_seeds(config.seed, replicates)

    started, wall, cpu = _now(), time.perf_counter(), time.process_time()
    series, timings = _simulate_all(scenarios, seeds, steps, progress=progress)
    metrics = list(METRIC_NAMES)
    differences = None
    if paired:
        series = add_cost_per_additional_participant(series, config.policy)
        metrics.append(COST_PER_ADDITIONAL)
        differences = paired_differences(series, config.policy, metrics)
    summary = summarise(series, metrics)

    effective_dict = effective.model_dump(mode="json")
    manifest = {
        "name": config.name,
        "config": config.model_dump(mode="json"),
        "steps": steps,
        "replicates": replicates,
        "scenarios": list(scenarios),
        "resolved_parameters": resolved,
        "baseline_parameters": (
            resolve_parameters(config.profile, BASELINE, _overrides(scenarios[BASELINE])) if paired else None
        ),
        # Over the config as run (CLI --steps/--replicates included) and its parameters.
        "config_hash": config_hash(effective_dict, resolved),
        "root_seed": config.seed,
        "seeds": [asdict(entry) for entry in seeds],
        "versions": _versions(),
        "git_commit": _git_commit(),
        "host": platform.node(),
        "started": started,
        "finished": _now(),
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "replicate_timings": timings,
    }
    _write_atomically(
        Path(out_dir), series=series, summary=summary, paired=differences, manifest=manifest, focus=config.policy
    )
    return RunResult(out_dir=Path(out_dir), summary=summary, paired=differences, manifest=manifest)


def _overrides(settings: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in settings.items() if name not in ("profile", "policy")}


# ------------------------------------------------------------------ writing


def _write_atomically(
    out_dir: Path,
    *,
    series: pd.DataFrame,
    summary: pd.DataFrame,
    paired: pd.DataFrame | None,
    manifest: dict[str, Any],
    focus: str,
) -> None:
    from commsim.figures import write_figures  # matplotlib is imported only when writing

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; results are meant to be shared
        series.to_parquet(staging / "timeseries.parquet", engine="pyarrow", index=False)
        summary.to_csv(staging / "summary.csv", index=False)
        if paired is not None:
            paired.to_csv(staging / "paired_differences.csv", index=False)
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        write_figures(series, staging / "figures", focus=focus)
        _replace_folder(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _replace_folder(new: Path, target: Path) -> None:
    """Move ``new`` to ``target``; an existing target is moved aside first, then deleted."""
    if not target.exists():
        new.rename(target)
        return
    old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
    target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


class _StepProgress:
    """A rich progress bar over replicate-steps with an ETA, on stderr; inert when disabled."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self._bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description:<24}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("steps"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self._task = self._bar.add_task("simulating", total=total)

    def __enter__(self) -> _StepProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def describe(self, text: str) -> None:
        """Show what is being simulated."""
        if self._bar is not None:
            self._bar.update(self._task, description=text)

    def advance(self) -> None:
        """Count one simulated step."""
        if self._bar is not None:
            self._bar.advance(self._task)
