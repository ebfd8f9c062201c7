"""Comparisons and sweeps started from the dashboard, run through the experiment runner.

A comparison is an experiment with one design point and one scenario per choice, the
first choice being the reference; a sweep is an experiment over one or two lever
factors. Both are written like any ``commsim sweep`` (``results/dashboard/<name>/``),
so they can be resumed, reanalysed and reported from the command line.

Every value of a job is checked here, on the server, against
:data:`commsim.dashboard.settings.LIMITS` and commsim's resource ceilings, whatever the
page's controls allowed. A job's folder name carries a token of the browser session
that started it: past experiments list the dashboard's own jobs only to that session,
and every other experiment under ``results/`` to everyone. Reports and figures are read
only from inside the results folder, and only up to a declared size.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, Unpack

import pandas as pd

from commsim.config.limits import Work, check_work
from commsim.dashboard.settings import (
    LIMITS,
    Bound,
    LimitError,
    check_lever_edits,
    check_preset,
    echo,
    lever_bound,
    numeric_levers,
)
from commsim.experiments.analysis import Analysis, analyze
from commsim.experiments.plan import Plan, make_plan
from commsim.experiments.report import write_report
from commsim.experiments.spec import ExperimentSpec
from commsim.experiments.store import ExperimentStore
from commsim.experiments.sweep import SweepResult, run_sweep
from commsim.runs.labels import KEY_METRICS, format_metric, metric_heading, metric_interval
from commsim.runs.statistics import estimate

Progress = Callable[[int, int], None]

# Folder area of the dashboard's own jobs, and their names: kind, time, owner token, random part.
DASHBOARD_FOLDER = "dashboard"

JOB_NAME = re.compile(r"^(?P<kind>compare|sweep)-\d{8}-\d{6}-(?P<owner>[0-9a-f]{16})-[0-9a-f]{8}$")

JOB_KINDS = ("compare", "sweep")


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
        report: Path of ``report.md`` (written once :attr:`reported` is set).
        reported: Set once the report files are written (or failed: see :attr:`report_problem`).
        report_problem: Why the report could not be written, if so.
    """

    folder: Path
    plan: Plan
    analysis: Analysis
    result: SweepResult
    report: Path
    reported: threading.Event = field(default_factory=threading.Event)
    report_problem: str | None = None

    def write_report_files(self) -> None:
        """Write the report files (figures, tables, report.md) under the experiment folder's lock."""
        store = ExperimentStore(self.folder)
        try:
            with store.lock():
                write_report(self.plan, store, self.analysis)
        except Exception as error:  # the results stand without their report; the page says so
            self.report_problem = f"{type(error).__name__}: {error}"
        finally:
            self.reported.set()

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


def new_folder(root: Path, kind: str, owner: str) -> Path:
    """A fresh folder ``<root>/dashboard/<kind>-<time>-<owner>-<random>`` (not created).

    Args:
        root: The results folder.
        kind: ``compare`` or ``sweep``.
        owner: Token of the browser session starting the job (16 hexadecimal digits).

    Raises:
        ValueError: On another kind or a malformed token (neither comes from the browser).
    """
    if kind not in JOB_KINDS or not re.fullmatch(r"[0-9a-f]{16}", owner):
        raise ValueError(f"a dashboard job folder needs a kind in {JOB_KINDS} and a 16-digit owner token")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return root / DASHBOARD_FOLDER / f"{kind}-{stamp}-{owner}-{uuid.uuid4().hex[:8]}"


def check_label(label: Any) -> str:
    """Refuse a choice's label that is not a short line of printable text; return it stripped."""
    if not isinstance(label, str) or not label.strip():
        raise LimitError("every choice needs a label")
    label = label.strip()
    if len(label) > LIMITS.label_length:
        raise LimitError(f"label {echo(label)}: at most {LIMITS.label_length} characters")
    if not label.isprintable():
        raise LimitError(f"label {echo(label)}: only printable characters, on one line")
    return label


class RunSize(TypedDict):
    """How a dashboard experiment runs, as its page sets it: residents, weeks, replicates, root seed and name."""

    n_residents: int
    steps: int
    replicates: int
    seed: int
    name: str


def checked_size(runs: RunSize, *, residents: Bound, replicates: Bound) -> RunSize:
    """``runs`` with every number checked: residents and replicates within the page's bounds, weeks, the seed.

    Raises:
        TypeError: On a missing or unknown setting, as for a missing or unknown keyword.
        LimitError: On a number outside its bound.
    """
    if set(runs) != set(RunSize.__annotations__):
        wanted = ", ".join(RunSize.__annotations__)
        raise TypeError(f"a dashboard experiment takes exactly {wanted}, not {', '.join(runs)}")
    return RunSize(
        n_residents=residents.check(runs["n_residents"]),
        steps=LIMITS.weeks.check(runs["steps"]),
        replicates=replicates.check(runs["replicates"]),
        seed=LIMITS.seed.check(runs["seed"]),
        name=runs["name"],
    )


