"""Where runs execute: in this process, in persistent worker processes, or on Dask.

All three are ``concurrent.futures.Executor`` objects, so the sweep loop is the same for
each. Worker processes are started once and kept for the whole sweep; each imports the
target before its first run, so no run pays for imports. Results do not depend on the
executor: a run depends only on its parameters and seed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from commsim.config.limits import check_workers
from commsim.experiments.targets import RunOutput, RunTask, execute, prepare_worker
from commsim.runs.provenance import now

EXECUTORS = ("inline", "processes", "dask")


class InlineExecutor(Executor):
    """Runs each task in the calling process when it is submitted."""

    def __init__(self) -> None:
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` now and return its finished future."""
        if self._closed:
            raise RuntimeError("cannot submit to a closed executor")
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:
            future.set_exception(error)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Refuse further tasks."""
        self._closed = True


@dataclass(frozen=True, slots=True)
class ExecutorInfo:
    """What executes the runs.

    Attributes:
        kind: ``inline``, ``processes`` or ``dask``.
        workers: Number of workers (1 for inline).
        description: For the progress bar and the manifest.
        in_flight: How many runs to keep submitted at once.
    """

    kind: str
    workers: int
    description: str
    in_flight: int


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def open_executor(
    kind: str, *, target: str, workers: int | None = None, scheduler: str | None = None
) -> Iterator[tuple[Executor, ExecutorInfo]]:
    """Start an executor for a sweep and shut it down afterwards.

    Args:
        kind: ``inline`` (this process), ``processes`` (a pool of persistent worker
            processes) or ``dask`` (a local Dask cluster, or the one at ``scheduler``).
        target: The target the workers import before their first run.
        workers: Worker processes (default: one per core); ignored when attaching to a
            Dask scheduler.
        scheduler: Address of a running Dask scheduler (``tcp://host:port``).

    Yields:
        The executor and a description of it.

    Raises:
        ValueError: On an unknown kind or a worker count outside 1 to ``limits.MAX_WORKERS``.
    """
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTORS)}")
    if workers is not None:
        check_workers(workers, where=f"the {kind} executor")
    if scheduler is not None and kind != "dask":
        raise ValueError("--scheduler needs --executor dask")
    if kind == "inline":
        executor = InlineExecutor()
        yield executor, ExecutorInfo("inline", 1, "in this process", 1)
        executor.shutdown()
    elif kind == "processes":
        with _process_pool(target, workers or default_workers()) as opened:
            yield opened
    else:
        with _dask(target, workers, scheduler) as opened:
            yield opened


@contextmanager
def _process_pool(target: str, workers: int) -> Iterator[tuple[Executor, ExecutorInfo]]:
    # Spawned workers are children of this process, so each can notice if it is killed
    # (see prepare_worker) instead of lingering; they pay their imports once, at start.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=prepare_worker,
        initargs=(target, list(sys.path), os.getpid()),
    )
    info = ExecutorInfo("processes", workers, f"{workers} worker process{'es' if workers > 1 else ''}", 2 * workers)
    try:
        yield pool, info
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _dask(target: str, workers: int | None, scheduler: str | None) -> Iterator[tuple[Executor, ExecutorInfo]]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as error:  # pragma: no cover - distributed is a dependency
        raise ValueError("the dask executor needs the 'distributed' package") from error
    cluster = None
    if scheduler is None:
        workers = workers or default_workers()
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
        description = f"local Dask cluster, {workers} worker{'s' if workers > 1 else ''}"
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as error:
            raise ValueError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from error
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        description = f"Dask scheduler {scheduler}, {workers} worker{'s' if workers > 1 else ''}"
    try:
        client.run(prepare_worker, target, list(sys.path))
        executor = client.get_executor(pure=False)
        yield executor, ExecutorInfo("dask", workers, description, 2 * workers)
        executor.shutdown(wait=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def output_of(future: Future) -> RunOutput:
    """A run's output; an executor failure (a worker died) counts as a failed run."""
    try:
        return future.result()
    except Exception as error:
        return RunOutput(
            status="failed", error=f"executor: {type(error).__name__}: {error}", started=now(), finished=now()
        )


def finished_runs[Run](
    pool: Executor, runs: Iterable[Run], task_of: Callable[[Run], RunTask], *, in_flight: int
) -> Iterator[tuple[Run, RunOutput]]:
    """Submit runs with at most ``in_flight`` of them at once, and yield each with its output as it finishes.

    Used as ``with contextlib.closing(finished_runs(...))``: when the caller stops early
    (an error, a Ctrl-C), the runs submitted but not yet started are cancelled.

    Args:
        pool: The executor.
        runs: The runs, submitted in this order.
        task_of: The task of a run.
        in_flight: How many runs to keep submitted.

    Yields:
        Each run with its output, in the order they finish.
    """
    queue = iter(runs)
    pending: dict[Future, Run] = {}
    try:
        while True:
            while len(pending) < in_flight and (run := next(queue, None)) is not None:
                pending[pool.submit(execute, task_of(run))] = run
            if not pending:
                return
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield pending.pop(future), output_of(future)
    finally:
        for future in pending:
            future.cancel()
