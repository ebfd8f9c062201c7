"""The commsim command: run end to end, reproducibility of outputs, and rejection of bad input."""

from __future__ import annotations

import json
import textwrap

import pandas as pd
import pytest

from commsim.cli import main
from commsim.metrics import METRIC_NAMES
from commsim.params import parameters

SMALL = "overrides:\n  n_residents: 250\n"


def _config(tmp_path, name="trial", body="", policy="baseline", seed=5):
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nprofile: old_inner_city\npolicy: {policy}\nsteps: 8\nreplicates: 2\nseed: {seed}\n"
        + (body or SMALL),
        encoding="utf-8",
    )
    return path


def test_run_writes_data_summary_manifest_and_figures(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(_config(tmp_path, policy="centres")), "--out", str(out), "--quiet"]) == 0
    assert f"Results written to {out}" in capsys.readouterr().out
    series = pd.read_parquet(out / "timeseries.parquet")
    assert set(series["scenario"]) == {"centres", "baseline"}
    assert len(series) == 2 * 2 * 9  # scenarios x replicates x (steps + initial state)
    assert set(METRIC_NAMES) <= set(series.columns)
    assert "cost_per_additional_participant" in series.columns
    summary = pd.read_csv(out / "summary.csv")
    assert {"final", "last_year"} == set(summary["window"])
    assert {"mean", "sd", "ci_low", "ci_high", "n"} <= set(summary.columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["root_seed"] == 5 and len(manifest["seeds"]) == 2
    assert manifest["resolved_parameters"]["n_residents"] == 250
    assert len(manifest["config_hash"]) == 64
    # Paired: both scenarios used the same seeds.
    assert series.groupby("scenario")["seed"].apply(lambda s: tuple(sorted(set(s)))).nunique() == 1
    assert (out / "figures" / "participation_loop.png").stat().st_size > 10_000
    assert (out / "paired_differences.csv").exists()


def test_same_seed_same_data_and_other_seed_other_data(tmp_path):
    frames = []
    for index, seed in enumerate((5, 5, 6)):
        out = tmp_path / f"out{index}"
        assert main(["run", str(_config(tmp_path, seed=seed)), "--out", str(out), "--quiet"]) == 0
        frames.append(pd.read_parquet(out / "timeseries.parquet"))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert not frames[0][list(METRIC_NAMES)].equals(frames[2][list(METRIC_NAMES)])


def test_cli_overrides_steps_and_replicates(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(_config(tmp_path)), "--out", str(out), "--steps", "3", "--replicates", "1", "--quiet"]) == 0
    series = pd.read_parquet(out / "timeseries.parquet")
    assert len(series) == 4


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        (
            "overrides:\n  n_residents: 250\n  leader_coverage: 3\n",
            ["trial.yaml:9", "overrides.leader_coverage"],
        ),
        ("overrides:\n  n_residents: 250\nreplicatez: 2\n", ["trial.yaml:9", "replicatez", "unknown key"]),
        ("overrides:\n  n_residents: many\n", ["trial.yaml:8", "overrides.n_residents"]),
        ("overrides: [\n", ["trial.yaml", "broken YAML"]),
    ],
)
def test_bad_config_exits_2_names_file_line_field_and_writes_nothing(tmp_path, capsys, body, needles):
    out = tmp_path / "out"
    assert main(["run", str(_config(tmp_path, body=body)), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ")
    for needle in needles:
        assert needle in error, error
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["trial.yaml"]


def test_missing_preset_exits_2(tmp_path, capsys):
    path = tmp_path / "x.yaml"
    path.write_text("name: x\npolicy: utopia\n", encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "unknown policy package 'utopia'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_bad_cli_value_exits_2(tmp_path):
    with pytest.raises(SystemExit) as caught:
        main(["run", str(_config(tmp_path)), "--replicates", "0"])
    assert caught.value.code == 2


def test_validate_schema_presets_and_docs(tmp_path, capsys):
    assert main(["validate", "configs/baseline.yaml", "configs/policies/centres.yaml"]) == 0
    assert capsys.readouterr().out.count("ok: ") == 2
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert set(parameters()) <= set(schema["properties"]["overrides"]["properties"])
    assert main(["presets"]) == 0
    assert "complete_community" in capsys.readouterr().out
    assert main(["docs", "--check"]) == 0, "docs/ are stale: run `commsim docs`"
    assert main(["docs", "--folder", str(tmp_path)]) == 0
    assert (tmp_path / "metrics.md").exists()


def test_validate_rejects_bad_file(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent("name: x\nsteps: 0\n"), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "bad.yaml:2: steps" in capsys.readouterr().err
