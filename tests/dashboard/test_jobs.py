"""Comparisons and sweeps started from the dashboard: specs, a real tiny run, its effects, past experiments."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commsim.dashboard.jobs import (
    KEY_METRICS,
    Choice,
    SweepFactor,
    comparison_spec,
    effect_table,
    effects_csv,
    interval_of,
    new_folder,
    past_experiments,
    plan_size,
    readable_report,
    response_table,
    run_experiment,
    sweep_spec,
    unique_labels,
)
from commsim.experiments.report import label
from commsim.experiments.store import ExperimentStore
from commsim.model import CommunityModel

STEPS, REPLICATES, RESIDENTS = 13, 2, 200
CHOICES = [
    Choice("status quo", "baseline"),
    Choice("centres", "centres"),
    Choice("more centres", "centres", {"n_centres": 5}),
]


def compare(choices, **fields):
    values = {
        "profile": "old_inner_city",
        "n_residents": RESIDENTS,
        "steps": STEPS,
        "replicates": REPLICATES,
        "seed": 11,
        "name": "compare",
    }
    return comparison_spec(choices, **(values | fields))


def sweep(factors, **fields):
    values = {
        "profile": "old_inner_city",
        "policy": "baseline",
        "overrides": {},
        "n_residents": RESIDENTS,
        "steps": STEPS,
        "replicates": 1,
        "seed": 11,
        "name": "sweep",
    }
    return sweep_spec(factors, **(values | fields))


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A real comparison of three choices, two replicates each, run inline."""
    folder = tmp_path_factory.mktemp("results") / "dashboard" / "compare-test"
    progress: list[tuple[int, int]] = []
    result = run_experiment(compare(CHOICES), folder, on_progress=lambda done, total: progress.append((done, total)))
    return result, progress


# ------------------------------------------------------------------ specs


@pytest.mark.parametrize("count", [0, 1, 5])
def test_a_comparison_needs_two_to_four_choices(count):
    choices = [Choice(f"choice {index}", "baseline") for index in range(count)]
    with pytest.raises(ValueError, match=f"choose two to four packages or lever sets to compare, not {count}"):
        compare(choices)


def test_a_comparison_refuses_repeated_labels():
    with pytest.raises(ValueError, match="every choice needs its own label"):
        compare([Choice("same", "baseline"), Choice("same", "centres")])


def test_the_first_choice_is_the_reference_and_each_choice_a_scenario():
    spec = compare([Choice("b", "centres", {"n_centres": 2}), Choice("a", "baseline"), Choice("c", "acquaintance")])
    assert spec.reference_scenario == "b"
    assert spec.scenario_names == ["b", "a", "c"]
    assert spec.base == {"profile": "old_inner_city", "n_residents": RESIDENTS}
    assert spec.scenarios["b"] == {"policy": "centres", "n_centres": 2}
    assert spec.steps == STEPS and spec.replicates == REPLICATES and spec.seed == 11
    assert spec.analysis.window == STEPS  # the whole run when shorter than a year
    assert compare([Choice("x", "baseline"), Choice("y", "centres")], steps=104).analysis.window == 52
    assert plan_size(spec)[1] == 3 * REPLICATES


def test_a_choice_whose_edit_the_model_rejects_cannot_be_planned():
    from commsim.config import ConfigError

    spec = compare([Choice("a", "baseline"), Choice("b", "centres", {"n_centres": -1})])
    with pytest.raises(ConfigError, match="n_centres"):
        plan_size(spec)[1]


@pytest.mark.parametrize("count", [0, 3])
def test_a_sweep_varies_one_or_two_levers(count):
    factors = [
        SweepFactor(name, 0.0, 1.0, 2) for name in ("inclusiveness", "leader_coverage", "platform_reach")[:count]
    ]
    with pytest.raises(ValueError, match=f"a dashboard sweep varies one or two levers, not {count}"):
        sweep(factors)


def test_a_sweep_refuses_the_same_lever_twice():
    with pytest.raises(ValueError, match="choose two different levers"):
        sweep([SweepFactor("n_centres", 1, 3, 3), SweepFactor("n_centres", 0, 2, 2)])


def test_a_sweep_factor_with_equal_ends_is_a_single_value_and_fixed_edits_stay_in_the_base():
    spec = sweep(
        [SweepFactor("n_centres", 2.0, 2.0, 5), SweepFactor("inclusiveness", 0.2, 0.6, 3)],
        overrides={"n_centres": 9, "time_bank": True},
    )
    single, grid = spec.factors
    assert single.name == "n_centres" and single.values == [2.0] and single.range is None
    assert tuple(grid.range) == (0.2, 0.6) and grid.levels == 3
    assert spec.base["time_bank"] is True
    assert "n_centres" not in spec.base, "a swept lever's fixed edit must not shadow the factor"
    assert plan_size(spec)[1] == 1 * 3 * 1


