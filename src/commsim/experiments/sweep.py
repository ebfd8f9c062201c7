"""Run an experiment: every planned run not yet stored, on the chosen executor.

A sweep resumes by default: runs whose result is already stored (same key) are skipped,
runs that failed before are tried again. Each finished run is stored at once, so an
interrupted sweep loses at most the runs that were in flight. At the end the
consolidated data and the runs table are rebuilt and the manifest records the session.

A sweep holds the folder's lock from set-up to the end (:meth:`ExperimentStore.lock`);
a second sweep into the same folder is refused at once. Set-up writes the manifest
first, so a folder killed at any moment of a sweep is one that the same command resumes.
A session is "finished" in the manifest only once the consolidated files are written,
which is what :func:`consolidated` checks before anything reads them.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commsim.experiments.executors import ExecutorInfo, default_workers, finished_runs, open_executor
from commsim.experiments.plan import Plan, PlannedRun, plan_summary
from commsim.experiments.store import STATUSES, ExperimentStore, FolderError, record_status
from commsim.experiments.targets import is_model_class, model_version, resolve
from commsim.experiments.timing import estimate, measured_cost, remember_sweep_cost
from commsim.runs.labels import plural
from commsim.runs.progress import ProgressBar
from commsim.runs.provenance import describe_machine, git_commit, host, machine, now, package_versions


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
        seconds_per_run: Estimated mean seconds per run (NaN if the trial failed).
        workers: Workers assumed.
        estimated_s: Estimated wall time (NaN if the trial failed).
        trial_error: Why the trial run failed, if it did (the sweep would record that run as failed).
        low_s: Lower end of the estimate's range.
        high_s: Upper end of the estimate's range.
        basis: What the estimate rests on, in words (the measurement, the machine).
    """

    total: int
    stored: int
    to_run: int
    seconds_per_run: float
    workers: int
    estimated_s: float
    trial_error: str | None = None
    low_s: float = math.nan
    high_s: float = math.nan
    basis: str = ""


def run_sweep(
    plan: Plan,
    folder: str | Path,
    *,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    extend: bool = False,
    progress: bool = True,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    then: Callable[[SweepResult], Any] | None = None,
) -> SweepResult:
    """Run every planned run that is not stored yet and consolidate the results.

    Args:
        plan: The experiment.
        folder: Its results folder (created, or resumed if it exists).
        executor: ``inline``, ``processes`` or ``dask``.
        workers: Workers (default: one per core).
        scheduler: Address of a running Dask scheduler.
        fresh: Delete the files commsim wrote there first instead of resuming.
        extend: Take over the folder of the same experiment planned from another spec
            (more replicates, say), reusing its stored runs.
        progress: Show a progress bar on stderr.
        on_event: Called with every event written to ``progress.jsonl`` (start, run,
            finish, interrupted), for front ends that show progress their own way.
        then: Called with the result once the session is finished, the lock still held
            (the sweep's own report, so that no other command comes in between).

    Returns:
        Counts and timing of this session.

    Raises:
        FolderError: If the folder cannot take this sweep (a file, another spec's
            experiment, files commsim did not write, in use by another command); nothing
            is touched.
        ValueError: If the target cannot be imported or is not a model class or function.
        KeyboardInterrupt: If interrupted; finished runs stay stored for a resume.
    """
    store = ExperimentStore(folder)
    store.prepare(plan, fresh=fresh, extend=extend)  # refuse a wrong folder before anything starts
    _check_target(plan)

    def log(event: dict[str, Any]) -> None:
        store.log(event)
        if on_event is not None:
            on_event(event)

    # The executor starts first: if it cannot (say, an unreachable scheduler), nothing is written.
    with (
        open_executor(executor, target=plan.spec.target, workers=workers, scheduler=scheduler) as (pool, info),
        store.lock(),
    ):
        earlier = store.prepare(plan, fresh=fresh, extend=extend)  # again, now that no one else can write
        store.clear(fresh=fresh, derived=earlier is None and store.exists())
        session: dict[str, Any] = {"id": uuid.uuid4().hex[:12], "pid": os.getpid(), "host": host()}
        session["machine"] = machine()
        session |= {"started": now(), "executor": executor, "workers": info.workers}
        stored = store.finished_keys()
        pending = [run for run in plan.runs if run.key not in stored]
        skipped = len(plan.runs) - len(pending)
        session |= {"executor_description": info.description, "skipped": skipped, "done": 0, "failed": 0}
        manifest = _manifest(plan, earlier)
        manifest["sessions"].append(session)
        store.write_manifest(manifest)  # first: from here on the folder is this experiment's
        store.open(plan)
        clock = time.perf_counter()
        log({"event": "start", "total": len(plan.runs), "stored": skipped, "to_run": len(pending)})
        done, failed = _run_pending(
            pool, info, plan, pending, store, manifest, session, log, progress=progress, clock=clock
        )

        wall = _finish(plan, store, manifest, session, log, done=done, failed=failed, clock=clock)
        if done:
            remember_sweep_cost(plan, store, info.workers)  # the next dry run here estimates from these runs
        result = SweepResult(Path(folder), len(plan.runs), skipped, done, failed, wall)
        if then is not None:
            then(result)
    return result


