"""The ``commsim`` command: run, validate, schema, presets, docs.

Plumbing only. Every configuration problem ends with ``error: ...`` on stderr, exit
code 2 and nothing written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from commsim.config import (
    ConfigError,
    load_preset,
    load_run_config,
    preset_names,
    run_config_schema,
    validate_file,
)

EXIT_CONFIG = 2
KEY_METRICS = (
    ("rate_any", "took part, last 4 weeks"),
    ("rate_activities", "activities, last 4 weeks"),
    ("rate_deliberation", "deliberation, last 4 weeks"),
    ("rate_mutual_aid", "mutual aid, last 4 weeks"),
    ("top10_share", "share of acts by top 10%"),
    ("mean_belonging", "mean belonging"),
    ("mean_trust", "mean trust"),
    ("volunteers_active", "volunteers"),
    ("cross_building_ties", "ties across buildings"),
    ("issues_open", "open issues"),
    ("aid_met_share", "aid requests met"),
    ("programme_cost", "programme cost (yuan)"),
    ("cost_per_additional_participant", "cost per additional participant (yuan)"),
)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``commsim`` command."""
    parser = argparse.ArgumentParser(prog="commsim", description="Agent-based simulation of community participation.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run a scenario config over replicates and write results/<name>/")
    run.add_argument("config", type=Path, help="run config YAML")
    run.add_argument("--replicates", type=_positive, help="replicates (default: the config's)")
    run.add_argument("--steps", type=_positive, help="weeks to simulate (default: the config's)")
    run.add_argument("--out", type=Path, help="results folder (default: results/<name>/)")
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary table")

    validate = commands.add_parser("validate", help="check run configs or presets")
    validate.add_argument("files", type=Path, nargs="+")
    commands.add_parser("schema", help="print the JSON Schema of run configs")
    commands.add_parser("presets", help="list community profiles and policy packages")
    docs = commands.add_parser("docs", help="regenerate docs/parameters.md and docs/metrics.md")
    docs.add_argument("--check", action="store_true", help="exit 1 if the generated docs are stale")
    docs.add_argument("--folder", type=Path, default=None, help="docs folder (default: the project's docs/)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``commsim`` command.

    Returns:
        Process exit code.
    """
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG


def _run(args) -> int:
    from commsim.runner import BASELINE, run_scenario

    config = load_run_config(args.config)
    out_dir = args.out or Path("results") / config.name
    result = run_scenario(
        config, out_dir=out_dir, replicates=args.replicates, steps=args.steps, progress=not args.quiet
    )
    if not args.quiet:
        _print_summary(result, config.policy, BASELINE)
    print(f"Results written to {out_dir}")
    return 0


def _print_summary(result, policy: str, baseline: str) -> None:
    from rich.console import Console
    from rich.table import Table

    summary = result.summary[
        (result.summary["window"] == "last_year") & (result.summary["scenario"] == policy)
    ].set_index("metric")
    paired = result.paired.set_index("metric") if result.paired is not None else None
    manifest = result.manifest
    table = Table(
        title=f"{manifest['name']}: {manifest['config']['profile']} + {policy}, "
        f"{manifest['replicates']} replicates x {manifest['steps']} weeks (mean over the last year, 95% CI)"
    )
    table.add_column("metric")
    table.add_column(policy, justify="right")
    if paired is not None:
        table.add_column(f"difference vs {baseline} (paired)", justify="right")
    for metric, label in KEY_METRICS:
        if metric not in summary.index:
            continue
        row = summary.loc[metric]
        cells = [label, _interval(row["mean"], row["ci_low"], row["ci_high"])]
        if paired is not None:
            difference = paired.loc[metric]
            cells.append(_interval(difference["difference"], difference["ci_low"], difference["ci_high"], signed=True))
        table.add_row(*cells)
    Console().print(table)


def _interval(mean: float, low: float, high: float, *, signed: bool = False) -> str:
    if mean != mean:  # NaN
        return "–"
    scale = abs(mean) if mean == mean else 0
    digits = 0 if scale >= 100 else 3
    sign = "+" if signed else ""
    text = f"{mean:{sign},.{digits}f}"
    if low == low and high == high:
        text += f"  [{low:,.{digits}f}, {high:,.{digits}f}]"
    return text


def _validate(args) -> int:
    failed = False
    for path in args.files:
        try:
            print(f"ok: {validate_file(path)}")
        except ConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            failed = True
    return EXIT_CONFIG if failed else 0


def _schema(args) -> int:
    print(json.dumps(run_config_schema(), indent=2))
    return 0


def _presets(args) -> int:
    for group, heading in (("profile", "Community profiles"), ("policy", "Policy packages")):
        print(f"{heading}:")
        for name in preset_names(group):
            print(f"  {name:24s} {load_preset(group, name).title}")
    return 0


def _docs(args) -> int:
    from commsim.docgen import write_docs
    from commsim.paths import project_root

    folder = args.folder or project_root() / "docs"
    changed = write_docs(folder, check=args.check)
    if args.check:
        for path in changed:
            print(f"stale: {path}", file=sys.stderr)
        return 1 if changed else 0
    for path in changed:
        print(f"wrote {path}")
    return 0


COMMANDS = {"run": _run, "validate": _validate, "schema": _schema, "presets": _presets, "docs": _docs}


if __name__ == "__main__":
    sys.exit(main())
