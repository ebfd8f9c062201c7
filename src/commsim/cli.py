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
import math
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from commsim.config import (
    ConfigError,
    is_preset_file,
    load_preset,
    load_run_config,
    preset_names,
    read_yaml,
    run_config_schema,
    run_work,
    setting_bounds,
    validate_file,
)
from commsim.limits import MAX_RESIDENT_WEEKS, ResourceError, Work, check_work
from commsim.params import DeclarationError
from commsim.paths import inside
from commsim.provenance import OutputError, check_out_dir

if TYPE_CHECKING:
    from commsim.runner import RunResult

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
RESULTS = Path("results")
HOST_NAME = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)
EXECUTOR_CHOICES = ("inline", "processes", "dask")
KEY_METRICS = (
    ("rate_any", "took part, last 4 weeks"),
    ("rate_activities", "  in activities"),
    ("rate_deliberation", "  in deliberation"),
    ("rate_mutual_aid", "  in mutual aid"),
    ("unique_participants", "took part, 52 weeks (n)"),
    ("top10_share", "acts by the top 10%"),
    ("mean_belonging", "belonging (0-1)"),
    ("mean_trust", "trust (0-1)"),
    ("mean_efficacy", "efficacy (0-1)"),
    ("volunteers_active", "volunteers (n)"),
    ("cross_building_ties", "ties across buildings"),
    ("issues_open", "open issues (n)"),
    ("aid_met_share", "aid requests met"),
    ("programme_cost", "programme cost (yuan)"),
    ("cost_per_additional_participant", "cost/added participant"),
)


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
    restart.add_argument("--fresh", action="store_true", help="delete stored results first instead of resuming")
    sweep.add_argument("--dry-run", action="store_true", help="print the runs and an estimated time; write nothing")
    sweep.add_argument("--no-report", action="store_true", help="do not analyse and report when the sweep ends")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")

    status = commands.add_parser("status", help="show how far an experiment folder has got")
    status.add_argument("folder", type=Path, metavar="DIR")
    analyze = commands.add_parser("analyze", help="write analysis tables of an experiment folder")
    analyze.add_argument("folder", type=Path, metavar="DIR")
    report = commands.add_parser("report", help="write report.md, figures and tables of an experiment folder")
    report.add_argument("folder", type=Path, metavar="DIR")
    export = commands.add_parser("export", help="export an experiment's data and runs table")
    export.add_argument("folder", type=Path, metavar="DIR")
    export.add_argument("--csv", action="store_true", required=True, help="write data.csv and runs.csv")
    export.add_argument("--out", type=Path, metavar="DIR", help="where to write (default: the experiment folder)")

    validate = commands.add_parser("validate", help="check run configs, experiment specs, profiles or packages")
    validate.add_argument("files", type=Path, nargs="+", metavar="FILE")
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

    from commsim.runner import run_scenario  # pulls in the model, pandas and scipy

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
    table.add_column("metric", no_wrap=True)
    for scenario in by_scenario:
        table.add_column(scenario, justify="right", no_wrap=True)
    if paired is not None:
        table.add_column("difference", justify="right", no_wrap=True)
    for metric, label in KEY_METRICS:
        if metric not in by_scenario[config["policy"]].index:
            continue
        cells = [label]
        for rows in by_scenario.values():
            row = rows.loc[metric]
            cells.append(_interval(row["mean"], row["ci_low"], row["ci_high"]))
        if paired is not None and metric in paired.index:
            row = paired.loc[metric]
            cells.append(_interval(row["difference"], row["ci_low"], row["ci_high"], signed=True))
        elif paired is not None:
            cells.append("")
        table.add_row(*cells)
    Console().print(table)


def _interval(mean: float, low: float, high: float, *, signed: bool = False) -> str:
    """Format an estimate as ``mean ± half-width`` with precision suited to its size."""
    if math.isnan(mean):
        return "–"
    size = abs(mean)
    digits = 0 if size >= 100 else 1 if size >= 10 else 3
    text = f"{mean:{'+' if signed else ''},.{digits}f}"
    if not (math.isnan(low) or math.isnan(high)):
        text += f" ± {(high - low) / 2:,.{digits}f}"
    return text


# ------------------------------------------------------------------ experiments


