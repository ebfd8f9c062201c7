"""The Compare page: two to four packages or lever sets, paired replicates, effects with 95% CIs.

Runs go through the experiment runner in a background thread (one experiment, one
scenario per choice, the first the reference), so every comparison is also a results
folder that ``commsim report`` and the Sweep page's browser can open.
"""

from __future__ import annotations

from dataclasses import replace

import solara
from markupsafe import Markup

from commsim.dashboard import state
from commsim.dashboard.background import (
    ReportStatus,
    SmallSampleWarning,
    job_outcome,
    run_button,
    use_background_experiment,
)
from commsim.dashboard.controls import LeverControls, PresetSelect, run_size_controls
from commsim.dashboard.jobs import (
    Choice,
    Finished,
    comparison_spec,
    effect_table,
    effects_csv,
)
from commsim.dashboard.markup import SafeHTML, SafeMarkdown
from commsim.dashboard.result_charts import bands_figure, figure_widget
from commsim.dashboard.settings import LIMITS, Scenario, error_text
from commsim.experiments.report import in_brief

BAND_METRICS = ("rate_any", "activity_rate_elderly", "mean_belonging", "mean_trust")


def default_choices(policy: str, overrides: dict | None = None) -> list[Choice]:
    """The choices a new comparison starts with: the baseline and the Explore page's package with its lever edits."""
    if overrides:
        return [Choice("baseline", "baseline"), Choice(f"{policy} as explored", policy, dict(overrides))]
    second = policy if policy != "baseline" else "centres"
    return [Choice("baseline", "baseline"), Choice(second, second)]


@solara.component
def ChoiceCard(index: int, choice: Choice, profile: str, on_choice, on_remove, removable: bool):
    """One choice: its package, its label and optional lever edits."""
    title = "Choice 1 (reference)" if index == 0 else f"Choice {index + 1}"

    def edited(name: str, value) -> Choice:
        lever_set = Scenario(profile, choice.policy, choice.overrides).with_lever(name, value)
        return replace(choice, overrides=lever_set.overrides)

    with solara.Card(title, style={"min-width": "260px", "max-width": "340px"}):
        PresetSelect("policy package", "policy", choice.policy, lambda value: on_choice(Choice(value, value)))
        solara.InputText(
            "label", value=choice.label, on_value=lambda value: on_choice(replace(choice, label=str(value).strip()))
        )
        count = len(choice.overrides)
        with solara.Details(summary=f"Edit levers ({count} edited)" if count else "Edit levers", expand=False):
            LeverControls(
                profile,
                choice.policy,
                choice.overrides,
                lambda name, value: on_choice(edited(name, value)),
                place=f"choice-{index + 1}",
            )
        if removable:
            solara.Button("Remove", text=True, color="error", on_click=on_remove)


