"""The ``commsim`` command: run, sweep, status, analyze, report, export, validate, schema, presets, dashboard, docs.

Plumbing only. Every configuration problem, every bad command-line value and every
output folder commsim may not write ends with ``error: ...`` on stderr (one line per
problem, each naming the file, line and field where there is one), exit code 2 and
nothing written. A failure while working (a disk that is full, a folder that cannot be
written, standard output closed) ends with one ``error: ...`` line and exit code 1;
Ctrl-C ends with exit code 130 and nothing half-written. Any other exception is a bug
and propagates with its traceback. docs/boundaries.md states these guarantees.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import ipaddress
import json
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from commsim.config.declaration import DeclarationError
from commsim.config.limits import MAX_RESIDENT_WEEKS, ResourceError, Work, check_work
from commsim.config.loading import is_preset_file, load_run_config, run_work, validate_file
from commsim.config.paths import inside
from commsim.config.presets import load_preset, preset_names
from commsim.config.schemas import run_config_schema, setting_bounds
from commsim.config.yaml_files import ConfigError, read_yaml
from commsim.design import cli as design_command
from commsim.runs.provenance import OutputError, check_out_dir

if TYPE_CHECKING:
    from commsim.runs.runner import RunResult

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
RESULTS = Path("results")
HOST_NAME = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)
EXECUTOR_CHOICES = ("inline", "processes", "dask")


class UsageError(Exception):
    """A bad command line; its message is printed after ``error: ``."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports bad input as :class:`UsageError` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        """Raise a usage error naming the (sub)command."""
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _setting(name: str) -> Callable[[str], int]:
    """An argument type for a run setting, bounded by the same declaration as the config field."""
    low, high = setting_bounds(name)

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must lie between {low:,} and {high:,} (as {name} in a config), got {value:,}"
            )
        return value

    return parse


def _host(text: str) -> str:
    """An address to serve on: an IP address, or a host name that resolves here."""
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(text))
    if not HOST_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected an IP address or a host name, got {text!r}")
    try:
        socket.getaddrinfo(text, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise argparse.ArgumentTypeError(f"cannot resolve host name {text!r} on this machine") from None
    return text


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port lies between 1 and 65535, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``commsim`` command.

    Returns:
        The parser, with one subcommand per entry of :data:`COMMANDS`.
    """
    parser = _Parser(prog="commsim", description="Agent-based simulation of community participation.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a scenario over replicates and write its results folder")
    run.add_argument("config", type=Path, help="run config YAML (see `commsim schema`)")
    run.add_argument(
        "--replicates", type=_setting("replicates"), metavar="N", help="replicates (default: the config's)"
    )
    run.add_argument("--steps", type=_setting("steps"), metavar="N", help="weeks to simulate (default: the config's)")
    run.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="results folder (default: results/<name>/); never a folder of other files",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar and no summary table")
    run.add_argument(
        "--allow-large", action="store_true", help="run work over the resident-week ceiling (docs/boundaries.md)"
    )

    sweep = commands.add_parser("sweep", help="run an experiment spec (resumes an existing results folder)")
    sweep.add_argument("spec", type=Path, help="experiment spec YAML (see `commsim schema --experiment`)")
    sweep.add_argument("--workers", type=_at_least_one, metavar="N", help="worker processes (default: one per core)")
    sweep.add_argument(
        "--executor", choices=EXECUTOR_CHOICES, default="processes", help="where runs execute (default: processes)"
    )
    sweep.add_argument(
        "--scheduler", metavar="ADDRESS", help="attach to a running Dask scheduler (with --executor dask)"
    )
    sweep.add_argument("--out", type=Path, metavar="DIR", help="results folder (default: results/<name>/)")
    restart = sweep.add_mutually_exclusive_group()
    restart.add_argument(
        "--resume", action="store_true", help="skip runs already stored in the results folder (the default)"
    )
    restart.add_argument(
        "--fresh", action="store_true", help="delete the files commsim wrote in the folder first instead of resuming"
    )
    restart.add_argument(
        "--extend",
        action="store_true",
        help="take over the folder of this experiment planned from an earlier spec, reusing its stored runs",
    )
    sweep.add_argument(
        "--allow-large", action="store_true", help="run a sweep over the run or resident-week ceilings on purpose"
    )
    sweep.add_argument("--dry-run", action="store_true", help="print the runs and an estimated time; write nothing")
    sweep.add_argument("--no-report", action="store_true", help="do not analyse and report when the sweep ends")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")

    status = commands.add_parser("status", help="show how far an experiment folder has got")
    status.add_argument("folder", type=Path, metavar="DIR", help="experiment folder (a sweep's --out)")
    analyze = commands.add_parser("analyze", help="write analysis tables of an experiment folder")
    analyze.add_argument("folder", type=Path, metavar="DIR", help="experiment folder of a finished sweep")
    report = commands.add_parser("report", help="write report.md, figures and tables of an experiment folder")
    report.add_argument("folder", type=Path, metavar="DIR", help="experiment folder of a finished sweep")
    export = commands.add_parser("export", help="export an experiment's data and runs table")
    export.add_argument("folder", type=Path, metavar="DIR", help="experiment folder of a finished sweep")
    export.add_argument(
        "--csv",
        action="store_true",
        required=True,
        help="write data.csv (one row per run and kept step: run identity, factors, step, every metric) and "
        "runs.csv (one row per run: parameters, seed, status, error, duration); required, the only format",
    )
    export.add_argument("--out", type=Path, metavar="DIR", help="where to write (default: the experiment folder)")

    validate = commands.add_parser("validate", help="check run configs, experiment specs, profiles or packages")
    validate.add_argument(
        "files",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="YAML files to check, each recognised by its content: run configs, experiment specs, community "
        "profiles and policy packages, dashboard lesson files",
    )
    validate.add_argument(
        "--allow-large", action="store_true", help="accept run configs over the work ceiling (with a warning)"
    )
    schema = commands.add_parser("schema", help="print the JSON Schema of run configs (or experiment specs)")
    schema.add_argument("--experiment", action="store_true", help="the schema of experiment specs")
    commands.add_parser("presets", help="list community profiles and policy packages")
    dashboard = commands.add_parser(
        "dashboard", help="serve the interactive dashboard (Explore, Compare, Sweep, Learn), on loopback by default"
    )
    dashboard.add_argument("--host", type=_host, default="127.0.0.1", help="address to serve on (default: 127.0.0.1)")
    dashboard.add_argument("--port", type=_port, default=8765, help="port to serve on (default: 8765)")
    dashboard.add_argument(
        "--results", type=Path, metavar="DIR", help="experiments folder of Compare and Sweep (default: results/)"
    )
    design_command.add_parser(commands, _at_least_one)
    docs = commands.add_parser("docs", help="regenerate docs/parameters.md and docs/metrics.md")
    docs.add_argument("--check", action="store_true", help="write nothing; exit 1 if the docs are stale")
    docs.add_argument("--folder", type=Path, metavar="DIR", help="docs folder (default: the project's docs/)")
    return parser