def _run_pending(
    pool: Executor,
    info: ExecutorInfo,
    plan: Plan,
    pending: list[PlannedRun],
    store: ExperimentStore,
    manifest: dict[str, Any],
    session: dict[str, Any],
    log: Callable[[dict[str, Any]], None],
    *,
    progress: bool,
    clock: float,
) -> tuple[int, int]:
    """Submit the pending runs, keeping the executor's in-flight limit, and store each as it finishes.

    On any interruption the runs still queued are cancelled and the session, marked
    interrupted with its counts, is written to the manifest before the exception goes on.

    Returns:
        Runs done and runs failed in this session.
    """
    skipped = len(plan.runs) - len(pending)
    done = failed = 0
    with ProgressBar(
        len(plan.runs),
        unit="runs · [red]{task.fields[failed]} failed[/red]",
        description=info.description,
        enabled=progress,
        completed=skipped,
        failed=0,
    ) as bar:
        try:
            with closing(finished_runs(pool, pending, plan.task, in_flight=info.in_flight)) as results:
                for run, output in results:
                    store.save(run, output, session=session["id"])
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
        except BaseException:  # the runs not yet started were cancelled on leaving the block
            session |= {"ended": now(), "done": done, "failed": failed, "interrupted": True}
            session["wall_s"] = time.perf_counter() - clock
            store.write_manifest(manifest)
            log({"event": "interrupted", "done": skipped + done, "failed": failed, "total": len(plan.runs)})
            raise

    return done, failed


def _finish(
    plan: Plan,
    store: ExperimentStore,
    manifest: dict[str, Any],
    session: dict[str, Any],
    log: Callable[[dict[str, Any]], None],
    *,
    done: int,
    failed: int,
    clock: float,
) -> float:
    """Consolidate the folder and close the session in the manifest, last; return the session's wall time."""
    store.consolidate(plan)
    wall = time.perf_counter() - clock
    session |= {"finished": now(), "done": done, "failed": failed, "interrupted": False, "wall_s": wall}
    runs = store.read_runs()
    manifest["status"] = runs["status"].value_counts().to_dict()
    manifest["updated"] = now()
    store.write_manifest(manifest)  # last: the session is finished once its tables are whole
    log({"event": "finish", "done": session["skipped"] + done, "failed": failed, "total": len(plan.runs)})
    return wall


