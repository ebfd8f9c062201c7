"""The report of an experiment: ``report.md`` with PNG figures and the tables behind them.

Written for a reader who runs nothing: what was asked, what was run, the effects of each
scenario with their 95% intervals, response curves or heatmaps over the factors, Sobol
indices, whether the replicates were enough, and where the numbers come from.

The figures are drawn by :mod:`commsim.experiments.report_figures`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

from commsim.experiments.report_figures import (
    _response_factors,
    draw_figures,
    point_label,
    short_value,
    sorted_levels,
)

matplotlib.use("Agg")


import pandas as pd

from commsim.experiments.analysis import Analysis, analyze
from commsim.experiments.intervals import CUT_MARK, CUT_NOTE, honest_interval
from commsim.experiments.plan import Plan
from commsim.experiments.report_text import effect_headline, session_text, spec_file, wall_text
from commsim.experiments.store import ExperimentStore
from commsim.metric_table import COST_PER_ADDITIONAL
from commsim.runs.labels import (
    DASH,
    KEY_METRICS,
    format_interval,
    format_metric,
    metric_heading,
    metric_label,
    plural,
)
from commsim.runs.provenance import write_file_atomically

MAX_TABLE_ROWS = 40

MAX_TABLE_POINTS = 200


def report_metrics(plan: Plan, available: Sequence[str]) -> list[str]:
    """The metrics a report shows: the spec's choice, else a key set, else the first six."""
    chosen = [metric for metric in plan.spec.analysis.report_metrics or [] if metric in available]
    if chosen:  # a function's metrics are known only once it ran: fall back if none matched
        return chosen
    if plan.commsim_model:
        key = [metric for metric in KEY_METRICS if metric in available and metric != COST_PER_ADDITIONAL]
        if key:
            return key
    return list(available)[:6]


def write_report(plan: Plan, store: ExperimentStore, analysis: Analysis) -> Path:
    """Write ``report.md``, ``figures/`` and ``tables/`` into the experiment folder.

    Args:
        plan: The experiment.
        store: Its folder.
        analysis: Its analysis.

    Returns:
        The path of ``report.md``.
    """
    folder = store.folder
    figures, tables = folder / "figures", folder / "tables"
    figures.mkdir(exist_ok=True)
    tables.mkdir(exist_ok=True)
    available = list(analysis.outcomes["metric"].unique())
    metrics = report_metrics(plan, available)
    manifest = store.read_manifest()
    runs = store.read_runs()

    drawn = draw_figures(plan, store.read_data(), analysis, metrics, figures)

    shown = _table_files(plan, analysis, metrics, tables)
    text = _markdown(plan, manifest, runs, analysis, metrics, drawn, shown, folder)
    path = folder / "report.md"
    write_file_atomically(path, lambda target: target.write_text(text, encoding="utf-8"))
    return path


def analyse_and_report(plan: Plan, store: ExperimentStore) -> Path:
    """Analyse an experiment's stored runs, write the analysis tables and then the report.

    Args:
        plan: The experiment.
        store: Its results folder, with at least one finished run.

    Returns:
        The path of ``report.md``.
    """
    analysis = analyze(plan, store)
    analysis.write(store.folder / "analysis")
    return write_report(plan, store, analysis)


# ------------------------------------------------------------------ tables and text


def in_brief(plan: Plan, analysis: Analysis) -> list[str]:
    """The report's "In brief" lines (markdown bullets) for an experiment's analysis, writing nothing."""
    metrics = report_metrics(plan, list(analysis.outcomes["metric"].unique()))
    return _headlines(plan, analysis, metrics, _shown_tables(analysis, metrics))


def _shown_tables(analysis: Analysis, metrics: list[str]) -> dict[str, pd.DataFrame]:
    """The report's tables (report metrics, window outcome)."""
    shown: dict[str, pd.DataFrame] = {}
    points = analysis.points
    shown["points"] = points[(points["window"] == "window") & points["metric"].isin(metrics)]
    if not analysis.effects.empty:
        effects = analysis.effects
        wanted = [*metrics, COST_PER_ADDITIONAL]
        shown["effects"] = effects[(effects["window"] == "window") & effects["metric"].isin(wanted)]
    if not analysis.sobol.empty:
        sobol = analysis.sobol
        shown["sobol"] = sobol[(sobol["window"] == "window") & sobol["metric"].isin(metrics)]
    sufficiency = analysis.sufficiency
    shown["sufficiency"] = sufficiency[sufficiency["metric"].isin(metrics)]
    return shown