class _StdoutError(Exception):
    """Standard output cannot be written (closed pipe, full disk)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))
        self.errno = error.errno


class _GuardedStdout:
    """Standard output that tells its own write failures apart from a command's file errors."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as error:
            raise _StdoutError(error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise _StdoutError(error) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _discard_output(stream: Any) -> None:
    """Point a failed standard output at the null device, so exiting does not fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError, NotImplementedError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)


def _print_error(error: BaseException) -> None:
    for line in str(error).splitlines() or [type(error).__name__]:
        print(f"error: {line}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the ``commsim`` command.

    Args:
        argv: Arguments without the program name; None reads ``sys.argv``.

    Returns:
        The exit code: 0 on success; 1 for stale docs or a failure while working (a file
        that cannot be written, standard output closed); 2 for a bad config, command
        line or output folder; 130 when interrupted.
    """
    stdout = sys.stdout
    sys.stdout = _GuardedStdout(stdout)
    try:
        args = build_parser().parse_args(argv)
        code = COMMANDS[args.command](args)
        sys.stdout.flush()
        return code
    except (ConfigError, UsageError, OutputError, DeclarationError) as error:
        _print_error(error)
        return EXIT_USAGE
    except _StdoutError as failure:
        if failure.errno != errno.EPIPE:  # a reader that stopped early is not worth a message
            print(f"error: cannot write to standard output ({failure})", file=sys.stderr)
        _discard_output(stdout)
        return EXIT_FAILURE
    except KeyboardInterrupt as interrupt:
        print("interrupted: nothing was left half-written", file=sys.stderr)
        return getattr(interrupt, "exit_code", EXIT_INTERRUPTED)
    except (OSError, MemoryError) as error:
        where = f"{error.filename}: " if getattr(error, "filename", None) else ""
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        print(f"error: {where}{reason}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        sys.stdout = stdout


# ------------------------------------------------------------------ run


class _Stopped(KeyboardInterrupt):
    """A termination signal, handled like Ctrl-C; exits with 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum


@contextlib.contextmanager
def _stop_on_terminate() -> Iterator[None]:
    """Turn SIGTERM (a scheduler's kill) into an interruption, so staging is cleaned up too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise _Stopped(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_folder(config_name: str, out: Path | None) -> Path:
    """The results folder of a run: ``--out``, or ``results/<name>`` checked to stay inside results/."""
    if out is None:
        folder = RESULTS / config_name
        if not inside(folder, RESULTS):
            raise OutputError(f"{folder}: resolves outside {RESULTS}/ (a symbolic link?); give --out")
    else:
        folder = out
    check_out_dir(folder)
    return folder


def _run(args: argparse.Namespace) -> int:
    config = load_run_config(args.config)
    out_dir = _run_folder(config.name, args.out)
    work = run_work(config, steps=args.steps, replicates=args.replicates)
    check_work(work, where=f"{args.config}", allow_large=args.allow_large)

    from commsim.runs.runner import run_scenario  # pulls in the model, pandas and scipy

    try:
        with _stop_on_terminate():
            result = run_scenario(
                config, out_dir=out_dir, replicates=args.replicates, steps=args.steps, progress=not args.quiet
            )
    except KeyboardInterrupt as interrupt:
        print(f"interrupted: nothing was written to {out_dir}; an earlier result there is unchanged", file=sys.stderr)
        return getattr(interrupt, "exit_code", EXIT_INTERRUPTED)
    if not args.quiet:
        _print_summary(result)
        _print_wall_time(result.manifest)
    print(f"Results written to {out_dir}")
    return 0


def _size(work: Work) -> str:
    """A planned run's size for people: resident-weeks, runs and peak memory."""
    megabytes = work.peak_bytes / 1e6
    memory = f"{megabytes / 1000:,.1f} GB" if megabytes >= 1000 else f"{max(megabytes, 0.1):,.1f} MB"
    return (
        f"{work.runs:,} run{'' if work.runs == 1 else 's'} of {work.largest_residents:,} residents, "
        f"{work.resident_weeks:,.0f} resident-weeks "
        f"(ceiling {MAX_RESIDENT_WEEKS:,}), about {memory} at peak"
    )


def _print_summary(result: RunResult) -> None:
    """Print key metrics averaged over the last year with 95% CIs, and paired differences."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from commsim.runs.labels import KEY_METRICS, format_interval, metric_heading, metric_interval, unit_label

    manifest, summary = result.manifest, result.summary
    yearly = summary[summary["window"] == "last_year"]
    weeks = int(yearly["weeks"].iloc[0])
    by_scenario = {s: yearly[yearly["scenario"] == s].set_index("metric") for s in manifest["scenarios"]}
    paired = result.paired.set_index("metric") if result.paired is not None else None
    config = manifest["config"]
    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        title=f"{manifest['name']}: {config['profile']} + {config['policy']}, "
        f"{manifest['replicates']} replicates x {manifest['steps']} weeks",
        caption=f"mean over weeks {manifest['steps'] - weeks + 1}-{manifest['steps']} ± 95% CI"
        + ("; difference paired by seed" if paired is not None else ""),
    )
    table.add_column("metric", ratio=1, overflow="fold")
    for scenario in by_scenario:
        table.add_column(scenario, justify="right", no_wrap=True)
    if paired is not None:
        table.add_column("difference", justify="right", no_wrap=True)
    values = manifest["resolved_parameters"]
    for metric in KEY_METRICS:
        own = by_scenario[config["policy"]]
        in_paired = paired is not None and metric in paired.index
        if metric not in own.index and not in_paired:
            continue
        cells = [metric_heading(metric, values)]
        for rows in by_scenario.values():
            row = rows.loc[metric] if metric in rows.index else None
            cells.append("" if row is None else metric_interval(metric, *_bounds(row, "mean"), plus_minus=True))
        if in_paired:
            row = paired.loc[metric]
            cells.append(metric_interval(metric, *_bounds(row, "difference"), difference=True, plus_minus=True))
        elif paired is not None:
            cells.append("")
        table.add_row(*cells)
    Console().print(table)
    for scenario, cost in manifest.get("programme_cost", {}).get("scenarios", {}).items():
        yearly = cost["yuan_per_household_year"]
        shown = format_interval(yearly["mean"], yearly["ci_low"], yearly["ci_high"], "yuan/household/year")
        print(f"Programme cost of {scenario}: {shown} {unit_label('yuan/household/year')} (configs/costs.yaml)")


def _print_wall_time(manifest: dict[str, Any]) -> None:
    from commsim.runs.labels import format_duration
    from commsim.runs.provenance import describe_machine

    print(f"Wall time {format_duration(manifest.get('wall_s'))} on {describe_machine(manifest.get('machine'))}.")


def _bounds(row: Any, estimate: str) -> tuple[float, float, float]:
    return row[estimate], row["ci_low"], row["ci_high"]


# ------------------------------------------------------------------ experiments


def _sweep(args: argparse.Namespace) -> int:
    from commsim.config.limits import check_workers
    from commsim.experiments.executors import default_workers
    from commsim.experiments.plan import load_plan, work_summary
    from commsim.experiments.sweep import dry_run, run_sweep
    from commsim.runs.labels import format_duration, plural

    if args.scheduler and args.executor != "dask":
        raise UsageError("commsim sweep: --scheduler needs --executor dask")
    if args.workers is not None:
        check_workers(args.workers, where="commsim sweep --workers")
    workers = 1 if args.executor == "inline" else args.workers or default_workers()
    plan = load_plan(args.spec, allow_large=args.allow_large, workers=workers)
    folder = args.out or Path("results") / plan.spec.name
    if args.dry_run:
        estimate = dry_run(
            plan, folder, workers=args.workers, executor=args.executor, fresh=args.fresh, extend=args.extend
        )
        print(
            f"{plan.spec.name}: {plural(len(plan.design), 'design point')} x "
            f"{plural(len(plan.spec.scenario_names), 'scenario')} x {plural(plan.spec.replicates, 'replicate')} = "
            f"{estimate.total} runs; {estimate.stored} already stored in "
            f"{folder}; {estimate.to_run} to run ({work_summary(plan.work)})."
        )
        if estimate.trial_error:
            print(f"error: {estimate.trial_error}; fix the spec or the target before sweeping", file=sys.stderr)
            return 1
        print(
            f"Estimated {format_duration(estimate.estimated_s)} (range {format_duration(estimate.low_s)} to "
            f"{format_duration(estimate.high_s)}) on {estimate.workers} worker(s), {estimate.seconds_per_run:.2f} s "
            f"per run on average, from {estimate.basis}; worker start-up not included. Nothing was written to "
            f"{folder}."
        )
        return 0
    reports: list[Path] = []

    def report(result) -> None:  # under the sweep's lock: no other command comes in between
        if not args.no_report and result.skipped + result.done > 0:
            reports.append(_write_report(folder, locked=True))

    try:
        result = run_sweep(
            plan,
            folder,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            fresh=args.fresh,
            extend=args.extend,
            progress=not args.quiet,
            then=report,
        )
    except KeyboardInterrupt:
        print(f"interrupted: finished runs are stored in {folder}; run the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ConfigError:  # the folder refused, untouched
        raise
    except ValueError as error:  # executor set-up or target import: bad worker count, unreachable scheduler
        raise UsageError(f"commsim sweep: {error}") from error
    except OSError as error:  # a runtime failure (a full disk, say): finished runs stay stored
        print(f"error: {folder}: {error}; finished runs are stored, the same command resumes", file=sys.stderr)
        return 1
    print(
        f"{result.total} runs: {result.skipped} already stored, {result.done} done, {result.failed} failed "
        f"this session ({format_duration(result.wall_s)})."
    )
    for path in reports:
        print(f"Report written to {path}")
    print(f"Results written to {folder}")
    return 1 if result.failed else 0


def _experiment(folder: Path, *, locked: bool = False):
    """The plan and store of an experiment folder whose last sweep finished, from the spec its manifest holds.

    Called once before taking the folder's lock (to refuse bad input before anything is
    written) and once with it held (``locked``: no sweep is writing then). Reads only;
    nothing of the spec's target is imported.
    """
    from pydantic import ValidationError

    from commsim.experiments.plan import make_plan
    from commsim.experiments.spec import ExperimentSpec
    from commsim.experiments.store import ExperimentStore
    from commsim.experiments.sweep import consolidated

    store = ExperimentStore(folder)
    manifest = store.experiment_manifest()
    if not consolidated(manifest):
        if not locked and store.in_use():
            with store.lock():  # refuses, saying who holds it
                pass
        command = f"commsim sweep {manifest.get('spec_file') or 'SPEC'} --out {folder}"
        raise UsageError(
            f"{folder}: no complete results yet (its last sweep was killed or interrupted); `{command}` resumes it"
        )
    try:
        spec = ExperimentSpec.model_validate(manifest["spec"])
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in ("spec", *first["loc"]))
        raise UsageError(f"{store.manifest_path}: {field}: {first['msg']}") from None
    points = manifest.get("design_points") if spec.design.kind == "csv" else None
    plan = make_plan(spec, source=store.manifest_path, points=points, check_size=False)
    if plan.spec_hash != manifest["spec_hash"]:
        raise UsageError(f"{folder}: the manifest's spec does not plan the same runs any more")
    return plan, store


def _write_analysis(plan, store):
    from commsim.experiments.analysis import analyze

    if store.read_data().empty:
        raise UsageError(f"{store.folder}: no run has finished yet")
    analysis = analyze(plan, store)
    return analysis, analysis.write(store.folder / "analysis")


def _write_report(folder: Path, *, locked: bool = False) -> Path:
    from contextlib import nullcontext

    from commsim.experiments.report import write_report
    from commsim.experiments.store import ExperimentStore

    _experiment(folder)  # bad input: refuse before the lock creates anything
    with nullcontext() if locked else ExperimentStore(folder).lock():
        plan, store = _experiment(folder, locked=True)
        analysis, _ = _write_analysis(plan, store)
        return write_report(plan, store, analysis)


def _status(args: argparse.Namespace) -> int:
    from commsim.experiments.sweep import status
    from commsim.runs.labels import format_duration

    found = status(args.folder)
    print(
        f"{found['name']}: {found['total']} runs — {found['done']} done, {found['failed']} failed, "
        f"{found['timeout']} timed out, {found['pending']} pending"
    )
    if found["compact"]:
        print("  counted from runs.parquet: this folder keeps the consolidated data of a finished sweep, not its parts")
    stored = found["done"] + found["failed"] + found["timeout"]
    if found["recorded"] > stored:
        print(
            f"  its sessions ran {found['recorded']} runs that are not stored here (a report shipped without its "
            "data, or parts deleted); sweeping the spec into this folder runs them again"
        )
    if found["earlier"]:
        print(
            f"  {found['earlier']} of the done runs were stored before the sessions below counted them "
            "(for an earlier spec, or by an older commsim)"
        )
    last = found["last_event"]
    if last is not None:
        eta = last.get("eta_s")
        shown = found["running"] and isinstance(eta, (int, float)) and last.get("event") in ("start", "run")
        print(
            f"last event: {last.get('event')} at {last.get('time')}"
            + (f"; eta {format_duration(eta)}" if shown else "")
        )
    states = {
        "running": "running now",
        "finished": "finished",
        "interrupted": "interrupted; the same command resumes it",
        "killed": "killed (it ended without recording its end); the same command resumes it",
    }
    for index, session in enumerate(found["sessions"], start=1):
        counts = session["counts"]
        timed_out = f", {counts['timeout']} timed out" if counts["timeout"] else ""
        running = session["state"] == "running"
        who = (
            f" (process {session.get('pid')} on {session.get('host')})"
            if running
            else f" on {session.get('host') or found['host']}"
        )
        print(
            f"session {index}: {session.get('started')} {session.get('executor_description', session.get('executor'))}"
            f" — {counts['done']} done{_of_ran(session)}, {counts['failed']} failed{timed_out}, "
            f"{states[session['state']]}{who}"
        )
    return 0


def _of_ran(session: dict[str, Any]) -> str:
    """The note that fewer of a session's runs are stored than it recorded running, or nothing."""
    ran = session.get("done")
    return f" (stored here, of the {ran} it ran)" if isinstance(ran, int) and ran > session["counts"]["done"] else ""


def _analyze(args: argparse.Namespace) -> int:
    from commsim.experiments.store import ExperimentStore

    _experiment(args.folder)  # bad input: refuse before the lock creates anything
    with ExperimentStore(args.folder).lock():
        plan, store = _experiment(args.folder, locked=True)
        _, written = _write_analysis(plan, store)
    for path in written:
        print(f"wrote {path}")
    return 0


def _report(args: argparse.Namespace) -> int:
    print(f"Report written to {_write_report(args.folder)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from commsim.experiments.store import ExperimentStore
    from commsim.runs.provenance import write_file_atomically

    _experiment(args.folder)  # bad input: refuse before the lock creates anything
    store = ExperimentStore(args.folder)
    out = args.out or args.folder
    names = ("data.csv", "runs.csv")
    if out.exists() and not out.is_dir():
        raise UsageError(f"commsim export: --out {out} is a file, not a folder")
    if out.resolve() != store.folder.resolve():
        present = [name for name in names if (out / name).exists() or (out / name).is_symlink()]
        if present:
            raise UsageError(f"commsim export: {out / present[0]} exists; remove it or choose another --out")
    with store.lock():
        _plan, store = _experiment(args.folder, locked=True)
        tables = {"data.csv": store.read_data(), "runs.csv": store.read_runs()}
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UsageError(f"commsim export: cannot create {out} ({error.strerror or error})") from error
        for name, table in tables.items():
            write_file_atomically(out / name, lambda path, table=table: table.to_csv(path, index=False))
            print(f"wrote {out / name} ({len(table)} rows)")
    return 0


# ------------------------------------------------------------------ other commands


def _validate(args: argparse.Namespace) -> int:
    failed = False
    for path in args.files:
        try:
            if _is_lessons(path):
                print(f"ok: {_validate_lessons(path)}")
            elif design_command.is_design_spec(path):
                print(f"ok: {design_command.validate(path)}")
            elif _is_experiment(path):
                print(f"ok: {_validate_experiment(path)}")
            else:
                print(f"ok: {_validate_config(path, allow_large=args.allow_large)}")
        except ConfigError as error:
            _print_error(error)
            failed = True
    return EXIT_USAGE if failed else 0


def _validate_config(path: Path, *, allow_large: bool) -> str:
    """Validate a preset or a run config; a run config is sized against the ceilings too."""
    data, _ = read_yaml(path)
    if is_preset_file(path, data):
        return validate_file(path)
    from commsim.runs.costs import is_costs_file, validate_costs

    if is_costs_file(path, data):
        return validate_costs(path)
    config = load_run_config(path)
    work = run_work(config)
    try:
        check_work(work, where=str(path))
    except ResourceError as error:
        if not allow_large:
            raise
        check_work(work, where=str(path), allow_large=True)  # memory is never waived
        print(f"warning: {error}", file=sys.stderr)
    return f"{path}: valid run config {config.name!r} ({config.profile} + {config.policy}; plans {_size(work)})"


def _is_experiment(path: Path) -> bool:
    """Whether a file is an experiment spec: it sits in experiments/ or has an experiment's keys."""
    if path.parent.name == "experiments":
        return True
    try:
        data, _ = read_yaml(path)
    except ConfigError:
        return False
    return isinstance(data, dict) and bool({"factors", "design", "scenarios", "target", "base"} & set(data))


def _is_lessons(path: Path) -> bool:
    """Whether a file holds dashboard lessons: a YAML list of mappings with a lesson's keys."""
    try:
        data, _ = read_yaml(path)
    except ConfigError:
        return False
    items = data if isinstance(data, list) else []
    return bool(items) and all(isinstance(item, dict) and "steps_to_try" in item for item in items)


def _validate_lessons(path: Path) -> str:
    from commsim.lessons import read_lessons

    found = read_lessons(path)
    return f"{path}: valid lessons file ({len(found)} lessons: {', '.join(lesson.id for lesson in found)})"


def _validate_experiment(path: Path) -> str:
    """Check a spec without importing or running its target, and size it against the ceilings.

    Over a run or resident-week ceiling the spec is still valid (``commsim sweep
    --allow-large`` runs it): a warning says so and runs are not resolved one by one.
    Beyond the machine's memory it is an error, as no flag lifts that.
    """
    from commsim.config.limits import MemoryCeilingError, ResourceError
    from commsim.experiments.plan import load_plan, work_summary

    try:
        plan = load_plan(path)
    except MemoryCeilingError:
        raise
    except ResourceError as error:
        print(f"warning: {error} (with `commsim sweep --allow-large`)", file=sys.stderr)
        return f"{path}: valid experiment spec, over a ceiling (see the warning; runs not resolved one by one)"
    return f"{path}: valid experiment spec {plan.spec.name!r} ({work_summary(plan.work)})"


def _schema(args: argparse.Namespace) -> int:
    if args.experiment:
        from commsim.experiments.spec import spec_schema

        print(json.dumps(spec_schema(), indent=2))
    else:
        print(json.dumps(run_config_schema(), indent=2))
    return 0


def _presets(args: argparse.Namespace) -> int:
    for group, heading in (("profile", "Community profiles"), ("policy", "Policy packages")):
        print(f"{heading}:")
        for name in preset_names(group):
            print(f"  {name:24s} {load_preset(group, name).title}")
    return 0


def _dashboard(args: argparse.Namespace) -> int:
    from commsim.dashboard.server import ServerError, serve

    try:
        serve(args.host, args.port, results=args.results)
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _docs(args: argparse.Namespace) -> int:
    from commsim.config.paths import project_root
    from commsim.runs.docgen import DocsFolderError, write_docs

    folder = args.folder or project_root() / "docs"
    try:
        changed = write_docs(folder, check=args.check)
    except DocsFolderError as error:
        raise UsageError(f"commsim docs: {error}") from None
    if args.check:
        for path in changed:
            print(f"stale: {path} (run `commsim docs`)", file=sys.stderr)
        return 1 if changed else 0
    for path in changed:
        print(f"wrote {path}")
    if not changed:
        print(f"{folder}: up to date")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _run,
    "sweep": _sweep,
    "status": _status,
    "analyze": _analyze,
    "report": _report,
    "export": _export,
    "validate": _validate,
    "schema": _schema,
    "presets": _presets,
    "dashboard": _dashboard,
    "docs": _docs,
    "design": design_command.run,
}


if __name__ == "__main__":
    sys.exit(main())
