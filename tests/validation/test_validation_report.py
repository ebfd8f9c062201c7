"""The validation record's report.md is rebuilt from the tables alone, and says which steps have not run."""

from __future__ import annotations

import shutil

from commsim.validation.report import write_report
from commsim.validation.steps import default_folder

RECORD = default_folder()


def test_the_committed_report_is_what_the_committed_tables_give(tmp_path):
    shutil.copytree(RECORD / "tables", tmp_path / "tables")
    path = write_report(tmp_path)
    assert path == tmp_path / "report.md"
    assert path.read_text(encoding="utf-8") == (RECORD / "report.md").read_text(encoding="utf-8")


def test_a_folder_without_tables_names_the_step_to_run(tmp_path):
    text = write_report(tmp_path / "empty").read_text(encoding="utf-8")
    for step in ("docking", "calibrate", "claims report", "sensitivity report"):
        assert f"Not run yet: `python -m commsim.validation {step}`" in text


def test_the_abc_step_writes_its_posterior_and_predictive_check_into_the_report(tmp_path, monkeypatch):
    """A miniature ABC-SMC through the validation step: tables written, the report's section filled from them.

    Every evaluation runs the three fact scenarios; the dispersed one, on the street's map,
    runs here with 2,000 residents instead of the street's own 30,000 (four fifths of the
    test's time otherwise). What the step writes does not depend on that size.
    """
    from commsim.validation import facts
    from commsim.validation.steps import CALIBRATION_PRIORS, AbcSize, abc_step

    street_settings = facts.street_settings
    monkeypatch.setattr(facts, "street_settings", lambda n_residents=None: street_settings(n_residents or 2000))

    size = AbcSize(
        residents=200, weeks=30, population=4, generations=2, predictive_draws=2, predictive_residents=200,
        predictive_weeks=30,
    )  # fmt: skip
    abc_step(tmp_path, size=size)
    posterior = (tmp_path / "tables" / "abc_posterior.csv").read_text(encoding="utf-8")
    assert all(name in posterior for name in CALIBRATION_PRIORS)
    text = write_report(tmp_path).read_text(encoding="utf-8")
    section = text.split("### Bayesian calibration by ABC-SMC (pyabc)")[1].split("\n## ")[0]
    assert "4 particles per generation" in section and "Posterior predictive check: 2 particles" in section
    assert "Not run yet" not in section


def test_the_sobol_noise_step_measures_design_points_and_the_report_shows_the_corrected_indices(tmp_path):
    """Replicates at design points give each outcome's noise; section 4 ranks the corrected indices."""
    import shutil

    import pandas as pd

    from commsim.config.paths import shipped_reports
    from commsim.validation.steps import SOBOL_METRICS, sobol_corrected, sobol_noise

    (tmp_path / "tables").mkdir()
    shutil.copy(shipped_reports() / "validation" / "tables" / "sobol.csv", tmp_path / "tables" / "sobol.csv")
    table = sobol_noise(tmp_path, points=2, replicates=2)
    assert list(table["metric"]) == list(SOBOL_METRICS)
    assert (table["noise_low"] <= table["noise_variance"]).all() and (
        table["noise_variance"] <= table["noise_high"]
    ).all()
    assert (table["noise_variance"] >= 0).all() and (table["design_variance"] > 0).all()
    assert table.equals(pd.read_csv(tmp_path / "tables" / "sobol_noise.csv"))
    corrected = sobol_corrected(tmp_path)
    raw = pd.read_csv(tmp_path / "tables" / "sobol.csv")
    assert len(corrected) == len(raw) and (tmp_path / "figures" / "sobol_ranking.png").is_file()
    merged = raw.merge(corrected, on=["metric", "factor"], suffixes=("_raw", ""))
    # Where the few replicates here measure more noise than the design's variance, the
    # correction is undefined and left empty; elsewhere noise only inflates totals.
    noise = pd.read_csv(tmp_path / "tables" / "sobol_noise.csv").set_index("metric")["noise_variance"]
    undefined = merged["metric"].map(noise) >= merged["variance_raw"]
    assert merged["total"][undefined].isna().all() and merged["total"][~undefined].notna().all()
    below_one = (merged["total_raw"] <= 1) & ~undefined
    assert (merged["total"][below_one] <= merged["total_raw"][below_one] + 1e-12).all()  # noise inflates totals
    text = write_report(tmp_path).read_text(encoding="utf-8")
    assert "measured on 2 points of the design (its A block) with 2 replicates each" in text
    assert "with model noise taken out" in text