def comparison_spec(
    choices: Sequence[Choice],
    *,
    profile: str,
    **runs: Unpack[RunSize],
) -> ExperimentSpec:
    """The experiment of a comparison: one scenario per choice, the first the reference.

    Args:
        choices: Two to four choices.
        profile: Community profile of every choice.
        **runs: Residents of every run, weeks, paired seeds per choice, root seed and name (:class:`RunSize`).

    Returns:
        The validated spec.

    Raises:
        LimitError: On any value outside :data:`LIMITS` (two to four choices, each with its
            own short label), an unknown preset or a lever edit no control offers.
        ValueError: On repeated labels.
    """
    if not LIMITS.choices.low <= len(choices) <= LIMITS.choices.high:
        low, high = LIMITS.choices.low, LIMITS.choices.high
        raise LimitError(f"choose {low} to {high} packages or lever sets to compare, not {len(choices)}")
    labels = [check_label(choice.label) for choice in choices]
    if len(set(labels)) != len(labels):
        raise ValueError("every choice needs its own label")
    check_preset("profile", profile)
    for choice in choices:
        check_preset("policy", choice.policy)
        check_lever_edits(choice.overrides)
    size = checked_size(runs, residents=LIMITS.compare_residents, replicates=LIMITS.compare_replicates)
    return ExperimentSpec.model_validate(
        {
            "name": size["name"],
            "description": "Comparison started from the dashboard: " + ", ".join(labels),
            "base": {"profile": profile, "n_residents": size["n_residents"]},
            "scenarios": {
                label: {"policy": choice.policy, **choice.overrides}
                for label, choice in zip(labels, choices, strict=True)
            },
            "reference": labels[0],
            "replicates": size["replicates"],
            "seed": size["seed"],
            "steps": size["steps"],
            "analysis": {"window": min(52, size["steps"]), "report_metrics": list(KEY_METRICS[:-1])},
        }
    )


def sweep_spec(
    factors: Sequence[SweepFactor],
    *,
    profile: str,
    policy: str,
    overrides: dict[str, Any],
    **runs: Unpack[RunSize],
) -> ExperimentSpec:
    """The experiment of a sweep: a grid over one or two lever parameters.

    Args:
        factors: One or two factors.
        profile: Community profile.
        policy: Policy package.
        overrides: Lever edits held fixed.
        **runs: Residents per run, weeks, seeds per grid point, root seed and name (:class:`RunSize`).

    Returns:
        The validated spec.

    Raises:
        LimitError: On any value outside :data:`LIMITS` (one or two numeric levers, each
            over a range its control offers, with 2 to 9 levels), an unknown preset or a
            lever edit no control offers.
        ValueError: On the same parameter twice.
    """
    if not LIMITS.sweep_levers.low <= len(factors) <= LIMITS.sweep_levers.high:
        raise LimitError(f"a dashboard sweep varies one or two levers, not {len(factors)}")
    factors = [check_factor(factor) for factor in factors]
    if len({factor.name for factor in factors}) != len(factors):
        raise ValueError("choose two different levers")
    check_preset("profile", profile)
    check_preset("policy", policy)
    check_lever_edits(overrides)
    size = checked_size(runs, residents=LIMITS.sweep_residents, replicates=LIMITS.sweep_replicates)
    fixed = {key: value for key, value in overrides.items() if key not in {f.name for f in factors}}
    return ExperimentSpec.model_validate(
        {
            "name": size["name"],
            "description": "Sweep started from the dashboard over " + " and ".join(f.name for f in factors),
            "base": {"profile": profile, "policy": policy, "n_residents": size["n_residents"], **fixed},
            "factors": [
                {"name": f.name, "range": [f.low, f.high], "levels": f.levels}
                if f.high > f.low
                else {"name": f.name, "values": [f.low]}
                for f in factors
            ],
            "design": {"kind": "grid"},
            "replicates": size["replicates"],
            "seed": size["seed"],
            "steps": size["steps"],
            "analysis": {"window": min(52, size["steps"]), "report_metrics": list(KEY_METRICS[:12])},
        }
    )


