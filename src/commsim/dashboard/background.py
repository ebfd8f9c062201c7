"""Comparisons and sweeps run in the background of a page, with progress and errors shown.

One hook and one component serve both the Compare and the Sweep page: the experiment
runs in a worker thread of the session, the page shows a progress bar while it runs and
the first error if it fails; the server keeps serving either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara
import solara.lab

from commsim.dashboard.jobs import Finished, new_folder, run_experiment
from commsim.dashboard.settings import error_text, results_root
from commsim.experiments.spec import ExperimentSpec


@dataclass(frozen=True)
class BackgroundExperiment:
    """A page's experiment job: start it with ``task()``; read its state from the reactives.

    Attributes:
        task: The Solara task (``task.pending`` while it runs).
        progress: Finished and total runs.
        finished: The finished experiment, or None.
        problem: Why it failed, or None.
    """

    task: Any
    progress: solara.Reactive[tuple[int, int]]
    finished: solara.Reactive[Finished | None]
    problem: solara.Reactive[str | None]


def use_background_experiment(kind: str, make_spec: Callable[[], ExperimentSpec], runs: int) -> BackgroundExperiment:
    """Hook: an experiment of ``kind`` (``compare``, ``sweep``) that runs in the background when started.

    Args:
        kind: Prefix of its results folder under ``results/dashboard/``.
        make_spec: Builds the spec from the page's current settings (may raise; the error is shown).
        runs: Runs it will plan, for the progress bar before the first run ends.

    Returns:
        The job.
    """
    progress = solara.use_reactive((0, 0))
    finished = solara.use_reactive(None)
    problem = solara.use_reactive(None)

    def run() -> Finished | None:
        problem.set(None)
        finished.set(None)
        progress.set((0, runs))
        try:
            result = run_experiment(
                make_spec(),
                new_folder(results_root(), kind),
                on_progress=lambda done, total: progress.set((done, total)),
            )
        except Exception as error:  # shown in the page; the server keeps serving
            problem.set(error_text(error))
            return None
        finished.set(result)
        return result

    task = solara.lab.use_task(run, dependencies=None)
    return BackgroundExperiment(task, progress, finished, problem)


@solara.component
def JobStatus(job: BackgroundExperiment, what: str):
    """A progress bar while ``job`` runs, and its error if it failed (``what``: "comparison", "sweep")."""
    if job.task.pending:
        done, total = job.progress.value
        solara.ProgressLinear(100 * done / total if total else True)
        solara.Text(f"Running in the background: {done} of {total} runs done")
    if job.problem.value:
        solara.Error(f"The {what} failed: {job.problem.value}")