def _sweep(args: argparse.Namespace) -> int:
    from commsim.experiments.plan import load_plan
    from commsim.experiments.sweep import dry_run, run_sweep

    if args.scheduler and args.executor != "dask":
        raise UsageError("commsim sweep: --scheduler needs --executor dask")
    plan = load_plan(args.spec)
    folder = args.out or Path("results") / plan.spec.name
    if args.dry_run:
        estimate = dry_run(plan, folder, workers=args.workers, executor=args.executor)
        print(
            f"{plan.spec.name}: {_count(len(plan.design), 'design point')} x "
            f"{_count(len(plan.spec.scenario_names), 'scenario')} x {_count(plan.spec.replicates, 'replicate')} = "
            f"{estimate.total} runs; {estimate.stored} already stored in "
            f"{folder}; {estimate.to_run} to run."
        )
        if estimate.trial_error:
            print(f"error: {estimate.trial_error}; fix the spec or the target before sweeping", file=sys.stderr)
            return 1
        print(
            f"Estimated {_duration(estimate.estimated_s)} on {estimate.workers} worker(s) "
            f"({estimate.seconds_per_run:.2f} s per run, from a short trial of the first run; worker start-up "
            "not included). Nothing was written."
        )
        return 0
    try:
        result = run_sweep(
            plan,
            folder,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            fresh=args.fresh,
            progress=not args.quiet,
        )
    except KeyboardInterrupt:
        print(f"interrupted: finished runs are stored in {folder}; run the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ValueError as error:  # executor set-up: bad worker count, unreachable scheduler
        raise UsageError(f"commsim sweep: {error}") from error
    print(
        f"{result.total} runs: {result.skipped} already stored, {result.done} done, {result.failed} failed "
        f"this session ({_duration(result.wall_s)})."
    )
    if not args.no_report and result.skipped + result.done > 0:
        path = _write_report(folder)
        print(f"Report written to {path}")
    print(f"Results written to {folder}")
    return 1 if result.failed else 0


def _experiment(folder: Path):
    """The plan and store of an experiment folder, from the spec its manifest holds."""
    from commsim.experiments.plan import make_plan
    from commsim.experiments.spec import ExperimentSpec
    from commsim.experiments.store import ExperimentStore

    store = ExperimentStore(folder)
    if not store.exists():
        raise UsageError(f"{folder}: no experiment here (manifest.json is missing); run `commsim sweep SPEC` first")
    manifest = store.read_manifest()
    spec = ExperimentSpec.model_validate(manifest["spec"])
    source = Path(manifest["spec_file"]) if manifest.get("spec_file") else None
    plan = make_plan(spec, source=source)
    if plan.spec_hash != manifest["spec_hash"]:
        raise UsageError(f"{folder}: the manifest's spec does not plan the same runs any more")
    if not store.data_path.is_file():
        raise UsageError(f"{folder}: no consolidated data yet; let `commsim sweep` finish (or resume it)")
    return plan, store


def _write_analysis(folder: Path):
    from commsim.experiments.analysis import analyze

    plan, store = _experiment(folder)
    if store.read_data().empty:
        raise UsageError(f"{folder}: no run has finished yet")
    return plan, store, analyze(plan, store)


def _write_report(folder: Path) -> Path:
    from commsim.experiments.report import write_report

    plan, store, analysis = _write_analysis(folder)
    analysis.write(folder / "analysis")
    return write_report(plan, store, analysis)


def _status(args: argparse.Namespace) -> int:
    from commsim.experiments.sweep import status

    try:
        found = status(args.folder)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from error
    print(
        f"{found['name']}: {found['total']} runs — {found['done']} done, {found['failed']} failed, "
        f"{found['timeout']} timed out, {found['pending']} pending"
    )
    last = found["last_event"]
    if last is not None:
        eta = last.get("eta_s")
        running = last.get("event") in ("start", "run")
        print(
            f"last event: {last.get('event')} at {last.get('time')}"
            + (f"; eta {_duration(eta)} if still running" if running and eta is not None else "")
        )
    for index, session in enumerate(found["sessions"], start=1):
        state = (
            "interrupted"
            if session.get("interrupted")
            else "finished"
            if session.get("finished")
            else "not finished (still running, or killed)"
        )
        print(
            f"session {index}: {session.get('started')} {session.get('executor_description', session.get('executor'))}"
            f" — {session.get('done', 0)} done, {session.get('failed', 0)} failed, {state}"
        )
    return 0


def _analyze(args: argparse.Namespace) -> int:
    _, _, analysis = _write_analysis(args.folder)
    for path in analysis.write(args.folder / "analysis"):
        print(f"wrote {path}")
    return 0


def _report(args: argparse.Namespace) -> int:
    print(f"Report written to {_write_report(args.folder)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    _plan, store = _experiment(args.folder)
    out = args.out or args.folder
    out.mkdir(parents=True, exist_ok=True)
    for name, table in (("data.csv", store.read_data()), ("runs.csv", store.read_runs())):
        table.to_csv(out / name, index=False)
        print(f"wrote {out / name} ({len(table)} rows)")
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


# ------------------------------------------------------------------ other commands


def _validate(args: argparse.Namespace) -> int:
    failed = False
    for path in args.files:
        try:
            if _is_lessons(path):
                print(f"ok: {_validate_lessons(path)}")
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
    from commsim.dashboard.learn import lessons

    found = lessons(path)
    return f"{path}: valid lessons file ({len(found)} lessons: {', '.join(lesson.id for lesson in found)})"


def _validate_experiment(path: Path) -> str:
    from commsim.experiments.plan import load_plan

    plan = load_plan(path)
    return f"{path}: valid experiment spec {plan.spec.name!r} ({len(plan.runs)} runs)"


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
    from commsim.docgen import DocsFolderError, write_docs
    from commsim.paths import project_root

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
}


if __name__ == "__main__":
    sys.exit(main())
