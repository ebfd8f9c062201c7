"""What a run executes: a Mesa model class or a plain function, named ``module:attribute``.

A **model class** is built as ``Target(rng=seed, **parameters)`` and stepped ``steps``
times; its metrics are the model reporters of its ``datacollector`` (one row per kept
step). A **function** is called as ``target(seed=seed, **parameters)`` and returns a
mapping of metric names to numbers (one row, step 0). The runner serves any model this
way, and can be checked on functions whose answers are known
(:mod:`commsim.experiments.reference`).

A spec names code, so checking a spec must not run it: :func:`inspect_target` finds the
target's module on the import path and reads its source (``ast``) without importing or
executing anything. A target must be a ``def`` or a ``class`` written in Python source
outside the standard library (directly, or re-exported with ``from module import name``).
Only a sweep imports it (:func:`resolve`), in the sweep's process and its workers.

:func:`execute` is what a worker runs. It never raises for a failing run: the error and
its traceback come back in the :class:`RunOutput`, so one bad run cannot stop a sweep.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.machinery
import importlib.metadata
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import mesa
import numpy as np
import pandas as pd

from commsim.experiments.source import TargetError, binding, imported_from, imported_name, module_source
from commsim.runs.interrupts import signals_held
from commsim.runs.provenance import host, now

# Columns every stored run gets from the plan; a metric cannot take these names.
IDENTITY_COLUMNS = ("run", "point", "scenario", "replicate", "seed", "step")
# Re-exports followed from the named module to the definition (``from a import b``).
MAX_REEXPORTS = 8


@dataclass(frozen=True, slots=True)
class TargetInfo:
    """What a target is, read from its source without importing it.

    Attributes:
        target: ``module:attribute`` as the spec names it.
        kind: ``model`` (a class, built and stepped) or ``function`` (called once).
        module: The module that defines it (after following re-exports).
        source: That module's file.
        keywords: Keyword arguments it accepts besides ``rng``/``seed``; None if it takes ``**kwargs``
            (or, for a class without its own ``__init__``, if they cannot be known).
    """

    target: str
    kind: Literal["model", "function"]
    module: str
    source: Path
    keywords: frozenset[str] | None

    @property
    def commsim_model(self) -> bool:
        """Whether the target is commsim's own model."""
        return self.kind == "model" and self.module.split(".")[0] == "commsim"


class RunTimeout(Exception):  # noqa: N818 - reads as what happened, like TimeoutError
    """A run went past its time limit."""


@dataclass(frozen=True, slots=True)
class RunTask:
    """Everything a worker needs to execute one run; picklable.

    Attributes:
        target: ``module:attribute``.
        parameters: Keyword arguments of the target.
        seed: Integer seed.
        steps: Steps of a model (ignored by functions).
        every: Keep every k-th step (the last is always kept).
        metrics: Metrics to keep; None keeps all.
        timeout_s: Time limit in seconds; None for none.
    """

    target: str
    parameters: dict[str, Any]
    seed: int
    steps: int
    every: int = 1
    metrics: tuple[str, ...] | None = None
    timeout_s: float | None = None


@dataclass(slots=True)
class RunOutput:
    """What came back from one run.

    Attributes:
        status: ``done``, ``failed`` or ``timeout``.
        frame: One row per kept step, ``step`` then the metrics; None unless done.
        error: One-line error; None when done.
        trace: The traceback; None when done.
        duration_s: Wall time of the run.
        worker: ``host:pid`` of the process that ran it.
        started: UTC start time.
        finished: UTC end time.
    """

    status: str
    frame: pd.DataFrame | None = None
    error: str | None = None
    trace: str | None = None
    duration_s: float = 0.0
    worker: str = field(default_factory=lambda: f"{host()}:{os.getpid()}")
    started: str = ""
    finished: str = ""


def inspect_target(target: str) -> TargetInfo:
    """Find a target's definition by reading source files; nothing is imported or executed.

    Args:
        target: ``module:attribute``.

    Returns:
        Its kind, defining module, file and accepted keywords.

    Raises:
        TargetError: If the module is not Python source on the import path (or is part
            of the standard library), or the attribute is not a ``def`` or ``class``
            (directly or through ``from module import name``), or it does not take the
            keyword a run passes (``seed`` for functions, ``rng`` for classes).
    """
    module_name, _, attribute = target.partition(":")
    module, name = module_name, attribute
    for _ in range(MAX_REEXPORTS):
        path = module_source(module)
        node = binding(path, name)
        if isinstance(node, ast.ImportFrom):
            module, name = imported_from(module, path, node), imported_name(node, name)
            continue
        return _target_info(target, module, path, name, node)
    raise TargetError(f"{target}: more than {MAX_REEXPORTS} re-exports lead to no definition")


