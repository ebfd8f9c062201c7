"""``commsim dashboard``, ``commsim classroom`` and ``commsim docs``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from commsim.cli.parser import UsageError


def _results_folder(folder: Path | None) -> None:
    """Refuse a ``--results`` that cannot hold experiments: a file, a link to nothing, a path below a file.

    A folder that does not exist yet is fine: the dashboard creates it with its first job.
    """
    if folder is None:
        return
    for path in (folder, *folder.parents):
        if path.is_symlink() and not path.exists():
            raise UsageError(f"commsim dashboard --results: {path}: is a symbolic link to nothing (or a loop of links)")
        if path.exists():
            if not path.is_dir():
                what = "is a file, not a folder" if path == folder else f"is not a folder, so {folder} cannot be one"
                raise UsageError(f"commsim dashboard --results: {path}: {what}")
            return


def _dashboard(args: argparse.Namespace) -> int:
    from commsim.dashboard.server import ServerError, serve

    _results_folder(args.results)  # bad input: before the port is tried or the server started
    try:
        serve(args.host, args.port, results=args.results)
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _classroom(args: argparse.Namespace) -> int:
    from commsim.dashboard.server import ServerError, serve

    if args.lesson is not None:
        _classroom_lesson(args.lesson)  # bad input: before the port is tried or the server started
    try:
        serve(args.host, args.port, classroom=True, lesson=args.lesson)
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _classroom_lesson(name: str) -> None:
    """Refuse a ``--lesson`` that is not a shipped classroom lesson, naming the ones there are."""
    from commsim.classroom.lessons import read_classroom_lessons

    ids = [lesson.id for lesson in read_classroom_lessons()]
    if name not in ids:
        shown = repr(name) if len(name) <= 60 else f"{name[:60]!r}..."
        raise UsageError(f"commsim classroom --lesson: no classroom lesson {shown}; lessons: {', '.join(ids)}")


def _docs(args: argparse.Namespace) -> int:
    from commsim.config.paths import project_root
    from commsim.runs.docgen import DocsFolderError, write_docs

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
