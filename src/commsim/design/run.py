"""``commsim design``: run a design spec into its folder, resumably, and write its outputs.

The design folder (``results/<name>/`` by default) holds::

    design.json          spec, its hash, model and costs versions, sessions
    runs/<key>.parquet   every run of every candidate (the experiment runner's store)
    evaluations.csv      every candidate the search evaluated
    front.csv, .parquet  the final front with each objective's 95% interval and lever mix
    discovery.csv        PRIM boxes (if the spec asks for scenario discovery)
    cheapest_costs.csv   where the money of the cheapest mix reaching the target goes, item by item
    figures/*.png        the front, the mixes (parallel coordinates), the PRIM box
    report.md            the answer in plain words

A folder holding this spec's design is resumed only with ``resume`` (the CLI's
``--resume``): the search is replayed deterministically, every stored run is found by
its key and never run again. A folder of another spec, or holding files commsim did not
write, is refused untouched.
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from commsim.config.yaml_files import ConfigError
from commsim.design.evaluate import Evaluator, replicate_seeds
from commsim.design.search import bounds, decode, evaluations_table, final_front, front_table, run_search
from commsim.design.spec import DesignSpec, kept_metrics
from commsim.experiments.executors import default_workers, open_executor
from commsim.experiments.folder import LOCK_FILE, FolderError
from commsim.experiments.store import ExperimentStore
from commsim.experiments.targets import RunTask, inspect_target, model_version
from commsim.experiments.timing import Cost, cost_from_samples, estimate, residents_of, timed_run
from commsim.runs.costs import costs_version, load_costs
from commsim.runs.labels import plural
from commsim.runs.progress import ProgressBar
from commsim.runs.provenance import canonical_hash, host, now, write_file_atomically, write_json_atomically

MANIFEST = "design.json"
OUTPUTS = ("evaluations.csv", "front.csv", "front.parquet", "discovery.csv", "cheapest_costs.csv", "report.md")


@dataclass(frozen=True, slots=True)
class DesignResult:
    """What a design session did.

    Attributes:
        folder: The design folder.
        candidates: Candidates the search evaluated.
        front: The final front.
        runs_executed: Runs executed in this session (stored runs are not counted).
        wall_s: Wall time of the session.
    """

    folder: Path
    candidates: int
    front: pd.DataFrame
    runs_executed: int
    wall_s: float


def spec_hash(spec: DesignSpec) -> str:
    """SHA-256 of the canonical JSON of what decides the search: the spec without its description and discovery.

    Scenario discovery reads the search's results only, so a new discovery target (or
    description) resumes the same folder and re-analyses it without running anything.
    """
    return canonical_hash(spec.model_dump(mode="json", exclude={"description", "discovery"}))


def planned_runs(spec: DesignSpec) -> int:
    """The most runs the design can need: every generation's candidates, then the front's extra replicates."""
    profiles = len(spec.profiles)
    search = spec.search.population * spec.search.generations * profiles * spec.replicates
    return search + spec.search.population * profiles * (spec.final_replicates - spec.replicates)


def check_folder(spec: DesignSpec, folder: Path, *, resume: bool) -> None:
    """Refuse a folder this design may not write; touches nothing.

    Raises:
        FolderError: Naming the folder and what to do.
    """
    store = ExperimentStore(folder)
    store.check_usable()
    if not folder.exists():
        return
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        if any(entry.name != LOCK_FILE for entry in folder.iterdir()):
            raise FolderError(f"{folder} holds files commsim did not write and no {MANIFEST}; choose another --out")
        return
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FolderError(f"{manifest_path}: not a commsim design manifest ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("spec_hash") != spec_hash(spec):
        raise FolderError(
            f"{folder} holds another design (its {MANIFEST} differs from this spec); choose another --out"
        )
    if not resume:
        raise FolderError(f"{folder} already holds this design; pass --resume to continue it (stored runs are reused)")


def run_design(
    spec: DesignSpec,
    folder: str | Path,
    *,
    source: Path | None = None,
    executor: str = "processes",
    workers: int | None = None,
    resume: bool = False,
    progress: bool = True,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> DesignResult:
    """Search, re-evaluate the front, discover where the target is reachable, and write the outputs.

    Args:
        spec: A checked spec (:func:`commsim.design.spec.load_design_spec`).
        folder: The design folder.
        source: The spec file, recorded in the manifest.
        executor: ``inline``, ``processes`` or ``dask``.
        workers: Workers (default: one per core).
        resume: Continue a folder that holds this design.
        progress: Show a progress bar on stderr.
        on_event: Called with progress events (generation, candidates, front size, runs).

    Returns:
        What the session did.

    Raises:
        FolderError: If the folder may not be written (nothing is touched).
        DesignRunError: If a run failed (finished runs stay stored).
        KeyboardInterrupt: If interrupted (finished runs stay stored for a resume).
    """
    folder = Path(folder)
    check_folder(spec, folder, resume=resume)
    info = inspect_target(spec.target)
    store = ExperimentStore(folder)
    clock = time.perf_counter()
    with open_executor(executor, target=spec.target, workers=workers) as (pool, described), store.lock():
        check_folder(spec, folder, resume=resume)
        manifest = _manifest(spec, folder, source, info.commsim_model)
        session = {"started": now(), "pid": os.getpid(), "host": host(), "executor": described.description}
        manifest["sessions"].append(session)
        write_json_atomically(folder / MANIFEST, manifest)
        store.parts.mkdir(parents=True, exist_ok=True)
        total = spec.search.population * spec.search.generations
        with ProgressBar(
            planned_runs(spec),
            unit="runs at most · generation {task.fields[generation]} · {task.fields[candidates]} candidates · "
            "front {task.fields[front]}",
            description=described.description,
            enabled=progress,
            generation=0,
            candidates=0,
            front=0,
        ) as bar:
            evaluator = _evaluator(spec, store, pool, described.in_flight, info.commsim_model, bar.advance)

            def generation_done(generation: int, candidates: int, front: int) -> None:
                bar.update(generation=generation, candidates=candidates, front=front)
                event = {"event": "generation", "generation": generation, "of": spec.search.generations}
                event |= {"candidates": candidates, "most_candidates": total, "front": front}
                if on_event is not None:
                    on_event(event | {"runs_executed": evaluator.executed})

            state = run_search(spec, evaluator, on_generation=generation_done)
            front, dropped = final_front(spec, state, evaluator)
        pool_of = list(state.archive.values())
        table = front_table(spec, front, pool_of)
        evaluations = evaluations_table(spec, state)
        breakdown = _breakdown(spec, evaluator, table)
        _write_outputs(spec, folder, table, evaluations, dropped, breakdown)
        session |= {"finished": now(), "runs_executed": evaluator.executed, "wall_s": time.perf_counter() - clock}
        write_json_atomically(folder / MANIFEST, manifest)
    if on_event is not None:
        on_event({"event": "finish", "front": len(table), "runs_executed": evaluator.executed})
    return DesignResult(folder, len(state.archive), table, evaluator.executed, time.perf_counter() - clock)


def _evaluator(
    spec: DesignSpec, store: ExperimentStore, pool: Any, in_flight: int, commsim_model: bool, on_run: Callable[[], None]
) -> Evaluator:
    costs = load_costs() if commsim_model else None
    return Evaluator(spec, store, pool, in_flight, commsim_model, costs, model_version(spec.target), on_run=on_run)


def _manifest(spec: DesignSpec, folder: Path, source: Path | None, commsim_model: bool) -> dict[str, Any]:
    path = folder / MANIFEST
    earlier: dict[str, Any] = {}
    if path.is_file():
        earlier = json.loads(path.read_text(encoding="utf-8"))
    return {
        "kind": "commsim design",
        "name": spec.name,
        "spec_file": str(source) if source else None,
        "spec": spec.model_dump(mode="json"),
        "spec_hash": spec_hash(spec),
        "target": spec.target,
        "model_version": model_version(spec.target),
        "costs_version": costs_version() if commsim_model else None,
        "created": earlier.get("created", now()),
        "sessions": list(earlier.get("sessions", [])),
    }


def _breakdown(spec: DesignSpec, evaluator: Evaluator, front: pd.DataFrame) -> pd.DataFrame | None:
    """The cost items of the cheapest mix reaching the target (None without a priced cost or a target)."""
    from commsim.design.answer import cheapest_reaching

    cheapest = cheapest_reaching(spec, front) if evaluator.commsim_model else None
    if cheapest is None:
        return None
    levers = {lever.name: _plain(cheapest[lever.name]) for lever in spec.levers}
    return evaluator.cost_lines(levers, int(cheapest["replicates"]))


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _write_outputs(
    spec: DesignSpec,
    folder: Path,
    front: pd.DataFrame,
    evaluations: pd.DataFrame,
    dropped: list[Any],
    breakdown: pd.DataFrame | None = None,
) -> None:
    from commsim.design.answer import write_report
    from commsim.design.discovery import discover
    from commsim.design.report import write_figures

    write_file_atomically(folder / "evaluations.csv", lambda path: evaluations.to_csv(path, index=False))
    write_file_atomically(folder / "front.csv", lambda path: front.to_csv(path, index=False))
    parquet = front.astype({name: str for name in front.columns if front[name].dtype == object})
    write_file_atomically(folder / "front.parquet", lambda path: parquet.to_parquet(path, index=False))
    boxes = discover(spec, evaluations) if spec.discovery is not None else None
    if boxes is not None:
        write_file_atomically(folder / "discovery.csv", lambda path: boxes.to_csv(path, index=False))
    figures = write_figures(spec, folder / "figures", front, evaluations, boxes)
    if breakdown is not None:
        write_file_atomically(folder / "cheapest_costs.csv", lambda path: breakdown.to_csv(path, index=False))
    write_report(spec, folder, front, evaluations, boxes, figures, dropped=len(dropped), breakdown=breakdown)


@dataclass(frozen=True, slots=True)
class DesignDryRun:
    """What a design would run, and how long it would take here.

    Attributes:
        most_runs: Runs at most (duplicate candidates share runs).
        stored: Runs already stored in the folder.
        seconds_per_run: Mean seconds of one full run, from the trial runs.
        workers: Workers assumed.
        estimated_s: Estimated wall time of the runs not stored yet.
        high_s: The upper end of that estimate (see :func:`commsim.experiments.timing.estimate`).
        trials: Trial runs timed.
    """

    most_runs: int
    stored: int
    seconds_per_run: float
    workers: int
    estimated_s: float
    high_s: float
    trials: int


def trial_tasks(spec: DesignSpec, commsim_model: bool) -> list[RunTask]:
    """The runs a dry run times: in every community, the lowest and the highest lever mix, at full size and length."""
    metrics = kept_metrics(spec, commsim_model)
    seed = replicate_seeds(spec.seed, 1)[0]
    mixes = [decode(spec, corner) for corner in bounds(spec)]
    return [
        RunTask(spec.target, dict(spec.base) | dict(profile) | mix, seed, spec.steps, 1, metrics)
        for profile in spec.profiles.values()
        for mix in mixes
    ]


def dry_run(spec: DesignSpec, folder: Path, *, workers: int | None = None, executor: str = "processes") -> DesignDryRun:
    """Count the runs and time trial runs at the design's size and length; write nothing.

    Every run of the design not stored yet is assumed to cost what a trial run costs on
    average, the runs handed out in turn to ``workers`` workers.

    Args:
        spec: A checked spec.
        folder: The design folder (its stored runs are counted).
        workers: Workers assumed.
        executor: The executor the design would use.

    Returns:
        Counts and estimate.

    Raises:
        ConfigError: If a trial run fails.
    """
    workers = 1 if executor == "inline" else workers or default_workers()
    store = ExperimentStore(folder)
    stored = len(store.finished_keys())
    info = inspect_target(spec.target)
    tasks = trial_tasks(spec, info.commsim_model)
    defaults: dict[tuple[str, str], int] = {}
    sizes = [
        float(residents_of(task.parameters, defaults) * spec.steps) if info.commsim_model else 1.0 for task in tasks
    ]
    try:
        timed_run(dataclasses.replace(tasks[0], steps=1))  # the first run pays the imports; not counted
        seconds = [timed_run(task) for task in tasks]
    except RuntimeError as error:
        raise ConfigError(str(error)) from None
    source = f"{plural(len(tasks), 'trial run')} of the design here"
    cost = cost_from_samples(seconds, sizes, source=source) or Cost(1e-6, 0.25, len(tasks), source, now())
    most = planned_runs(spec)
    size = statistics.fmean(sizes)  # every candidate runs in every community alike
    found = estimate(cost, [size] * max(most - stored, 0), workers=workers)
    per_run = cost.per_resident_week_s * size
    return DesignDryRun(most, stored, per_run, workers, found.seconds, found.high_s, len(tasks))
