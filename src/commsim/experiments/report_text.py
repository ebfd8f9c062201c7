"""Sentences of a report: the "In brief" finding of an effect, the sweep's wall time and machine, the spec.

Each is computed from the tables and the manifest alone, so a report re-created from the
same folder reads the same.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.config.paths import project_root
from commsim.runs.labels import format_duration, format_metric, metric_label
from commsim.runs.provenance import describe_machine


def range_text(metric: str, values: pd.Series) -> str:
    """The smallest and largest of some differences, in the metric's unit ("+3.1 pp to +4.0 pp")."""
    low, high = values.min(), values.max()
    if np.isclose(low, high):
        return format_metric(metric, low, difference=True)
    return f"{format_metric(metric, low, difference=True)} to {format_metric(metric, high, difference=True)}"


def effect_headline(metric: str, table: pd.DataFrame, mean_effect: pd.Series, where: str) -> str:
    """One metric's finding: which scenario clearly raises or lowers it most, or "no clear effect".

    A scenario is said to raise (lower) a metric only if at least one of its intervals
    lies wholly above (below) zero; the one with the largest mean effect among those is
    named. Without any interval that excludes zero the finding is "no clear effect".

    Args:
        metric: The metric.
        table: Its effects: ``scenario``, ``difference``, ``ci_low``, ``ci_high``, one row per point.
        mean_effect: Each scenario's mean difference over the points.
        where: "across the design points", or empty for one point.

    Returns:
        A markdown list item.
    """
    above, below = table["ci_low"] > 0, table["ci_high"] < 0
    significant = above | below
    suffix = f" {where}" if where else ""
    parts_of_line = []
    for verb, clear in (("raises", above), ("lowers", below)):
        candidates = mean_effect[mean_effect.index.isin(table.loc[clear, "scenario"])]
        candidates = candidates[candidates > 0] if verb == "raises" else candidates[candidates < 0]
        if candidates.empty:
            continue
        scenario = candidates.idxmax() if verb == "raises" else candidates.idxmin()
        mine = table["scenario"] == scenario
        parts_of_line.append(
            f"{scenario} {verb} it most ({range_text(metric, table[mine].difference)}{suffix}; "
            f"{int(significant[mine].sum())} of {int(mine.sum())} intervals exclude zero)"
        )
    if not parts_of_line:
        largest = mean_effect.abs().idxmax()
        spread = range_text(metric, table[table["scenario"] == largest].difference) + suffix
        return (
            f"- **{metric_label(metric)}:** no clear effect: none of the {len(table)} effects has a 95% interval "
            f"that excludes zero (largest mean difference: {largest}, {spread})."
        )
    return (
        f"- **{metric_label(metric)}:** "
        + "; ".join(parts_of_line)
        + f". Over all scenarios, {int(significant.sum())} of {len(table)} effects have a 95% interval "
        "that excludes zero."
    )


def wall_text(sessions: list[dict[str, Any]]) -> str:
    """The sweep's wall time over its sessions and the machine(s) it ran on."""
    wall = sum(session.get("wall_s", 0.0) or 0.0 for session in sessions)
    machines = {describe_machine(session.get("machine")) for session in sessions if session.get("machine")}
    where = f" on {' and '.join(sorted(machines))}" if machines else ""
    return f"{format_duration(wall)} of sweep wall time{where}"


def session_text(session: dict[str, Any]) -> str:
    """One sweep session: when, how many runs, on how many workers, for how long, where."""
    wall = session.get("wall_s")
    machine = session.get("machine")
    return (
        f"{session.get('started', '?')}, {session.get('done', 0)} runs done"
        + (f" and {session['skipped']} already stored" if session.get("skipped") else "")
        + f" by {session.get('executor_description', session.get('executor'))}"
        + (f" in {format_duration(wall)}" if isinstance(wall, (int, float)) else "")
        + f" on {describe_machine(machine) if machine else session.get('host') or 'an unrecorded machine'}"
    )


def spec_file(manifest: dict[str, Any]) -> str:
    """The spec file as the project names it (relative to the project root when it lies inside)."""
    found = manifest.get("spec_file")
    if not found:
        return "SPEC"
    path = Path(found)
    with suppress(ValueError):
        return path.resolve().relative_to(project_root().resolve()).as_posix()
    return path.as_posix()
