"""``commsim run``: one scenario over replicates, stopped cleanly by Ctrl-C or a termination signal."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commsim.cli.parser import EXIT_INTERRUPTED, RESULTS
from commsim.config.limits import MAX_RESIDENT_WEEKS, Work, check_work
from commsim.config.loading import load_run_config, run_work
from commsim.config.paths import inside
from commsim.runs.interrupts import interrupt_of
from commsim.runs.provenance import OutputError, check_out_dir

if TYPE_CHECKING:
    from commsim.runs.runner import RunResult


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
    except (KeyboardInterrupt, SystemError) as error:
        interrupt = interrupt_of(error)
        if interrupt is None:
            raise
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
