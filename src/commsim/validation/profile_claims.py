"""The practice reports' claims on every community profile: a verdict per claim, outcome and profile.

``experiments/validation_profiles.yaml`` runs each claim of :data:`commsim.validation.claims.CLAIMS`
on each of the five profiles (both arms on the same seeds). :func:`profile_claims_table`
turns the runner's paired effects into one row per claim, outcome and profile with its
verdict; :func:`plot_profile_claims` draws the verdicts as a grid, claims down, profiles
across.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from commsim.config.presets import load_preset
from commsim.validation import claims

SPEC_FILE = "validation_profiles.yaml"
VERDICT_COLOURS = {
    "supported": "#b7e1b0",
    "not shown": "#e6e6e6",
    "no difference": "#ffffff",
    "contradicted": "#f4b6b0",
}


def profile_claims_table(effects: pd.DataFrame) -> pd.DataFrame:
    """One row per claim, outcome and profile: the paired difference, its interval and the verdict.

    Args:
        effects: The runner's paired effects of the profiles sweep (its ``final`` window is read).

    Returns:
        Columns profile, then those of :func:`commsim.validation.claims.effect_row`; in the order of
        the claims, then of the profiles as the sweep lists them.
    """
    effects = effects[effects["window"] == "final"]
    profiles = list(dict.fromkeys(effects["profile"]))
    rows = []
    for found in claims.CLAIMS:
        for metric, outcome in (("primary", found.primary), ("secondary", found.secondary)):
            if outcome is None:
                continue
            for profile in profiles:
                match = effects[
                    (effects["claim"] == found.name) & (effects["metric"] == metric) & (effects["profile"] == profile)
                ]
                if match.empty:
                    continue
                rows.append({"profile": profile, **claims.effect_row(found, outcome, match.iloc[0])})
    return pd.DataFrame(rows)


def row_label(statement: str, outcome: str) -> str:
    """A grid row's label in words: the claim and the outcome measured, without the metric's code name."""
    return textwrap.fill(f"{statement}: {outcome.split(' (')[0]}", width=58)


def plot_profile_claims(table: pd.DataFrame, path: Path) -> None:
    """The verdicts as a grid: a row per claim's outcome, a column per profile, the difference written in."""
    table = table.assign(row=[row_label(s, o) for s, o in zip(table["statement"], table["outcome"], strict=True)])
    rows = list(dict.fromkeys(table["row"]))
    profiles = list(dict.fromkeys(table["profile"]))
    figure, axis = plt.subplots(figsize=(5.0 + 1.9 * len(profiles), 0.9 + 0.5 * len(rows)), layout="constrained")
    for y, name in enumerate(rows):
        for x, profile in enumerate(profiles):
            cell = table[(table["row"] == name) & (table["profile"] == profile)]
            if cell.empty:
                continue
            found = cell.iloc[0]
            axis.add_patch(plt.Rectangle((x - 0.5, y - 0.5), 1, 1, color=VERDICT_COLOURS[found["verdict"]]))
            axis.text(x, y, f"{found['difference']:+.3g}", ha="center", va="center", fontsize=7)
    axis.set_xlim(-0.5, len(profiles) - 0.5)
    axis.set_ylim(len(rows) - 0.5, -0.5)
    titles = [load_preset("profile", profile).title.replace(" ", "\n", 1) for profile in profiles]
    axis.set_xticks(np.arange(len(profiles)), titles, fontsize=8)
    axis.set_yticks(np.arange(len(rows)), rows, fontsize=7)
    axis.tick_params(length=0)
    axis.set_title(
        "The practice reports' claims on every profile\n"
        "(green: supported, grey: not shown, white: no difference, red: contradicted)"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