def _table_files(plan: Plan, analysis: Analysis, metrics: list[str], folder: Path) -> dict[str, pd.DataFrame]:
    """Write the report's tables (report metrics, window outcome) as CSV; return them."""
    shown = _shown_tables(analysis, metrics)
    per_point = len(plan.design) <= MAX_TABLE_POINTS  # big sampling designs: analysis/ has them all
    for name, table in shown.items():
        if name in ("points", "sufficiency") and not per_point:
            continue
        write_file_atomically(folder / f"{name}.csv", lambda path, table=table: table.to_csv(path, index=False))
    return shown


def _headlines(plan: Plan, analysis: Analysis, metrics: list[str], shown: dict[str, pd.DataFrame]) -> list[str]:
    """Plain-language findings computed from the tables: largest effects, response, ranking."""
    lines: list[str] = []
    where = "across the design points" if len(plan.design) > 1 else ""
    if "effects" in shown:
        effects = shown["effects"]
        for metric in metrics:
            table = effects[effects["metric"] == metric]
            if table.empty:
                continue
            mean_effect = table.groupby("scenario")["difference"].mean().dropna()
            if mean_effect.empty:
                continue
            lines.append(effect_headline(metric, table, mean_effect, where))
    for factor in _response_factors(plan):
        points = analysis.points[(analysis.points["window"] == "window")]
        if plan.spec.design.kind == "oat":
            continue  # several factors share the baseline point; the figure tells it better
        for metric in metrics:
            curve = points[(points["metric"] == metric) & (points["scenario"] == plan.spec.reference_scenario)]
            curve = curve.sort_values(factor)
            if curve.empty:
                continue
            if curve["mean"].isna().all():
                continue
            top = curve.loc[curve["mean"].idxmax()]
            first, last = curve.iloc[0], curve.iloc[-1]
            text = (
                f"- **{metric_label(metric)}:** {format_metric(metric, first['mean'])} at "
                f"{factor}={short_value(first[factor])}, {format_metric(metric, last['mean'])} at "
                f"{factor}={short_value(last[factor])}; "
                f"highest mean {format_metric(metric, top['mean'])} "
                f"at {factor}={short_value(top[factor])}"
            )
            reached = curve[curve["ci_high"] >= top["ci_low"]]
            if len(reached):  # intervals exist (two replicates or more)
                level = short_value(reached.iloc[0][factor])
                text += f", and the lowest level whose 95% interval overlaps the highest mean's is {factor}={level}"
            lines.append(text + ".")
    if "sobol" in shown:
        sobol = shown["sobol"]
        for scenario, metric in [(s, m) for s in sobol["scenario"].unique() for m in metrics]:
            table = sobol[(sobol["scenario"] == scenario) & (sobol["metric"] == metric)]
            if table.empty:
                continue
            ranked = table.sort_values("total", ascending=False)
            leading = ", ".join(
                f"{row.factor} {format_interval(row.total, row.total_low, row.total_high)}"
                for row in ranked.head(3).itertuples()
            )
            negligible = ranked[ranked["total_low"] <= 0.01]["factor"].tolist()
            text = f"- **{metric_label(metric)}** ({scenario}): largest total Sobol indices: {leading}."
            if negligible:
                text += f" Indistinguishable from no effect: {', '.join(negligible)}."
            lines.append(text)
    return lines


def _effect_cell(metric: str, row: Any) -> str:
    significant = row.ci_low > 0 or row.ci_high < 0
    reference = getattr(row, "reference_mean", None)
    text = honest_interval(metric, row.difference, row.ci_low, row.ci_high, reference=reference)
    return text + (" **\\***" if significant else "")