def consolidated(manifest: dict[str, Any]) -> bool:
    """Whether the folder's consolidated files are whole and current: its last session finished.

    Args:
        manifest: The folder's manifest.

    Returns:
        True once the last sweep wrote ``data.parquet`` and ``runs.parquet`` and then
        recorded its end; False while a sweep runs, or after one was killed or interrupted.
    """
    sessions = manifest.get("sessions") or []
    if not sessions:
        return False
    last = sessions[-1]
    return bool(last.get("finished")) and not last.get("interrupted")


def _check_target(plan: Plan) -> None:
    """Import the target in this process (a sweep runs it anyway) and check it is what its source said."""
    found = resolve(plan.spec.target)
    if plan.stepped and not is_model_class(found):
        raise ValueError(f"{plan.spec.target} is a class but not a Mesa model (mesa.Model)")
    if not plan.stepped and is_model_class(found):
        raise ValueError(f"{plan.spec.target} is a Mesa model but its source did not say so")  # pragma: no cover


def dry_run(
    plan: Plan,
    folder: str | Path,
    *,
    workers: int | None = None,
    executor: str = "processes",
    fresh: bool = False,
    extend: bool = False,
) -> DryRun:
    """Count the runs a sweep would execute and estimate its time; write nothing in the folder.

    The estimate and its range rest on a cost measured on this machine, cached per machine
    and model version (:func:`commsim.experiments.timing.measured_cost`).

    Args:
        plan: The experiment.
        folder: Its results folder (stored runs are not counted).
        workers: Workers assumed (default: one per core; 1 for inline).
        executor: The executor the sweep would use.
        fresh: Count as the sweep with ``--fresh`` would (nothing stored).
        extend: Count as the sweep with ``--extend`` would.

    Returns:
        Counts and estimate.

    Raises:
        FolderError: If the sweep would refuse the folder.
    """
    store = ExperimentStore(folder)
    store.prepare(plan, fresh=fresh, extend=extend)
    stored = set() if fresh else store.finished_keys()
    pending = [run for run in plan.runs if run.key not in stored]
    workers = 1 if executor == "inline" else workers or default_workers()
    counts = (len(plan.runs), len(plan.runs) - len(pending), len(pending))
    if not pending:
        return DryRun(*counts, 0.0, workers, 0.0, None, 0.0, 0.0, "nothing to run")
    try:
        cost, sizes = measured_cost(plan, pending)
    except RuntimeError as error:
        return DryRun(*counts, math.nan, workers, math.nan, str(error))
    found = estimate(cost, sizes, workers=workers)
    per_run = cost.per_resident_week_s * sum(sizes) / len(sizes)
    basis = f"{cost.source}, measured {cost.measured[:16].replace('T', ' ')} UTC on {describe_machine(machine())}"
    if workers > max(cost.workers, 1):
        basis += f"; measured with {plural(cost.workers, 'worker')}, so the upper end is the runs one after another"
    return DryRun(*counts, per_run, workers, found.seconds, None, found.low_s, found.high_s, basis)


