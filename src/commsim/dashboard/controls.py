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
from commsim.runs.labels import lever_title

# Room above a slider for its value bubble (thumb_label="always"), so it never covers the row above.
SLIDER_ROOM = {"padding-top": "26px"}
HELP_STYLE = {"font-size": "0.75rem", "color": "#666", "margin-top": "-10px", "margin-bottom": "8px"}


def control_label(spec: Parameter) -> str:
    """A control's label: the parameter's name and unit."""
    return f"{spec.name} [{spec.unit}]" if spec.unit else spec.name


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
        bound = lever_bound(spec)
        slider = solara.SliderInt if spec.type == "int" else solara.SliderFloat
        with solara.Column(style=SLIDER_ROOM):
            slider(
                label=label,
                value=bound.shown(value),
                min=bound.low,
                max=bound.high,
                step=ui_step(spec),
                on_value=on_change,
                thumb_label="always",
            )
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
    """A dropdown of the community profiles (``group='profile'``) or policy packages."""
    names = profiles() if group == "profile" else packages()
    solara.Select(label=label, values=names, value=value, on_value=on_value)


@solara.component
def BoundSlider(bound: Bound, value, on_value: Callable[[Any], None], *, label: str | None = None, step: int = 1):
    """A whole-number slider over a declared bound; what it receives is passed on unchecked."""
    with solara.Column(style=SLIDER_ROOM):
        solara.SliderInt(
            label=label or bound.what,
            value=bound.shown(value),
            min=int(bound.low),
            max=int(bound.high),
            step=step,
            on_value=on_value,
            thumb_label="always",
        )


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