@solara.component
def Compare():
    """The Compare page."""
    explored = state.scenario.value
    profile = state.use_kept("compare:profile", explored.profile)
    n_residents = state.use_kept("compare:residents", min(LIMITS.compare_residents.shown(explored.n_residents), 2000))
    steps = state.use_kept("compare:steps", 104)
    replicates = state.use_kept("compare:replicates", 5)
    seed = state.use_kept("compare:seed", 20261122)
    choices = state.use_kept("compare:choices", default_choices(explored.policy, explored.overrides))

    def make_spec():
        return comparison_spec(
            choices.value,
            profile=profile.value,
            n_residents=n_residents.value,
            steps=steps.value,
            replicates=replicates.value,
            seed=seed.value,
            name="compare",
        )

    def check() -> str | None:
        try:
            make_spec()
        except Exception as error:  # shown in the page instead of a Run button that cannot work
            return error_text(error)
        return None

    settings = (repr(choices.value), profile.value, n_residents.value, steps.value, replicates.value, seed.value)
    invalid = solara.use_memo(check, list(settings))
    runs = len(choices.value) * LIMITS.compare_replicates.shown(replicates.value)
    job = use_background_experiment("compare", make_spec, runs)

    with solara.Sidebar(), solara.Card("Community and runs"):
        PresetSelect("community profile", "profile", profile.value, profile.set)
        run_size_controls(
            n_residents,
            steps,
            replicates,
            seed,
            residents=LIMITS.compare_residents,
            replicates_bound=LIMITS.compare_replicates,
            replicates_label="replicates (paired seeds)",
        )

    SafeMarkdown(
        "### Compare policy packages\n"
        "Every choice runs on the same community and the same seeds, so each difference below is "
        "paired: it is the change one choice makes against the first (the reference), with its 95% interval."
    )
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        for index, choice in enumerate(choices.value):
            ChoiceCard(
                index,
                choice,
                profile.value,
                lambda chosen, index=index: set_choice(choices, index, chosen),
                lambda index=index: remove_choice(choices, index),
                len(choices.value) > 2,
            )
    with solara.Row():
        solara.Button(
            "Add a choice",
            icon_name="mdi-plus",
            on_click=lambda: add_choice(choices),
            disabled=len(choices.value) >= LIMITS.choices.high,
        )
        run_button(job, f"Run comparison ({runs} runs)", invalid)
    result = job_outcome(job, "comparison", invalid)
    if result is not None:
        ComparisonResult(result)


def set_choice(choices: solara.Reactive[list[Choice]], index: int, choice: Choice) -> None:
    """Put ``choice`` in place of the one at ``index``."""
    updated = list(choices.value)
    updated[index] = choice
    choices.set(updated)


def add_choice(choices: solara.Reactive[list[Choice]]) -> None:
    """Add a choice of the first package not chosen yet, up to the most choices a comparison takes."""
    if len(choices.value) >= LIMITS.choices.high:
        return  # the page shows the button disabled; a browser may click it anyway
    used = {choice.policy for choice in choices.value}
    candidates = ("centres", "acquaintance", "consultation", "complete_community", "baseline")
    policy = next((name for name in candidates if name not in used), "baseline")
    choices.set([*choices.value, Choice(policy, policy)])


def remove_choice(choices: solara.Reactive[list[Choice]], index: int) -> None:
    """Remove the choice at ``index``, unless the comparison would have too few."""
    if len(choices.value) <= LIMITS.choices.low:
        return  # the page offers no Remove button then; a browser may send the click anyway
    choices.set([choice for position, choice in enumerate(choices.value) if position != index])


@solara.component
def ComparisonResult(result: Finished):
    """Bands side by side, the effect table and the CSV downloads of a finished comparison."""
    labels = result.plan.spec.scenario_names
    data = solara.use_memo(lambda: result.data, [str(result.folder)])
    brief = solara.use_memo(lambda: in_brief(result.plan, result.analysis), [str(result.folder)])
    if brief:
        SafeMarkdown("#### In brief\n" + "\n".join(brief))
    SmallSampleWarning(result.plan.spec.replicates)
    chart = solara.use_memo(lambda: figure_widget(bands_figure(data, labels, BAND_METRICS)), [str(result.folder)])
    solara.Column(children=[chart], style={"min-width": "0"})
    window = result.plan.spec.analysis.window
    SafeHTML(
        Markup(
            "<h4>Effects against <strong>{}</strong> (mean over the last {} weeks; paired difference and 95% CI)</h4>"
        ).format(labels[0], window)
    )
    table = effect_table(result.analysis)
    solara.DataFrame(table, items_per_page=len(table) or 1)
    with solara.Row():
        solara.FileDownload(
            lambda: effects_csv(result.analysis), filename="effects.csv", label="Download effects (CSV)"
        )
        solara.FileDownload(
            lambda: data.to_csv(index=False), filename="timeseries.csv", label="Download time series (CSV)"
        )
    ReportStatus(result)