def _effect_tables(plan: Plan, effects: pd.DataFrame, metrics: list[str]) -> list[str]:
    """One table of scenarios by metrics (one point), or by points for each metric.

    Scenarios without effects (all their runs failed) are left out; a missing cell shows "–".
    """
    metrics = [metric for metric in metrics if metric in set(effects["metric"])]
    present = set(effects["scenario"])
    scenarios = [name for name in plan.spec.scenario_names if name in present]
    points = sorted(effects["point"].unique())
    cells = effects.set_index(["point", "scenario", "metric"])

    def cell(point: Any, scenario: str, metric: str) -> str:
        key = (point, scenario, metric)
        return _effect_cell(metric, cells.loc[key]) if key in cells.index else DASH

    def reference(point: Any, metric: str) -> str:
        found = [
            cells.loc[(point, name, metric)].reference_mean
            for name in scenarios
            if (point, name, metric) in cells.index
        ]
        return format_metric(metric, found[0]) if found else DASH

    if len(points) == 1:
        rows = [[scenario, *(cell(points[0], scenario, metric) for metric in metrics)] for scenario in scenarios]
        header = ["scenario", *(metric_heading(metric) for metric in metrics)]
        means = ["*reference mean*", *(reference(points[0], metric) for metric in metrics)]
        return [_markdown_table(header, [means, *rows]), ""]
    parts: list[str] = []
    for metric in metrics:
        rows = [[scenario, *(cell(point, scenario, metric) for point in points)] for scenario in scenarios]
        if metric != COST_PER_ADDITIONAL:
            rows.insert(0, ["*reference mean*", *(reference(point, metric) for point in points)])
        header = ["scenario", *(point_label(plan, point) for point in points)]
        parts += [f"**{metric_heading(metric)}**", "", _markdown_table(header, rows), ""]
    return parts


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    def cells(values: list[str]) -> str:  # a "|" in a name or an error would split its cell
        return "| " + " | ".join(str(value).replace("|", "\\|").replace("\n", " ") for value in values) + " |"

    lines = [cells(header), "|" + "|".join("---" for _ in header) + "|"]
    lines += [cells(row) for row in rows]
    return "\n".join(lines)


def _markdown(
    plan: Plan,
    manifest: dict[str, Any],
    runs: pd.DataFrame,
    analysis: Analysis,
    metrics: list[str],
    drawn: list[tuple[str, Path]],
    shown: dict[str, pd.DataFrame],
    folder: Path,
) -> str:
    """The report's text: what was run, the findings, the figures, sufficiency and provenance."""
    spec = plan.spec
    parts = [f"# {spec.name}", ""]
    if spec.description:
        parts += [spec.description.strip(), ""]
    parts += _what_was_run(plan, manifest, runs)

    missing = [name for name in spec.analysis.report_metrics or [] if name not in metrics]
    if missing:
        parts += [
            f"*`analysis.report_metrics` names {', '.join(missing)}, which the runs did not report; "
            f"shown instead: {', '.join(metrics)}.*",
            "",
        ]
    brief = _headlines(plan, analysis, metrics, shown)
    if brief:
        parts += ["## In brief", "", *brief, ""]

    if "effects" in shown:
        parts += ["## Effects against the reference", ""]
        parts += _effect_tables(plan, shown["effects"], [*metrics, COST_PER_ADDITIONAL])
        parts += [
            "Cells: mean difference from the reference on the same seeds [95% CI]; **\\*** the interval excludes "
            "zero. Reference means, SDs and p-values are in `tables/effects.csv`.",
            "",
        ]
        if any(CUT_MARK in line for line in parts if line.startswith("|")):
            parts += [CUT_NOTE, ""]

    parts += _sobol_section(shown)
    parts += _points_section(plan, shown["points"], metrics)

    if drawn:
        parts += ["## Figures", ""]
        for title, path in drawn:
            parts += [f"### {title}", "", f"![{title}]({path.relative_to(folder).as_posix()})", ""]

    parts += _sufficiency_section(plan, shown["sufficiency"])
    parts += _failed_section(runs)
    parts += _provenance_section(manifest, folder)
    return "\n".join(parts)


