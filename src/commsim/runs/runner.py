"""Run a scenario over replicates and write its results folder.

Plumbing only: no behavioural rule lives here. Replicate seeds are spawned from the
config's root seed (``numpy.random.SeedSequence.spawn``); a policy package other than
``baseline`` is paired with the baseline package on the same seeds (common random
numbers), which gives paired differences and ``cost_per_additional_participant``. The
summaries and paired differences are computed by :mod:`commsim.runs.statistics`, as the
experiment analysis computes them.
Everything is written to a staging folder next to the results folder and moved into
place only when the whole run succeeded, so a failed or interrupted run leaves nothing
behind and an earlier result stays until it is replaced. A staging folder left by a
killed run (``.NAME.XXXX.partial``, with a marker naming its process) is removed by the
next run of the same folder. An existing folder is replaced only if it is a run folder
commsim wrote and holds nothing else: its manifest says so and lists every file.

A results folder holds:

* ``timeseries.parquet`` — tidy: scenario, replicate, seed, step, then every metric;
* ``summary.csv`` — per scenario and metric: mean, SD, 95% t-interval and n, at the
  final step and averaged over the last 52 weeks (all weeks if fewer);
* ``paired_differences.csv`` — scenario minus baseline, paired by seed, over the last 52
  weeks, and the cost per additional participant (paired runs only);
* ``manifest.json`` — written last: ``"kind": "commsim run"``, the files of the folder,
  config, resolved parameters, their hash, seeds, versions, timings;
* ``figures/*.png``.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.config.declaration import parameters
from commsim.config.presets import resolve_parameters
from commsim.config.schemas import BASELINE, RunConfig
from commsim.metric_table import COST_PER_ADDITIONAL, METRIC_NAMES
from commsim.model import CommunityModel
from commsim.runs.interrupts import signals_held
from commsim.runs.progress import ProgressBar
from commsim.runs.provenance import (
    MANIFEST,
    PARTIAL_MARKER,
    RUN_KIND,
    OutputError,
    canonical_hash,
    check_out_dir,
    files_below,
    git_commit,
    host,
    machine,
    now,
    package_versions,
    prepare_out_dir,
    remove_run_folder,
    replace_folder_atomically,
    seed_integer,
)
from commsim.runs.statistics import COST_INPUTS, estimate, paired_effects, point_estimates, run_outcomes

__all__ = ["BASELINE", "OutputError", "check_out_dir"]  # re-exported for the runner's callers

YEAR = 52
ID_COLUMNS = ("scenario", "replicate", "seed", "step")


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
            seed=seed_integer(child),
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
    if BASELINE in config.scenario_names()[1:]:
        declared = parameters()
        kept = {name: value for name, value in config.overrides.items() if declared[name].group != "policy"}
        scenarios[BASELINE] = {"profile": config.profile, "policy": BASELINE, **kept}
    return scenarios


# ------------------------------------------------------------------ simulation


def simulate(seed: int, steps: int, settings: dict[str, Any], progress: ProgressBar | None = None) -> pd.DataFrame:
    """Run one replicate.

    Args:
        seed: Integer seed of the model.
        steps: Weeks to simulate.
        settings: ``CommunityModel`` keyword arguments (profile, policy, overrides).
        progress: Advanced once per step, if given.

    Returns:
        One row per step (row 0 is the initial state): ``step`` then every metric.
    """
    with signals_held():  # a Ctrl-C inside a compiled kernel could be lost or crash the process
        model = CommunityModel(rng=seed, **settings)
    for _ in range(steps):
        with signals_held():
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
    total = steps * len(seeds) * len(scenarios)
    with ProgressBar(total, unit="steps", description=f"{'simulating':<24}", enabled=progress) as bar:
        for scenario, settings in scenarios.items():
            for entry in seeds:
                label = f"{scenario} {entry.replicate + 1}/{len(seeds)}"
                bar.update(description=f"{label:<24}")
                started, wall, cpu = now(), time.perf_counter(), time.process_time()
                frame = simulate(entry.seed, steps, settings, bar)
                timings.append(
                    {
                        "scenario": scenario,
                        "replicate": entry.replicate,
                        "seed": entry.seed,
                        "started": started,
                        "finished": now(),
                        "wall_s": time.perf_counter() - wall,
                        "cpu_s": time.process_time() - cpu,
                    }
                )
                frames.append(frame.assign(scenario=scenario, replicate=entry.replicate, seed=entry.seed))
    series = pd.concat(frames, ignore_index=True)
    metrics = [column for column in series.columns if column not in ID_COLUMNS]
    return series[[*ID_COLUMNS, *metrics]], timings


# ------------------------------------------------------------------ statistics

# A run of ``commsim run`` is named by its scenario and replicate; it is the one design point.
_RUN_IDENTITY = ("point", "scenario", "replicate", "seed")


def _outcomes(series: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Each replicate's final value and mean over the last 52 weeks, as the experiment analysis reduces runs."""
    return run_outcomes(series.assign(point=0), metrics, YEAR, identity=_RUN_IDENTITY)