def check_factor(factor: SweepFactor) -> SweepFactor:
    """Refuse a sweep factor no control offers: an unknown or non-numeric lever, a range or levels out of bounds.

    Returns:
        The factor with its ends typed as its parameter is (whole numbers for an int).
    """
    specs = {spec.name: spec for spec in numeric_levers()}
    spec = specs.get(factor.name) if isinstance(factor.name, str) else None
    if spec is None:
        raise LimitError(f"{echo(factor.name)}: not a lever parameter a sweep can vary")
    bound = lever_bound(spec)
    low, high = bound.check(factor.low), bound.check(factor.high)
    if low > high:
        raise LimitError(f"{spec.name}: the range runs from {low} down to {high}")
    return SweepFactor(spec.name, low, high, LIMITS.sweep_levels.check(factor.levels))


def check_size(spec: ExperimentSpec, runs: int) -> None:
    """Refuse a job larger than the dashboard runs (``LIMITS.max_runs``) or over commsim's ceilings.

    Raises:
        LimitError: Over the dashboard's run limit.
        commsim.config.limits.ResourceError: Over a resource ceiling of :mod:`commsim.config.limits`.
    """
    if runs > LIMITS.max_runs:
        raise LimitError(
            f"{runs:,} runs: at most {LIMITS.max_runs} runs from the dashboard; use `commsim sweep` for more"
        )
    residents = int(spec.base.get("n_residents", 0))
    work = Work(resident_weeks=float(residents) * spec.steps * runs, runs=runs, largest_residents=residents)
    check_work(work, where="this dashboard job")


def plan_size(spec: ExperimentSpec) -> tuple[int, int]:
    """Design points and runs an experiment spec plans (raises ConfigError if it cannot be planned).

    Repeated grid levels of a whole-number lever (1 to 2 in five levels) collapse, so
    this, not ``levels`` multiplied out, is what a sweep will run.
    """
    plan = make_plan(spec)
    return len(plan.design), len(plan.runs)


def run_experiment(
    spec: ExperimentSpec, folder: Path, *, on_progress: Progress | None = None, report_later: bool = False
) -> Finished:
    """Plan, run (inline), analyse and report an experiment, holding its folder's lock.

    The folder is written as ``commsim sweep`` writes one: the sweep and its analysis
    (and, unless ``report_later``, its report) happen under the folder's lock, so no other
    commsim command writes the folder in between, and a folder another command holds is
    refused before anything is written. A later report takes the lock again.

    Args:
        spec: The experiment.
        folder: Its results folder (new).
        on_progress: Called with (finished runs, total runs) after every run.
        report_later: Return once the analysis is written and write the report files
            (tens of seconds of figures) in a background thread; ``Finished.reported``
            is set when they are done.

    Returns:
        The finished experiment.

    Raises:
        RuntimeError: If any run failed; the message holds the first error.
        ConfigError: If the spec cannot be planned or is larger than :func:`check_size` allows.
        FolderError: If the folder cannot take the experiment (another command holds
            its lock, or it holds another experiment); nothing is written.
    """
    plan = make_plan(spec)
    check_size(spec, len(plan.runs))

    def forward(event: dict[str, Any]) -> None:
        if on_progress is not None and "total" in event:
            on_progress(int(event.get("done", 0)) + int(event.get("failed", 0)), int(event["total"]))

    store = ExperimentStore(folder)

    def conclude(result: SweepResult) -> Finished:  # under the sweep's lock, like `commsim sweep`'s report
        if result.failed:
            runs = store.read_runs()
            first = runs.loc[runs["status"] != "done", "error"].dropna()
            reason = first.iloc[0] if len(first) else "unknown error"
            raise RuntimeError(f"{result.failed} of {result.total} runs failed; first error: {reason}")
        analysis = analyze(plan, store)
        analysis.write(folder / "analysis")
        finished = Finished(Path(folder), plan, analysis, result, Path(folder) / "report.md")
        if not report_later:
            try:
                write_report(plan, store, analysis)
            except Exception as error:
                raise RuntimeError(f"the report could not be written: {type(error).__name__}: {error}") from error
            finished.reported.set()
        return finished

    concluded: list[Finished] = []
    run_sweep(
        plan,
        folder,
        executor="inline",
        workers=1,
        progress=False,
        on_event=forward,
        then=lambda result: concluded.append(conclude(result)),
    )
    finished = concluded[0]
    if report_later:
        threading.Thread(target=finished.write_report_files, name=f"report {Path(folder).name}", daemon=True).start()
    return finished


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
        row: dict[str, Any] = {
            "metric": metric_heading(metric),  # with its unit: "Programme cost (yuan)"
            "reference": format_metric(metric, found["reference_mean"].iloc[0]),
        }
        for scenario in scenarios:
            hit = found[found["scenario"] == scenario]
            if hit.empty:
                continue
            one = hit.iloc[0]
            row[f"{scenario} − reference"] = metric_interval(
                metric, one["difference"], one["ci_low"], one["ci_high"], difference=True
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
