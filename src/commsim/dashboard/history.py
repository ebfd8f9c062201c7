"""The experiments a browser session may open, listed and read safely.

Shipped reports and command-line sweeps are listed to everyone, a dashboard job only to
the session that started it; every file shown must be a regular file inside the results
folder (a link out is refused), and manifests, reports and figures are read only up to
the sizes in ``LIMITS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from commsim.config.declaration import parameters
from commsim.dashboard.jobs import DASHBOARD_FOLDER, JOB_NAME, Finished
from commsim.dashboard.settings import LIMITS
from commsim.experiments.analysis import analyze
from commsim.experiments.plan import Plan
from commsim.experiments.reopen import finished_experiment
from commsim.experiments.spec import DEFAULT_TARGET
from commsim.experiments.store import ExperimentStore
from commsim.experiments.sweep import SweepResult
from commsim.runs.labels import KEY_METRICS, parameter_heading


def visible_to(name: str, owner: str) -> bool:
    """Whether the experiment at ``name`` (relative to the results folder) is listed to a session.

    Experiments outside ``dashboard/`` (shipped reports, command-line sweeps) are listed to
    everyone; a dashboard job only to the session whose token its folder name carries.
    Anything else under ``dashboard/`` is listed to no one.
    """
    parts = Path(name).parts
    if not parts or parts[0] != DASHBOARD_FOLDER:
        return True
    found = JOB_NAME.fullmatch(parts[-1]) if len(parts) == 2 else None
    return found is not None and found["owner"] == owner


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, its links followed, is a regular file within ``root``."""
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return resolved.is_file() and resolved.is_relative_to(root.resolve())


def past_experiments(root: Path, owner: str) -> list[dict[str, Any]]:
    """Experiment folders under ``root`` (depth two) that a session may open, newest first.

    Args:
        root: The results folder.
        owner: The session's token (see :func:`visible_to`).

    Returns:
        One mapping per experiment: ``name``, ``folder``, ``description``, ``runs``,
        ``updated`` (texts and a count, whatever the manifest holds) and ``report`` (path
        of report.md or None). A manifest that cannot be read, is larger than
        ``LIMITS.manifest_bytes`` or lies outside ``root`` is skipped.
    """
    found, seen = [], set()
    candidates = {*root.glob("*/manifest.json"), *root.glob("*/*/manifest.json")}
    for manifest in sorted(candidates, key=lambda path: (len(path.parts), path)):  # a folder's shortest name first
        name = manifest.parent.relative_to(root).as_posix()
        if not visible_to(name, owner) or not inside(manifest, root):
            continue
        if (resolved := manifest.resolve()) in seen:  # the same folder again, through a link inside root
            continue
        seen.add(resolved)
        try:
            if manifest.stat().st_size > LIMITS.manifest_bytes:
                continue
            content = ExperimentStore(manifest.parent).read_manifest()
        except (OSError, ValueError, RecursionError):
            continue
        spec = content.get("spec") if isinstance(content, dict) else None
        if not isinstance(spec, dict):  # a scenario run's manifest, or not an experiment's
            continue
        runs = content.get("runs", content.get("run_keys", []))
        report = manifest.parent / "report.md"
        found.append(
            {
                "name": name,
                "folder": manifest.parent,
                "description": _text(spec.get("description")),
                "runs": len(runs) if isinstance(runs, list | dict) else 0,
                "updated": _text(content.get("updated", content.get("created"))),
                "report": report if inside(report, root) else None,
            }
        )
    return sorted(found, key=lambda entry: entry["updated"], reverse=True)


def report_figures(folder: Path, root: Path) -> list[Path]:
    """The PNG figures of an experiment's report that may be shown.

    Only files inside ``root`` that are PNG images no larger than ``LIMITS.figure_bytes``
    count, at most ``LIMITS.figures_shown`` of them.
    """
    shown = []
    for path in sorted((folder / "figures").glob("*.png")):
        if len(shown) == LIMITS.figures_shown:
            break
        try:
            if inside(path, root) and path.stat().st_size <= LIMITS.figure_bytes:
                with path.open("rb") as stream:
                    if stream.read(8) == b"\x89PNG\r\n\x1a\n":
                        shown.append(path)
        except OSError:
            continue
    return shown


# What each kind of report figure shows (``commsim.experiments.report_figures`` names the files).
FIGURE_TITLES = {"timeseries": "Time series", "effects": "Effects against the reference", "heatmap": "Two levers"}


def figure_title(path: Path) -> str:
    """A report figure's name in plain words, for its download button ("Response to Service centres")."""
    stem = path.stem
    if stem in FIGURE_TITLES:
        return FIGURE_TITLES[stem]
    kind, _, subject = stem.partition("_")
    if kind == "response" and subject:
        return f"Response to {parameter_heading(subject) if subject in parameters() else subject.replace('_', ' ')}"
    if kind == "sobol" and subject:
        return f"Sobol indices ({subject.replace('_', ' ')})"
    return stem.replace("_", " ")


