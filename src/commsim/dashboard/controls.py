"""Controls generated from the parameter declaration: one per lever parameter, grouped by lever.

Each control shows the parameter's name, unit and one-line help, offers its declared
range (capped for interactive use by :data:`commsim.dashboard.settings.LIMITS`) and hands
the value it receives to ``on_change`` as it came. A browser can send a value no control
offers, so the pages check every value on the server before using it; a control only
displays a value it could not hold (clipped into its range) without passing it on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara
from solara.alias import rv

from commsim.config.declaration import Parameter
from commsim.config.yaml_files import ConfigError
from commsim.dashboard import state
from commsim.dashboard.settings import (
    LIMITS,
    Bound,
    LimitError,
    lever_bound,
    lever_parameters,
    package_values,
    packages,
    profiles,
    ui_step,
)
from commsim.runs.labels import (
    PERCENT_UNITS,
    format_number,
    lever_title,
    parameter_heading,
    preset_title,
    unit_label,
)

# Room above a slider for its value bubble (thumb_label="always"), so it never covers the row above.
SLIDER_ROOM = {"padding-top": "26px"}
HELP_STYLE = {"font-size": "0.75rem", "color": "#666", "margin-top": "-6px", "margin-bottom": "8px"}
# Every slider's label stands above its track (Vuetify puts it beside, squashing the track to a dot),
# and the sidebar keeps its width whatever a long package title would make it.
CONTROL_CSS = """
.commsim-control .v-input__slot { flex-wrap: wrap; }
.commsim-control .v-input__slot > .v-label { flex: 1 0 100%; max-width: 100%; white-space: normal;
  height: auto; line-height: 1.2; margin-bottom: 40px; }
.commsim-number input { text-align: right; }
.v-navigation-drawer .v-card { width: 360px; max-width: 360px; }
"""
NUMBER_STYLE = {"max-width": "92px", "min-width": "80px", "margin-top": "18px"}


def control_label(spec: Parameter) -> str:
    """A control's label: the parameter's plain label and unit (its code name never shows)."""
    return parameter_heading(spec.name)


def range_text(bound: Bound, unit: str = "") -> str:
    """The range a control offers, in words ("from 0 to 40 centres")."""
    low, high = format_number(bound.low), format_number(bound.high)
    if bound.integer:
        low, high = f"{int(bound.low):,}", f"{int(bound.high):,}"
    return f"from {low} to {high}" + (f" {unit}" if unit else "")


@solara.component
def NumberEntry(bound: Bound, value: Any, on_value: Callable[[Any], None], *, label: str):
    """A typed number beside a slider: taken when the field is left; what it receives is passed on unchecked.

    It shows the value as typed, even out of range, where the slider can only show its end.
    """
    entry = solara.InputInt if bound.integer else solara.InputFloat
    entry(
        label="",
        value=bound.entered(value),
        on_value=on_value,
        continuous_update=False,
        style=NUMBER_STYLE,
        classes=["commsim-number"],
        dense=True,
    ).key(f"number-{label}-{bound.entered(value)}")


@solara.component
def NumberControl(bound: Bound, value: Any, on_value: Callable[[Any], None], *, label: str, step: float, unit: str):
    """A slider with its label above, a typed entry beside it and its range below."""
    slider = solara.SliderInt if bound.integer else solara.SliderFloat
    with solara.Row(gap="8px", style={"align-items": "flex-start"}, classes=["commsim-control"]):
        with solara.Column(style={"flex": "1 1 auto", "min-width": "0"}):
            slider(
                label=label,
                value=bound.shown(value),
                min=bound.low,
                max=bound.high,
                step=step,
                on_value=on_value,
                thumb_label="always",
            )
        NumberEntry(bound, value, on_value, label=label)
    solara.Text(range_text(bound, unit), style=HELP_STYLE)


def _range_unit(unit: str) -> str:
    """The unit a range is given in: none for shares (their controls run from 0 to 1) and scores."""
    return "" if unit in PERCENT_UNITS or unit.startswith("score") else unit_label(unit)


@solara.component
def ParameterControl(spec: Parameter, value: Any, on_change: Callable[[Any], None]):
    """One control for one declared parameter, with its help text beneath."""
    label = control_label(spec)
    if spec.type == "bool":
        solara.Checkbox(label=label, value=value is True, on_value=on_change)
    elif spec.type == "choice":
        shown = value if value in spec.choices else spec.choices[0]
        solara.Select(label=label, values=list(spec.choices), value=shown, on_value=on_change, dense=True)
    else:
        NumberControl(lever_bound(spec), value, on_change, label=label, step=ui_step(spec), unit=unit_label(spec.unit))
    solara.Text(spec.help, style=HELP_STYLE)


@solara.component
def Fold(summary: str, key: str, children=None):
    """A foldable section whose open or folded state outlives the rebuilding of its page.

    The state lives in :data:`commsim.dashboard.state.open_folds` (one per browser session),
    so editing a lever, which rebuilds the sidebar, leaves its panel open.
    """
    unfolded = key in state.open_folds.value

    def on_v_model(value: int | None) -> None:
        keys = set(state.open_folds.value)
        (keys.add if value == 0 else keys.discard)(key)
        state.open_folds.set(frozenset(keys))

    with rv.ExpansionPanels(v_model=0 if unfolded else None, on_v_model=on_v_model) as main, rv.ExpansionPanel():
        rv.ExpansionPanelHeader(children=[summary])
        rv.ExpansionPanelContent(children=children or [])
    return main


@solara.component
def LeverControls(
    profile: str,
    policy: str,
    overrides: dict[str, Any],
    on_change: Callable[[str, Any], None],
    *,
    place: str = "explore",
):
    """Every lever's parameters, each group folded; a dot marks levers edited away from the package.

    ``place`` names where the controls sit (``explore``, ``choice-2``), so each place
    remembers which of its lever panels are open.
    """
    base, problem = solara.use_memo(lambda: _package_values(profile, policy), [profile, policy])
    if problem is not None:
        solara.Error(f"No lever can be edited: {problem}")
        return
    for lever, specs in lever_parameters().items():
        edited = any(spec.name in overrides for spec in specs)
        title = lever_title(lever) + ("  ● edited" if edited else "")
        with Fold(title, f"{place}:{lever}"):
            for spec in specs:
                ParameterControl(
                    spec,
                    overrides.get(spec.name, base[spec.name]),
                    lambda value, name=spec.name: on_change(name, value),
                )


@solara.component
def PresetSelect(label: str, group: str, value: str, on_value: Callable[[str], None]):
    """A dropdown of the community profiles (``group='profile'``) or policy packages, shown by their titles.

    A value that is no title (a browser can send anything) is passed on as it came, to be refused.
    """
    names = profiles() if group == "profile" else packages()
    titles = {preset_title(group, name): name for name in names}
    shown = next((title for title, name in titles.items() if name == value), value)
    solara.Select(
        label=label, values=list(titles), value=shown, on_value=lambda title: on_value(titles.get(title, title))
    )


@solara.component
def BoundSlider(bound: Bound, value, on_value: Callable[[Any], None], *, label: str | None = None, step: int = 1):
    """A whole-number slider over a declared bound, with a typed entry; what it receives is passed on unchecked."""
    NumberControl(bound, value, on_value, label=label or bound.what, step=step, unit="")


@solara.component
def ResidentsSlider(value: int, on_value: Callable[[int], None], *, bound: Bound = LIMITS.explore_residents):
    """Number of residents, within one of the dashboard's residents bounds."""
    BoundSlider(bound, value, on_value, label=f"residents (at most {bound.high:,} here)", step=100)