def _target_info(target: str, module: str, path: Path, name: str, node: ast.AST) -> TargetInfo:
    where = f"{target} ({module}.{name} in {path})"
    if isinstance(node, ast.FunctionDef):
        keywords = _keywords(node.args)
        if keywords is not None and "seed" not in keywords:
            raise TargetError(
                f"{where} takes no `seed` keyword; a function target is called as f(seed=..., **parameters)"
            )
        return TargetInfo(target, "function", module, path, _without_seed(keywords))
    if isinstance(node, ast.ClassDef):
        if not node.bases:
            raise TargetError(f"{where} is a class that derives from nothing, so not from mesa.Model")
        init = next((item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == "__init__"), None)
        keywords = _keywords(init.args) if init is not None else None
        if keywords is not None and "rng" not in keywords:
            raise TargetError(
                f"{where} takes no `rng` keyword; a model class is built as Target(rng=seed, **parameters)"
            )
        return TargetInfo(target, "model", module, path, _without_seed(keywords))
    kind = "an async function" if isinstance(node, ast.AsyncFunctionDef) else "not a def or class"
    raise TargetError(
        f"{where} is {kind}; a target is a Mesa model class or a function f(*, seed, **parameters) -> dict"
    )


def _keywords(arguments: ast.arguments) -> set[str] | None:
    if arguments.kwarg is not None:
        return None
    return {argument.arg for argument in (*arguments.args, *arguments.kwonlyargs)} - {"self"}


def _without_seed(keywords: set[str] | None) -> frozenset[str] | None:
    return None if keywords is None else frozenset(keywords - {"rng", "seed"})


def resolve(target: str) -> Any:
    """Import the object a ``module:attribute`` string names (this runs the module's code).

    Args:
        target: ``module:attribute``.

    Returns:
        The attribute.

    Raises:
        ValueError: If the module cannot be imported or lacks the attribute, or the
            object is neither a Mesa model class nor a callable.
    """
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # a target module that fails to import is a bad spec, whatever it raises
        raise ValueError(f"cannot import module {module_name!r}: {type(error).__name__}: {error}") from error
    try:
        found = getattr(module, attribute)
    except AttributeError:
        raise ValueError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if not (is_model_class(found) or callable(found)):
        raise ValueError(f"{target} is neither a Mesa model class nor a function")
    return found


def is_model_class(found: Any) -> bool:
    """Whether an object is a Mesa model class (not an instance)."""
    return isinstance(found, type) and issubclass(found, mesa.Model)


def accepted_keywords(target: str) -> set[str] | None:
    """Keyword arguments a target accepts besides the seed; None if it takes ``**kwargs``.

    Read from the source (:func:`inspect_target`); nothing is imported.

    Args:
        target: ``module:attribute``.

    Returns:
        Parameter names, or None when any keyword is accepted.
    """
    keywords = inspect_target(target).keywords
    return None if keywords is None else set(keywords)


@cache
def model_version(target: str) -> str:
    """A version of the target's code that changes whenever its source does.

    The package version (if any) and a digest of every module of the package, its
    subpackages included (for commsim's model: its state and process modules), and of the
    modules beside the target's own. Part of each run's key, so that resuming never mixes
    results of different code. Read from the files; nothing is imported.

    Args:
        target: ``module:attribute``.

    Returns:
        ``version+digest``.
    """
    module_name = target.partition(":")[0]
    top_name = module_name.split(".")[0]
    top = module_source(top_name)
    found: set[Path] = set()
    if top.name == "__init__.py":
        found.update(top.parent.rglob("*.py"))
    found.update(module_source(module_name).parent.glob("*.py"))  # the target's own module and its siblings
    digest = hashlib.sha256()
    root = top.parent
    for source in sorted(found):
        digest.update((str(source.relative_to(root)) if source.is_relative_to(root) else source.name).encode())
        digest.update(source.read_bytes())
    return f"{_package_version(top_name, top)}+{digest.hexdigest()[:12]}"


