"""The experiment commands as a user types them: sweep, status, analyze, report, export, validate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from commsim.cli import main
from commsim.config.paths import project_root
from commsim.experiments.plan import load_plan

EXPERIMENTS = project_root() / "experiments"
HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("smoke") / "smoke"
    code = main(["sweep", str(EXPERIMENTS / "smoke.yaml"), "--executor", "inline", "--quiet", "--out", str(folder)])
    assert code == 0
    return folder


def test_the_smoke_sweep_writes_a_report_with_figures_and_tables(smoke, capsys):
    report = (smoke / "report.md").read_text(encoding="utf-8")
    assert "# smoke" in report and "## Effects against the reference" in report
    for figure in ("timeseries.png", "effects.png"):
        assert (smoke / "figures" / figure).stat().st_size > 10_000
        assert f"figures/{figure}" in report
    effects = pd.read_csv(smoke / "tables" / "effects.csv")
    assert set(effects["scenario"]) == {"centres"} and effects["n"].eq(3).all()


def test_status_counts_runs(smoke, capsys):
    assert main(["status", str(smoke)]) == 0
    out = capsys.readouterr().out
    assert "smoke: 12 runs — 12 done, 0 failed, 0 timed out, 0 pending" in out
    assert "finished" in out


def test_analyze_and_export_write_their_files(smoke, tmp_path, capsys):
    assert main(["analyze", str(smoke)]) == 0
    for name in ("points.csv", "effects.csv", "sufficiency.csv", "outcomes.parquet"):
        assert (smoke / "analysis" / name).is_file()
    assert main(["export", str(smoke), "--csv", "--out", str(tmp_path)]) == 0
    data = pd.read_csv(tmp_path / "data.csv")
    assert len(data) == 12 * 27 and pd.read_csv(tmp_path / "runs.csv")["status"].eq("done").all()


def test_a_second_sweep_resumes_and_runs_nothing(smoke, capsys):
    before = (smoke / "data.parquet").read_bytes()
    for resume in ([], ["--resume"]):
        arguments = ["sweep", str(EXPERIMENTS / "smoke.yaml"), "--executor", "inline", "--quiet", "--out", str(smoke)]
        assert main([*arguments, *resume]) == 0
        assert "12 already stored, 0 done" in capsys.readouterr().out
    assert (smoke / "data.parquet").read_bytes() == before


def test_a_dry_run_prints_the_runs_and_writes_nothing(tmp_path, capsys):
    folder = tmp_path / "dry"
    assert main(["sweep", str(EXPERIMENTS / "smoke.yaml"), "--dry-run", "--out", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "2 design points x 2 scenarios x 3 replicates = 12 runs" in out and "Estimated" in out
    assert not folder.exists()


def test_a_bad_spec_exits_2_naming_the_field_and_writes_nothing(tmp_path, capsys, monkeypatch):
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: bad\nfactors:\n  - name: n_centres\n    values: [1, -2]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(spec)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {spec}:3: factors.0: n_centres")
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    "arguments",
    [["--workers", "0"], ["--executor", "threads"], ["--scheduler", "tcp://127.0.0.1:1"], ["--resume", "--fresh"]],
)
def test_bad_sweep_options_exit_2(tmp_path, capsys, arguments):
    folder = tmp_path / "out"
    code = main(["sweep", str(EXPERIMENTS / "smoke.yaml"), "--out", str(folder), *arguments])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not folder.exists()


def test_an_unreachable_dask_scheduler_exits_2_and_writes_nothing(tmp_path, capsys):
    folder = tmp_path / "out"
    arguments = ["--executor", "dask", "--scheduler", "tcp://127.0.0.1:9", "--out", str(folder)]
    assert main(["sweep", str(EXPERIMENTS / "smoke.yaml"), *arguments]) == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert not folder.exists()


def test_commands_on_a_folder_without_an_experiment_exit_2(tmp_path, capsys):
    for command in ("status", "analyze", "report"):
        assert main([command, str(tmp_path)]) == 2
        assert "no experiment here" in capsys.readouterr().err


def test_failed_runs_exit_1_and_are_listed_in_the_report(tmp_path, capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE.parent / "experiments"))
    spec = tmp_path / "failing.yaml"
    spec.write_text(
        "name: failing\ntarget: experiment_targets:fails_above\nfactors:\n  - {name: x, values: [0.2, 0.4, 0.8]}\n"
        "replicates: 2\n",
        encoding="utf-8",
    )
    folder = tmp_path / "failing"
    assert main(["sweep", str(spec), "--executor", "inline", "--quiet", "--out", str(folder)]) == 1
    assert "4 done, 2 failed" in capsys.readouterr().out
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "## Failed runs" in report and "injected failure at x=0.8" in report


def test_a_saltelli_sweep_reports_sobol_indices(tmp_path, capsys):
    spec = tmp_path / "ishigami.yaml"
    spec.write_text(
        "name: ishigami\ntarget: commsim.experiments.reference:ishigami\nfactors:\n"
        + "".join(f"  - {{name: x{i}, range: [-3.14159, 3.14159]}}\n" for i in (1, 2, 3))
        + "design: {kind: saltelli, points: 32}\nreplicates: 1\nanalysis: {bootstrap: 50}\n",
        encoding="utf-8",
    )
    folder = tmp_path / "ishigami"
    assert main(["sweep", str(spec), "--executor", "inline", "--quiet", "--out", str(folder)]) == 0
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "## Which factors matter (Sobol indices)" in report
    assert (folder / "figures" / "sobol_base.png").is_file()
    assert set(pd.read_csv(folder / "tables" / "sobol.csv")["factor"]) == {"x1", "x2", "x3"}


@pytest.mark.parametrize("replicates", [1, 2])
def test_a_one_factor_grid_draws_a_response_curve(tmp_path, capsys, replicates):
    spec = tmp_path / "curve.yaml"
    spec.write_text(
        "name: curve\nbase: {n_residents: 120}\nfactors:\n  - {name: inclusiveness, range: [0.1, 0.5], levels: 3}\n"
        f"replicates: {replicates}\nsteps: 4\n",
        encoding="utf-8",
    )
    folder = tmp_path / "curve"
    assert main(["sweep", str(spec), "--executor", "inline", "--quiet", "--out", str(folder)]) == 0
    assert (folder / "figures" / "response_inclusiveness.png").is_file()
    report = (folder / "report.md").read_text(encoding="utf-8")
    if replicates > 1:  # with intervals, the findings name the lowest level no worse than the best
        assert "and the lowest level whose 95% interval overlaps the highest mean's is inclusiveness=" in report


def test_a_two_factor_grid_draws_a_heatmap(tmp_path, capsys):
    spec = tmp_path / "heat.yaml"
    spec.write_text(
        "name: heat\nbase: {n_residents: 120}\nfactors:\n  - {name: inclusiveness, values: [0.1, 0.5]}\n"
        "  - {name: n_centres, values: [1, 2]}\nreplicates: 2\nsteps: 4\n",
        encoding="utf-8",
    )
    folder = tmp_path / "heat"
    assert main(["sweep", str(spec), "--executor", "inline", "--quiet", "--out", str(folder)]) == 0
    assert (folder / "figures" / "heatmap.png").is_file()


def test_every_shipped_experiment_is_valid(capsys):
    specs = sorted(EXPERIMENTS.glob("*.yaml"))
    assert {path.stem for path in specs} >= {"smoke", "policy_packages", "centre_coverage", "lever_sensitivity"}
    assert main(["validate", *map(str, specs)]) == 0
    assert load_plan(EXPERIMENTS / "lever_sensitivity.yaml").design.shape[1] == 3 + 12  # point, block, sample


def test_the_experiment_schema_is_json(capsys):
    assert main(["schema", "--experiment"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"factors", "design", "scenarios", "replicates", "seed"} <= set(schema["properties"])


def test_a_moved_results_folder_still_reports(smoke, tmp_path, capsys):
    moved = tmp_path / "moved"
    shutil.copytree(smoke, moved)
    assert main(["report", str(moved)]) == 0
    assert (moved / "report.md").is_file()


@pytest.mark.parametrize(
    ("name", "target", "scenarios", "analysis"),
    [
        ("reference_failed", "fails_above", "  ref: {limit: 0.0}\n  other: {limit: 1.0}\n", ""),
        ("one_failed", "fails_above", "  ref: {limit: 1.0}\n  good: {limit: 1.0}\n  bad: {limit: 0.0}\n", ""),
        ("nan_reference", "nan_in", "  ref: {mode: nan}\n  other: {mode: value}\n", ""),
        ("unknown_report_metric", "nan_in", "  ref: {}\n  other: {}\n", "analysis: {report_metrics: [Y]}\n"),
    ],
)
def test_reports_survive_failed_scenarios_nan_outcomes_and_unmatched_metrics(
    tmp_path, capsys, monkeypatch, name, target, scenarios, analysis
):
    monkeypatch.syspath_prepend(str(HERE.parent / "experiments"))
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(
        f"name: {name}\ntarget: experiment_targets:{target}\nfactors:\n  - {{name: x, values: [0.2, 0.4]}}\n"
        f"scenarios:\n{scenarios}replicates: 3\n{analysis}",
        encoding="utf-8",
    )
    folder = tmp_path / name
    code = main(["sweep", str(spec), "--executor", "inline", "--quiet", "--out", str(folder)])
    assert code in (0, 1)  # 1 when runs failed, which the report then lists
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert f"# {name}" in report
    if code == 1:
        assert "## Failed runs" in report


def test_a_dry_run_whose_trial_run_fails_says_why_and_exits_1(tmp_path, capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE.parent / "experiments"))
    spec = tmp_path / "broken.yaml"
    spec.write_text("name: broken\ntarget: experiment_targets:fails_above\nbase: {x: 0.9}\n", encoding="utf-8")
    assert main(["sweep", str(spec), "--dry-run", "--out", str(tmp_path / "out")]) == 1
    assert "the trial run failed: RuntimeError: injected failure at x=0.9" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_validate_reports_the_planned_size(capsys):
    assert main(["validate", str(EXPERIMENTS / "smoke.yaml")]) == 0
    out = capsys.readouterr().out
    assert "valid experiment spec 'smoke' (12 runs, 93,600 resident-weeks; largest model 300 residents" in out


SALTELLI_131072 = (
    "name: huge\ntarget: commsim.experiments.reference:ishigami\nfactors:\n"
    + "".join(f"  - {{name: x{i}, range: [-3.14159, 3.14159]}}\n" for i in (1, 2, 3))
    + "design: {kind: saltelli, points: 131072}\n"
)


def test_a_spec_over_a_work_ceiling_validates_with_a_warning_and_the_sweep_refuses_it(tmp_path, capsys):
    spec = tmp_path / "huge.yaml"
    spec.write_text(SALTELLI_131072, encoding="utf-8")
    assert main(["validate", str(spec)]) == 0
    out, error = capsys.readouterr()
    assert "valid experiment spec, over a ceiling" in out
    assert error.startswith(f"warning: {spec}: plans 3,276,800 runs, over the ceiling of 200,000")
    assert "--allow-large" in error
    folder = tmp_path / "out"
    for extra in ([], ["--dry-run"]):
        assert main(["sweep", str(spec), "--out", str(folder), *extra]) == 2
        assert "plans 3,276,800 runs, over the ceiling" in capsys.readouterr().err
    assert not folder.exists()


def test_allow_large_lifts_the_work_ceilings_on_purpose(tmp_path, capsys, monkeypatch):
    from commsim.config import limits

    monkeypatch.setattr(limits, "MAX_RESIDENT_WEEKS", 1_000)
    arguments = ["sweep", str(EXPERIMENTS / "smoke.yaml"), "--dry-run", "--executor", "inline"]
    arguments += ["--out", str(tmp_path / "out")]
    assert main(arguments) == 2
    assert "plans 93,600 resident-weeks, over the ceiling of 1,000; pass --allow-large" in capsys.readouterr().err
    assert main([*arguments, "--allow-large"]) == 0
    assert "12 runs; 0 already stored" in capsys.readouterr().out


def test_a_spec_beyond_the_machines_memory_is_an_error_even_in_validate(capsys, monkeypatch):
    from commsim.config import limits

    monkeypatch.setattr(limits, "machine_memory_bytes", lambda: 100 * limits.BYTES_PER_RESIDENT)
    assert main(["validate", str(EXPERIMENTS / "smoke.yaml")]) == 2
    assert "more than the" in capsys.readouterr().err


def test_workers_are_bounded(tmp_path, capsys):
    folder = tmp_path / "out"
    assert main(["sweep", str(EXPERIMENTS / "smoke.yaml"), "--workers", "100000", "--out", str(folder)]) == 2
    assert "workers must lie between 1 and 64, got 100000" in capsys.readouterr().err
    assert not folder.exists()


def test_labels_unsafe_in_file_names_are_made_safe_in_figure_names(tmp_path, capsys):
    spec = tmp_path / "labels.yaml"
    spec.write_text(
        "name: labels\ntarget: commsim.experiments.reference:ishigami\nfactors:\n"
        '  - {name: "x1/first", sets: [x1], range: [-3.14159, 3.14159]}\n'
        "  - {name: x2, range: [-3.14159, 3.14159]}\n  - {name: x3, range: [-3.14159, 3.14159]}\n"
        "design: {kind: saltelli, points: 8}\n"
        'scenarios:\n  "../escape": {noise: 0.0}\n  "a|b": {noise: 0.5}\nreplicates: 1\nanalysis: {bootstrap: 20}\n',
        encoding="utf-8",
    )
    folder = tmp_path / "results" / "labels"
    assert main(["sweep", str(spec), "--executor", "inline", "--quiet", "--out", str(folder)]) == 0
    figures = sorted(path.name for path in (folder / "figures").iterdir())
    assert len([name for name in figures if name.startswith("sobol_")]) == 2
    assert all("/" not in name and not name.startswith("sobol_..") for name in figures)
    assert sorted(path.name for path in (tmp_path / "results").iterdir()) == ["labels"]
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "a\\|b" in report  # a table cell keeps its label whole


def test_a_one_factor_grid_with_an_unsafe_label_draws_its_response_curve(tmp_path, capsys):
    spec = tmp_path / "curve.yaml"
    spec.write_text(
        "name: curve\ntarget: commsim.experiments.reference:linear\n"
        'factors:\n  - {name: "share (a/b)", sets: [x1], values: [0.1, 0.2, 0.3]}\nreplicates: 2\n',
        encoding="utf-8",
    )
    folder = tmp_path / "curve"
    assert main(["sweep", str(spec), "--executor", "inline", "--quiet", "--out", str(folder)]) == 0
    [curve] = (folder / "figures").glob("response_*.png")
    assert curve.name.startswith("response_share__a_b_-") and curve.stat().st_size > 1000


@pytest.mark.parametrize(
    ("command", "runner", "spec", "hint"),
    [
        ("sweep", "commsim.experiments.sweep.run_sweep", EXPERIMENTS / "smoke.yaml", "run the same command to resume"),
        ("design", "commsim.design.run.run_design", EXPERIMENTS / "policy_design.yaml", "add --resume to continue"),
    ],
)
def test_an_interrupted_sweep_or_design_says_how_to_resume_and_exits_130(
    command, runner, spec, hint, tmp_path, capsys, monkeypatch
):
    seen = {}

    def interrupted(work, folder, **options):
        seen.update(options)
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, interrupted)
    out = tmp_path / "out"
    assert main([command, str(spec), "--out", str(out), "--executor", "inline", "--workers", "3", "--quiet"]) == 130
    assert capsys.readouterr().err.strip() == f"interrupted: finished runs are stored in {out}; {hint}"
    assert {"executor": "inline", "workers": 3, "progress": False}.items() <= seen.items()