@solara.component
def SeedInput(value: int, on_value: Callable[[int], None], label: str = "seed"):
    """A seed within ``LIMITS.seed``; an entry outside it is refused with a warning and not used."""
    typed = solara.use_reactive(value)

    def accept(chosen: Any) -> None:
        typed.set(chosen)
        if seed_problem(chosen) is None:
            on_value(int(chosen))

    solara.InputInt(label=label, value=typed.value, on_value=accept, continuous_update=False)
    if seed_problem(typed.value) is not None:
        solara.Warning(f"the seed must be a whole number from 0 to {LIMITS.seed.high:,}; still using {value}")


def run_size_controls(
    n_residents: solara.Reactive[int],
    steps: solara.Reactive[int],
    replicates: solara.Reactive[int],
    seed: solara.Reactive[int],
    *,
    residents: Bound,
    replicates_bound: Bound,
    replicates_label: str | None = None,
) -> None:
    """The residents, weeks, replicates and root seed of an experiment page (Compare, Sweep), each within its bound."""
    ResidentsSlider(n_residents.value, n_residents.set, bound=residents)
    with solara.Column(gap="4px"):
        BoundSlider(LIMITS.weeks, steps.value, steps.set, step=13)
        BoundSlider(replicates_bound, replicates.value, replicates.set, label=replicates_label)
    SeedInput(seed.value, seed.set, label="root seed")


def _package_values(profile: str, policy: str) -> tuple[dict[str, Any], str | None]:
    try:
        return package_values(profile, policy), None
    except ConfigError as error:  # an unknown preset sent by a browser
        return {}, str(error)


def seed_problem(value: Any) -> str | None:
    """Why a typed seed is refused, or None if it is a seed."""
    try:
        LIMITS.seed.check(value)
    except LimitError as error:
        return str(error)
    return None