def status(folder: str | Path) -> dict[str, Any]:
    """Progress of an experiment folder, from its manifest, run records and lock.

    Reads only whole files (every file is replaced atomically), so it is safe while a
    sweep writes the folder. Counts come from the stored runs themselves, so the
    sessions' counts add up to the total: each run counts for the session whose record
    it holds (the last to run it); runs stored before any recorded session (an extended
    spec's, or an older commsim's) count as ``earlier``.

    Args:
        folder: The experiment folder.

    Returns:
        ``name``, ``total``, counts per status, ``earlier``, ``running`` (whether a sweep
        holds the folder now), ``last_event`` and ``sessions``, each with ``state``
        (``running``, ``finished``, ``interrupted`` or ``killed``) and its own counts.

    Raises:
        FolderError: If the folder holds no readable experiment manifest.
    """
    store = ExperimentStore(folder)
    manifest = store.experiment_manifest()
    keys = manifest["run_keys"]
    stored, compact = _stored_runs(store, manifest)
    sessions = [dict(session) for session in manifest.get("sessions", []) if isinstance(session, dict)]
    by_id = {session.get("id"): session for session in sessions if session.get("id")}
    for session in sessions:
        session["counts"] = {"done": 0, "failed": 0, "timeout": 0}
    counts = {"done": 0, "failed": 0, "timeout": 0, "pending": 0}
    earlier = 0
    for key in keys:
        state, session_id = stored.get(key, ("pending", None))
        counts[state] += 1
        if state == "pending":
            continue
        owner = by_id.get(session_id)
        if owner is None:
            earlier += state == "done"
        else:
            owner["counts"][state] += 1
    busy = store.in_use()
    for index, session in enumerate(sessions):
        session["state"] = _session_state(session, is_last=index == len(sessions) - 1, busy=busy)
    return {
        "name": manifest["name"],
        "host": manifest.get("host"),
        "total": len(keys),
        **counts,
        "earlier": earlier,
        "running": any(session["state"] == "running" for session in sessions),
        "last_event": store.last_progress(),
        "sessions": sessions,
        "compact": compact,
        "recorded": sum(int(session.get("done") or 0) for session in sessions),
    }


def _stored_runs(store: ExperimentStore, manifest: dict[str, Any]) -> tuple[dict[str, tuple[str, str | None]], bool]:
    """Each stored run's status and session by key, from the run records or ``runs.parquet``.

    A compact folder (a finished sweep's consolidated files without the parts) counts ``runs.parquet``.

    Returns:
        The runs by key, and whether they were counted from ``runs.parquet``.
    """
    if not store.parts.is_dir() and consolidated(manifest) and store.runs_path.is_file():
        try:
            runs = store.read_runs()
        except FolderError:
            runs = None
        if runs is not None and {"key", "status"} <= set(runs.columns):
            sessions = runs["session"] if "session" in runs.columns else [None] * len(runs)
            found = {
                key: (status if status in STATUSES else "failed", session if isinstance(session, str) else None)
                for key, status, session in zip(runs["key"], runs["status"], sessions, strict=True)
            }
            return found, True
    finished = store.finished_keys()
    found = {}
    for key in manifest["run_keys"]:
        record = store.record(key)
        state = "done" if key in finished else record_status(record)
        found[key] = (state, (record or {}).get("session"))
    return found, False


def _session_state(session: dict[str, Any], *, is_last: bool, busy: bool | None) -> str:
    """``finished``, ``interrupted`` (Ctrl-C), ``running`` or ``killed`` (ended without a word)."""
    if session.get("interrupted"):
        return "interrupted"
    if session.get("finished"):
        return "finished"
    if busy is None:  # the lock cannot be tried (a read-only folder): ask whether the process lives
        alive = session.get("host") == host() and _alive(session.get("pid"))
        return "running" if is_last and alive else "killed"
    return "running" if is_last and busy else "killed"


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ------------------------------------------------------------------ helpers


def _eta(clock: float, completed: int, total: int) -> float | None:
    if completed == 0:
        return None
    return (time.perf_counter() - clock) / completed * (total - completed)


def _manifest(plan: Plan, earlier: dict[str, Any] | None) -> dict[str, Any]:
    """The manifest of this plan, keeping the sessions of an earlier manifest of the same spec."""
    earlier = earlier or {}
    sessions = list(earlier.get("sessions", []))
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
        # A CSV design's file may move or change, so its points are kept; any other design
        # is made again from the spec (design.csv lists its points for people).
        "design_points": plan.design.to_dict(orient="records") if spec.design.kind == "csv" else None,
        "run_keys": [run.key for run in plan.runs],
        "size": {"resident_weeks": plan.work.resident_weeks, "largest_residents": plan.work.largest_residents},
        "versions": package_versions(extra=("dask", "distributed")),
        "git_commit": git_commit(),
        "host": host(),
        "created": earlier.get("created", now()) if sessions else now(),
        "updated": now(),
        "sessions": sessions,
    }