def _package_version(name: str, source: Path) -> str:
    """``__version__`` as a literal in the package's source, else its installed version, else "0"."""
    try:
        tree = ast.parse(source.read_bytes())
    except (OSError, SyntaxError, ValueError):
        tree = ast.Module(body=[], type_ignores=[])
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    if name == "commsim":
        from commsim.version import __version__

        return __version__
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "0"


def execute(task: RunTask) -> RunOutput:
    """Run one task; failures and time-outs are returned, never raised.

    Args:
        task: The run.

    Returns:
        Its output, with status, timing and the worker that ran it.
    """
    started, clock = now(), time.perf_counter()
    try:
        with _time_limit(task.timeout_s):
            frame = _run(task, clock)
        output = RunOutput(status="done", frame=frame)
    except RunTimeout as error:
        output = RunOutput(status="timeout", error=str(error), trace=traceback.format_exc())
    except Exception as error:  # a failing run is data, not a crash of the sweep
        output = RunOutput(status="failed", error=f"{type(error).__name__}: {error}", trace=traceback.format_exc())
    output.duration_s = time.perf_counter() - clock
    output.started, output.finished = started, now()
    return output


def warm_up(target: str) -> None:
    """Import a target once, so that a worker process pays its imports before the first run."""
    resolve(target)


def _run(task: RunTask, clock: float) -> pd.DataFrame:
    found = resolve(task.target)
    frame = _run_model(found, task, clock) if is_model_class(found) else _run_function(found, task)
    if task.metrics is not None:
        missing = [name for name in task.metrics if name not in frame.columns]
        if missing:
            raise KeyError(f"the target reports no metric {', '.join(missing)}")
        frame = frame[["step", *task.metrics]]
    return frame.reset_index(drop=True)


def _run_model(model_class: type[mesa.Model], task: RunTask, clock: float) -> pd.DataFrame:
    with signals_held():  # a Ctrl-C inside a compiled kernel could be lost or crash the process
        model = model_class(rng=task.seed, **task.parameters)
    for _ in range(task.steps):
        with signals_held():
            model.step()
        # Cooperative limit: works in any worker (threads included), checked each step.
        if task.timeout_s is not None and time.perf_counter() - clock > task.timeout_s:
            raise RunTimeout(f"run exceeded its time limit of {task.timeout_s:g} s")
    collector = getattr(model, "datacollector", None)
    if collector is None:
        raise TypeError(f"{task.target} has no datacollector to read metrics from")
    frame = collector.get_model_vars_dataframe().reset_index(drop=True)
    _check_metric_names(frame.columns)
    frame.insert(0, "step", np.arange(len(frame)))
    last = frame["step"].iloc[-1]
    kept = (frame["step"] % task.every == 0) | (frame["step"] == last)
    return frame[kept]


def _run_function(function: Callable[..., Mapping[str, Any]], task: RunTask) -> pd.DataFrame:
    result = function(seed=task.seed, **task.parameters)
    if not isinstance(result, Mapping):
        raise TypeError(f"{task.target} returned {type(result).__name__}, expected a mapping of metrics")
    _check_metric_names([str(name) for name in result])
    row = {"step": 0}
    for name, value in result.items():
        row[str(name)] = float(value)
    return pd.DataFrame([row])


def _check_metric_names(names: Any) -> None:
    reserved = [str(name) for name in names if str(name) in IDENTITY_COLUMNS]
    if reserved:
        shown = ", ".join(map(repr, reserved))
        raise ValueError(f"the target reports a metric named {shown}, a column the results tables use")


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Interrupt the block with :class:`RunTimeout` after ``seconds`` of wall time.

    Uses SIGALRM, so it applies only in a process's main thread on POSIX (the in-process
    runner and the worker-process pool); elsewhere model runs still stop at the next step.
    """
    usable = (
        seconds is not None and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise RunTimeout(f"run exceeded its time limit of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _ensure_importable(paths: list[str]) -> None:
    """Make the parent's import paths available in a worker (for targets outside the package)."""
    for path in reversed(paths):
        if path not in sys.path:
            sys.path.insert(0, path)


def prepare_worker(target: str, paths: list[str], parent: int | None = None) -> None:
    """Initialise a worker process: the parent's import paths, then the target's imports.

    Args:
        target: ``module:attribute`` the worker will run.
        paths: The parent's ``sys.path``.
        parent: Process id of the sweep; if given, the worker exits once that process is
            gone (a sweep killed with SIGKILL leaves no worker behind).
    """
    _ensure_importable(paths)
    if parent is not None:
        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="parent-watch").start()
    warm_up(target)


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
