"""The ``commsim`` command: run, validate, schema, presets, docs.

Plumbing only. Every configuration problem and every bad command-line value ends with
``error: ...`` on stderr, exit code 2 and nothing written; any other exception is a bug
and propagates with its traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from commsim.config import ConfigError, load_preset, load_run_config, preset_names, run_config_schema, validate_file

if TYPE_CHECKING:
    from commsim.runner import RunResult

EXIT_USAGE = 2
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


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``commsim`` command.

    Returns:
        The parser, with one subcommand per entry of :data:`COMMANDS`.
    """
    parser = _Parser(prog="commsim", description="Agent-based simulation of community participation.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a scenario over replicates and write its results folder")
    run.add_argument("config", type=Path, help="run config YAML (see `commsim schema`)")
    run.add_argument("--replicates", type=_at_least_one, metavar="N", help="replicates (default: the config's)")
    run.add_argument("--steps", type=_at_least_one, metavar="N", help="weeks to simulate (default: the config's)")
    run.add_argument("--out", type=Path, metavar="DIR", help="results folder (default: results/<name>/)")
    run.add_argument("--quiet", action="store_true", help="no progress bar and no summary table")

    validate = commands.add_parser("validate", help="check run configs, profiles or policy packages")
    validate.add_argument("files", type=Path, nargs="+", metavar="FILE")
    commands.add_parser("schema", help="print the JSON Schema of run configs")
    commands.add_parser("presets", help="list community profiles and policy packages")
    docs = commands.add_parser("docs", help="regenerate docs/parameters.md and docs/metrics.md")
    docs.add_argument("--check", action="store_true", help="write nothing; exit 1 if the docs are stale")
    docs.add_argument("--folder", type=Path, metavar="DIR", help="docs folder (default: the project's docs/)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``commsim`` command.

    Args:
        argv: Arguments without the program name; None reads ``sys.argv``.

    Returns:
        The exit code: 0 on success, 1 for stale docs, 2 for a bad config or command line.
    """
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (ConfigError, UsageError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE


# ------------------------------------------------------------------ run


def _run(args: argparse.Namespace) -> int:
    from commsim.runner import run_scenario  # pulls in the model, pandas and scipy

    config = load_run_config(args.config)
    out_dir = args.out or Path("results") / config.name
    result = run_scenario(
        config, out_dir=out_dir, replicates=args.replicates, steps=args.steps, progress=not args.quiet
    )
    if not args.quiet:
        _print_summary(result)
    print(f"Results written to {out_dir}")
    return 0


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


# ------------------------------------------------------------------ other commands


def _validate(args: argparse.Namespace) -> int:
    failed = False
    for path in args.files:
        try:
            print(f"ok: {validate_file(path)}")
        except ConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            failed = True
    return EXIT_USAGE if failed else 0


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(run_config_schema(), indent=2))
    return 0


def _presets(args: argparse.Namespace) -> int:
    for group, heading in (("profile", "Community profiles"), ("policy", "Policy packages")):
        print(f"{heading}:")
        for name in preset_names(group):
            print(f"  {name:24s} {load_preset(group, name).title}")
    return 0


def _docs(args: argparse.Namespace) -> int:
    from commsim.docgen import write_docs
    from commsim.paths import project_root

    folder = args.folder or project_root() / "docs"
    changed = write_docs(folder, check=args.check)
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
    "validate": _validate,
    "schema": _schema,
    "presets": _presets,
    "docs": _docs,
}


if __name__ == "__main__":
    sys.exit(main())
