"""The ``commsim design`` command: its arguments and what it prints (cli.py only registers it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from commsim.runs.labels import format_duration, plural

EXECUTORS = ("processes", "inline", "dask")


def add_parser(commands: argparse._SubParsersAction, positive: type | object) -> None:
    """Register ``commsim design`` on the command's subparsers.

    Args:
        commands: The subparsers of ``commsim``.
        positive: The argument type of a worker count (at least one).
    """
    design = commands.add_parser(
        "design", help="search for the best mixes of measures (a design spec) and write their report"
    )
    design.add_argument("spec", type=Path, help="design spec YAML (see docs/design.md)")
    design.add_argument("--workers", type=positive, metavar="N", help="worker processes (default: one per core)")
    design.add_argument("--executor", choices=EXECUTORS, default="processes", help="where runs execute")
    design.add_argument("--out", type=Path, metavar="DIR", help="design folder (default: results/<name>/)")
    design.add_argument("--resume", action="store_true", help="continue the design in its folder, reusing stored runs")
    design.add_argument("--dry-run", action="store_true", help="print the planned runs and time; write nothing")
    design.add_argument("--quiet", action="store_true", help="no progress bar")


def is_design_spec(path: Path) -> bool:
    """Whether a file is a design spec: a mapping with ``levers`` and ``objectives``."""
    from commsim.config.yaml_files import ConfigError, read_yaml

    try:
        data, _ = read_yaml(path)
    except ConfigError:
        return False
    return isinstance(data, dict) and {"levers", "objectives"} <= set(data)


def validate(path: Path) -> str:
    """Check a design spec (``commsim validate``); nothing is run.

    Returns:
        One line saying what it is.

    Raises:
        ConfigError: Naming file, line, field and reason.
    """
    from commsim.design.run import planned_runs
    from commsim.design.spec import load_design_spec

    spec = load_design_spec(path)
    return f"{path}: valid design spec {spec.name!r} (at most {planned_runs(spec):,} runs)"


def run(args: argparse.Namespace) -> int:
    """Run ``commsim design``.

    Returns:
        0 on success, 1 if a run failed, 130 if interrupted. Bad specs and folders raise
        :class:`commsim.config.ConfigError` (exit 2, nothing written).
    """
    from commsim.config.limits import check_workers
    from commsim.design.evaluate import DesignRunError
    from commsim.design.run import check_folder, dry_run, run_design
    from commsim.design.spec import load_design_spec
    from commsim.experiments.commands import EXIT_INTERRUPTED, run_resumably

    if args.workers is not None:
        check_workers(args.workers, where="commsim design --workers")
    spec = load_design_spec(args.spec)
    folder = args.out or Path("results") / spec.name
    if args.dry_run:
        communities = f"{len(spec.profiles)} communit{'y' if len(spec.profiles) == 1 else 'ies'}"
        estimate = dry_run(spec, folder, workers=args.workers, executor=args.executor)
        print(
            f"{spec.name}: at most {plural(spec.search.population * spec.search.generations, 'candidate')} "
            f"({spec.search.generations} generations of {spec.search.population}) x "
            f"{communities} x {plural(spec.replicates, 'seed')}, then the front on "
            f"{spec.final_replicates} seeds: at most {estimate.most_runs:,} runs, {estimate.stored:,} already stored "
            f"in {folder}."
        )
        pending = max(estimate.most_runs - estimate.stored, 0)
        print(
            f"Estimated {format_duration(estimate.estimated_s)} (up to {format_duration(estimate.high_s)}): "
            f"{pending:,} runs of {estimate.seconds_per_run:.2f} s on {plural(estimate.workers, 'worker')}, "
            f"an estimate from {plural(estimate.trials, 'trial run')} at the design's size and length. "
            "Nothing was written."
        )
        return 0
    check_folder(spec, folder, resume=args.resume)

    def show(event: dict) -> None:
        if args.quiet or event["event"] != "generation":
            return
        print(
            f"generation {event['generation']}/{event['of']}: {event['candidates']} candidates, "
            f"front of {event['front']}, {event['runs_executed']} runs executed",
            file=sys.stderr,
        )

    try:
        result = run_resumably(
            run_design,
            spec,
            folder,
            args,
            how_to_resume="add --resume to continue",
            source=args.spec,
            resume=args.resume,
            on_event=show,
        )
    except DesignRunError as error:
        print(f"error: {error}; finished runs are stored in {folder}", file=sys.stderr)
        return 1
    if result is None:
        return EXIT_INTERRUPTED
    mixes = f"{len(result.front)} mix{'' if len(result.front) == 1 else 'es'}"
    print(
        f"{spec.name}: {plural(result.candidates, 'candidate')} evaluated, {mixes} on "
        f"the front, {result.runs_executed:,} runs executed ({format_duration(result.wall_s)}). "
        f"Report: {folder / 'report.md'}"
    )
    return 0
