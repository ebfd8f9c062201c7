"""What the commands that execute runs into a folder (``commsim sweep``, ``commsim design``) share."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from commsim.runs.interrupts import interrupt_of

EXIT_INTERRUPTED = 130  # a command stopped by Ctrl-C (128 + SIGINT)


def run_resumably[T](
    run: Callable[..., T], work: Any, folder: Path, args: argparse.Namespace, *, how_to_resume: str, **options: Any
) -> T | None:
    """Execute a command's runs with its ``--executor``, ``--workers`` and ``--quiet``; say how to resume after Ctrl-C.

    Args:
        run: ``run_sweep`` or ``run_design``: called with ``work``, ``folder``, the executor options and ``options``.
        work: What to run (a plan, a design spec).
        folder: Where finished runs are stored.
        args: The command's arguments.
        how_to_resume: How to continue, in words ("run the same command to resume").
        **options: Further keyword arguments of ``run``.

    Returns:
        What ``run`` returned, or None if it was interrupted; the command then exits with
        :data:`EXIT_INTERRUPTED`, the stored runs kept for a resume.
    """
    try:
        return run(work, folder, executor=args.executor, workers=args.workers, progress=not args.quiet, **options)
    except (KeyboardInterrupt, SystemError) as error:
        if interrupt_of(error) is None:
            raise
        print(f"interrupted: finished runs are stored in {folder}; {how_to_resume}", file=sys.stderr)
        return None
