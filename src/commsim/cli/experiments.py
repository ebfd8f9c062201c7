"""``commsim sweep``, ``status``, ``analyze``, ``report`` and ``export``: experiment folders."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from commsim.cli.parser import EXIT_INTERRUPTED, UsageError
from commsim.config.yaml_files import ConfigError


def _sweep(args: argparse.Namespace) -> int:
    from commsim.config.limits import check_workers
    from commsim.experiments.commands import run_resumably
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
        result = run_resumably(
            run_sweep,
            plan,
            folder,
            args,
            how_to_resume="run the same command to resume",
            scheduler=args.scheduler,
            fresh=args.fresh,
            extend=args.extend,
            then=report,
        )
    except ConfigError:  # the folder refused, untouched
        raise
    except ValueError as error:  # executor set-up or target import: bad worker count, unreachable scheduler
        raise UsageError(f"commsim sweep: {error}") from error
    except OSError as error:  # a runtime failure (a full disk, say): finished runs stay stored
        print(f"error: {folder}: {error}; finished runs are stored, the same command resumes", file=sys.stderr)
        return 1
    if result is None:
        return EXIT_INTERRUPTED
    print(
        f"{result.total} runs: {result.skipped} already stored, {result.done} done, {result.failed} failed "
        f"this session ({format_duration(result.wall_s)})."
    )
    for path in reports:
        print(f"Report written to {path}")
    print(f"Results written to {folder}")
    return 1 if result.failed else 0


def _experiment(folder: Path, *, locked: bool = False):
    """The plan and store of an experiment folder whose last sweep finished (see ``finished_experiment``).

    Called once before taking the folder's lock (to refuse bad input before anything is
    written) and once with it held (``locked``: no sweep is writing then).
    """
    from commsim.experiments.reopen import finished_experiment

    return finished_experiment(folder, locked=locked)


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
