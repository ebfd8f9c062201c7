"""Comparisons, sweeps and design searches run in the background of a page, with progress and errors shown.

One hook (:func:`use_background_job`) serves the Compare, Sweep and Design pages, and
one component the first two: the job runs in a worker thread of the session, the page
shows a progress bar while it runs and the first error if it fails; the server keeps
serving either way.

Starting is checked on the server, because a browser can click a button the page shows
disabled: a page runs one job at a time; the spec is built (and every value checked
against the dashboard's limits) before any thread starts; and one server runs at most
``LIMITS.concurrent_jobs`` jobs at once over all its sessions. A job writes its folder
under the folder's lock, as ``commsim sweep`` does, so a folder another commsim command
holds is refused too. A refused start says why.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solara
import solara.lab

from commsim.config.limits import ResourceError
from commsim.dashboard.history import figure_bytes, figure_title, report_figures
from commsim.dashboard.jobs import Finished, new_folder, run_experiment
from commsim.dashboard.settings import LIMITS, LimitError, error_text, results_root
from commsim.dashboard.state import kept, session_owner
from commsim.experiments.folder import FolderError
from commsim.experiments.spec import ExperimentSpec

# Jobs running on this server, over every session.
JOB_SLOTS = threading.BoundedSemaphore(LIMITS.concurrent_jobs)


@dataclass(frozen=True)
class BackgroundJob:
    """A page's background job: start it with ``start()``; read its state from the reactives.

    Attributes:
        start: Checks and starts the job (refusing with a message in ``problem``).
        task: The Solara task (``task.pending`` while it runs).
        progress: The job's progress (finished and total runs, or the search's rounds).
        running: True from a start until the job ends, kept for the session like the
            progress, so a page left and shown again finds its job's progress bar.
        finished: What the job returned, or None.
        problem: Why it failed (``failed: …``) or was refused (``was refused: …``), or None.
    """

    start: Callable[[], None]
    task: Any
    progress: solara.Reactive[Any]
    running: solara.Reactive[bool]
    finished: solara.Reactive[Any]
    problem: solara.Reactive[str | None]


def use_background_job(
    kind: str,
    prepare: Callable[[], tuple[Any, Path]],
    work: Callable[[Any, Path, solara.Reactive[Any]], Any],
    *,
    first_progress: Any,
    noun: str,
) -> BackgroundJob:
    """Hook: a job of ``kind`` that runs in a worker thread of the session when started.

    Its progress, running flag, result and problem are kept for the session (keys
    ``{kind}:…``), so a page left while its job runs shows the job's progress, then its
    result, on return. It takes one of the server's :data:`JOB_SLOTS` while it runs.

    Args:
        kind: Name of the job's kept state (``compare``, ``sweep``, ``design``).
        prepare: Builds and checks the job's spec and its folder from the page's current
            settings (may raise; the error is shown and nothing starts).
        work: Runs the spec in the folder, setting the progress reactive; returns the result.
        first_progress: The progress shown from the start until the job reports.
        noun: The job as a refusal names it ("compare", "search").

    Returns:
        The job.
    """
    progress = kept(f"{kind}:progress", first_progress)
    running = kept(f"{kind}:running", False)
    finished = kept(f"{kind}:finished", None)
    problem = kept(f"{kind}:problem", None)  # kept too, so the job's thread can clear a refusal made meanwhile
    busy = solara.use_memo(threading.Lock, [])
    order = solara.use_ref(None)  # (spec, folder) of the job being started

    def run() -> Any:
        spec, folder = order.current
        running.set(True)  # set here, not at the click: a task Solara drops before it starts never sets it
        try:
            if not JOB_SLOTS.acquire(blocking=False):
                problem.set(
                    f"was refused: the server is already running {LIMITS.concurrent_jobs} comparisons, sweeps or "
                    "searches, the most it runs at once; try again when one has finished"
                )
                return None
            try:
                result = work(spec, folder, progress)
            except (LimitError, ResourceError, FolderError) as error:  # too large, or its folder is taken
                problem.set(f"was refused: {error_text(error)}")
                return None
            except Exception as error:  # shown in the page; the server keeps serving
                problem.set(f"failed: {error_text(error)}")
                return None
            finally:
                JOB_SLOTS.release()
        finally:
            running.set(False)
            busy.release()
        finished.set(result)
        if problem.peek() is not None:  # a refusal of a second start while this one ran is stale now
            problem.set(None)
        return result

    task = solara.lab.use_task(run, dependencies=None)

    def begin() -> None:
        finished.set(None)
        progress.set(first_progress)
        task()

    def start() -> None:
        already = f"this page is already running a {noun}; wait until it finishes"
        if running.peek():  # a job this session started before the page was left and shown again
            problem.set(f"was refused: {already}")
            return
        start_job(busy, problem, order, prepare, begin, already=already)

    return BackgroundJob(start, task, progress, running, finished, problem)


def use_background_experiment(kind: str, make_spec: Callable[[], ExperimentSpec], runs: int) -> BackgroundJob:
    """Hook: an experiment of ``kind`` (``compare``, ``sweep``) that runs in the background when started.

    Args:
        kind: Prefix of its results folder under ``results/dashboard/``.
        make_spec: Builds the spec from the page's current settings, checking every value
            (may raise; the error is shown and nothing starts).
        runs: Runs it will plan, for the progress bar before the first run ends.

    Returns:
        The job; its ``finished`` is the :class:`Finished` experiment.
    """

    def work(spec: ExperimentSpec, folder: Path, progress: solara.Reactive[Any]) -> Finished:
        return run_experiment(
            spec, folder, on_progress=lambda done, total: progress.set((done, total)), report_later=True
        )

    return use_background_job(
        kind,
        lambda: (make_spec(), new_folder(results_root(), kind, session_owner())),
        work,
        first_progress=(0, runs),
        noun=kind,
    )


def start_job(
    busy: threading.Lock,
    problem: solara.Reactive[str | None],
    order: Any,
    prepare: Callable[[], tuple[Any, Path]],
    begin: Callable[[], None],
    *,
    already: str,
) -> None:
    """Start a page's background job, or say in ``problem`` why it was refused.

    Args:
        busy: Held while the page's job runs (released by the job's thread when it ends).
        problem: Why the job was refused (``was refused: …``); cleared when it starts.
        order: A ref whose ``current`` gets the (spec, folder) the job's thread runs.
        prepare: Builds and checks the spec and its folder (may raise: nothing starts).
        begin: Clears the page's last result and starts the task.
        already: Why a second job is refused while one runs.
    """
    if not busy.acquire(blocking=False):
        problem.set(f"was refused: {already}")
        return
    try:
        order.current = prepare()
    except Exception as error:  # refused before anything runs
        busy.release()
        problem.set(f"was refused: {error_text(error)}")
        return
    problem.set(None)
    begin()


# Fewer paired replicates than this make a 95% interval too wide and too unsure to read much into.
SMALL_SAMPLE = 5


@solara.component
def SmallSampleWarning(replicates: int):
    """A warning under results from fewer than :data:`SMALL_SAMPLE` replicates."""
    if replicates < SMALL_SAMPLE:
        solara.Warning(
            f"Only {replicates} replicate{'s' if replicates != 1 else ''}: with fewer than {SMALL_SAMPLE} the "
            "95% intervals are wide and unreliable (they can even reach beyond 0% or 100%). Run more replicates "
            "before drawing conclusions."
        )


@solara.component
def ReportStatus(finished: Finished):
    """Where the experiment is saved, and whether its report files are still being written."""
    done = solara.use_reactive(finished.reported.is_set())

    def wait() -> None:
        finished.reported.wait()
        done.set(True)

    solara.use_thread(wait, dependencies=[str(finished.folder)])
    reported = done.value
    figures = solara.use_memo(
        lambda: report_figures(finished.folder, results_root()) if reported else [], [str(finished.folder), reported]
    )
    style = {"font-size": "0.75rem", "color": "#666"}
    if not done.value:
        solara.Text(f"Saved as an experiment in {finished.folder}; its report files are being written…", style=style)
    elif finished.report_problem:
        solara.Warning(f"The results are saved in {finished.folder}, but the report failed: {finished.report_problem}")
    else:
        solara.Text(f"Saved as an experiment in {finished.folder}, with its report (report.md)", style=style)
        with solara.Row(style={"flex-wrap": "wrap"}):
            for figure in figures:  # the report's figures as PNG (the charts' camera saves SVG)
                solara.FileDownload(
                    lambda figure=figure: figure_bytes(figure, results_root()),
                    filename=figure.name,
                    label=f"{figure_title(figure)} (PNG)",
                )


def run_button(job: BackgroundJob, label: str, invalid: str | None) -> None:
    """The button that starts ``job``, disabled while it runs or while the page's settings cannot run."""
    solara.Button(label, color="primary", on_click=job.start, disabled=bool(job.task.pending) or invalid is not None)


def job_outcome(job: BackgroundJob, what: str, invalid: str | None) -> Finished | None:
    """Why the settings cannot run, the job's progress or error; return its finished result once it is not running.

    Args:
        job: The page's job.
        what: "comparison" or "sweep", as the page's messages name it.
        invalid: Why the page's settings cannot run, or None.

    Returns:
        The finished experiment to show, or None.
    """
    if invalid is not None:
        solara.Warning(f"This {what} cannot run: {invalid}")
    JobStatus(job, what)
    result = job.finished.value
    return result if result is not None and not job.task.pending else None


@solara.component
def JobStatus(job: BackgroundJob, what: str):
    """A progress bar while ``job`` runs, and its error if it failed (``what``: "comparison", "sweep")."""
    if job.task.pending or job.running.value:
        done, total = job.progress.value
        solara.ProgressLinear(100 * done / total if total else True)
        solara.Text(f"Running in the background: {done} of {total} runs done")
    if job.problem.value:
        solara.Error(f"The {what} {job.problem.value}")
