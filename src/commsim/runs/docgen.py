"""Generate ``docs/parameters.md`` and ``docs/metrics.md`` from the declarations."""

from __future__ import annotations

from pathlib import Path

from commsim.config.declaration import Parameter, lever_declarations, parameters, rules
from commsim.metric_table import DERIVED, METRICS, YEAR, Metric
from commsim.runs.labels import metric_label, unit_label
from commsim.runs.provenance import write_file_atomically

GENERATED = "Generated from "  # the second paragraph of every generated document starts so


class DocsFolderError(ValueError):
    """A folder ``commsim docs`` may not write into; the message says why."""


GROUP_TITLES = {
    "profile": "Community profile",
    "policy": "Policy levers",
    "behaviour": "Behaviour (calibration targets: MODEL_SPEC section 8)",
}


def _number(value: float) -> str:
    """Write a number in full (``2,000,000``, not ``2e+06``), without trailing zeros."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,g}"


def _allowed(spec: Parameter) -> str:
    if spec.type == "choice":
        return " / ".join(spec.choices)
    if spec.type == "bool":
        return "true / false"
    return f"{_number(spec.minimum)} – {_number(spec.maximum)}"


def _default(spec: Parameter) -> str:
    if spec.type == "bool":
        return "true" if spec.default else "false"
    if spec.type == "choice":
        return str(spec.default)
    return _number(spec.default)


def parameters_markdown() -> str:
    """Render every declared parameter, grouped, as Markdown."""
    lines = [
        "# Parameters",
        "",
        "Generated from `configs/parameters.yaml` by `commsim docs`; do not edit by hand.",
        "Community profiles (`configs/profiles/`) and policy packages (`configs/policies/`) override",
        "the defaults; run configs and `CommunityModel(**overrides)` override both.",
        "",
    ]
    specs = list(parameters().values())
    for group, title in GROUP_TITLES.items():
        lines += [f"## {title}", ""]
        members = [s for s in specs if s.group == group]
        if group == "policy":
            levers: dict[str, list[Parameter]] = {}
            for spec in members:
                levers.setdefault(spec.lever, []).append(spec)
            declared = lever_declarations()
            for lever, lever_specs in levers.items():
                lines += [f"### Lever: {declared[lever].title} (`{lever}`)", "", declared[lever].description + ".", ""]
                lines += _table(lever_specs)
        else:
            lines += _table([s for s in members if not s.structural])
            structural = [s for s in members if s.structural]
            if structural:
                lines += [
                    f"### {title.split(' (')[0]}: structural constants",
                    "",
                    "Fixed design choices and definitions, neither levers nor calibration targets",
                    "(`structural: true` in the declaration). They can be overridden like any parameter.",
                    "",
                ]
                lines += _table(structural)
    lines += [
        "## Rules",
        "",
        "Declared in the `rules` section of `configs/parameters.yaml`. They are checked once defaults,",
        "profile, package and overrides are combined; an error names the line of each value in the",
        "file that set it.",
        "",
        "| rule | must hold | why |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| `{rule.name}` | {' + '.join(f'`{name}`' for name in rule.parameters)} ≤ {_number(rule.sum_at_most)} "
        f"| {rule.help} |"
        for rule in rules()
    ]
    return "\n".join([*lines, ""])


def _table(specs: list[Parameter]) -> list[str]:
    rows = ["| parameter | label | default | allowed | unit | meaning |", "| --- | --- | --- | --- | --- | --- |"]
    rows += [f"| `{s.name}` | {s.label} | {_default(s)} | {_allowed(s)} | {_unit(s.unit)} | {s.help} |" for s in specs]
    return [*rows, ""]


def _unit(unit: str) -> str:
    """A declared unit and, where it differs, its plain form: ``share (%)``."""
    plain = unit_label(unit)
    return unit if plain in (unit, "") else f"{unit} ({plain})"


def _meaning(metric: Metric) -> str:
    """A metric's meaning, the parameters it names written as code (``recent_window_weeks``)."""
    return metric.meaning.format_map({name: f"`{name}`" for name in parameters()})


def _metric_rows(metrics: tuple[Metric, ...]) -> list[str]:
    rows = ["| column | label | unit | range | meaning |", "| --- | --- | --- | --- | --- |"]
    rows += [f"| `{m.name}` | {metric_label(m.name)} | {_unit(m.unit)} | {m.range} | {_meaning(m)} |" for m in metrics]
    return rows


