"""The validation record: the steps that produce its tables and figures, and ``report.md``.

Every step writes CSV tables into ``<folder>/tables`` and PNG figures into
``<folder>/figures``; :func:`write_report` turns them into ``<folder>/report.md`` without
running anything, so the report can be rebuilt from committed tables alone.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from commsim.config.declaration import defaults
from commsim.config.paths import project_root, shipped_reports
from commsim.experiments.analysis import analyze
from commsim.experiments.plan import load_plan
from commsim.experiments.report import analyse_and_report
from commsim.experiments.store import ExperimentStore
from commsim.experiments.sweep import SweepResult, run_sweep
from commsim.validation import calibration, claims, docking
from commsim.validation.facts import TARGETS

ROOT_SEED = 20261129
FACT_REPLICATES = 20
EPSILONS = (0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
MEAN_DEGREES = (1, 2, 3, 4, 5, 6, 7, 8, 10, 12)
SHARPNESS = (0.05, 0.01, 0.0005)
PROJECT_SETTINGS = [
    {
        "n_residents": 600,
        "issue_rate_per_1000": 20.0,
        "council_interval_weeks": 4,
        "council_agenda_size": 20,
        "inclusiveness": 0.4,
        "expert_pool_share": 0.5,
        "public_project_share": public,
        "fund_per_household_year": fund,
    }
    for public in (0.1, 0.3, 0.5)
    for fund in (0.0, 300.0)
]
# Values of the calibrated parameters before the calibration of issue 6 (for the record).
PRE_CALIBRATION_DEFAULTS = {
    "attend_intercept": -4.5,
    "social_threshold_mean": 0.25,
    "volunteer_recruit_rate": 0.015,
    "w_delib_time_cost": 8.0,
    "distance_decay_per_km": 0.87,
    "time_bank_overdraft_h": 4.0,
}
CALIBRATION_PRIORS = {
    "attend_intercept": (-6.5, -3.5),
    "social_threshold_mean": (0.1, 0.6),
    "volunteer_recruit_rate": (0.005, 0.3),
    "w_delib_time_cost": (2.0, 16.0),
    "distance_decay_per_km": (0.4, 1.6),
    "time_bank_overdraft_h": (0.0, 20.0),
}
# Why some ABC values are not the shipped defaults (checked with tests/model/test_behaviours.py).
NOT_SHIPPED_REASON = (
    "With the ABC choice four paired-seed direction tests of MODEL_SPEC section 6 and the levers "
    "(tests/model/test_behaviours.py) fail: more centre coverage no longer raises elderly activity participation, "
    "the service-centre and self-financing levers no longer raise activity participation, and the autonomy fund's "
    "gain in successful projects is no longer significant. The cause is structural: every recruit who is not a "
    "leader or an expert becomes an activity organiser running weekly sessions in the compound's public space, so "
    "with a fifth of adults in roles (volunteer_recruit_rate 0.263) nearby organiser sessions crowd out centres "
    "(centre utilisation fell from 7% to 3% in the village test); a recruitment rate of 0.13 kept the village "
    "centre effect but not the lever effects. Pattern-oriented modelling treats the section 6 behaviours as "
    "patterns the defaults must also reproduce, so attend_intercept and volunteer_recruit_rate keep their previous "
    "values and w_delib_time_cost is shipped at 10.5 (inside its posterior; 11.5 lost the fund effect, 8.0 lost "
    "the age gradient). Formal volunteering and the top-10% share therefore stay off target; the remedy is in the "
    "model (volunteer roles that do not run sessions), not in the parameters."
)
REFINE_CANDIDATES = 6
REFINE_SEEDS = 4
SOBOL_METRICS = ("rate_any", "top10_share", "formal_volunteering_year", "mean_belonging", "mean_trust", "rate_elderly")


def default_folder() -> Path:
    """``docs/reports/validation``: the shipped validation record."""
    return shipped_reports() / "validation"


def _tables(folder: Path) -> Path:
    path = folder / "tables"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _figures(folder: Path) -> Path:
    path = folder / "figures"
    path.mkdir(parents=True, exist_ok=True)
    return path


# ------------------------------------------------------------------ steps


def docking_step(folder: Path) -> None:
    """Dock the three mechanisms; write their tables and figures."""
    tables, figures = _tables(folder), _figures(folder)
    counts = docking.cluster_counts(EPSILONS, seeds=range(10))
    clusters = docking.summarise_clusters(counts)
    clusters.to_csv(tables / "docking_clusters.csv", index=False)
    sizes = docking.cascade_sizes(MEAN_DEGREES, sharpness=SHARPNESS, graphs=30, seed=ROOT_SEED)
    cascades = docking.summarise_cascades(sizes)
    cascades.to_csv(tables / "docking_cascades.csv", index=False)
    projects = pd.concat(
        [docking.observe_projects(settings, seeds=[ROOT_SEED], steps=78) for settings in PROJECT_SETTINGS]
    )
    fit = docking.fit_production_function(projects)
    params = defaults()
    half, acceleration = params["success_half_resources"], params["success_acceleration"]
    fit.table.assign(
        reference=docking.omt_reference(fit.table["resources"], half=half, acceleration=acceleration)
    ).to_csv(tables / "docking_projects.csv", index=False)
    pd.DataFrame(
        [
            {"quantity": "projects", "value": fit.projects, "low": np.nan, "high": np.nan, "parameter": np.nan},
            {"quantity": "half", "value": fit.half[0], "low": fit.half[1], "high": fit.half[2], "parameter": half},
            {
                "quantity": "acceleration",
                "value": fit.acceleration[0],
                "low": fit.acceleration[1],
                "high": fit.acceleration[2],
                "parameter": acceleration,
            },
            {
                "quantity": "max_gap_model_vs_reference",
                "value": docking.production_function_gap(half, acceleration),
                "low": np.nan,
                "high": np.nan,
                "parameter": np.nan,
            },
        ]
    ).to_csv(tables / "docking_production.csv", index=False)

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    axis = axes[0]
    axis.plot(clusters["epsilon"], clusters["model_mean"], "o-", label="commsim bounded_confidence")
    axis.plot(clusters["epsilon"], clusters["reference_mean"], "s--", label="Deffuant et al. reference")
    grid = np.linspace(0.05, 0.5, 200)
    axis.plot(grid, np.maximum(1, np.floor(1 / (2 * grid))), ":", color="grey", label="floor(1/(2 eps))")
    axis.set(xlabel="confidence bound eps", ylabel="major opinion clusters", title="Bounded confidence")
    axis.legend(fontsize=8)
    axis = axes[1]
    for rule, group in cascades.groupby("rule", sort=False):
        style = "k-o" if rule == "watts" else "--"
        axis.plot(group["mean_degree"], group["mean_size"], style, label=rule)
    axis.set(xlabel="mean degree z", ylabel="mean cascade size (share)", title="Threshold cascades (phi = 0.18)")
    axis.legend(fontsize=8)
    axis = axes[2]
    curve = np.linspace(0, max(1.6, float(fit.table["resources"].max()) * 1.1), 200)
    axis.plot(
        curve, docking.omt_reference(curve, half=half, acceleration=acceleration), label="OMT reference (parameters)"
    )
    axis.plot(fit.table["resources"], fit.table["observed"], "o", label="projects in model runs (bands)")
    axis.set(xlabel="resources / cost", ylabel="success probability", title="Project success")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(figures / "docking.png", dpi=110)
    plt.close(figure)


def _calibration_design() -> pd.DataFrame:
    folder = shipped_reports() / "validation_calibration"
    data = pd.read_parquet(folder / "data.parquet")
    return data[data["step"] == 0].reset_index(drop=True)


def calibration_step(folder: Path, *, workers: int = 1) -> int:
    """Rejection ABC over the calibration design, then refinement on fresh seeds.

    Runs the design first if its consolidated data is missing.

    Returns:
        Exit status of the design's sweep (0 if it was already stored).
    """
    status = 0
    if not (shipped_reports() / "validation_calibration" / "data.parquet").is_file():
        status = sweep_step("validation_calibration.yaml", workers=workers)
    tables = _tables(folder)
    table = calibration.point_distances(_calibration_design())
    table.to_csv(tables / "calibration_design.csv", index=False)
    posterior = calibration.abc_rejection(table, CALIBRATION_PRIORS)
    refined = calibration.refine(
        posterior,
        candidates=REFINE_CANDIDATES,
        seeds=calibration.spawn_seeds(ROOT_SEED + 1, REFINE_SEEDS),
        n_residents=2000,
    )
    refined.to_csv(tables / "calibration_refined.csv", index=False)
    chosen = calibration.rounded(refined.iloc[0])
    current = defaults()
    summary = posterior.summary.assign(
        previous_default=[PRE_CALIBRATION_DEFAULTS[name] for name in posterior.summary["parameter"]],
        abc_choice=[chosen[name] for name in posterior.summary["parameter"]],
        shipped_default=[current[name] for name in posterior.summary["parameter"]],
        accepted=len(posterior.accepted),
        design_points=len(table),
        tolerance=posterior.tolerance,
    )
    summary.to_csv(tables / "calibration_parameters.csv", index=False)
    return status


def facts_step(folder: Path, *, replicates: int = FACT_REPLICATES) -> None:
    """Every stylized fact at the shipped defaults, over ``replicates`` seeds."""
    tables = _tables(folder)
    runs = calibration.evaluate({}, calibration.spawn_seeds(ROOT_SEED + 2, replicates), n_residents=2000)
    runs.to_csv(tables / "facts_runs.csv", index=False)
    calibration.verify(runs).to_csv(tables / "stylized_facts.csv", index=False)


def sweep_step(spec_file: str, *, workers: int = 1) -> int:
    """Run (or resume) a validation sweep with the experiment runner and write its own report.

    Returns:
        0 when every run finished, 1 if some failed (as ``commsim sweep`` exits).
    """
    spec = project_root() / "experiments" / spec_file
    plan = load_plan(spec, workers=workers)
    folder = shipped_reports() / plan.spec.name

    def report(result: SweepResult) -> None:  # under the sweep's lock, as the CLI's sweep reports
        if result.skipped + result.done > 0:
            analyse_and_report(plan, ExperimentStore(folder))

    result = run_sweep(plan, folder, workers=workers, then=report)
    return 1 if result.failed else 0


def claims_table(folder: Path) -> pd.DataFrame:
    """Claims' paired effects from the claims sweep, with each outcome's verdict; written to tables.

    Returns:
        One row per claim and outcome.
    """
    results = shipped_reports() / "validation_claims"
    plan = load_plan(project_root() / "experiments" / "validation.yaml")
    effects = analyze(plan, ExperimentStore(results)).effects
    effects = effects[effects["window"] == "final"]
    rows = []
    for found in claims.CLAIMS:
        for metric, outcome in (("primary", found.primary), ("secondary", found.secondary)):
            if outcome is None:
                continue
            row = effects[(effects["claim"] == found.name) & (effects["metric"] == metric)].iloc[0]
            rows.append(
                {
                    "claim": found.name,
                    "statement": found.statement,
                    "outcome": outcome.label,
                    "predicted_sign": outcome.sign,
                    "reference_mean": row["reference_mean"],
                    "difference": row["difference"],
                    "ci_low": row["ci_low"],
                    "ci_high": row["ci_high"],
                    "n": int(row["n"]),
                    "p_value": row["p_value"],
                    "verdict": claims.verdict(outcome.sign, row["ci_low"], row["ci_high"]),
                }
            )
    table = pd.DataFrame(rows)
    table.to_csv(_tables(folder) / "claims.csv", index=False)
    return table


def sobol_ranking(folder: Path) -> pd.DataFrame:
    """Total and first-order Sobol indices from the sensitivity sweep; ranked chart and table.

    Returns:
        One row per metric and factor.
    """
    results = shipped_reports() / "validation_sensitivity"
    plan = load_plan(project_root() / "experiments" / "validation_sensitivity.yaml")
    sobol = analyze(plan, ExperimentStore(results)).sobol
    sobol = sobol[(sobol["window"] == "window") & sobol["metric"].isin(SOBOL_METRICS)]
    sobol = sobol.drop(columns=["scenario", "window"]).sort_values(["metric", "total"], ascending=[True, False])
    sobol.to_csv(_tables(folder) / "sobol.csv", index=False)
    metrics = [metric for metric in SOBOL_METRICS if metric in set(sobol["metric"])]
    figure, axes = plt.subplots(2, math.ceil(len(metrics) / 2), figsize=(16, 9))
    calibrated = set(calibration.CALIBRATED)
    for axis, metric in zip(np.ravel(axes), metrics, strict=False):
        rows = sobol[sobol["metric"] == metric].sort_values("total")
        colours = ["tab:orange" if factor in calibrated else "tab:blue" for factor in rows["factor"]]
        error = np.vstack([rows["total"] - rows["total_low"], rows["total_high"] - rows["total"]]).clip(min=0)
        axis.barh(rows["factor"], rows["total"], xerr=error, color=colours)
        axis.set(title=metric, xlabel="total Sobol index (95% CI)")
        axis.tick_params(axis="y", labelsize=7)
    figure.suptitle("Total Sobol indices: policy levers (blue) and calibrated behavioural parameters (orange)")
    figure.tight_layout()
    figure.savefig(_figures(folder) / "sobol_ranking.png", dpi=100)
    plt.close(figure)
    return sobol


# ------------------------------------------------------------------ report


def _fmt(value: float, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "inf" if value == math.inf else "-"
    return f"{value:.{digits}g}" if abs(value) >= 100 else f"{value:.{digits}f}"


def _markdown(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    lines = ["| " + " | ".join(str(cell) for cell in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *lines])


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / "tables" / f"{name}.csv"
    return pd.read_csv(path) if path.is_file() else None


def _docking_section(folder: Path) -> list[str]:
    clusters, cascades = _read(folder, "docking_clusters"), _read(folder, "docking_cascades")
    production, projects = _read(folder, "docking_production"), _read(folder, "docking_projects")
    if clusters is None or cascades is None or production is None or projects is None:
        return ["## 1. Docking", "", "Not run yet: `python -m commsim.validation docking`.", ""]
    lines = ["## 1. Docking: mechanisms against their canonical models", ""]
    lines += [
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
    lines += [
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
    by = production.set_index("quantity")
    lines += [
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


def _calibration_section(folder: Path) -> list[str]:
    parameters, facts = _read(folder, "calibration_parameters"), _read(folder, "stylized_facts")
    refined = _read(folder, "calibration_refined")
    lines = ["## 2. Calibration to the stylized facts", ""]
    if parameters is None:
        return [*lines, "Not run yet: `python -m commsim.validation calibrate`.", ""]
    first = parameters.iloc[0]
    lines += [
        f"Rejection ABC: {int(first['design_points'])} points of a scrambled Sobol sequence over uniform priors "
        "(one run of each scenario per point: the default urban estate, 2,000 residents, 104 weeks; the same with "
        "the time bank on; the same estate with buildings 400 m apart for distance decay), accepted the "
        f"{int(first['accepted'])} nearest the targets (RMS standardised distance <= {first['tolerance']:.2f}). The "
        f"{REFINE_CANDIDATES} nearest accepted points were re-run on {REFINE_SEEDS} fresh seeds; the one hitting "
        "most targets, then nearest, is the calibrated setting (rounded).",
        "",
        _markdown(
            pd.DataFrame(
                {
                    "parameter": parameters["parameter"].map(lambda v: f"`{v}`"),
                    "prior (uniform)": [
                        f"{lo:g} to {hi:g}"
                        for lo, hi in zip(parameters["prior_low"], parameters["prior_high"], strict=True)
                    ],
                    "posterior median [5%, 95%]": [
                        f"{m:.3g} [{lo:.3g}, {hi:.3g}]"
                        for m, lo, hi in zip(
                            parameters["posterior_median"],
                            parameters["posterior_q05"],
                            parameters["posterior_q95"],
                            strict=True,
                        )
                    ],
                    "previous default": parameters["previous_default"],
                    "ABC choice": parameters["abc_choice"],
                    "shipped default": parameters["shipped_default"],
                }
            )
        ),
        "",
    ]
    kept = parameters[~np.isclose(parameters["abc_choice"], parameters["shipped_default"])]
    if not kept.empty:
        names = ", ".join(f"`{name}`" for name in kept["parameter"])
        lines += [f"**Shipped differently from the ABC choice:** {names}. {NOT_SHIPPED_REASON}", ""]
    if refined is not None:
        columns = [*calibration.CALIBRATED, *(t.name for t in TARGETS), "hits", "distance"]
        lines += [
            "Refinement (pooled facts over the fresh seeds; the first row was chosen):",
            "",
            _markdown(refined[columns].map(lambda v: _fmt(v) if isinstance(v, float) else v)),
            "",
        ]
    if facts is not None:
        lines += [
            f"### The facts at the shipped defaults ({int(facts['replicates'].iloc[0])} replicates, 2,000 residents)",
            "",
            "Estimates pool the replicates (ratios of means for the age gradient and the credits; the half-distance "
            "from the mean fitted decay rate); intervals are 95% percentile bootstrap intervals over replicates.",
            "",
            _markdown(
                pd.DataFrame(
                    {
                        "fact": facts["label"],
                        "target band": [
                            f"{lo:g}-{hi:g}" if np.isfinite(hi) else f">= {lo:g}"
                            for lo, hi in zip(facts["band_low"], facts["band_high"], strict=True)
                        ],
                        "model [95% CI]": [
                            f"{e:.3f} [{lo:.3f}, {hi:.3f}]"
                            for e, lo, hi in zip(facts["estimate"], facts["ci_low"], facts["ci_high"], strict=True)
                        ],
                        "in band": facts["hit"].map({True: "yes", False: "no"}),
                        "whole CI in band": facts["interval_inside"].map({True: "yes", False: "no"}),
                        "source": facts["source"],
                    }
                )
            ),
            "",
        ]
    return lines


def _claims_section(folder: Path) -> list[str]:
    table = _read(folder, "claims")
    lines = ["## 3. The practice reports' claims as hypotheses", ""]
    if table is None:
        return [*lines, "Not run yet: `python -m commsim.validation claims report`.", ""]
    lines += [
        f"Each claim: reference and treatment settings on the same {int(table['n'].iloc[0])} seeds "
        "(`experiments/validation.yaml`, 1,000 residents unless the claim says otherwise, 78 weeks; outcomes are "
        "means over the last 26 weeks unless stated). Difference = treatment minus reference with its 95% paired "
        "t-interval. *supported*: the interval excludes zero on the predicted side; *not shown*: it includes zero; "
        "*contradicted*: it excludes zero on the other side. Settings of each arm: "
        "`commsim.validation.claims.CLAIMS`.",
        "",
        _markdown(
            pd.DataFrame(
                {
                    "claim": table["statement"],
                    "outcome": table["outcome"],
                    "predicted": table["predicted_sign"].map({1: "up", -1: "down"}),
                    "reference": table["reference_mean"].map(lambda v: f"{v:.3f}"),
                    "difference [95% CI]": [
                        f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}]"
                        for d, lo, hi in zip(table["difference"], table["ci_low"], table["ci_high"], strict=True)
                    ],
                    "verdict": table["verdict"],
                }
            )
        ),
        "",
        "The runner's own report of this sweep, with time series: "
        "[`docs/reports/validation_claims/report.md`](../validation_claims/report.md).",
        "",
    ]
    return lines


def _sensitivity_section(folder: Path) -> list[str]:
    sobol = _read(folder, "sobol")
    lines = ["## 4. Sensitivity: which levers and parameters matter", ""]
    if sobol is None:
        return [*lines, "Not run yet: `python -m commsim.validation sensitivity report`.", ""]
    lines += [
        "Sobol indices from a Saltelli design (`experiments/validation_sensitivity.yaml`: the twelve levers over "
        "realistic ranges and the six calibrated parameters over their priors; old inner-city estate, status quo, "
        "1,000 residents, 104 weeks, outcome = mean over the last 52 weeks). The three largest total indices per "
        "outcome, with 95% bootstrap intervals:",
        "",
    ]
    rows = []
    for metric, group in sobol.groupby("metric", sort=False):
        top = group.nlargest(3, "total")
        rows.append(
            {
                "outcome": metric,
                **{
                    f"#{rank}": f"{factor} {total:.2f} [{low:.2f}, {high:.2f}]"
                    for rank, (factor, total, low, high) in enumerate(
                        zip(top["factor"], top["total"], top["total_low"], top["total_high"], strict=True), start=1
                    )
                },
            }
        )
    lines += [_markdown(pd.DataFrame(rows)), "", "![Sobol ranking](figures/sobol_ranking.png)", ""]
    mean_total = sobol.groupby("factor")["total"].mean().sort_values(ascending=False)
    lines += [
        "Mean total index over these outcomes: "
        + ", ".join(f"{factor} {value:.2f}" for factor, value in mean_total.head(8).items())
        + ". All indices: `tables/sobol.csv`; the runner's report: "
        "[`docs/reports/validation_sensitivity/report.md`](../validation_sensitivity/report.md).",
        "",
    ]
    return lines


def write_report(folder: Path) -> Path:
    """Assemble ``report.md`` from the tables the steps wrote.

    Args:
        folder: The validation folder.

    Returns:
        The report's path.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "# commsim validation record",
        "",
        "Why believe the model? This record docks its mechanisms to their canonical models, calibrates six free "
        "behavioural parameters to stylized facts of participation, tests the practice reports' claims as paired "
        "hypotheses with intervals, and ranks levers and parameters by Sobol indices. Regenerate with "
        "`python -m commsim.validation all --workers 1` (or one step: `docking`, `calibrate`, `facts`, `claims`, "
        "`sensitivity`, `report`). A reader's summary: [`docs/validation.md`](../../validation.md).",
        "",
        *_docking_section(folder),
        *_calibration_section(folder),
        *_claims_section(folder),
        *_sensitivity_section(folder),
    ]
    path = folder / "report.md"
    path.write_text("\n".join(lines))
    return path
