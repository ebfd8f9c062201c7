"""Formatting shared by the validation report's sections: numbers, Markdown tables, missing tables."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd


def fmt(value: float, digits: int = 3) -> str:
    """A number as the report prints it: ``digits`` decimals, significant digits from 100 up, ``-`` if missing."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "inf" if value == math.inf else "-"
    return f"{value:.{digits}g}" if abs(value) >= 100 else f"{value:.{digits}f}"


def markdown(table: pd.DataFrame) -> str:
    """A table as a Markdown pipe table, cells as they are."""
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    lines = ["| " + " | ".join(str(cell) for cell in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *lines])


def read(folder: Path, name: str) -> pd.DataFrame | None:
    """The table ``<folder>/tables/<name>.csv``, or None if no step has written it."""
    path = folder / "tables" / f"{name}.csv"
    return pd.read_csv(path) if path.is_file() else None


def not_run(heading: list[str], steps: str) -> list[str]:
    """A section whose tables are missing: its heading and the command that writes them."""
    return [*heading, f"Not run yet: `python -m commsim.validation {steps}`.", ""]


def section(folder: Path, heading: str, name: str, steps: str, text: Callable[[pd.DataFrame], list[str]]) -> list[str]:
    """A section from one table: its heading, then ``text`` of the table or, if missing, the step that writes it."""
    table = read(folder, name)
    if table is None:
        return not_run([heading, ""], steps)
    return [heading, "", *text(table)]