def _what_was_run(plan: Plan, manifest: dict[str, Any], runs: pd.DataFrame) -> list[str]:
    """The report's "What was run": target, base, design, scenarios, replicates and outcomes."""
    spec = plan.spec
    counts = runs["status"].value_counts().to_dict()
    parts: list[str] = []
    parts += ["## What was run", ""]
    target = "commsim's community model" if plan.commsim_model else f"`{spec.target}`"
    stepped = plan.stepped
    parts.append(
        f"- **Target:** {target} (version `{manifest.get('model_version', '?')}`), "
        + (f"{spec.steps} steps per run" if stepped else "one evaluation per run")
        + (f", keeping one step in {spec.output.every}" if stepped and spec.output.every > 1 else "")
        + "."
    )
    if spec.base:
        base = ", ".join(f"{name}={short_value(value)}" for name, value in spec.base.items())
        parts.append(f"- **Base:** {base}.")
    if plan.spaces:
        parts.append(
            f"- **Design:** {spec.design.kind}, {len(plan.design)} points over {plural(len(plan.spaces), 'factor')}:"
        )
        for space in plan.spaces:
            values = plan.design[space.name]
            if space.levels is not None or values.nunique() <= 8:
                shown_values = ", ".join(short_value(value) for value in sorted_levels(pd.unique(values)))
                parts.append(f"  - `{space.name}`: {shown_values}")
            else:
                parts.append(f"  - `{space.name}`: {short_value(values.min())} to {short_value(values.max())}")
            if space.sets != (space.name,):
                parts[-1] += f" (sets {', '.join(space.sets)})"
    scenarios = spec.scenario_names
    if len(scenarios) > 1:
        settings = "; ".join(
            f"**{name}**" + (f" ({', '.join(f'{k}={short_value(v)}' for k, v in spec.scenarios[name].items())})")
            for name in scenarios
        )
        parts.append(
            f"- **Scenarios** at every point, on the same seeds (paired): {settings}. Reference: "
            f"**{spec.reference_scenario}**."
        )
    parts.append(
        f"- **Replicates:** {spec.replicates} per point and scenario, seeds spawned from root seed {spec.seed}; "
        f"{len(runs)} runs: {counts.get('done', 0)} done"
        + "".join(f", {counts[status]} {status}" for status in ("failed", "timeout", "pending") if counts.get(status))
        + f"; {wall_text(manifest.get('sessions', []))}."
    )
    window = min(spec.analysis.window, spec.steps)
    outcome = f"mean over its last {window} steps (weeks)" if stepped else "returned values"
    parts += [
        "",
        f"Outcomes are each run's {outcome}, then averaged over replicates with a 95% t-interval."
        + (" Effects are differences from the reference scenario on the same seeds." if len(scenarios) > 1 else ""),
        "",
    ]
    return parts


def _sobol_section(shown: dict[str, pd.DataFrame]) -> list[str]:
    """The Sobol indices per scenario and metric, if the design is Saltelli."""
    parts: list[str] = []
    if "sobol" in shown:
        parts += ["## Which factors matter (Sobol indices)", ""]
        for scenario, by_scenario in shown["sobol"].groupby("scenario", sort=False):
            for metric, table in by_scenario.groupby("metric", sort=False):
                table = table.sort_values("total", ascending=False)
                parts += [f"**{metric_label(metric)}** ({scenario}):", ""]
                rows = [
                    [
                        row.factor,
                        format_interval(row.first, row.first_low, row.first_high),
                        format_interval(row.total, row.total_low, row.total_high),
                    ]
                    for row in table.itertuples()
                ]
                parts += [_markdown_table(["factor", "first-order [95% CI]", "total [95% CI]"], rows), ""]
    return parts