def figure_bytes(path: Path, root: Path) -> bytes:
    """A listed figure's bytes for its download, checked again when read (it may have been swapped since).

    Raises:
        OSError: If it is no longer a file inside ``root`` or is larger than ``LIMITS.figure_bytes``.
    """
    if not inside(path, root):
        raise OSError(f"{path.name} is not a file inside the results folder")
    with path.open("rb") as stream:
        content = stream.read(LIMITS.figure_bytes + 1)
    if len(content) > LIMITS.figure_bytes:
        raise OSError(f"{path.name} is larger than {LIMITS.figure_bytes:,} bytes")
    return content


def readable_report(path: Path, root: Path) -> str:
    """An experiment's report.md, for the page: without its image links, cut at ``LIMITS.report_bytes``.

    Args:
        path: The report.
        root: The results folder; a report that is not a file inside it (a link out) is refused.

    Returns:
        Markdown text (bytes that are not UTF-8 replaced), to be shown with
        :class:`commsim.dashboard.markup.SafeMarkdown`.

    Raises:
        OSError: If the report cannot be read or lies outside ``root``.
    """
    if not inside(path, root):
        raise OSError(f"{path.name} is not a file inside the results folder")
    with path.open("rb") as stream:
        raw = stream.read(LIMITS.report_bytes + 1)
    text = raw[: LIMITS.report_bytes].decode("utf-8", errors="replace")
    # The figures, each on a line of its own in commsim's reports, are shown apart; any other
    # image is dropped by the sanitiser. Lines, not a pattern: a pattern over "![...](...)"
    # backtracks on a crafted report and takes minutes on 500,000 bytes.
    text = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith("!["))
    if len(raw) > LIMITS.report_bytes:
        text += f"\n\n*The report is longer than {LIMITS.report_bytes:,} bytes; the rest is not shown here.*\n"
    return text


def _text(value: Any, length: int = 500) -> str:
    """A manifest's field as a short text, whatever it holds."""
    return value[:length] if isinstance(value, str) else ""


def interactive_view(plan: Plan) -> str | None:
    """Which page draws an experiment's charts again: ``"comparison"``, ``"sweep"`` or None.

    Only what the Compare and Sweep pages themselves run can be drawn again: commsim's model
    keeping every key metric, and either two or more scenarios at one design point (a
    comparison) or a grid over one or two numeric levers declared in
    ``configs/parameters.yaml`` under one scenario (a sweep: its curve or heatmap has a
    numeric axis, a lever's name and one value per point). Anything else (Saltelli, LHS and
    one-at-a-time designs, a grid over a category such as the profile, a grid under several
    scenarios, a factor that sets several parameters, another target, a run keeping fewer
    metrics) shows its report only.
    """
    spec = plan.spec
    keeps_key_metrics = spec.output.metrics is None or set(KEY_METRICS) <= set(spec.output.metrics)
    if spec.target != DEFAULT_TARGET or not keeps_key_metrics:
        return None
    if not plan.spaces and len(spec.scenario_names) >= 2:
        return "comparison"
    levers = all(space.type in ("int", "float") and space.name in parameters() for space in plan.spaces)
    sized = LIMITS.sweep_levers.low <= len(plan.spaces) <= LIMITS.sweep_levers.high
    if spec.design.kind == "grid" and sized and levers and len(spec.scenario_names) <= 1:
        return "sweep"
    return None


def reopen(folder: Path, root: Path) -> Finished:
    """A past experiment as the Compare or Sweep page holds a finished one, to draw its charts again.

    Reads only: the plan from the manifest's spec, the analysis from the consolidated data
    (recomputed, so that a folder's own ``analysis/`` tables are never trusted or rewritten).

    Raises:
        ValueError: If the folder is not a finished experiment inside ``root``, has no
            interactive view, or its data is larger than ``LIMITS.reopen_data_bytes``.
    """
    files = ExperimentStore(folder)
    data_path = files.data_path
    if not inside(files.manifest_path, root):  # checked before anything is read
        raise ValueError(f"{folder.name} has no manifest inside {root}")
    if not inside(data_path, root):
        raise ValueError(
            f"{folder.name} keeps no consolidated data ({data_path.name}) inside {root}: it did not finish "
            "(commsim sweep resumes it) or its runs are not kept with it"
        )
    size = data_path.stat().st_size
    if size > LIMITS.reopen_data_bytes:
        raise ValueError(
            f"{folder.name}'s data is {size / 1e6:.0f} MB, more than the {LIMITS.reopen_data_bytes / 1e6:.0f} MB "
            "the dashboard draws again; its report shows its results"
        )
    plan, store = finished_experiment(folder)
    if interactive_view(plan) is None:
        raise ValueError(
            f"{folder.name} is neither a comparison nor a sweep of one or two numeric levers under one scenario "
            f"(its design: {plan.spec.design.kind}): its report shows its results"
        )
    runs = len(plan.runs)
    result = SweepResult(folder=folder, total=runs, skipped=runs, done=0, failed=0, wall_s=0.0)
    finished = Finished(folder, plan, analyze(plan, store), result, folder / "report.md")
    finished.reported.set()  # nothing is written for a reopened experiment
    return finished
