"""Comparisons and sweeps started from the dashboard, run through the experiment runner.

A comparison is an experiment with one design point and one scenario per choice, the
first choice being the reference; a sweep is an experiment over one or two lever
factors. Both are written like any ``commsim sweep`` (``results/dashboard/<name>/``),
so they can be resumed, reanalysed and reported from the command line, and they appear
among past experiments.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from commsim.experiments.analysis import COST_PER_ADDITIONAL, Analysis, analyze
from commsim.experiments.plan import Plan, make_plan
from commsim.experiments.report import label, write_report
from commsim.experiments.spec import ExperimentSpec
from commsim.experiments.store import ExperimentStore
from commsim.experiments.sweep import SweepResult, run_sweep
from commsim.statistics import estimate

KEY_METRICS = (
    "rate_any",
    "rate_activities",
    "rate_deliberation",
    "rate_mutual_aid",
    "activity_rate_elderly",
    "unique_participants",
    "top10_share",
    "mean_belonging",
    "mean_trust",
    "mean_efficacy",
    "volunteers_active",
    "cross_building_ties",
    "aid_met_share",
    "programme_cost",
    COST_PER_ADDITIONAL,  # derived by the analysis from the two above
)
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Choice:
    """One column of a comparison: a policy package with optional lever edits.

    Attributes:
        label: Name shown in plots and tables (unique within a comparison).
        policy: Policy package preset.
        overrides: Lever parameters edited away from the package's values.
    """

    label: str
    policy: str
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SweepFactor:
    """A lever parameter a sweep varies over a grid.

    Attributes:
        name: The parameter.
        low: Lowest value.
        high: Highest value.
        levels: Grid levels from low to high.
    """

    name: str
    low: float
    high: float
    levels: int


@dataclass(slots=True)
class Finished:
    """A finished comparison or sweep.

    Attributes:
        folder: Its results folder.
        plan: The experiment's plan.
        analysis: Outcomes, estimates and effects.
        result: Counts and timing of the sweep.
        report: Path of ``report.md``.
    """

    folder: Path
    plan: Plan
    analysis: Analysis
    result: SweepResult
    report: Path

    @property
    def data(self) -> pd.DataFrame:
        """The tidy time series of every run."""
        return ExperimentStore(self.folder).read_data()


def unique_labels(names: Sequence[str]) -> list[str]:
    """Make labels unique by numbering repeats (``centres``, ``centres 2``)."""
    seen: dict[str, int] = {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name} {seen[name]}")
    return labels


def new_folder(root: Path, kind: str) -> Path:
    """A fresh folder ``<root>/dashboard/<kind>-<time>-<random>`` (not created)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return root / "dashboard" / f"{kind}-{stamp}-{uuid.uuid4().hex[:6]}"


def comparison_spec(
    choices: Sequence[Choice],
    *,
    profile: str,
    n_residents: int,
    steps: int,
    replicates: int,
    seed: int,
    name: str,
) -> ExperimentSpec:
    """The experiment of a comparison: one scenario per choice, the first the reference.

    Args:
        choices: Two to four choices.
        profile: Community profile of every choice.
        n_residents: Residents of every run.
        steps: Weeks per run.
        replicates: Paired seeds per choice.
        seed: Root seed.
        name: Experiment name.

    Returns:
        The validated spec.

    Raises:
        ValueError: With fewer than two or more than four choices, or repeated labels.
    """
    if not 2 <= len(choices) <= 4:
        raise ValueError(f"choose two to four packages or lever sets to compare, not {len(choices)}")
    labels = [choice.label for choice in choices]
    if len(set(labels)) != len(labels):
        raise ValueError("every choice needs its own label")
    return ExperimentSpec.model_validate(
        {
            "name": name,
            "description": "Comparison started from the dashboard: " + ", ".join(labels),
            "base": {"profile": profile, "n_residents": n_residents},
            "scenarios": {choice.label: {"policy": choice.policy, **choice.overrides} for choice in choices},
            "reference": labels[0],
            "replicates": replicates,
            "seed": seed,
            "steps": steps,
            "analysis": {"window": min(52, steps), "report_metrics": list(KEY_METRICS[:-1])},
        }
    )


