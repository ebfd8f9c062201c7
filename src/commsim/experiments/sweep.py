"""Run an experiment: every planned run not yet stored, on the chosen executor.

A sweep resumes by default: runs whose result is already stored (same key) are skipped,
runs that failed before are tried again. Each finished run is stored at once, so an
interrupted sweep loses at most the runs that were in flight. At the end the
consolidated data and the runs table are rebuilt and the manifest records the session.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commsim.experiments.executors import default_workers, open_executor
from commsim.experiments.plan import Plan, plan_summary
from commsim.experiments.store import ExperimentStore, record_status
from commsim.experiments.targets import RunOutput, execute, model_version
from commsim.progress import ProgressBar
from commsim.provenance import git_commit, host, now, package_versions

TRIAL_STEPS = 5


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What a sweep did.

    Attributes:
        folder: The experiment folder.
        total: Runs in the plan.
        skipped: Runs already stored before this session.
        done: Runs finished in this session.
        failed: Runs that failed or timed out in this session.
        wall_s: Wall time of this session.
    """

    folder: Path
    total: int
    skipped: int
    done: int
    failed: int
    wall_s: float


@dataclass(frozen=True, slots=True)
class DryRun:
    """What a sweep would do.

    Attributes:
        total: Runs in the plan.
        stored: Runs already stored in the folder.
        to_run: Runs that would execute.
        seconds_per_run: Estimated from a short trial of the first run to execute (NaN if it failed).
        workers: Workers assumed.
        estimated_s: Estimated wall time (NaN if the trial failed).
        trial_error: Why the trial run failed, if it did (the sweep would record that run as failed).
    """

    total: int
    stored: int
    to_run: int
    seconds_per_run: float
    workers: int
    estimated_s: float
    trial_error: str | None = None