def metrics_markdown() -> str:
    """Render every output column and every derived measure as Markdown."""
    declared = parameters()
    lines = [
        "# Output metrics",
        "",
        "Generated from `commsim.metric_table` (`METRICS`, `DERIVED`) by `commsim docs`; do not edit by hand.",
        "",
        "`model.datacollector` has one model-level column per metric below, collected at the",
        'start (step 0) and after every weekly step. Rates whose meaning says "in the last',
        '`recent_window_weeks` weeks" count residents whose last act in that channel fell within',
        f"the last `recent_window_weeks` steps (default {declared['recent_window_weeks'].default});"
        f" yearly rates use the last {YEAR} steps. Rates are",
        "shares of the residents present at that step (newcomers included). The label is what the",
        "dashboard, the reports and the CLI show (here with the declared defaults filled in); shares",
        "are shown as percentages and their differences in percentage points.",
        "",
        *_metric_rows(METRICS),
        "",
        "## Derived measures",
        "",
        "Computed by the analysis from the columns above, not reported by the model.",
        "",
        *_metric_rows(DERIVED),
        "",
        *DERIVED_NOTES,
        "",
    ]
    return "\n".join(lines)


DERIVED_NOTES = (
    "When a run config's package is not `baseline` and `compare_with_baseline` is true (the",
    "default), `commsim run` also runs the `baseline` package with the same profile, the same",
    "non-policy overrides and the same replicate seeds; `timeseries.parquet` then holds both",
    "scenarios (column `scenario`). `summary.csv` reports every metric at the final step and",
    "averaged over the last 52 weeks (all weeks if fewer, never the initial state).",
    "`paired_differences.csv` reports package minus baseline, paired by seed, over the same",
    "window, and `cost_per_additional_participant`, defined once for `commsim run`, the",
    "experiment analysis and the dashboard's Compare page: for each pair of runs on one seed,",
    "(mean `programme_cost` of the package's run - that of the baseline's run) / (mean",
    "`unique_participants` of the package's run - that of the baseline's run), both means",
    "over the last 52 weeks (an experiment's `analysis.window` steps, and also at the final",
    "step, in `effects.csv`); empty where the package adds no participant; then the mean over",
    "the pairs with its 95% interval (an incremental cost-effectiveness ratio).",
)


def _generated(text: str) -> bool:
    """Whether a document's text is one ``commsim docs`` wrote (a heading, then ``Generated from``)."""
    lines = text.splitlines()
    return len(lines) >= 3 and lines[0].startswith("# ") and lines[2].startswith(GENERATED)


def check_docs_folder(folder: Path, names: list[str]) -> None:
    """Refuse a docs folder where writing would replace or scatter files commsim did not write.

    A folder may be written if it does not exist yet, is empty, or already holds
    generated documents; a document of the same name that commsim did not generate is
    never replaced.

    Args:
        folder: The folder.
        names: The documents to be written.

    Raises:
        DocsFolderError: Saying why.
    """
    for path in (folder, *folder.parents):  # the folder, or the nearest part of its path that exists
        if path.is_symlink() and not path.exists():
            raise DocsFolderError(f"{path}: is a symbolic link to nothing (or a loop of links)")
        if path.exists():
            if not path.is_dir():
                raise DocsFolderError(f"{path}: is not a folder")
            break
    if not folder.is_dir():
        return
    present = {name: folder / name for name in names if (folder / name).exists()}
    for path in present.values():
        try:
            ours = path.is_file() and not path.is_symlink() and _generated(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            ours = False
        if not ours:
            raise DocsFolderError(f"{path}: exists and was not generated by commsim docs; it is not replaced")
    if not present and any(folder.iterdir()):
        raise DocsFolderError(
            f"{folder}: holds other files but no generated docs; give the project's docs/ folder or a new or empty one"
        )


def write_docs(folder: Path, *, check: bool = False) -> list[Path]:
    """Write (or, with ``check``, compare) the generated documents.

    Args:
        folder: The ``docs`` folder.
        check: Only report which files are stale; write nothing.

    Returns:
        The files that were written, or that are stale when ``check`` is set.

    Raises:
        DocsFolderError: If ``folder`` may not be written (see :func:`check_docs_folder`).
    """
    documents = {"parameters.md": parameters_markdown(), "metrics.md": metrics_markdown()}
    if not check:
        check_docs_folder(folder, list(documents))
    changed = []
    for name, text in documents.items():
        path = folder / name
        try:
            current = path.read_text(encoding="utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError):
            current = None
        if current != text:
            changed.append(path)
            if not check:
                write_file_atomically(path, lambda target, text=text: target.write_text(text, encoding="utf-8"))
    return changed