def sweep_spec(
    factors: Sequence[SweepFactor],
    *,
    profile: str,
    policy: str,
    overrides: dict[str, Any],
    n_residents: int,
    steps: int,
    replicates: int,
    seed: int,
    name: str,
) -> ExperimentSpec:
    """The experiment of a sweep: a grid over one or two lever parameters.

    Args:
        factors: One or two factors.
        profile: Community profile.
        policy: Policy package.
        overrides: Lever edits held fixed.
        n_residents: Residents per run.
        steps: Weeks per run.
        replicates: Seeds per grid point.
        seed: Root seed.
        name: Experiment name.

    Returns:
        The validated spec.

    Raises:
        ValueError: With no factor, more than two, or the same parameter twice.
    """
    if not 1 <= len(factors) <= 2:
        raise ValueError(f"a dashboard sweep varies one or two levers, not {len(factors)}")
    if len({factor.name for factor in factors}) != len(factors):
        raise ValueError("choose two different levers")
    fixed = {key: value for key, value in overrides.items() if key not in {f.name for f in factors}}
    return ExperimentSpec.model_validate(
        {
            "name": name,
            "description": "Sweep started from the dashboard over " + " and ".join(f.name for f in factors),
            "base": {"profile": profile, "policy": policy, "n_residents": n_residents, **fixed},
            "factors": [
                {"name": f.name, "range": [f.low, f.high], "levels": f.levels}
                if f.high > f.low
                else {"name": f.name, "values": [f.low]}
                for f in factors
            ],
            "design": {"kind": "grid"},
            "replicates": replicates,
            "seed": seed,
            "steps": steps,
            "analysis": {"window": min(52, steps), "report_metrics": list(KEY_METRICS[:12])},
        }
    )


def plan_size(spec: ExperimentSpec) -> tuple[int, int]:
    """Design points and runs an experiment spec plans (raises ConfigError if it cannot be planned).

    Repeated grid levels of a whole-number lever (1 to 2 in five levels) collapse, so
    this, not ``levels`` multiplied out, is what a sweep will run.
    """
    plan = make_plan(spec)
    return len(plan.design), len(plan.runs)


def run_experiment(spec: ExperimentSpec, folder: Path, *, on_progress: Progress | None = None) -> Finished:
    """Plan, run (inline), analyse and report an experiment.

    Args:
        spec: The experiment.
        folder: Its results folder (new).
        on_progress: Called with (finished runs, total runs) after every run.

    Returns:
        The finished experiment.

    Raises:
        RuntimeError: If any run failed; the message holds the first error.
        ConfigError: If the spec cannot be planned.
    """
    plan = make_plan(spec)

    def forward(event: dict[str, Any]) -> None:
        if on_progress is not None and "total" in event:
            on_progress(int(event.get("done", 0)) + int(event.get("failed", 0)), int(event["total"]))

    result = run_sweep(plan, folder, executor="inline", workers=1, progress=False, on_event=forward)
    store = ExperimentStore(folder)
    if result.failed:
        runs = store.read_runs()
        first = runs.loc[runs["status"] != "done", "error"].dropna()
        reason = first.iloc[0] if len(first) else "unknown error"
        raise RuntimeError(f"{result.failed} of {result.total} runs failed; first error: {reason}")
    analysis = analyze(plan, store)
    analysis.write(folder / "analysis")
    report = write_report(plan, store, analysis)
    return Finished(Path(folder), plan, analysis, result, report)


