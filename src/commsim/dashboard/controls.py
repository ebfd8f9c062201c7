"""Controls generated from the parameter declaration: one per lever parameter, grouped by lever.

Each control shows the parameter's name, unit and one-line help, offers its declared
range (capped for interactive use, see :mod:`commsim.dashboard.settings`) and hands the
bounded value to ``on_change``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara
from solara.alias import rv

from commsim.dashboard import state
from commsim.dashboard.settings import (
    LEVER_TITLES,
    MAX_RESIDENTS_UI,
    MAX_SEED,
    MIN_RESIDENTS_UI,
    bounded,
    lever_parameters,
    package_values,
    packages,
    profiles,
    ui_range,
    ui_step,
)
from commsim.params import Parameter

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
        solara.Checkbox(label=label, value=bool(value), on_value=on_change)
    elif spec.type == "choice":
        solara.Select(label=label, values=list(spec.choices), value=value, on_value=on_change, dense=True)
    else:
        low, high = ui_range(spec)
        shown = min(max(value, low), high)
        slider = solara.SliderInt if spec.type == "int" else solara.SliderFloat
        with solara.Column(style=SLIDER_ROOM):
            slider(
                label=label,
                value=shown,
                min=low,
                max=high,
                step=ui_step(spec),
                on_value=lambda chosen: on_change(bounded(spec, chosen)),
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
    base = solara.use_memo(lambda: package_values(profile, policy), [profile, policy])
    for lever, specs in lever_parameters().items():
        edited = any(spec.name in overrides for spec in specs)
        title = LEVER_TITLES.get(lever, lever) + ("  ● edited" if edited else "")
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
def ResidentsSlider(value: int, on_value: Callable[[int], None], *, maximum: int = MAX_RESIDENTS_UI):
    """Number of residents, bounded by the dashboard's maximum population."""
    with solara.Column(style=SLIDER_ROOM):
        solara.SliderInt(
            label=f"residents (at most {maximum:,} here)",
            value=min(max(value, MIN_RESIDENTS_UI), maximum),
            min=MIN_RESIDENTS_UI,
            max=maximum,
            step=100,
            on_value=on_value,
            thumb_label="always",
        )


@solara.component
def SeedInput(value: int, on_value: Callable[[int], None], label: str = "seed"):
    """A seed within 0 … 2³²-1; an entry outside that range is refused with a warning and not used."""
    typed = solara.use_reactive(value)

    def accept(chosen: int | None) -> None:
        typed.set(chosen)
        if chosen is not None and 0 <= chosen <= MAX_SEED:
            on_value(int(chosen))

    solara.InputInt(label=label, value=typed.value, on_value=accept, continuous_update=False)
    if typed.value is None or not 0 <= typed.value <= MAX_SEED:
        solara.Warning(f"the seed must be a whole number from 0 to {MAX_SEED:,}; still using {value}")