def _points_section(plan: Plan, points: pd.DataFrame, metrics: list[str]) -> list[str]:
    """The estimates per design point and scenario, when the table is small enough to read."""
    parts: list[str] = []
    scenarios = plan.spec.scenario_names
    if len(plan.design) * len(scenarios) <= MAX_TABLE_ROWS:
        parts += ["## Estimates per design point", ""]
        rows = []
        for (point, scenario), table in points.groupby(["point", "scenario"], sort=False):
            by_metric = table.set_index("metric")
            rows.append(
                [
                    point_label(plan, point),
                    scenario,
                    *(
                        honest_interval(
                            m, by_metric.at[m, "mean"], by_metric.at[m, "ci_low"], by_metric.at[m, "ci_high"]
                        )
                        for m in metrics
                    ),
                ]
            )
        parts += [_markdown_table(["point", "scenario", *(metric_heading(m) for m in metrics)], rows), ""]
        if any(CUT_MARK in cell for row in rows for cell in row):
            parts += [CUT_NOTE, ""]

    return parts


def _sufficiency_section(plan: Plan, sufficiency: pd.DataFrame) -> list[str]:
    """Whether the replicates were enough: the share of estimates within their tolerance."""
    spec = plan.spec
    parts: list[str] = []
    parts += ["## Were the replicates enough?", ""]
    judged = sufficiency.dropna(subset=["sufficient"])
    rows = []
    for metric, table in judged.groupby("metric", sort=False):
        tolerance = spec.analysis.tolerances.get(metric)
        rule = format_metric(metric, tolerance) if tolerance else f"{spec.analysis.relative_tolerance:.0%} of the mean"
        share = table["sufficient"].astype(bool).mean()
        rows.append([metric_heading(metric), rule, f"{share:.0%}", str(int(table["replicates_needed"].max()))])
    if rows:
        parts += [
            f"The 95% interval's half-width against the tolerance, over {len(judged['point'].unique())} points "
            f"and {judged['scenario'].nunique()} scenarios with {spec.replicates} replicates each:",
            "",
            _markdown_table(["metric", "tolerance", "estimates within it", "replicates needed (worst)"], rows),
            "",
        ]
    elif spec.replicates < 2:
        parts += ["One replicate per point forms no interval, so this cannot be judged.", ""]
    else:
        parts += ["No metric has a usable tolerance (all means are zero); set `analysis.tolerances`.", ""]
    return parts


def _failed_section(runs: pd.DataFrame) -> list[str]:
    """The first failed or timed-out runs with their errors."""
    parts: list[str] = []
    failed = runs[runs["status"].isin(["failed", "timeout"])]
    if not failed.empty:
        parts += ["## Failed runs", ""]
        rows = [[str(row.run), row.scenario, str(row.point), str(row.error)] for row in failed.head(20).itertuples()]
        parts += [_markdown_table(["run", "scenario", "point", "error"], rows), ""]
    return parts


def _provenance_section(manifest: dict[str, Any], folder: Path) -> list[str]:
    """Spec, code, host and the commands that reproduce the report."""
    sessions = manifest.get("sessions", [])
    parts: list[str] = []
    parts += ["## Provenance", ""]
    versions = manifest.get("versions", {})
    named = manifest.get("spec_file")
    spec_source = f"`{named}`" if named else "made by the dashboard (kept in `manifest.json`)"
    parts += [
        f"- Spec: {spec_source} (SHA-256 `{manifest.get('spec_hash', '')[:16]}…`).",
        f"- Code: commsim {versions.get('commsim', '?')}, git commit "
        f"`{(manifest.get('git_commit') or 'unknown')[:12]}`;"
        f" Mesa {versions.get('mesa', '?')}, NumPy {versions.get('numpy', '?')}, SciPy {versions.get('scipy', '?')}.",
        f"- Sweep sessions ({len(sessions)}): " + "; ".join(session_text(session) for session in sessions) + ".",
        f"- Runs consolidated {manifest.get('updated', '?')}. Tables behind this report: `tables/*.csv`; every "
        "table for every point: `analysis/`; every run: `runs.parquet`, `data.parquet`. The report is a function "
        "of these files: `commsim report` on the folder re-creates it unchanged.",
        "",
        "Reproduce (into `results/`, which the shipped records never share):",
        "",
        "```",
        f"commsim sweep {spec_file(manifest)}",
        f"commsim report results/{manifest.get('name')}",
        "```",
        "",
    ]
    return parts
