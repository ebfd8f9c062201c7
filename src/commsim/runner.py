"""Run a scenario over replicates and write its results folder.

Plumbing only: no behavioural rule lives here. Replicate seeds are spawned from the
config's root seed (``numpy.random.SeedSequence.spawn``); a policy package other than
``baseline`` is paired with the baseline package on the same seeds (common random
numbers). Everything is written to a temporary folder and moved into place only when
the whole run succeeded, so a failed run leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from commsim.config import RunConfig, resolve_parameters
from commsim.metrics import METRIC_NAMES
from commsim.model import CommunityModel
from commsim.params import parameters
from commsim.paths import project_root

YEAR = 52
BASELINE = "baseline"
PACKAGES = ("commsim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic")


@dataclass(frozen=True, slots=True)
class RunResult:
    """Where a run's results went and its summary table."""

    out_dir: Path
    summary: pd.DataFrame
    paired: pd.DataFrame | None
    manifest: dict[str, Any]


def replicate_seeds(root_seed: int, replicates: int) -> list[dict[str, Any]]:
    """Spawn one integer seed per replicate from the root seed.

    Returns:
        Per replicate: its index, spawn key and the integer passed to ``rng=``.
    """
    children = np.random.SeedSequence(root_seed).spawn(replicates)
    return [
        {
            "replicate": i,
            "spawn_key": list(child.spawn_key),
            "seed": int(child.generate_state(1, dtype=np.uint64)[0] >> 1),
        }
        for i, child in enumerate(children)
    ]


def simulate(
    seed: int, steps: int, settings: dict[str, Any], on_step: Callable[[], None] | None = None
) -> pd.DataFrame:
    """Run one replicate and return its per-step metrics (step 0 is the initial state)."""
    model = CommunityModel(rng=seed, **settings)
    for _ in range(steps):
        model.step()
        if on_step is not None:
            on_step()
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.insert(0, "step", np.arange(len(frame)))
    return frame


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float, int]:
    """Mean, SD and t-based confidence interval of finite values."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return (np.nan, np.nan, np.nan, np.nan, 0)
    mean = float(values.mean())
    if n == 1:
        return (mean, np.nan, np.nan, np.nan, 1)
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n))
    return (mean, sd, mean - half, mean + half, n)


def summarise(series: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Mean, SD, 95% CI and n across replicates: at the final step and over the last year."""
    rows = []
    last_step = series["step"].max()
    final = series[series["step"] == last_step]
    window = series[series["step"] > max(last_step - YEAR, 0)]
    yearly = window.groupby(["scenario", "replicate"])[metrics].mean().reset_index()
    for scenario in series["scenario"].unique():
        for label, frame in (("final", final), ("last_year", yearly)):
            part = frame[frame["scenario"] == scenario]
            for metric in metrics:
                mean, sd, low, high, n = mean_ci(part[metric].to_numpy())
                rows.append(
                    {
                        "scenario": scenario,
                        "window": label,
                        "metric": metric,
                        "mean": mean,
                        "sd": sd,
                        "ci_low": low,
                        "ci_high": high,
                        "n": n,
                    }
                )
    return pd.DataFrame(rows)


def paired_differences(series: pd.DataFrame, scenario: str, metrics: list[str]) -> pd.DataFrame:
    """Scenario minus baseline, paired by replicate, averaged over the last year."""
    last_step = series["step"].max()
    window = series[series["step"] > max(last_step - YEAR, 0)]
    yearly = window.groupby(["scenario", "replicate"])[metrics].mean()
    difference = yearly.loc[scenario] - yearly.loc[BASELINE]
    rows = []
    for metric in metrics:
        mean, sd, low, high, n = mean_ci(difference[metric].to_numpy())
        rows.append({"metric": metric, "difference": mean, "sd": sd, "ci_low": low, "ci_high": high, "n": n})
    return pd.DataFrame(rows)


