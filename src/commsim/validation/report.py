"""The validation record's ``report.md``, assembled from the tables and figures the steps wrote.

:func:`write_report` turns ``<folder>/tables`` and ``<folder>/figures`` into
``<folder>/report.md`` without running anything, so the report can be rebuilt from
committed tables alone; the steps that write them are :mod:`commsim.validation.steps`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd

from commsim.config.declaration import defaults
from commsim.validation import calibration, claims
from commsim.validation.facts import TARGETS
from commsim.validation.report_docking import docking_section
from commsim.validation.report_format import fmt as _fmt
from commsim.validation.report_format import markdown as _markdown
from commsim.validation.report_format import read as _read
from commsim.validation.report_format import section as _section
from commsim.validation.steps import NOT_SHIPPED_REASON, REFINE_CANDIDATES, REFINE_SEEDS


def _calibration_section(folder: Path) -> list[str]:
    facts, refined = _read(folder, "stylized_facts"), _read(folder, "calibration_refined")

    def text(parameters: pd.DataFrame) -> list[str]:
        return _calibration_text(parameters, facts, refined)

    return _section(folder, "## 2. Calibration to the stylized facts", "calibration_parameters", "calibrate", text)


def _abc_text(folder: Path) -> Callable[[pd.DataFrame], list[str]]:
    """The ABC-SMC posterior, its generations and its posterior predictive check."""

    def text(posterior: pd.DataFrame) -> list[str]:
        generations, check = _read(folder, "abc_generations"), _read(folder, "abc_predictive")
        first = posterior.iloc[0]
        shipped = defaults()
        medians = calibration.rounded(dict(zip(posterior["parameter"], posterior["posterior_median"], strict=True)))
        off_median = [name for name in posterior["parameter"] if not math.isclose(shipped[name], medians[name])]
        inside = all(row.posterior_q05 <= shipped[row.parameter] <= row.posterior_q95 for row in posterior.itertuples())
        if off_median:
            shipped_text = (
                "Shipped defaults that are not the rounded posterior median: "
                + ", ".join(f"`{name}`" for name in off_median)
                + " (docs/validation.md, section 2, says why)."
            )
        else:
            shipped_text = (
                "The shipped default of each parameter (configs/parameters.yaml) is its posterior median, rounded"
                + ("; every one lies inside its 5-95% posterior interval." if inside else ".")
            )
        lines = [
            f"ABC-SMC (pyabc) over the same uniform priors: {int(first['population'])} particles per generation, "
            f"each one run of the three fact scenarios at {int(first['residents']):,} residents and "
            f"{int(first['weeks'])} weeks, distance as above (every fact at once) with the service-centre pattern "
            "of section 6 as one more one-sided target (3 centres with 10 sessions a week against 1 with 3 on one "
            "paired seed must raise activity participation; pattern-oriented modelling). Weighted posterior of the "
            "last generation:",
            "",
            _markdown(
                posterior[
                    ["parameter", "prior_low", "prior_high", "posterior_median", "posterior_q05", "posterior_q95"]
                ]
                .assign(shipped_default=[shipped[name] for name in posterior["parameter"]])
                .round(3)
            ),
            "",
            shipped_text,
            "",
        ]
        if generations is not None:
            lines += [_markdown(generations.round(3)), ""]
        if check is not None:
            lines += [
                f"Posterior predictive check: {int(check['draws'].iloc[0])} particles drawn by weight, each run once "
                f"at {int(check['residents'].iloc[0]):,} residents and {int(check['weeks'].iloc[0])} weeks on a fresh "
                "seed; the simulated fact's median and 5-95% range, and the share of draws inside the band.",
                "",
                _markdown(check[["label", "band_low", "band_high", "median", "q05", "q95", "share_in_band"]].round(3)),
                "",
            ]
        return lines

    return text


def _calibration_text(parameters: pd.DataFrame, facts: pd.DataFrame | None, refined: pd.DataFrame | None) -> list[str]:
    first = parameters.iloc[0]
    lines = [
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
        # A target added after the calibration design was run has no column there yet.
        measured = [t.name for t in TARGETS if t.name in refined.columns]
        columns = [*calibration.CALIBRATED, *measured, "hits", "distance"]
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
    heading = "## 3. The practice reports' claims as hypotheses"
    return _section(folder, heading, "claims", "claims report", _claims_text)


def _claims_text(table: pd.DataFrame) -> list[str]:
    return [
        f"Each claim: reference and treatment settings on the same {int(table['n'].iloc[0])} seeds "
        "(`experiments/validation.yaml`, 1,000 residents unless the claim says otherwise, "
        f"{claims.STEPS} weeks; outcomes are means over the last {claims.LAST_WEEKS} weeks unless stated). "
        "Difference = treatment minus reference with its 95% paired t-interval. *supported*: the interval "
        "excludes zero on the predicted side; *not shown*: it includes zero; "
        "*no difference*: the outcome is the same in both arms on every seed; *contradicted*: it excludes zero "
        "on the other side. Settings of each arm: "
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


def _profiles_text(table: pd.DataFrame) -> list[str]:
    verdicts = table.pivot_table(index=["statement", "outcome"], columns="profile", values="verdict", aggfunc="first")
    verdicts = verdicts.reindex(columns=list(dict.fromkeys(table["profile"])))
    held = table.groupby("profile", sort=False)["verdict"].apply(lambda v: int((v == "supported").sum()))
    rows = len(verdicts)
    lines = [
        f"The same claims, each run on each community profile in turn (`experiments/validation_profiles.yaml`: "
        f"both arms on the same {int(table['n'].iloc[0])} seeds, the profile replacing the claim's own, 1,000 "
        f"residents, {claims.STEPS} weeks). Outcomes supported per profile: "
        + ", ".join(f"{profile} {count} of {rows}" for profile, count in held.items())
        + ".",
        "",
        _markdown(verdicts.reset_index().rename(columns={"statement": "claim"})),
        "",
        "![Claims on every profile](figures/claims_by_profile.png)",
        "",
    ]
    missed = table[table["verdict"] != "supported"]
    if not missed.empty:
        lines += [
            "Not supported: "
            + "; ".join(
                f"{row.claim} ({row.outcome.split(' (')[0]}) on {row.profile}: {row.difference:+.4f} "
                f"[{row.ci_low:+.4f}, {row.ci_high:+.4f}], {row.verdict}"
                for row in missed.itertuples()
            )
            + ".",
            "",
        ]
    return lines


def _sensitivity_section(folder: Path) -> list[str]:
    heading = "## 4. Sensitivity: which levers and parameters matter"
    raw, noise = _read(folder, "sobol"), _read(folder, "sobol_noise")
    return _section(
        folder, heading, "sobol_corrected", "sensitivity report", lambda sobol: _sensitivity_text(sobol, raw, noise)
    )


def _noise_text(noise: pd.DataFrame, raw: pd.DataFrame, corrected: pd.DataFrame) -> list[str]:
    """How much model noise the Sobol outputs carry, and what taking it out changed."""
    shares = ", ".join(
        f"{row.metric} {row.noise_share:.1%} [{row.noise_low / row.design_variance:.1%}, "
        f"{row.noise_high / row.design_variance:.1%}]"
        for row in noise.itertuples()
    )
    noisiest = noise.loc[noise["noise_share"].idxmax(), "metric"]
    before = raw[raw["metric"] == noisiest].set_index("factor")["total"]
    after = corrected[corrected["metric"] == noisiest].set_index("factor")
    shown = after[after["total_low"] > 0].index
    dropped = before[~before.index.isin(shown)]
    return [
        f"Model noise: each design point ran once, on its own seed, so seed-to-seed variance enters every index. "
        f"It was measured on {int(noise['points'].iloc[0])} points of the design (its A block) with "
        f"{int(noise['replicates'].iloc[0])} replicates each: the variance between replicates, averaged over the "
        f"points, as a share of the design's output variance, with a bootstrap 95% interval over the points: "
        f"{shares} (`tables/sobol_noise.csv`). The indices above have it taken out: noise adds its share to every "
        "Jansen total index and to the output variance, and nothing to the Saltelli first-order numerator, so "
        "total = (raw total x V - s) / (V - s) and first = raw first x V / (V - s) for output variance V and noise "
        "variance s; each interval is the bootstrap interval mapped at both ends of the noise interval "
        "(`tables/sobol_corrected.csv`; the uncorrected indices are `tables/sobol.csv`, the open circles in the "
        f"chart). On {noisiest}, the noisiest outcome, the corrected totals whose interval excludes zero are "
        + (", ".join(f"{factor} {after.loc[factor, 'total']:.2f}" for factor in shown) or "none")
        + (
            f"; the largest total before the correction among the rest was {dropped.max():.2f} "
            f"({dropped.idxmax()}), within what noise alone gives."
            if len(dropped)
            else "; no factor's interval reaches zero."
        ),
        "",
    ]


def _sensitivity_text(
    sobol: pd.DataFrame, raw: pd.DataFrame | None = None, noise: pd.DataFrame | None = None
) -> list[str]:
    lines = [
        "Sobol indices from a Saltelli design (`experiments/validation_sensitivity.yaml`: the twelve levers over "
        "realistic ranges and the six calibrated parameters over their priors; old inner-city estate, status quo, "
        "1,000 residents, 104 weeks, outcome = mean over the last 52 weeks), with model noise taken out (below). "
        "The three largest total indices per outcome, with 95% intervals:",
        "",
    ]
    defined = sobol.dropna(subset=["total"])  # noise as large as the design's variance leaves no index
    undefined = sorted(set(sobol["metric"]) - set(defined["metric"]))
    sobol = defined
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
    if undefined:
        lines += [
            f"No index for {', '.join(undefined)}: the measured model noise is as large as the design's variance.",
            "",
        ]
    mean_total = sobol.groupby("factor")["total"].mean().sort_values(ascending=False)
    width = sobol["total_high"] - sobol["total_low"]
    widest = sobol.loc[width.idxmax()]
    leading = sobol.loc[sobol.groupby("metric")["total"].idxmax()]
    leading_width = leading["total_high"] - leading["total_low"]
    lines += [
        f"Of the {len(sobol)} total indices, {float((width < 0.05).mean()):.0%} have a 95% interval narrower than "
        f"0.05; the widest is {widest['factor']} on {widest['metric']} ({widest['total_low']:.2f} to "
        f"{widest['total_high']:.2f}). The leading index of each outcome has an interval {leading_width.min():.2f} "
        f"to {leading_width.max():.2f} wide: narrowing it below 0.05 takes about (width / 0.05)^2 times the base "
        "sample.",
        "",
        *(_noise_text(noise, raw, sobol) if noise is not None and raw is not None else []),
        "Mean total index over these outcomes: "
        + ", ".join(f"{factor} {value:.2f}" for factor, value in mean_total.head(8).items())
        + ". The runner's report: "
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
        "`profiles`, `sensitivity`, `report`). A reader's summary: [`docs/validation.md`](../../validation.md).",
        "",
        *docking_section(folder),
        *_calibration_section(folder),
        *_section(folder, "### Bayesian calibration by ABC-SMC (pyabc)", "abc_posterior", "abc", _abc_text(folder)),
        *_claims_section(folder),
        *_section(folder, "### The claims on every profile", "claims_by_profile", "profiles", _profiles_text),
        *_sensitivity_section(folder),
    ]
    path = folder / "report.md"
    path.write_text("\n".join(lines))
    return path