def summarise(series: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Estimate each metric across replicates, at the final step and over the last year.

    The estimates are :func:`commsim.runs.statistics.point_estimates` of the replicates'
    outcomes; the last year is the last 52 weeks (all weeks if fewer; never step 0).

    Args:
        series: Tidy time series.
        metrics: Columns to summarise.

    Returns:
        One row per scenario, window (``final`` or ``last_year``) and metric, with the
        window's length in weeks and the fields of :class:`commsim.runs.statistics.Estimate`.
    """
    last_step = int(series["step"].max())
    summary = point_estimates(_outcomes(series, metrics)).drop(columns="point")
    summary["window"] = summary["window"].map({"final": "final", "window": "last_year"})
    summary.insert(2, "weeks", np.where(summary["window"] == "final", 1, min(YEAR, last_step)))
    scenarios = {name: index for index, name in enumerate(series["scenario"].unique())}
    order = pd.DataFrame(
        {
            "scenario": summary["scenario"].map(scenarios),
            "window": summary["window"] != "final",
            "metric": summary["metric"].map({name: index for index, name in enumerate(metrics)}),
        }
    )
    return summary.loc[order.sort_values(list(order.columns), kind="stable").index].reset_index(drop=True)


def paired_differences(series: pd.DataFrame, scenario: str, metrics: list[str]) -> pd.DataFrame:
    """Scenario minus baseline, paired by replicate (same seed), over the last year.

    The effects are :func:`commsim.runs.statistics.paired_effects`, with the cost per
    additional participant (its one definition).

    Args:
        series: Tidy time series holding the scenario and the baseline.
        scenario: The scenario compared with the baseline.
        metrics: Columns to compare.

    Returns:
        One row per metric, then ``cost_per_additional_participant``: the mean paired
        difference (the cost itself for the latter), SD, 95% interval, n, the paired
        t-test's p-value and the baseline's mean.
    """
    needed = [*metrics, *(name for name in COST_INPUTS if name not in metrics)]
    effects = paired_effects(_outcomes(series, needed), BASELINE, with_cost=True)
    shown = effects["metric"].isin([*metrics, COST_PER_ADDITIONAL])
    chosen = effects[shown & (effects["scenario"] == scenario) & (effects["window"] == "window")]
    order = {name: index for index, name in enumerate([*metrics, COST_PER_ADDITIONAL])}
    chosen = chosen.iloc[np.argsort(chosen["metric"].map(order).to_numpy(), kind="stable")]
    return chosen.drop(columns=["point", "scenario", "window"]).reset_index(drop=True)


# ------------------------------------------------------------------ provenance


def config_hash(config: dict[str, Any], resolved: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of a config and its parameters.

    Args:
        config: The run config as a JSON-compatible dict.
        resolved: The fully resolved parameter set.

    Returns:
        The hex digest.
    """
    return canonical_hash({"config": config, "parameters": resolved})


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
        commsim.config.yaml_files.ConfigError: If the config's parameters do not resolve.
        OutputError: If ``out_dir`` may not be written (see :func:`check_out_dir`).
    """
    replicates = config.replicates if replicates is None else replicates
    steps = config.steps if steps is None else steps
    if replicates < 1 or steps < 1:
        raise ValueError(f"replicates and steps must be at least 1, got {replicates} and {steps}")
    out_dir = Path(out_dir)
    prepare_out_dir(out_dir)
    effective = config.model_copy(update={"replicates": replicates, "steps": steps})
    resolved = resolve_parameters(config.profile, config.policy, config.overrides)
    scenarios = scenario_settings(config)
    paired = BASELINE in scenarios and config.policy != BASELINE
    seeds = replicate_seeds(config.seed, replicates)

    started, wall, cpu = now(), time.perf_counter(), time.process_time()
    series, timings = _simulate_all(scenarios, seeds, steps, progress=progress)
    metrics = list(METRIC_NAMES)
    differences = paired_differences(series, config.policy, metrics) if paired else None
    summary = summarise(series, metrics)

    effective_dict = effective.model_dump(mode="json")
    manifest = {
        "kind": RUN_KIND,
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
        "versions": package_versions(),
        "git_commit": git_commit(),
        "host": host(),
        "machine": machine(),
        "started": started,
        "finished": now(),
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "replicate_timings": timings,
        "programme_cost": programme_costs(series, scenarios, config),
    }
    _write_atomically(
        out_dir, series=series, summary=summary, paired=differences, manifest=manifest, focus=config.policy
    )
    return RunResult(out_dir=out_dir, summary=summary, paired=differences, manifest=manifest)


def programme_costs(series: pd.DataFrame, scenarios: dict[str, dict[str, Any]], config: RunConfig) -> dict[str, Any]:
    """Each scenario's programme cost over the last year, in yuan per household per year (:mod:`commsim.runs.costs`).

    Args:
        series: Tidy time series of every scenario and replicate.
        scenarios: The scenarios' settings (policy and overrides).
        config: The run config (profile).

    Returns:
        The costs' version, and per scenario the mean, 95% interval and n across replicates,
        with the mean yuan per year of each cost item.
    """
    from commsim.runs.costs import costs_version, load_costs, price_run

    table = load_costs()
    by_scenario: dict[str, Any] = {}
    for scenario, settings in scenarios.items():
        values = resolve_parameters(config.profile, settings.get("policy", config.policy), _overrides(settings))
        rows = series[series["scenario"] == scenario]
        priced = [price_run(frame, values, table) for _, frame in rows.groupby("replicate", sort=True)]
        per_household = estimate(np.array([cost.per_household_year for cost in priced]))
        lines = {name: float(np.mean([cost.lines[name] for cost in priced])) for name in table.items}
        by_scenario[scenario] = {"yuan_per_household_year": asdict(per_household), "yuan_per_year_by_item": lines}
    return {"costs_version": costs_version(), "weeks": priced[0].weeks if priced else 0, "scenarios": by_scenario}


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
    from commsim.runs.figures import write_figures  # matplotlib is imported only when writing

    def fill(staging: Path) -> None:
        series.to_parquet(staging / "timeseries.parquet", engine="pyarrow", index=False)
        summary.to_csv(staging / "summary.csv", index=False)
        if paired is not None:
            paired.to_csv(staging / "paired_differences.csv", index=False)
        write_figures(series, staging / "figures", focus=focus, values=manifest["resolved_parameters"])
        # Last, so a folder without it is visibly incomplete; it lists every file written.
        manifest["files"] = [name for name in files_below(staging) if name != PARTIAL_MARKER] + [MANIFEST]
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    replace_folder_atomically(out_dir, fill, check_replaceable=check_out_dir, remove_replaced=remove_run_folder)