def add_cost_per_additional_participant(series: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Programme cost over unique participants added relative to the paired baseline run."""
    keys = ["replicate", "step"]
    base = series[series["scenario"] == BASELINE].set_index(keys)["unique_participants"]
    mine = series["scenario"] == scenario
    indexed = series.loc[mine].set_index(keys)
    extra = indexed["unique_participants"] - base.reindex(indexed.index)
    cost = (indexed["programme_cost"] / extra.where(extra > 0)).to_numpy()
    series["cost_per_additional_participant"] = np.nan
    series.loc[mine, "cost_per_additional_participant"] = cost
    return series


def _git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=project_root(),
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def _versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for package in PACKAGES:
        try:
            found[package] = version(package)
        except Exception:
            found[package] = "unknown"
    return found


def config_hash(config: dict[str, Any], resolved: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a config and its resolved parameters."""
    canonical = json.dumps({"config": config, "parameters": resolved}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


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
        out_dir: Results folder; replaced only after the whole run succeeded.
        replicates: Override of ``config.replicates``.
        steps: Override of ``config.steps``.
        progress: Show a progress bar.

    Returns:
        Paths, summary and manifest of the run.
    """
    from commsim.figures import write_figures  # matplotlib is imported only when writing

    replicates = replicates or config.replicates
    steps = steps or config.steps
    resolved = resolve_parameters(config.profile, config.policy, config.overrides)
    seeds = replicate_seeds(config.seed, replicates)
    scenarios = {config.policy: {"profile": config.profile, "policy": config.policy, **config.overrides}}
    if config.compare_with_baseline and config.policy != BASELINE:
        declared = parameters()
        kept = {k: v for k, v in config.overrides.items() if declared[k].group != "policy"}
        scenarios[BASELINE] = {"profile": config.profile, "policy": BASELINE, **kept}

    started = datetime.now(UTC)
    frames, timings = [], []
    with _Progress(progress, total=steps * replicates * len(scenarios)) as advance:
        for scenario, settings in scenarios.items():
            for entry in seeds:
                wall, cpu = time.perf_counter(), time.process_time()
                frame = simulate(entry["seed"], steps, settings, advance)
                frame.insert(0, "seed", entry["seed"])
                frame.insert(0, "replicate", entry["replicate"])
                frame.insert(0, "scenario", scenario)
                frames.append(frame)
                timings.append(
                    {
                        "scenario": scenario,
                        "replicate": entry["replicate"],
                        "wall_s": time.perf_counter() - wall,
                        "cpu_s": time.process_time() - cpu,
                    }
                )
    series = pd.concat(frames, ignore_index=True)
    metrics = list(METRIC_NAMES)
    paired = None
    if BASELINE in scenarios and config.policy != BASELINE:
        series = add_cost_per_additional_participant(series, config.policy)
        metrics.append("cost_per_additional_participant")
        paired = paired_differences(series, config.policy, metrics)
    summary = summarise(series, metrics)

    config_dict = config.model_dump()
    manifest = {
        "name": config.name,
        "config": config_dict,
        "resolved_parameters": resolved,
        "config_hash": config_hash(config_dict, resolved),
        "steps": steps,
        "replicates": replicates,
        "root_seed": config.seed,
        "seeds": seeds,
        "scenarios": list(scenarios),
        "versions": _versions(),
        "git_commit": _git_commit(),
        "host": platform.node(),
        "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(),
        "timings": timings,
    }
    _write_atomically(out_dir, series, summary, paired, manifest, write_figures)
    return RunResult(out_dir=out_dir, summary=summary, paired=paired, manifest=manifest)


def _write_atomically(out_dir, series, summary, paired, manifest, write_figures) -> None:
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    staging.chmod(0o755)
    try:
        series.to_parquet(staging / "timeseries.parquet", engine="pyarrow", index=False)
        summary.to_csv(staging / "summary.csv", index=False)
        if paired is not None:
            paired.to_csv(staging / "paired_differences.csv", index=False)
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        write_figures(series, staging / "figures", focus=manifest["scenarios"][0])
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


class _Progress:
    """A rich progress bar over model steps (a no-op when disabled)."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total = enabled, total

    def __enter__(self) -> Callable[[], None] | None:
        if not self.enabled:
            return None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("simulating"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("steps"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
        )
        self._bar.start()
        task = self._bar.add_task("run", total=self.total)
        return lambda: self._bar.advance(task)

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self._bar.stop()
