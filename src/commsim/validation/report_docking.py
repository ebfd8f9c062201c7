"""Section 1 of the validation report: the mechanisms docked against their canonical models."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from commsim.validation import docking
from commsim.validation.report_format import markdown as _markdown
from commsim.validation.report_format import not_run as _not_run
from commsim.validation.report_format import read as _read
from commsim.validation.report_format import section as _section


def docking_section(folder: Path) -> list[str]:
    """Section 1 from the docking tables, or the step that writes them if any is missing."""
    clusters, cascades = _read(folder, "docking_clusters"), _read(folder, "docking_cascades")
    production, projects = _read(folder, "docking_production"), _read(folder, "docking_projects")
    if clusters is None or cascades is None or production is None or projects is None:
        return _not_run(["## 1. Docking", ""], "docking")
    return [
        "## 1. Docking: mechanisms against their canonical models",
        "",
        *_bounded_confidence_text(clusters),
        *_section(folder, "### Hegselmann & Krause (2002)", "docking_hk", "docking", _hk_text),
        *_cascades_text(cascades),
        *_production_text(production, projects),
    ]


def _bounded_confidence_text(clusters: pd.DataFrame) -> list[str]:
    """Docking of bounded confidence: cluster counts of commsim and the published loop."""
    lines = [
        "### Bounded confidence (Deffuant, Neau, Amblard & Weisbuch 2000)",
        "",
        f"{int(clusters['runs'].iloc[0])} runs per bound of 300 agents with opinions U(0,1), mu = 0.5 and 200 "
        "encounters per agent, each run started from the same opinions in both implementations: "
        "`commsim.mechanisms.bounded_confidence` and a one-pair-at-a-time loop as published. Major clusters hold "
        "at least 2% of agents. Difference = commsim minus reference, with its 95% t-interval.",
        "",
    ]
    shown = pd.DataFrame(
        {
            "eps": clusters["epsilon"],
            "commsim clusters": clusters["model_mean"].map(lambda v: f"{v:.2f}"),
            "reference clusters": clusters["reference_mean"].map(lambda v: f"{v:.2f}"),
            "floor(1/(2 eps))": clusters["rule_1_over_2eps"],
            "difference [95% CI]": [
                f"{d:+.2f} [{lo:+.2f}, {hi:+.2f}]"
                for d, lo, hi in zip(
                    clusters["difference"], clusters["difference_low"], clusters["difference_high"], strict=True
                )
            ],
            "Mann-Whitney p": clusters["mannwhitney_p"].map(lambda v: f"{v:.2f}"),
            "consensus (commsim / ref.)": [
                f"{a:.0%} / {b:.0%}"
                for a, b in zip(clusters["model_consensus_share"], clusters["reference_consensus_share"], strict=True)
            ],
        }
    )
    lines += [_markdown(shown), ""]
    return lines


def _hk_text(consensus: pd.DataFrame) -> list[str]:
    """Docking of Hegselmann-Krause: its consensus threshold against Fortunato's, next to Deffuant's."""
    hk = docking.consensus_threshold(consensus, "hk_consensus_share")
    deffuant = docking.consensus_threshold(consensus, "deffuant_consensus_share")
    shown = pd.DataFrame(
        {
            "eps": consensus["epsilon"],
            "HK clusters": consensus["hk_clusters"].map(lambda v: f"{v:.1f}"),
            "HK consensus": consensus["hk_consensus_share"].map(lambda v: f"{v:.0%}"),
            "Deffuant clusters": consensus["deffuant_clusters"].map(lambda v: f"{v:.1f}"),
            "Deffuant consensus": consensus["deffuant_consensus_share"].map(lambda v: f"{v:.0%}"),
        }
    )
    return [
        f"{int(consensus['runs'].iloc[0])} runs per bound of 300 agents with opinions U(0,1): "
        "`commsim.mechanisms.hegselmann_krause` (every agent moves at once to the mean of the opinions within "
        "eps of its own) equals an agent-by-agent loop as published to 1e-12 (tests/validation/test_docking.py), "
        "and beside it Deffuant's pairwise dynamics (mu = 0.5) on the same initial opinions. Consensus = one "
        f"major cluster. Hegselmann-Krause reaches consensus in most runs from eps = {hk:.2f} "
        "(Fortunato 2005: about 0.2 on a complete graph as the population grows; 0.22 at 2,000 agents), "
        f"Deffuant only from eps = {deffuant:.2f}: "
        "below about 0.3 the choice of model changes whether a group can agree. commsim's meetings use "
        "Deffuant's pairwise encounters, the closer picture of people talking in turn (docs/ODD.md, section 8).",
        "",
        _markdown(shown),
        "",
    ]


def _cascades_text(cascades: pd.DataFrame) -> list[str]:
    """Docking of threshold influence: cascade sizes against the Watts rule."""
    lines = [
        "### Threshold influence (Granovetter 1978; Watts 2002)",
        "",
        "Cascades on Erdos-Renyi graphs of 1,000 nodes, threshold phi = 0.18 for all, one random initial adopter, "
        "30 graphs per mean degree. Reference: Watts's hard rule (adopt once the share of adopting neighbours "
        "reaches phi). commsim: each round a non-adopter adopts with probability "
        "`threshold_response(share, phi, sharpness)`, for 60 rounds on the same graphs and initial adopters. "
        "Cells: mean cascade size (share of nodes) / share of graphs with a global cascade (>= 10%).",
        "",
    ]
    pivot = cascades.assign(
        cell=[f"{s:.2f} / {g:.0%}" for s, g in zip(cascades["mean_size"], cascades["global_frequency"], strict=True)]
    ).pivot(index="mean_degree", columns="rule", values="cell")
    pivot = pivot[list(dict.fromkeys(cascades["rule"]))].reset_index()
    lines += [_markdown(pivot.rename(columns={"mean_degree": "z"})), ""]
    gaps = cascades[cascades["rule"] != "watts"].groupby("rule", sort=False)["mean_abs_difference_from_watts"].max()
    lines += [
        "Largest mean absolute gap from the Watts cascade over all z: "
        + "; ".join(f"{rule}: {gap:.3f}" for rule, gap in gaps.items())
        + ".",
        "",
    ]
    return lines


def _production_text(production: pd.DataFrame, projects: pd.DataFrame) -> list[str]:
    """Docking of project success against the accelerating production function."""
    by = production.set_index("quantity")
    lines = [
        "### Project success (Oliver, Marwell & Teixeira 1985)",
        "",
        "The model's production function equals an independent implementation of the accelerating production "
        "function (the log-logistic distribution function of scipy.stats) to within "
        f"{by.loc['max_gap_model_vs_reference', 'value']:.1e} on [0, 5]. In model runs with many issues "
        f"({int(by.loc['projects', 'value'])} funded projects over six settings of public share and fund), a "
        "maximum-likelihood fit of P = r^g / (r^g + h^g) to the projects' resources and outcomes gives "
        f"g = {by.loc['acceleration', 'value']:.2f} [{by.loc['acceleration', 'low']:.2f}, "
        f"{by.loc['acceleration', 'high']:.2f}] (parameter {by.loc['acceleration', 'parameter']:g}; g > 1 is "
        f"accelerating) and h = {by.loc['half', 'value']:.2f} [{by.loc['half', 'low']:.2f}, "
        f"{by.loc['half', 'high']:.2f}] (parameter {by.loc['half', 'parameter']:g}).",
        "",
        _markdown(
            pd.DataFrame(
                {
                    "mean resources / cost": projects["resources"].map(lambda v: f"{v:.2f}"),
                    "projects": projects["projects"],
                    "observed success": projects["observed"].map(lambda v: f"{v:.2f}"),
                    "reference curve": projects["reference"].map(lambda v: f"{v:.2f}"),
                }
            )
        ),
        "",
        "![docking](figures/docking.png)",
        "",
    ]
    return lines