# ------------------------------------------------------------------ a real comparison


def test_progress_rises_to_the_total(finished):
    _, progress = finished
    total = 3 * REPLICATES
    assert progress[-1] == (total, total)
    assert all(seen[1] == total for seen in progress)
    done = [seen[0] for seen in progress]
    assert done == sorted(done) and done[0] <= 1


def test_the_comparison_is_an_ordinary_experiment_folder(finished):
    result, _ = finished
    assert result.report == result.folder / "report.md" and result.report.is_file()
    assert "# compare" in result.report.read_text(encoding="utf-8")
    assert (result.folder / "analysis" / "effects.csv").is_file()
    runs = ExperimentStore(result.folder).read_runs()
    assert len(runs) == 3 * REPLICATES and set(runs["status"]) == {"done"}
    assert result.result.failed == 0 and result.result.total == 3 * REPLICATES


def test_the_effect_table_has_one_column_per_other_choice_with_intervals(finished):
    result, _ = finished
    table = effect_table(result.analysis)
    assert list(table.columns) == ["metric", "reference", "centres − reference", "more centres − reference"]
    assert table["metric"].tolist()[:3] == [label("rate_any"), label("rate_activities"), label("rate_deliberation")]
    assert len(table) == len(KEY_METRICS)
    number = r"[+-]?[\d,]+(\.\d+)?|–"
    pattern = re.compile(rf"^({number}) \[({number}), ({number})\]$")
    for column in table.columns[2:]:
        for text in table[column]:
            assert pattern.match(text), (column, text)


def window_means(data: pd.DataFrame, metric: str, window: int) -> pd.DataFrame:
    """Each run's mean of ``metric`` over the steps after ``last - window`` (never the initial state)."""
    rows = []
    for _, run in data.groupby("run"):
        last = run["step"].max()
        kept = run[run["step"] > max(last - window, 0)]
        rows.append(
            {"scenario": run["scenario"].iloc[0], "replicate": run["replicate"].iloc[0], "value": kept[metric].mean()}
        )
    return pd.DataFrame(rows).pivot(index="replicate", columns="scenario", values="value")


@pytest.mark.parametrize("metric", ["rate_any", "mean_belonging", "programme_cost"])
def test_the_paired_effect_is_the_mean_of_per_replicate_differences(finished, metric):
    result, _ = finished
    window = result.plan.spec.analysis.window
    means = window_means(result.data, metric, window)
    assert list(means.index) == list(range(REPLICATES))
    effects = result.analysis.effects
    for scenario in ("centres", "more centres"):
        differences = (means[scenario] - means["status quo"]).to_numpy()
        row = effects[
            (effects["window"] == "window") & (effects["metric"] == metric) & (effects["scenario"] == scenario)
        ]
        assert len(row) == 1
        one = row.iloc[0]
        assert one["difference"] == pytest.approx(differences.mean())
        assert one["reference_mean"] == pytest.approx(means["status quo"].mean())
        half = stats.t.ppf(0.975, REPLICATES - 1) * differences.std(ddof=1) / np.sqrt(REPLICATES)
        assert (one["ci_low"], one["ci_high"]) == pytest.approx((differences.mean() - half, differences.mean() + half))
        shown = effect_table(result.analysis, [metric])[f"{scenario} − reference"].iloc[0]
        assert shown.startswith(_signed(differences.mean()))


def _signed(value: float) -> str:
    if abs(value) < 10:
        return f"{value:+.3f}"
    if abs(value) < 1000:
        return f"{value:+.1f}"
    return f"{value:+,.0f}"


def test_replicates_run_the_same_seed_across_choices(finished):
    result, _ = finished
    seeds = result.data.groupby(["scenario", "replicate"])["seed"].first().unstack("scenario")
    assert (seeds.nunique(axis=1) == 1).all()
    assert seeds.iloc[:, 0].nunique() == REPLICATES


def test_a_run_reproduces_outside_the_experiment(finished):
    result, _ = finished
    data = result.data
    first = data[(data["scenario"] == "more centres") & (data["replicate"] == 0)]
    model = CommunityModel(rng=int(first["seed"].iloc[0]), n_residents=RESIDENTS, policy="centres", n_centres=5)
    for _ in range(STEPS):
        model.step()
    assert model.datacollector.model_vars["rate_any"] == pytest.approx(first["rate_any"].tolist())


