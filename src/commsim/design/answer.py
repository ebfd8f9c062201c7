"""report.md of a design: the answer to "which mix, at what cost?" for a policymaker."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from commsim.design.report import (
    ROBUSTNESS_WORDS,
    community_title,
    lever_label,
    mix_in_words,
    objective_label,
    shown,
)
from commsim.design.spec import DesignSpec
from commsim.runs.costs import COST_METRIC, costs_version
from commsim.runs.provenance import write_file_atomically


def _column(spec: DesignSpec, index: int) -> str:
    objective = spec.objectives[index]
    return f"{'regret_' if spec.robustness == 'regret' else ''}{objective.metric}"


def cheapest_reaching(spec: DesignSpec, front: pd.DataFrame) -> pd.Series | None:
    """The front's cheapest mix whose target metric, in every profile, reaches the discovery target."""
    if spec.discovery is None or front.empty or not any(o.metric == COST_METRIC for o in spec.objectives):
        return None
    target = spec.discovery
    columns = [f"{target.metric}@{profile}" for profile in spec.profiles]
    values = front[columns].min(axis=1) if target.at_least is not None else front[columns].max(axis=1)
    reached = values >= target.at_least if target.at_least is not None else values <= target.at_most
    chosen = front[reached]
    if chosen.empty:
        return None
    cost = _column(spec, [o.metric for o in spec.objectives].index(COST_METRIC))
    return chosen.sort_values(cost).iloc[0]


