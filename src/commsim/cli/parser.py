"""The ``commsim`` command line: its parser, argument types and the usage errors they raise."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import re
import socket
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from commsim.config.schemas import setting_bounds
from commsim.design import cli as design_command
from commsim.experiments.commands import EXIT_INTERRUPTED as EXIT_INTERRUPTED  # with the other exit codes

EXIT_FAILURE = 1
EXIT_USAGE = 2
RESULTS = Path("results")
HOST_NAME = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)
EXECUTOR_CHOICES = ("inline", "processes", "dask")
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
NAME_MAX, PATH_MAX = 255, 4096  # bytes of one file name and of a whole path (Linux)


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


def _path(text: str) -> Path:
    """A path argument: not empty, without NUL, newlines or other control characters, not too long.

    The system refuses a NUL in a path or a name too long for it, and every message
    would be cut by a newline, so such a path is refused here, naming the argument,
    before any file is touched.
    """
    if not text:
        raise argparse.ArgumentTypeError("expected a path, got an empty string")
    if bad := next((character for character in text if unicodedata.category(character) == "Cc"), None):
        raise argparse.ArgumentTypeError(
            f"a path cannot hold the control character {bad!r} (NUL, newline, tab...), got {_shown_text(text)}"
        )
    longest = max(len(part.encode("utf-8", "surrogateescape")) for part in text.split("/"))
    if longest > NAME_MAX or len(text.encode("utf-8", "surrogateescape")) > PATH_MAX:
        raise argparse.ArgumentTypeError(
            f"a path has at most {PATH_MAX:,} bytes and {NAME_MAX} bytes between slashes, got {_shown_text(text)}"
        )
    return Path(text)


def _shown_text(text: str, longest: int = 60) -> str:
    """An argument as shown in a message: quoted, and cut if long."""
    return repr(text) if len(text) <= longest else f"{text[:longest]!r}... ({len(text):,} characters)"


def _setting(name: str) -> Callable[[str], int]:
    """An argument type for a run setting, bounded by the same declaration as the config field."""
    low, high = setting_bounds(name)

    def parse(text: str) -> int:
        if not WHOLE_NUMBER.fullmatch(text):  # int() would take " 3", "1_000" and other scripts' digits
            raise argparse.ArgumentTypeError(f"expected a whole number, got {_shown_text(text)}")
        value = int(text) if len(text) <= 20 else None  # longer is out of range, whatever its digits
        if value is None or not low <= value <= high:
            given = f"{value:,}" if value is not None else f"a number of {len(text.lstrip('+-')):,} digits"
            raise argparse.ArgumentTypeError(
                f"must lie between {low:,} and {high:,} (as {name} in a config), got {given}"
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

    _add_run(commands)
    _add_sweep(commands)
    _add_folder_commands(commands)
    _add_checks_and_faces(commands)
    return parser


def _add_run(commands: Any) -> None:
    """The ``run`` command's arguments."""
    run = commands.add_parser("run", help="run a scenario over replicates and write its results folder")
    run.add_argument("config", type=_path, help="run config YAML (see `commsim schema`)")
    run.add_argument(
        "--replicates", type=_setting("replicates"), metavar="N", help="replicates (default: the config's)"
    )
    run.add_argument("--steps", type=_setting("steps"), metavar="N", help="weeks to simulate (default: the config's)")
    run.add_argument(
        "--out",
        type=_path,
        metavar="DIR",
        help="results folder (default: results/<name>/); never a folder of other files",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar and no summary table")
    run.add_argument(
        "--allow-large", action="store_true", help="run work over the resident-week ceiling (docs/boundaries.md)"
    )


def _add_sweep(commands: Any) -> None:
    """The ``sweep`` command's arguments."""
    sweep = commands.add_parser("sweep", help="run an experiment spec (resumes an existing results folder)")
    sweep.add_argument("spec", type=_path, help="experiment spec YAML (see `commsim schema --experiment`)")
    sweep.add_argument("--workers", type=_at_least_one, metavar="N", help="worker processes (default: one per core)")
    sweep.add_argument(
        "--executor", choices=EXECUTOR_CHOICES, default="processes", help="where runs execute (default: processes)"
    )
    sweep.add_argument(
        "--scheduler", metavar="ADDRESS", help="attach to a running Dask scheduler (with --executor dask)"
    )
    sweep.add_argument("--out", type=_path, metavar="DIR", help="results folder (default: results/<name>/)")
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


def _add_folder_commands(commands: Any) -> None:
    """``status``, ``analyze``, ``report`` and ``export``: commands on an experiment folder."""
    status = commands.add_parser("status", help="show how far an experiment folder has got")
    status.add_argument("folder", type=_path, metavar="DIR", help="experiment folder (a sweep's --out)")
    analyze = commands.add_parser("analyze", help="write analysis tables of an experiment folder")
    analyze.add_argument("folder", type=_path, metavar="DIR", help="experiment folder of a finished sweep")
    report = commands.add_parser("report", help="write report.md, figures and tables of an experiment folder")
    report.add_argument("folder", type=_path, metavar="DIR", help="experiment folder of a finished sweep")
    export = commands.add_parser("export", help="export an experiment's data and runs table")
    export.add_argument("folder", type=_path, metavar="DIR", help="experiment folder of a finished sweep")
    export.add_argument(
        "--csv",
        action="store_true",
        required=True,
        help="write data.csv (one row per run and kept step: run identity, factors, step, every metric) and "
        "runs.csv (one row per run: parameters, seed, status, error, duration); required, the only format",
    )
    export.add_argument("--out", type=_path, metavar="DIR", help="where to write (default: the experiment folder)")


def _add_checks_and_faces(commands: Any) -> None:
    """``validate``, ``schema``, ``presets``, ``dashboard``, ``classroom``, ``design`` and ``docs``."""
    validate = commands.add_parser(
        "validate",
        help="check YAML files: run configs, experiment and design specs, profiles, packages, lesson files "
        "(the Learn page's and the classroom's), "
        "configs/costs.yaml and configs/parameters.yaml",
    )
    validate.add_argument(
        "files",
        type=_path,
        nargs="+",
        metavar="FILE",
        help="YAML files to check, each recognised by its content: run configs, experiment specs, design specs, "
        "community profiles and policy packages, dashboard lesson files, classroom lesson files, the costs file "
        "and the parameter "
        "declaration (so `commsim validate configs/*.yaml` checks each file as what it is)",
    )
    validate.add_argument(
        "--allow-large", action="store_true", help="accept run configs over the work ceiling (with a warning)"
    )
    schema = commands.add_parser("schema", help="print the JSON Schema of run configs (or experiment specs)")
    schema.add_argument("--experiment", action="store_true", help="the schema of experiment specs")
    commands.add_parser("presets", help="list community profiles and policy packages")
    dashboard = commands.add_parser(
        "dashboard",
        help="serve the interactive dashboard (Explore, Compare, Sweep, Learn, Classroom, Join a class, Design), "
        "on loopback by default",
    )
    dashboard.add_argument("--host", type=_host, default="127.0.0.1", help="address to serve on (default: 127.0.0.1)")
    dashboard.add_argument("--port", type=_port, default=8765, help="port to serve on (default: 8765)")
    dashboard.add_argument(
        "--results", type=_path, metavar="DIR", help="experiments folder of Compare and Sweep (default: results/)"
    )
    _add_classroom(commands)
    design_command.add_parser(commands, _at_least_one)
    docs = commands.add_parser("docs", help="regenerate docs/parameters.md and docs/metrics.md")
    docs.add_argument("--check", action="store_true", help="write nothing; exit 1 if the docs are stale")
    docs.add_argument("--folder", type=_path, metavar="DIR", help="docs folder (default: the project's docs/)")


def _add_classroom(commands: Any) -> None:
    """The ``classroom`` command's arguments."""
    classroom = commands.add_parser(
        "classroom",
        help="serve the dashboard for a class: prints the teacher's address (the Classroom page) and the "
        "students' join address (loopback by default)",
    )
    classroom.add_argument(
        "--host",
        type=_host,
        default="127.0.0.1",
        help="address to serve on (default: 127.0.0.1, this computer only; give the laptop's LAN address so "
        "students' devices can join)",
    )
    classroom.add_argument("--port", type=_port, default=8765, help="port to serve on (default: 8765)")
    classroom.add_argument(
        "--lesson",
        metavar="NAME",
        help="classroom lesson the teacher's page starts from (its setup and teacher notes), e.g. xidu_team_leaders",
    )


def _print_error(error: BaseException) -> None:
    for line in str(error).splitlines() or [type(error).__name__]:
        print(f"error: {line}", file=sys.stderr)