def run_sweep(
    plan: Plan,
    folder: str | Path,
    *,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    progress: bool = True,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> SweepResult:
    """Run every planned run that is not stored yet and consolidate the results.

    Args:
        plan: The experiment.
        folder: Its results folder (created, or resumed if it exists).
        executor: ``inline``, ``processes`` or ``dask``.
        workers: Workers (default: one per core).
        scheduler: Address of a running Dask scheduler.
        fresh: Delete stored results first instead of resuming.
        progress: Show a progress bar on stderr.
        on_event: Called with every event written to ``progress.jsonl`` (start, run,
            finish, interrupted), for front ends that show progress their own way.

    Returns:
        Counts and timing of this session.

    Raises:
        KeyboardInterrupt: If interrupted; finished runs stay stored for a resume.
    """
    store = ExperimentStore(folder)
    done = failed = 0

    def log(event: dict[str, Any]) -> None:
        store.log(event)
        if on_event is not None:
            on_event(event)

    # The executor starts first: if it cannot (say, an unreachable scheduler), nothing is written.
    with open_executor(executor, target=plan.spec.target, workers=workers, scheduler=scheduler) as (pool, info):
        store.open(plan, fresh=fresh)
        stored = store.finished_keys()
        pending = [run for run in plan.runs if run.key not in stored]
        skipped = len(plan.runs) - len(pending)
        manifest = _manifest(plan, store)
        session: dict[str, Any] = {"started": now(), "executor": executor, "skipped": skipped, "done": 0, "failed": 0}
        session |= {"workers": info.workers, "executor_description": info.description}
        manifest["sessions"].append(session)
        store.write_manifest(manifest)
        clock = time.perf_counter()
        log({"event": "start", "total": len(plan.runs), "stored": skipped, "to_run": len(pending)})
        with ProgressBar(
            len(plan.runs),
            unit="runs · [red]{task.fields[failed]} failed[/red]",
            description=info.description,
            enabled=progress,
            completed=skipped,
            failed=0,
        ) as bar:
            in_flight: dict[Future, Any] = {}
            queue = iter(pending)
            try:
                while True:
                    while len(in_flight) < info.in_flight and (run := next(queue, None)) is not None:
                        in_flight[pool.submit(execute, plan.task(run))] = run
                    if not in_flight:
                        break
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        run = in_flight.pop(future)
                        output = _output_of(future)
                        store.save(run, output)
                        if output.status == "done":
                            done += 1
                        else:
                            failed += 1
                        bar.update(completed=skipped + done + failed, failed=failed)
                        log(
                            {
                                "event": "run",
                                "run": run.index,
                                "key": run.key,
                                "status": output.status,
                                "error": output.error,
                                "done": skipped + done,
                                "failed": failed,
                                "total": len(plan.runs),
                                "eta_s": _eta(clock, done + failed, len(pending)),
                            }
                        )
            except BaseException:
                for future in in_flight:
                    future.cancel()
                session |= {"finished": now(), "done": done, "failed": failed, "interrupted": True}
                session["wall_s"] = time.perf_counter() - clock
                store.write_manifest(manifest)
                log({"event": "interrupted", "done": skipped + done, "failed": failed, "total": len(plan.runs)})
                raise

    store.consolidate(plan)
    wall = time.perf_counter() - clock
    session |= {"finished": now(), "done": done, "failed": failed, "interrupted": False, "wall_s": wall}
    runs = store.read_runs()
    manifest["status"] = runs["status"].value_counts().to_dict()
    manifest["updated"] = now()
    store.write_manifest(manifest)
    log({"event": "finish", "done": skipped + done, "failed": failed, "total": len(plan.runs)})
    return SweepResult(Path(folder), len(plan.runs), skipped, done, failed, wall)


def dry_run(plan: Plan, folder: str | Path, *, workers: int | None = None, executor: str = "processes") -> DryRun:
    """Count the runs a sweep would execute and estimate its time; write nothing.

    The estimate times the first run to execute, for one step and for a few steps
    (models) or once (functions), in this process, and scales it to the horizon.

    Args:
        plan: The experiment.
        folder: Its results folder (stored runs are not counted).
        workers: Workers assumed (default: one per core; 1 for inline).
        executor: The executor the sweep would use.

    Returns:
        Counts and estimate.
    """
    store = ExperimentStore(folder)
    stored = store.finished_keys() if store.parts.is_dir() else set()
    pending = [run for run in plan.runs if run.key not in stored]
    workers = 1 if executor == "inline" else workers or default_workers()
    per_run, trial_error = 0.0, None
    if pending:
        task = plan.task(pending[0])
        try:
            short = _timed(dataclasses.replace(task, steps=1, timeout_s=None))
            steps = min(TRIAL_STEPS, task.steps)
            longer = _timed(dataclasses.replace(task, steps=steps, timeout_s=None))
        except RuntimeError as error:
            per_run, trial_error = float("nan"), str(error)
        else:
            per_step = max(longer - short, 0.0) / max(steps - 1, 1)
            per_run = max(short - per_step, 0.0) + per_step * task.steps
    waves = -(-len(pending) // workers)  # ceiling division
    stored = len(plan.runs) - len(pending)
    return DryRun(len(plan.runs), stored, len(pending), per_run, workers, waves * per_run, trial_error)


def status(folder: str | Path) -> dict[str, Any]:
    """Progress of an experiment folder, from its manifest, parts and progress log.

    Args:
        folder: The experiment folder.

    Returns:
        ``name``, ``total``, counts per status, ``last_event`` and ``sessions``.

    Raises:
        FileNotFoundError: If the folder holds no experiment.
    """
    store = ExperimentStore(folder)
    if not store.exists():
        raise FileNotFoundError(f"{folder}: no experiment here (manifest.json is missing)")
    manifest = store.read_manifest()
    keys = manifest.get("run_keys", [])
    finished = store.finished_keys()
    counts = {"done": 0, "failed": 0, "timeout": 0, "pending": 0}
    for key in keys:
        if key in finished:
            counts["done"] += 1
        else:
            counts[record_status(store.record(key))] += 1
    return {
        "name": manifest["name"],
        "total": len(keys),
        **counts,
        "last_event": store.last_progress(),
        "sessions": manifest.get("sessions", []),
    }


# ------------------------------------------------------------------ helpers


def _output_of(future: Future) -> RunOutput:
    """A run's output; an executor failure (a worker died) counts as a failed run."""
    try:
        return future.result()
    except Exception as error:
        return RunOutput(
            status="failed", error=f"executor: {type(error).__name__}: {error}", started=now(), finished=now()
        )


def _timed(task: Any) -> float:
    clock = time.perf_counter()
    output = execute(task)
    if output.status != "done":
        raise RuntimeError(f"the trial run failed: {output.error}")
    return time.perf_counter() - clock


def _eta(clock: float, completed: int, total: int) -> float | None:
    if completed == 0:
        return None
    return (time.perf_counter() - clock) / completed * (total - completed)


def _manifest(plan: Plan, store: ExperimentStore) -> dict[str, Any]:
    """The manifest of this plan, keeping earlier sessions of the same spec."""
    earlier = store.read_manifest() if store.exists() else {}
    sessions = earlier.get("sessions", []) if earlier.get("spec_hash") == plan.spec_hash else []
    spec = plan.spec
    return {
        "name": spec.name,
        "description": spec.description,
        "spec_file": str(plan.source) if plan.source else None,
        "spec": spec.model_dump(mode="json"),
        "spec_hash": plan.spec_hash,
        "target": spec.target,
        "model_version": model_version(spec.target),
        "commsim_model": plan.commsim_model,
        "design": {
            "kind": spec.design.kind,
            "factors": plan.factor_names,
            **plan_summary(plan),
            "reference": spec.reference_scenario,
        },
        "design_points": plan.design.to_dict(orient="records"),
        "run_keys": [run.key for run in plan.runs],
        "versions": package_versions(extra=("dask", "distributed")),
        "git_commit": git_commit(),
        "host": host(),
        "created": earlier.get("created", now()) if sessions else now(),
        "updated": now(),
        "sessions": sessions,
    }
