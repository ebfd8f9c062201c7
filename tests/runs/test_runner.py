"""The experiment runner: seeds, statistics, pairing with the baseline, and atomic writing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import commsim.runs.figures
from commsim.config.schemas import RunConfig
from commsim.metric_table import COST_PER_ADDITIONAL
from commsim.runs.runner import (
    BASELINE,
    config_hash,
    paired_differences,
    replicate_seeds,
    run_scenario,
    scenario_settings,
    summarise,
)


def test_replicate_seeds_are_spawned_from_the_root_seed():
    seeds = replicate_seeds(42, 4)
    children = np.random.SeedSequence(42).spawn(4)
    assert [s.spawn_key for s in seeds] == [(0,), (1,), (2,), (3,)]
    assert [s.seed for s in seeds] == [int(c.generate_state(1, dtype=np.uint64)[0] >> 1) for c in children]
    assert len({s.seed for s in seeds}) == 4 and all(0 <= s.seed < 2**63 for s in seeds)
    assert replicate_seeds(42, 2) == seeds[:2]  # more replicates extend, never reshuffle
    assert replicate_seeds(43, 1)[0].seed != seeds[0].seed


def _series(steps=60):
    """Two scenarios x two replicates; the package adds 10 participants in replicate 0 only."""
    rows = []
    for scenario, extra in (("centres", 10), (BASELINE, 0)):
        for replicate in (0, 1):
            for step in range(steps + 1):
                rows.append(
                    {
                        "scenario": scenario,
                        "replicate": replicate,
                        "seed": 100 + replicate,
                        "step": step,
                        "unique_participants": 50 + (extra if replicate == 0 else 0),
                        "programme_cost": 1000.0 if scenario == "centres" else 400.0,
                        "rate_any": step / steps + (0.1 if scenario == "centres" else 0.0) + replicate * 0.01,
                    }
                )
    return pd.DataFrame(rows)


def test_cost_per_additional_participant_is_the_ratio_of_last_year_mean_differences():
    series = _series()
    # Replicate 0 adds 20 participants in the last year on average (10 before), replicate 1 none.
    series.loc[
        (series["scenario"] == "centres") & (series["replicate"] == 0) & (series["step"] > 30), "unique_participants"
    ] += 20
    cost = paired_differences(series, "centres", ["rate_any"]).set_index("metric").loc[COST_PER_ADDITIONAL]
    window = series[series["step"] > 60 - 52]
    means = window.groupby(["scenario", "replicate"])[["programme_cost", "unique_participants"]].mean()
    added = means.loc[("centres", 0)] - means.loc[(BASELINE, 0)]
    # (1000 - 400 yuan of the paired baseline) over the additional participants, replicate 0 only
    assert cost["difference"] == pytest.approx(added["programme_cost"] / added["unique_participants"])
    assert cost["n"] == 1  # replicate 1 adds nobody: no ratio
    assert cost["difference"] == pytest.approx(600 / ((22 * 10 + 30 * 30) / 52))  # not the mean of weekly ratios


def test_summary_covers_final_step_and_last_52_weeks():
    series = _series(steps=60)
    summary = summarise(series, ["rate_any"]).set_index(["scenario", "window"])
    final = summary.loc[("centres", "final")]
    yearly = summary.loc[("centres", "last_year")]
    assert final["mean"] == pytest.approx(1.0 + 0.1 + 0.005) and final["weeks"] == 1
    assert yearly["weeks"] == 52
    assert yearly["mean"] == pytest.approx(np.arange(9, 61).mean() / 60 + 0.1 + 0.005)
    assert set(summary.columns) >= {"metric", "mean", "sd", "ci_low", "ci_high", "n"}


def test_short_runs_average_every_step_after_the_initial_state():
    summary = summarise(_series(steps=10), ["rate_any"]).set_index(["scenario", "window"])
    assert summary.loc[("centres", "last_year"), "weeks"] == 10
    assert summary.loc[("centres", "last_year"), "mean"] == pytest.approx(np.arange(1, 11).mean() / 10 + 0.105)


def test_paired_differences_subtract_the_same_replicate():
    difference = paired_differences(_series(), "centres", ["rate_any"]).set_index("metric").loc["rate_any"]
    assert difference["difference"] == pytest.approx(0.1)
    assert difference["sd"] == pytest.approx(0.0, abs=1e-12) and difference["n"] == 2


def test_baseline_pairing_keeps_profile_and_non_policy_overrides():
    config = RunConfig(name="t", policy="centres", overrides={"n_residents": 300, "n_centres": 3})
    scenarios = scenario_settings(config)
    profile = {"profile": "old_inner_city"}
    assert scenarios["centres"] == profile | {"policy": "centres", "n_residents": 300, "n_centres": 3}
    assert scenarios[BASELINE] == profile | {"policy": BASELINE, "n_residents": 300}
    assert list(scenario_settings(config.model_copy(update={"compare_with_baseline": False}))) == ["centres"]
    assert list(scenario_settings(config.model_copy(update={"policy": BASELINE}))) == [BASELINE]


def test_config_hash_is_canonical():
    assert config_hash({"a": 1, "b": 2}, {"x": 0.5}) == config_hash({"b": 2, "a": 1}, {"x": 0.5})
    assert config_hash({"a": 1}, {"x": 0.5}) != config_hash({"a": 1}, {"x": 0.6})


def test_failed_run_keeps_previous_results_and_leaves_nothing_behind(tmp_path, monkeypatch):
    out = tmp_path / "out"
    config = RunConfig(name="t", steps=2, replicates=1, overrides={"n_residents": 200})
    run_scenario(config, out_dir=out, progress=False)
    before = {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("figure failed")

    monkeypatch.setattr(commsim.runs.figures, "write_figures", broken)
    with pytest.raises(RuntimeError, match="figure failed"):
        run_scenario(config.model_copy(update={"steps": 3}), out_dir=out, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()} == before


def test_an_interrupted_run_leaves_nothing_half_written(tmp_path, monkeypatch):
    out = tmp_path / "out"
    config = RunConfig(name="t", steps=2, replicates=1, overrides={"n_residents": 200})

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(commsim.runs.figures, "write_figures", interrupted)  # Ctrl-C while writing
    with pytest.raises(KeyboardInterrupt):
        run_scenario(config, out_dir=out, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_the_manifest_is_written_last_and_lists_every_file(tmp_path, monkeypatch):
    written = []
    original = Path.write_text

    def spy(self, *args, **kwargs):
        written.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", spy)
    config = RunConfig(name="t", steps=2, replicates=1, overrides={"n_residents": 200})
    result = run_scenario(config, out_dir=tmp_path / "out", progress=False)
    assert written[-1] == "manifest.json"
    listed = set(result.manifest["files"])
    assert listed == {p.relative_to(result.out_dir).as_posix() for p in result.out_dir.rglob("*") if p.is_file()}


def test_run_result_points_at_the_written_files(tmp_path):
    config = RunConfig(name="t", steps=2, replicates=1, overrides={"n_residents": 200})
    result = run_scenario(config, out_dir=tmp_path / "out", progress=False)
    assert result.timeseries_path.is_file() and result.summary_path.is_file() and result.manifest_path.is_file()
    assert [p.name for p in result.figure_paths] == ["participation_by_group.png", "participation_loop.png"]
    assert result.paired is None and result.manifest["baseline_parameters"] is None


@pytest.mark.parametrize(("replicates", "steps"), [(0, 5), (1, 0)])
def test_run_rejects_empty_runs(tmp_path, replicates, steps):
    with pytest.raises(ValueError, match="at least 1"):
        run_scenario(RunConfig(name="t"), out_dir=tmp_path / "out", replicates=replicates, steps=steps)
    assert not (tmp_path / "out").exists()
