"""Comparisons and sweeps started from the dashboard: specs, a real tiny run, its effects, past experiments."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tests.file_digests import digests

from commsim.config.paths import project_root, shipped_reports
from commsim.dashboard import sweep as sweep_page
from commsim.dashboard.history import (
    figure_title,
    interactive_view,
    past_experiments,
    readable_report,
    reopen,
    report_figures,
    visible_to,
)
from commsim.dashboard.jobs import (
    Choice,
    SweepFactor,
    check_size,
    comparison_spec,
    effect_table,
    effects_csv,
    interval_of,
    new_folder,
    plan_size,
    response_table,
    run_experiment,
    sweep_spec,
    unique_labels,
)
from commsim.dashboard.settings import LIMITS, LimitError
from commsim.experiments.plan import load_plan, make_plan
from commsim.experiments.spec import ExperimentSpec
from commsim.experiments.store import ExperimentStore
from commsim.model import CommunityModel
from commsim.runs.labels import KEY_METRICS, format_metric, metric_label

STEPS, REPLICATES, RESIDENTS = 13, 2, 200
OWNER, OTHER = "0123456789abcdef", "fedcba9876543210"
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
    folder = new_folder(tmp_path_factory.mktemp("results"), "compare", OWNER)
    progress: list[tuple[int, int]] = []
    result = run_experiment(compare(CHOICES), folder, on_progress=lambda done, total: progress.append((done, total)))
    return result, progress


# ------------------------------------------------------------------ specs


@pytest.mark.parametrize("count", [0, 1, 5])
def test_a_comparison_needs_two_to_four_choices(count):
    choices = [Choice(f"choice {index}", "baseline") for index in range(count)]
    with pytest.raises(LimitError, match=f"choose 2 to 4 packages or lever sets to compare, not {count}"):
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
    from commsim.config.yaml_files import ConfigError

    spec = compare([Choice("a", "baseline"), Choice("b", "centres", {"targeted_share_elderly": 0.95})])
    with pytest.raises(ConfigError, match="targeted_share_elderly"):
        plan_size(spec)[1]


# What a websocket client can send that no control offers: every value is checked when the spec is built.
HOSTILE_COMPARISONS = [
    ({"n_residents": 2_000_000}, "residents: 2,000,000 is outside the range the dashboard allows (100 to 5,000)"),
    ({"steps": 5200}, "weeks: 5,200 is outside the range the dashboard allows (13 to 260)"),
    ({"replicates": 100_000}, "replicates: 100,000 is outside the range the dashboard allows (2 to 30)"),
    ({"replicates": 1}, "replicates: 1 is outside the range"),
    ({"seed": -1}, "seed: -1 is outside the range"),
    ({"seed": 2**64}, "seed: 18,446,744,073,709,551,616 is outside the range"),
    ({"n_residents": float("nan")}, "residents: not a number; give a finite number"),
    ({"steps": "52"}, "weeks: expected a number, got '52'"),
    ({"profile": "../../../etc/passwd"}, "unknown community profile '../../../etc/passwd'"),
]


@pytest.mark.parametrize(("fields", "message"), HOSTILE_COMPARISONS)
def test_a_comparison_out_of_bounds_is_refused_naming_the_bound(fields, message):
    with pytest.raises(LimitError, match=re.escape(message)):
        compare([Choice("a", "baseline"), Choice("b", "centres")], **fields)


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (Choice("b", "free_lunch"), "unknown policy package 'free_lunch'"),
        (Choice("b", "centres", {"n_centres": 2000}), "n_centres: 2,000 is outside the range the dashboard allows"),
        (Choice("b", "centres", {"n_residents": 10**6}), "'n_residents': not a lever parameter the dashboard edits"),
        (Choice("x" * 61, "centres"), "at most 60 characters"),
        (Choice("two\nlines", "centres"), "only printable characters, on one line"),
        (Choice("   ", "centres"), "every choice needs a label"),
        (Choice(None, "centres"), "every choice needs a label"),
    ],
)
def test_a_choice_no_control_could_make_is_refused(choice, message):
    with pytest.raises(LimitError, match=re.escape(message)):
        compare([Choice("a", "baseline"), choice])


def test_a_hostile_label_is_kept_as_text_in_the_spec():
    spec = compare([Choice("<img src=x onerror=alert(1)>", "baseline"), Choice("{{ 7*7 }} $\\frac$", "centres")])
    assert spec.scenario_names == ["<img src=x onerror=alert(1)>", "{{ 7*7 }} $\\frac$"]


HOSTILE_SWEEPS = [
    (
        [SweepFactor("n_centres", 0, 2000, 5)],
        {},
        "n_centres: 2,000 is outside the range the dashboard allows (0 to 40)",
    ),
    ([SweepFactor("n_centres", 0, 4, 5000)], {}, "levels: 5,000 is outside the range the dashboard allows (2 to 9)"),
    ([SweepFactor("n_centres", 0, 4, 1)], {}, "levels: 1 is outside the range"),
    ([SweepFactor("n_centres", 4, 0, 2)], {}, "n_centres: the range runs from 4 down to 0"),
    ([SweepFactor("homophily", 0, 1, 2)], {}, "'homophily': not a lever parameter a sweep can vary"),
    ([SweepFactor("time_bank", 0, 1, 2)], {}, "'time_bank': not a lever parameter a sweep can vary"),
    ([SweepFactor("../x", 0, 1, 2)], {}, "'../x': not a lever parameter a sweep can vary"),
    ([SweepFactor("inclusiveness", float("nan"), 1.0, 2)], {}, "inclusiveness: not a number; give a finite number"),
    ([SweepFactor("n_centres", 0, 4, 2)], {"n_residents": 2_000_000}, "residents: 2,000,000 is outside the range"),
    ([SweepFactor("n_centres", 0, 4, 2)], {"n_residents": 5000}, "the dashboard allows (100 to 2,000)"),
    ([SweepFactor("n_centres", 0, 4, 2)], {"replicates": 11}, "replicates per point: 11 is outside the range"),
    ([SweepFactor("n_centres", 0, 4, 2)], {"steps": 10**9}, "weeks: 1,000,000,000 is outside the range"),
    ([SweepFactor("n_centres", 0, 4, 2)], {"policy": "../policies/centres"}, "unknown policy package"),
    ([SweepFactor("n_centres", 0, 4, 2)], {"overrides": {"n_residents": 10**6}}, "not a lever parameter"),
]


@pytest.mark.parametrize(("factors", "fields", "message"), HOSTILE_SWEEPS)
def test_a_sweep_out_of_bounds_is_refused_naming_the_bound(factors, fields, message):
    with pytest.raises(LimitError, match=re.escape(message)):
        sweep(factors, **fields)


def test_a_sweep_over_the_run_limit_is_refused_with_the_count(tmp_path):
    spec = sweep([SweepFactor("n_centres", 0, 8, 9), SweepFactor("inclusiveness", 0.0, 1.0, 9)], replicates=10)
    runs = plan_size(spec)[1]
    assert runs == 810 > LIMITS.max_runs
    with pytest.raises(LimitError, match=re.escape("810 runs: at most 400 runs from the dashboard")):
        check_size(spec, runs)
    with pytest.raises(LimitError, match="810 runs"):
        run_experiment(spec, tmp_path / "never-written")
    assert not (tmp_path / "never-written").exists()


@pytest.mark.parametrize("count", [0, 3])
def test_a_sweep_varies_one_or_two_levers(count):
    factors = [
        SweepFactor(name, 0.0, 1.0, 2) for name in ("inclusiveness", "leader_coverage", "platform_reach")[:count]
    ]
    with pytest.raises(LimitError, match=f"a dashboard sweep varies one or two levers, not {count}"):
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
    assert table["metric"].tolist()[:3] == [
        metric_label("rate_any"),
        metric_label("rate_activities"),
        metric_label("rate_deliberation"),
    ]
    assert len(table) == len(KEY_METRICS)
    number = r"[+-]?[\d,]+(\.\d+)?|–"
    pattern = re.compile(rf"^({number})( pp)? \[({number}), ({number})\]$")
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
        assert shown.startswith(format_metric(metric, differences.mean(), difference=True))


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


def test_the_analysis_and_report_are_written_under_the_folders_lock(tmp_path, monkeypatch):
    """No other commsim command can write the folder between the runs and the report, as for `commsim sweep`."""
    import commsim.dashboard.jobs as jobs

    held: list[bool | None] = []
    for name in ("analyze", "write_report"):
        original = getattr(jobs, name)

        def watched(plan, store, *rest, original=original):
            held.append(ExperimentStore(store.folder).in_use())  # another holder, seen from a second lock
            return original(plan, store, *rest)

        monkeypatch.setattr(jobs, name, watched)
    folder = tmp_path / "locked"
    run_experiment(compare([Choice("base", "baseline"), Choice("centres", "centres")]), folder)
    assert held == [True, True]
    assert ExperimentStore(folder).in_use() is False  # released once the job is done


def test_a_folder_another_command_holds_is_refused_and_left_as_it_was(tmp_path):
    from filelock import FileLock

    from commsim.experiments.folder import FolderBusyError

    folder = tmp_path / "busy"
    folder.mkdir()
    with (
        FileLock(folder / ".commsim.lock", timeout=0),  # a `commsim sweep --out` into the same folder
        pytest.raises(FolderBusyError, match="is in use by another commsim command"),
    ):
        run_experiment(compare([Choice("base", "baseline"), Choice("centres", "centres")]), folder)
    assert sorted(path.name for path in folder.iterdir()) == [".commsim.lock"]


# ------------------------------------------------------------------ past experiments


def write_manifest(folder: Path, content: dict) -> None:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(content), encoding="utf-8")


MINE = f"compare-20260301-090000-{OWNER}-0a1b2c3d"
THEIRS = f"sweep-20260302-090000-{OTHER}-0a1b2c3d"


def test_past_experiments_are_found_one_and_two_levels_down_newest_first(tmp_path):
    write_manifest(
        tmp_path / "old_sweep",
        {"spec": {"description": "an old sweep"}, "run_keys": ["a", "b"], "updated": "2026-01-05T10:00:00+00:00"},
    )
    write_manifest(
        tmp_path / "dashboard" / MINE,
        {"spec": {"description": "from the page"}, "run_keys": ["a"], "updated": "2026-03-01T09:00:00+00:00"},
    )
    (tmp_path / "dashboard" / MINE / "report.md").write_text("# compare\n", encoding="utf-8")
    write_manifest(tmp_path / "scenario_run", {"name": "a run", "updated": "2026-04-01T00:00:00+00:00"})
    write_manifest(tmp_path / "a" / "b" / "too_deep", {"spec": {}, "updated": "2026-05-01T00:00:00+00:00"})
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{not json", encoding="utf-8")

    found = past_experiments(tmp_path, OWNER)
    assert [entry["name"] for entry in found] == [f"dashboard/{MINE}", "old_sweep"]
    newest, oldest = found
    assert newest["folder"] == tmp_path / "dashboard" / MINE
    assert newest["report"] == tmp_path / "dashboard" / MINE / "report.md"
    assert newest["description"] == "from the page" and newest["runs"] == 1
    assert oldest["report"] is None and oldest["runs"] == 2
    assert past_experiments(tmp_path / "nothing_here", OWNER) == []


def test_a_session_sees_the_shared_experiments_and_only_its_own_dashboard_jobs(tmp_path):
    spec = {"spec": {"description": "x"}, "run_keys": [], "updated": "2026-01-01"}
    for name in ("smoke", "validation/claims", f"dashboard/{MINE}", f"dashboard/{THEIRS}", "dashboard/compare-old"):
        write_manifest(tmp_path / name, spec)
    mine = [entry["name"] for entry in past_experiments(tmp_path, OWNER)]
    theirs = [entry["name"] for entry in past_experiments(tmp_path, OTHER)]
    assert sorted(mine) == sorted(["smoke", "validation/claims", f"dashboard/{MINE}"])
    assert sorted(theirs) == sorted(["smoke", "validation/claims", f"dashboard/{THEIRS}"])
    # a folder under dashboard/ without an owner token (older, or put there by hand) is nobody's
    assert not visible_to("dashboard/compare-old", OWNER)
    assert not visible_to(f"dashboard/{MINE}/nested", OWNER)
    assert visible_to("smoke", OWNER) and visible_to(f"dashboard/{MINE}", OWNER)


@pytest.mark.parametrize(
    "content",
    [
        {"spec": []},
        {"spec": "x"},
        [1, 2],
        "text",
        {"spec": {"description": ["<b>not text</b>"]}, "run_keys": 7, "updated": {"x": 1}},
    ],
)
def test_a_manifest_of_the_wrong_shape_never_breaks_the_list(tmp_path, content):
    write_manifest(tmp_path / "odd", content)
    write_manifest(tmp_path / "fine", {"spec": {"description": "fine"}, "run_keys": ["a"]})
    found = {entry["name"]: entry for entry in past_experiments(tmp_path, OWNER)}
    assert found["fine"]["description"] == "fine"
    if "odd" in found:
        assert found["odd"]["description"] == "" and found["odd"]["runs"] == 0 and found["odd"]["updated"] == ""


def test_links_out_of_the_results_folder_are_not_followed(tmp_path):
    root, outside = tmp_path / "results", tmp_path / "elsewhere"
    write_manifest(outside / "secret_experiment", {"spec": {"description": "not here"}})
    (outside / "private.md").write_text("# private notes\n", encoding="utf-8")
    (outside / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 10)
    write_manifest(root / "linked_report", {"spec": {"description": "x"}})
    (root / "linked_report" / "report.md").symlink_to(outside / "private.md")
    (root / "linked_report" / "figures").mkdir()
    (root / "linked_report" / "figures" / "a.png").symlink_to(outside / "figure.png")
    root.joinpath("linked_folder").symlink_to(outside / "secret_experiment")

    found = {entry["name"]: entry for entry in past_experiments(root, OWNER)}
    assert list(found) == ["linked_report"]
    assert found["linked_report"]["report"] is None
    with pytest.raises(OSError, match="not a file inside the results folder"):
        readable_report(root / "linked_report" / "report.md", root)
    assert report_figures(root / "linked_report", root) == []


def test_a_huge_report_is_cut_at_the_limit_and_says_so(tmp_path):
    path = tmp_path / "report.md"
    path.write_bytes(b"# big\n" + b"x" * (LIMITS.report_bytes * 3))
    text = readable_report(path, tmp_path)
    assert len(text) < LIMITS.report_bytes + 200
    assert text.rstrip().endswith("the rest is not shown here.*")


def test_a_report_that_is_not_utf8_is_shown_with_replacement_characters(tmp_path):
    path = tmp_path / "report.md"
    path.write_bytes(b"# caf\xe9\n\x00\xff")
    assert readable_report(path, tmp_path).startswith("# caf\ufffd")


def test_a_folder_reached_again_through_a_link_is_listed_once(tmp_path):
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"spec": {"description": "d"}, "runs": []}), encoding="utf-8")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)  # loop/sweep is sweep again
    assert [entry["name"] for entry in past_experiments(tmp_path, OWNER)] == ["sweep"]


def test_only_small_png_figures_are_shown(tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    png = b"\x89PNG\r\n\x1a\n"
    (figures / "a.png").write_bytes(png + b"0")
    (figures / "b.png").write_bytes(b"<svg onload=alert(1)>")
    (figures / "c.png").write_bytes(png + b"0" * LIMITS.figure_bytes)
    assert report_figures(tmp_path, tmp_path) == [figures / "a.png"]


def test_the_real_comparison_is_listed_among_past_experiments(finished):
    result, _ = finished
    root = result.folder.parent.parent
    found = past_experiments(root, OWNER)
    assert [entry["name"] for entry in found] == [f"dashboard/{result.folder.name}"]
    assert found[0]["runs"] == 3 * REPLICATES and found[0]["report"] == result.report
    assert past_experiments(root, OTHER) == []


@pytest.mark.parametrize(
    ("experiment", "view"),
    [
        ("centre_coverage", "sweep"),  # one numeric lever, one scenario: the Sweep page's curve
        ("smoke", None),  # a lever under two scenarios: one curve would mix them
        ("policy_packages", None),  # a grid over profiles: no numeric axis
        ("lever_sensitivity", None),  # not a grid
        ("validation_sensitivity", None),  # Saltelli
    ],
)
def test_only_comparisons_and_numeric_single_scenario_sweeps_are_drawn_again(experiment, view):
    assert interactive_view(load_plan(project_root() / "experiments" / f"{experiment}.yaml")) == view


SMALL_GRID = {"name": "grid", "base": {"n_residents": 100}, "steps": 4, "replicates": 1}


@pytest.mark.parametrize(
    ("changes", "view"),
    [
        ({"factors": [{"name": "n_centres", "values": [1, 2]}]}, "sweep"),
        ({"factors": [{"name": "n_centres", "values": [1, 2]}, {"name": "points_per_act", "range": [0, 5]}]}, "sweep"),
        ({"scenarios": {"a": {"policy": "baseline"}, "b": {"policy": "centres"}}}, "comparison"),
        # a factor that sets several parameters has no lever's name for the curve's axis
        ({"factors": [{"name": "orgs", "sets": ["n_red_orgs", "n_white_orgs"], "values": [1, 2]}]}, None),
        ({"factors": [{"name": "time_bank", "values": [0, 1]}]}, None),  # a bool lever, given as numbers
        ({"factors": [{"name": "n_centres", "values": [1, 2]}], "output": {"metrics": ["mean_belonging"]}}, None),
        (
            {
                "target": "commsim.experiments.reference:linear",
                "base": {},
                "factors": [{"name": "x1", "values": [0, 1]}],
            },
            None,
        ),
    ],
)
def test_only_what_the_pages_run_themselves_is_drawn_again(changes, view):
    assert interactive_view(make_plan(ExperimentSpec(**{**SMALL_GRID, **changes}))) == view


def test_a_crafted_report_of_image_openers_is_read_in_one_pass(tmp_path):
    path = tmp_path / "report.md"
    path.write_text("# Title\n" + "![" * 200_000 + "\n  ![x](figures/a.png)\nend ![inline](x.png)\n", encoding="utf-8")
    # a pattern over "![...](...)" backtracked here for seconds; image lines go, and the
    # sanitiser drops an inline image (img is not an allowed tag)
    assert readable_report(path, tmp_path) == "# Title\nend ![inline](x.png)\n"


def test_a_figure_swapped_for_a_link_out_after_listing_is_not_shown(tmp_path, monkeypatch):
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG\r\n\x1a\nsecret")
    root = tmp_path / "results"
    figures = root / "sweep" / "figures"
    figures.mkdir(parents=True)
    (figures / "a.png").write_bytes(b"\x89PNG\r\n\x1a\nmine")
    listed = sweep_page.report_figures(root / "sweep", root)
    (figures / "a.png").unlink()
    (figures / "a.png").symlink_to(outside)  # swapped between the listing and the read
    monkeypatch.setattr(sweep_page, "report_figures", lambda folder, root: listed)
    assert sweep_page._read_figures(root / "sweep", root) == []


def test_a_shipped_record_is_reopened_for_its_report_only_and_left_untouched():
    root = shipped_reports()
    before = digests(root, locks=False)
    with pytest.raises(ValueError, match="neither a comparison nor a sweep of one or two numeric levers"):
        reopen(root / "smoke", root)  # its data is shipped, but it runs under two scenarios
    with pytest.raises(ValueError, match=r"keeps no consolidated data \(data.parquet\)"):
        reopen(root / "centre_coverage", root)  # its runs are not shipped
    assert digests(root, locks=False) == before


def test_a_new_folder_is_fresh_under_dashboard_and_names_its_owner(tmp_path):
    first, second = new_folder(tmp_path, "sweep", OWNER), new_folder(tmp_path, "sweep", OWNER)
    assert first != second
    assert first.parent == tmp_path / "dashboard" and first.name.startswith("sweep-")
    assert visible_to(f"dashboard/{first.name}", OWNER) and not visible_to(f"dashboard/{first.name}", OTHER)
    assert not first.exists()
    for kind, owner in [("../x", OWNER), ("sweep", "../../etc"), ("sweep", "")]:
        with pytest.raises(ValueError):
            new_folder(tmp_path, kind, owner)


def test_the_readable_report_drops_image_links_only(tmp_path):
    path = tmp_path / "report.md"
    path.write_text(
        "# Title\n\n![Time series](figures/timeseries.png)\nText with a [link](https://example.org).\n"
        "![](figures/effects.png)\n## Effects\n",
        encoding="utf-8",
    )
    text = readable_report(path, tmp_path)
    assert text == "# Title\n\nText with a [link](https://example.org).\n## Effects\n"


def test_readable_report_of_a_real_report_has_no_images_left(finished):
    result, _ = finished
    raw = result.report.read_text(encoding="utf-8")
    assert "![" in raw
    text = readable_report(result.report, result.folder.parent.parent)
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


def test_report_figures_are_named_in_plain_words():
    """Download buttons name what a figure shows, not its file name ("response n centres")."""
    names = ["response_n_centres", "timeseries", "sobol_base", "heatmap", "response_not_a_parameter", "other_thing"]
    assert [figure_title(Path(f"{name}.png")) for name in names] == [
        "Response to Service centres",
        "Time series",
        "Sobol indices (base)",
        "Two levers",
        "Response to not a parameter",
        "other thing",
    ]