def effect_table(analysis: Analysis, metrics: Sequence[str] = KEY_METRICS) -> pd.DataFrame:
    """Effects of each choice against the first, over the last window, for display.

    Args:
        analysis: The comparison's analysis.
        metrics: Metrics shown, in order (missing ones are skipped).

    Returns:
        One row per metric: its label, the reference's mean and, per other choice, the
        paired difference with its 95% interval as text.
    """
    effects = analysis.effects
    if effects.empty:
        return pd.DataFrame()
    effects = effects[effects["window"] == "window"]
    scenarios = list(dict.fromkeys(effects["scenario"]))
    rows = []
    for metric in metrics:
        found = effects[effects["metric"] == metric]
        if found.empty:
            continue
        row: dict[str, Any] = {"metric": _plain(label(metric)), "reference": _number(found["reference_mean"].iloc[0])}
        for scenario in scenarios:
            hit = found[found["scenario"] == scenario]
            if hit.empty:
                continue
            one = hit.iloc[0]
            row[f"{scenario} − reference"] = (
                f"{_number(one['difference'], signed=True)} [{_number(one['ci_low'])}, {_number(one['ci_high'])}]"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def effects_csv(analysis: Analysis) -> str:
    """All paired effects (every metric, both windows) as CSV text for download."""
    return analysis.effects.to_csv(index=False)


def response_table(analysis: Analysis, metric: str) -> pd.DataFrame:
    """A sweep's window outcome of one metric per grid point: mean and 95% interval.

    Args:
        analysis: The sweep's analysis.
        metric: The metric.

    Returns:
        Columns ``point``, ``mean``, ``ci_low``, ``ci_high``, ``n``.
    """
    points = analysis.points
    found = points[(points["window"] == "window") & (points["metric"] == metric)]
    return found[["point", "mean", "ci_low", "ci_high", "n"]].reset_index(drop=True)


def interval_of(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and 95% t-interval of a sample."""
    found = estimate(pd.Series(values, dtype=float).to_numpy())
    return found.mean, found.ci_low, found.ci_high


def past_experiments(root: Path) -> list[dict[str, Any]]:
    """Experiment folders under ``root`` (depth two), newest first.

    Args:
        root: The results folder.

    Returns:
        One mapping per experiment: ``name``, ``folder``, ``description``, ``runs``,
        ``updated`` and ``report`` (path of report.md or None).
    """
    found = []
    for manifest in sorted({*root.glob("*/manifest.json"), *root.glob("*/*/manifest.json")}):
        store = ExperimentStore(manifest.parent)
        try:
            content = store.read_manifest()
        except (OSError, ValueError):
            continue
        if "spec" not in content:  # a scenario run's manifest, not an experiment
            continue
        report = manifest.parent / "report.md"
        found.append(
            {
                "name": str(manifest.parent.relative_to(root)),
                "folder": manifest.parent,
                "description": content["spec"].get("description", ""),
                "runs": len(content.get("runs", content.get("run_keys", []))),
                "updated": content.get("updated", content.get("created", "")),
                "report": report if report.is_file() else None,
            }
        )
    return sorted(found, key=lambda entry: str(entry["updated"]), reverse=True)


def report_figures(folder: Path) -> list[Path]:
    """The PNG figures of an experiment's report."""
    return sorted((folder / "figures").glob("*.png"))


def readable_report(path: Path) -> str:
    """An experiment's report.md without its image links (the page shows the figures itself)."""
    text = path.read_text(encoding="utf-8")
    return re.sub(r"!\[[^\]]*\]\([^)]*\)\n?", "", text)


def _plain(text: str) -> str:
    """A figure label without its axis note ("ties across buildings (left)")."""
    return re.sub(r" \((left|right)\)$", "", text)


def _number(value: float, *, signed: bool = False) -> str:
    if pd.isna(value):
        return "–"
    magnitude = abs(value)
    text = f"{value:+,.0f}" if signed else f"{value:,.0f}"
    if magnitude < 10:
        text = f"{value:+.3f}" if signed else f"{value:.3f}"
    elif magnitude < 1000:
        text = f"{value:+.1f}" if signed else f"{value:.1f}"
    return text
