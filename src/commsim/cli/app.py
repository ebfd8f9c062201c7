"""Running a ``commsim`` command: dispatch, and what a failure prints and returns."""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

from commsim.cli.parser import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, UsageError, _print_error, build_parser
from commsim.config.declaration import DeclarationError
from commsim.config.yaml_files import ConfigError
from commsim.runs.interrupts import interrupt_of
from commsim.runs.provenance import OutputError


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
        code = command(args.command)(args)
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
    except (KeyboardInterrupt, SystemError) as error:
        interrupt = interrupt_of(error)  # Ctrl-C while numba loaded a kernel surfaces as a SystemError
        if interrupt is None:
            raise
        print("interrupted: nothing was left half-written", file=sys.stderr)
        return getattr(interrupt, "exit_code", EXIT_INTERRUPTED)
    except (OSError, MemoryError) as error:
        where = f"{error.filename}: " if getattr(error, "filename", None) else ""
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        print(f"error: {where}{reason}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        sys.stdout = stdout


# Each command's module is imported only when that command runs, so parsing the command
# line (and --help) stays quick.
COMMANDS: dict[str, str] = {
    "run": "commsim.cli.run:_run",
    "sweep": "commsim.cli.experiments:_sweep",
    "status": "commsim.cli.experiments:_status",
    "analyze": "commsim.cli.experiments:_analyze",
    "report": "commsim.cli.experiments:_report",
    "export": "commsim.cli.experiments:_export",
    "validate": "commsim.cli.checks:_validate",
    "schema": "commsim.cli.checks:_schema",
    "presets": "commsim.cli.checks:_presets",
    "dashboard": "commsim.cli.serve:_dashboard",
    "classroom": "commsim.cli.serve:_classroom",
    "docs": "commsim.cli.serve:_docs",
    "design": "commsim.design.cli:run",
}


def command(name: str) -> Callable[[argparse.Namespace], int]:
    """The function that runs a command (its module imported now)."""
    module, function = COMMANDS[name].split(":")
    return getattr(importlib.import_module(module), function)
