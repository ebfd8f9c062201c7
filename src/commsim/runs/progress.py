"""A rich progress bar on stderr with done count, elapsed time and ETA; inert when disabled.

Plumbing shared by the scenario runner (counting replicate-steps) and the experiment
runner (counting runs, with a failed count).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any


class ProgressBar:
    """A progress bar used as a context manager.

    Args:
        total: Units of work.
        unit: Text after the count, e.g. ``steps``; may use ``{task.fields[...]}``.
        description: Text before the bar.
        enabled: Show it; a disabled bar does nothing.
        completed: Units already done.
        **fields: Extra task fields the ``unit`` text shows.
    """

    def __init__(
        self, total: int, *, unit: str, description: str, enabled: bool, completed: int = 0, **fields: Any
    ) -> None:
        self._bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(unit),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self._task = self._bar.add_task(description, total=total, completed=completed, **fields)

    def __enter__(self) -> ProgressBar:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, **changes: Any) -> None:
        """Change the description, the completed count or a field."""
        if self._bar is not None:
            self._bar.update(self._task, **changes)

    def advance(self) -> None:
        """Count one unit of work."""
        if self._bar is not None:
            self._bar.advance(self._task)