def _front_lines(spec: DesignSpec, front: pd.DataFrame) -> list[str]:
    headings = [objective_label(objective.metric) for objective in spec.objectives]
    lines = ["| mix | " + " | ".join(headings) + " | the mix | ties with |", "|---" * (len(headings) + 3) + "|"]
    names = {name: f"M{position + 1}" for position, name in enumerate(front["candidate"])}
    for _, row in front.iterrows():
        cells = [names[row["candidate"]]]
        for index, objective in enumerate(spec.objectives):
            column = _column(spec, index)
            cells.append(shown(objective.metric, row[column], row[f"{column}_ci_low"], row[f"{column}_ci_high"]))
        ties = " ".join(names[other] for other in str(row["ties_with"] or "").split() if other in names)
        cells += [mix_in_words(spec, row), ties or "–"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_report(
    spec: DesignSpec,
    folder: Path,
    front: pd.DataFrame,
    evaluations: pd.DataFrame,
    boxes: pd.DataFrame | None,
    figures: list[Path],
    *,
    dropped: int,
    breakdown: pd.DataFrame | None = None,
) -> Path:
    """Write ``report.md`` in the design folder.

    Returns:
        Its path.
    """
    from commsim.design.discovery import describe

    lines = [f"# {spec.name}: the best mixes of measures", "", spec.description.strip(), ""]
    lines += _question(spec)
    lines += _answer(spec, front, dropped)
    if breakdown is not None and not breakdown.empty:
        lines += _breakdown_lines(spec, breakdown)
    if boxes is not None:
        lines += ["## Where the target is reachable", "", describe(spec, boxes), ""]
    lines += [f"![{figure.stem}](figures/{figure.name})" for figure in figures]
    lines += _trust(spec, evaluations)
    path = folder / "report.md"
    text = "\n".join(lines) + "\n"
    write_file_atomically(path, lambda target: target.write_text(text, encoding="utf-8"))
    return path


def _question(spec: DesignSpec) -> list[str]:
    communities = ", ".join(community_title(spec, name).lower() for name in spec.profiles)
    objectives = "; ".join(f"{o.sense} {objective_label(o.metric).lower()}" for o in spec.objectives)
    lines = [
        "## The question",
        "",
        f"Across {len(spec.profiles)} communities ({communities}), {ROBUSTNESS_WORDS[spec.robustness]}: {objectives}.",
    ]
    for constraint in spec.constraints:
        bound = []
        if constraint.max is not None:
            bound.append(f"at most {shown(constraint.metric, constraint.max)}")
        if constraint.min is not None:
            bound.append(f"at least {shown(constraint.metric, constraint.min)}")
        lines.append(
            f"Every mix must keep {objective_label(constraint.metric).lower()} {' and '.join(bound)} "
            "in every community."
        )
    levers = ", ".join(lever_label(lever.name).lower() for lever in spec.levers)
    return [*lines, "", f"The search could set: {levers}.", ""]


def _answer(spec: DesignSpec, front: pd.DataFrame, dropped: int) -> list[str]:
    from commsim.design.discovery import target_words

    lines = ["## The answer", ""]
    cheapest = cheapest_reaching(spec, front)
    if spec.discovery is not None and COST_METRIC in spec.metrics:
        goal = target_words(spec)
        if cheapest is not None:
            cost = _column(spec, [o.metric for o in spec.objectives].index(COST_METRIC))
            lines.append(
                f"**The cheapest mix found that reaches {goal} in every community costs "
                f"{shown(COST_METRIC, cheapest[cost], cheapest[f'{cost}_ci_low'], cheapest[f'{cost}_ci_high'])}**: "
                f"{mix_in_words(spec, cheapest)}. {_per_community(spec, cheapest)}"
            )
        else:
            lines.append(f"No mix on the front reaches {goal} in every community within the constraints.")
        lines.append("")
    if front.empty:
        return [*lines, "No mix met every constraint.", ""]
    lines += [
        f"The front holds {len(front)} mixes: none does better on one objective without doing worse on "
        f"another. Each was re-run on {int(front['replicates'].iloc[0])} seeds per community; "
        "brackets are 95% intervals across seeds. Mixes whose intervals overlap on every objective are "
        "**ties**: the model cannot tell them apart at this number of seeds.",
        "",
        *_front_lines(spec, front),
        "",
    ]
    if dropped:
        lines += [f"{dropped} mix(es) of the search's front broke a constraint once re-run on more seeds: dropped.", ""]
    return lines


def _breakdown_lines(spec: DesignSpec, breakdown: pd.DataFrame) -> list[str]:
    profiles = list(spec.profiles)
    headings = " | ".join(community_title(spec, name) for name in profiles)
    lines = [
        "### Where the money of the cheapest mix goes",
        "",
        "Yuan per household per year over the last year of the runs (income subtracted); prices and their "
        "sources in configs/costs.yaml.",
        "",
        f"| cost | {headings} | source of the price |",
        "|---" * (len(profiles) + 2) + "|",
    ]
    for _, row in breakdown.iterrows():
        cells = [f"{row[name]:,.0f}" for name in profiles]
        lines.append(f"| {row['label']} | {' | '.join(cells)} | {row['source']} |")
    totals = [f"**{breakdown[name].sum():,.0f}**" for name in profiles]
    return [*lines, f"| **total** | {' | '.join(totals)} | |", ""]


def _per_community(spec: DesignSpec, row: pd.Series) -> str:
    parts = []
    for profile in spec.profiles:
        values = [
            f"{objective_label(metric).lower()} {shown(metric, row[f'{metric}@{profile}'])}" for metric in spec.metrics
        ]
        parts.append(f"In the {community_title(spec, profile).lower()}: {', '.join(values)}.")
    return " ".join(parts)


def _trust(spec: DesignSpec, evaluations: pd.DataFrame) -> list[str]:
    feasible = int(evaluations["feasible"].sum()) if not evaluations.empty else 0
    lines = [
        "",
        "## How far to trust it",
        "",
        f"- The search evaluated {len(evaluations)} mixes ({feasible} within the constraints) with "
        f"{spec.replicates} seed(s) per community each, every mix on the same seeds; the front was re-run on "
        f"{spec.final_replicates}.",
        "- A mix is only as good as the model: its behaviour parameters are illustrative or calibrated only "
        "in part (docs/validation.md). Read differences between mixes, not their levels, and check the ties.",
    ]
    if COST_METRIC in spec.metrics:
        lines.append(
            f"- Costs are priced by configs/costs.yaml (version {costs_version()}); most prices are illustrative."
        )
    lines += [
        "- The best mixes found are not proven best: a longer search, other communities or other seeds may "
        "find others. Method and limits: docs/design.md.",
        "",
    ]
    return lines


__all__ = ["cheapest_reaching", "write_report"]