def test_downloads_and_responses_come_from_the_analysis(finished):
    result, _ = finished
    csv = effects_csv(result.analysis)
    assert csv.splitlines()[0].startswith("point,scenario,window,metric,difference")
    assert len(csv.splitlines()) == len(result.analysis.effects) + 1
    response = response_table(result.analysis, "rate_any")
    assert list(response.columns) == ["point", "mean", "ci_low", "ci_high", "n"]
    assert response["n"].eq(REPLICATES).all()


def test_interval_of_is_a_t_interval():
    mean, low, high = interval_of([1.0, 2.0, 3.0])
    half = stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)
    assert (mean, low, high) == pytest.approx((2.0, 2.0 - half, 2.0 + half))


def test_a_failing_run_stops_the_experiment_with_its_error(tmp_path, monkeypatch):
    """A model that breaks in week one (patched in this process; the inline executor runs it here)."""
    original = CommunityModel.step

    def broken(self):
        if self.policy == "centres":
            raise ZeroDivisionError("no residents left in building 3")
        original(self)

    monkeypatch.setattr(CommunityModel, "step", broken)
    spec = compare([Choice("base", "baseline"), Choice("centres", "centres")])
    folder = tmp_path / "failing"
    with pytest.raises(RuntimeError, match=r"^2 of 4 runs failed; first error: ZeroDivisionError: no residents left"):
        run_experiment(spec, folder)
    runs = ExperimentStore(folder).read_runs()
    assert sorted(runs["status"]) == ["done", "done", "failed", "failed"]
    assert not (folder / "report.md").exists()


# ------------------------------------------------------------------ past experiments


def write_manifest(folder: Path, content: dict) -> None:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(content), encoding="utf-8")


def test_past_experiments_are_found_one_and_two_levels_down_newest_first(tmp_path):
    write_manifest(
        tmp_path / "old_sweep",
        {"spec": {"description": "an old sweep"}, "run_keys": ["a", "b"], "updated": "2026-01-05T10:00:00+00:00"},
    )
    write_manifest(
        tmp_path / "dashboard" / "compare-x",
        {"spec": {"description": "from the page"}, "run_keys": ["a"], "updated": "2026-03-01T09:00:00+00:00"},
    )
    (tmp_path / "dashboard" / "compare-x" / "report.md").write_text("# compare\n", encoding="utf-8")
    write_manifest(tmp_path / "scenario_run", {"name": "a run", "updated": "2026-04-01T00:00:00+00:00"})
    write_manifest(tmp_path / "a" / "b" / "too_deep", {"spec": {}, "updated": "2026-05-01T00:00:00+00:00"})
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{not json", encoding="utf-8")

    found = past_experiments(tmp_path)
    assert [entry["name"] for entry in found] == ["dashboard/compare-x", "old_sweep"]
    newest, oldest = found
    assert newest["folder"] == tmp_path / "dashboard" / "compare-x"
    assert newest["report"] == tmp_path / "dashboard" / "compare-x" / "report.md"
    assert newest["description"] == "from the page" and newest["runs"] == 1
    assert oldest["report"] is None and oldest["runs"] == 2
    assert past_experiments(tmp_path / "nothing_here") == []


def test_the_real_comparison_is_listed_among_past_experiments(finished):
    result, _ = finished
    root = result.folder.parent.parent
    found = past_experiments(root)
    assert [entry["name"] for entry in found] == ["dashboard/compare-test"]
    assert found[0]["runs"] == 3 * REPLICATES and found[0]["report"] == result.report


def test_a_new_folder_is_fresh_and_under_dashboard(tmp_path):
    first, second = new_folder(tmp_path, "sweep"), new_folder(tmp_path, "sweep")
    assert first != second
    assert first.parent == tmp_path / "dashboard" and first.name.startswith("sweep-")
    assert not first.exists()


def test_the_readable_report_drops_image_links_only(tmp_path):
    path = tmp_path / "report.md"
    path.write_text(
        "# Title\n\n![Time series](figures/timeseries.png)\nText with a [link](https://example.org).\n"
        "![](figures/effects.png)\n## Effects\n",
        encoding="utf-8",
    )
    text = readable_report(path)
    assert text == "# Title\n\nText with a [link](https://example.org).\n## Effects\n"


def test_readable_report_of_a_real_report_has_no_images_left(finished):
    result, _ = finished
    raw = result.report.read_text(encoding="utf-8")
    assert "![" in raw
    text = readable_report(result.report)
    assert "![" not in text and "figures/" not in text
    assert text.splitlines()[0] == raw.splitlines()[0]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["centres", "centres", "baseline", "centres"], ["centres", "centres 2", "baseline", "centres 3"]),
        (["a", "b"], ["a", "b"]),
        ([], []),
    ],
)
def test_unique_labels_number_the_repeats(names, expected):
    assert unique_labels(names) == expected
