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

from commsim.cli.app import main
from commsim.cli.parser import build_parser

__all__ = ["build_parser", "main"]
