import copy
from pathlib import Path

import pytest
import yaml

from commsim.cli import main

MODEL_SPEC = {
    "name": "tiny_design",
    "base": {"n_residents": 60},
    "profiles": {"old": {"profile": "old_inner_city"}},
    "levers": [{"name": "leader_coverage", "range": [0.0, 1.0]}, {"name": "time_bank", "values": [False, True]}],
    "objectives": [
        {"metric": "rate_any", "sense": "maximise"},
        {"metric": "cost_per_household_year", "sense": "minimise"},
    ],
    "constraints": [{"metric": "cost_per_household_year", "max": 5000}],
    "replicates": 1,
    "final_replicates": 2,
    "steps": 6,
    "window": 4,
    "search": {"population": 4, "generations": 1},
    "discovery": {"metric": "rate_any", "at_least": 0.1},
}


def _write(tmp_path: Path, spec: dict) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def _broken(change):
    spec = copy.deepcopy(MODEL_SPEC)
    change(spec)
    return spec


BAD = {
    "unknown lever": (
        lambda s: s["levers"][0].update(name="no_such_lever"),
        r"spec.yaml:\d+: levers.0.name: .*not a policy",
    ),
    "profile parameter as lever": (lambda s: s["levers"][0].update(name="n_residents"), r"levers.0.name"),
    "out of declared range": (lambda s: s["levers"][0].update(range=[0.0, 3.0]), r"spec.yaml:\d+: levers.0.range"),
    "range for a true/false lever": (
        lambda s: s["levers"].append({"name": "platform_booking", "range": [0, 1]}),
        r"levers.2.range: a bool lever takes values",
    ),
    "unknown metric": (lambda s: s["objectives"][0].update(metric="happiness"), r"spec.yaml:\d+: objectives.0.metric"),
    "unknown sense": (lambda s: s["objectives"][0].update(sense="improve"), r"spec.yaml:\d+: objectives.0.sense"),
    "constraint without bound": (lambda s: s["constraints"][0].pop("max"), r"spec.yaml:\d+: constraints.0"),
    "no profiles": (lambda s: s.update(profiles={}), r"spec.yaml:\d+: profiles"),
    "unknown profile": (lambda s: s["profiles"]["old"].update(profile="atlantis"), r"profiles.old.profile"),
    "final below search replicates": (lambda s: s.update(replicates=3, final_replicates=2), r"final_replicates"),
    "unknown key": (lambda s: s.update(budget=3), r"spec.yaml:\d+: budget"),
    "an objective twice": (
        lambda s: s["objectives"].append({"metric": "rate_any", "sense": "minimise"}),
        r"spec.yaml:\d+: objectives: .*listed twice",
    ),
    "bad robustness": (lambda s: s.update(robustness="best"), r"spec.yaml:\d+: robustness"),
    "lever fixed in base": (lambda s: s["base"].update(time_bank=True), r"spec.yaml:\d+: base.time_bank"),
    "cost for a function": (
        lambda s: s.update(target="commsim.experiments.reference:trade_off", levers=[{"name": "x", "range": [0, 1]}]),
        r"cost_per_household_year is priced for commsim's model only",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_spec_is_one_line_naming_file_line_and_field_and_writes_nothing(case, tmp_path, capsys):
    import re

    change, expected = BAD[case]
    path = _write(tmp_path, _broken(change))
    out = tmp_path / "out"
    assert main(["design", str(path), "--out", str(out), "--executor", "inline", "--quiet"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1, error
    assert re.search(expected, error), error
    assert not out.exists()


def test_a_missing_spec_file_is_exit_2(tmp_path, capsys):
    assert main(["design", str(tmp_path / "none.yaml"), "--out", str(tmp_path / "out")]) == 2
    assert "no such design spec" in capsys.readouterr().err


def test_the_model_design_runs_resumes_only_when_asked_and_dry_runs_write_nothing(tmp_path, capsys):
    path = _write(tmp_path, MODEL_SPEC)
    out = tmp_path / "out"
    assert main(["design", str(path), "--out", str(out), "--dry-run"]) == 0
    assert "Nothing was written" in capsys.readouterr().out and not out.exists()
    assert main(["design", str(path), "--out", str(out), "--executor", "inline", "--quiet"]) == 0
    assert "Report:" in capsys.readouterr().out
    report = (out / "report.md").read_text()
    assert "yuan per household per year" in report
    before = sorted(path.name for path in (out / "runs").iterdir())
    assert main(["design", str(path), "--out", str(out), "--executor", "inline", "--quiet"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["design", str(path), "--out", str(out), "--executor", "inline", "--quiet", "--resume"]) == 0
    assert "0 runs executed" in capsys.readouterr().out
    assert sorted(path.name for path in (out / "runs").iterdir()) == before
    other = _write(tmp_path, MODEL_SPEC | {"replicates": 2, "final_replicates": 3})
    assert main(["design", str(other), "--out", str(out), "--resume", "--quiet"]) == 2
    assert "another design" in capsys.readouterr().err


def test_a_folder_of_other_files_is_refused_untouched(tmp_path, capsys):
    path = _write(tmp_path, MODEL_SPEC)
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    assert main(["design", str(path), "--out", str(out), "--executor", "inline", "--quiet"]) == 2
    assert "did not write" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]


def test_a_price_change_reprices_the_stored_runs_without_running_them(tmp_path, monkeypatch, capsys):
    import json
    import shutil

    import pandas as pd

    from commsim.config.paths import config_dir

    path = _write(tmp_path, MODEL_SPEC)
    out = tmp_path / "out"
    assert main(["design", str(path), "--out", str(out), "--executor", "inline", "--quiet"]) == 0
    before = pd.read_csv(out / "evaluations.csv").set_index("candidate")
    version = json.loads((out / "design.json").read_text())["costs_version"]
    configs = tmp_path / "configs"
    shutil.copytree(config_dir(), configs)
    costs = configs / "costs.yaml"
    costs.write_text(costs.read_text().replace("price: 150000", "price: 180000"))
    monkeypatch.setenv("COMMSIM_CONFIG_DIR", str(configs))
    capsys.readouterr()
    assert main(["design", str(path), "--out", str(out), "--executor", "inline", "--quiet", "--resume"]) == 0
    assert "0 runs executed" in capsys.readouterr().out
    after = pd.read_csv(out / "evaluations.csv").set_index("candidate")
    assert json.loads((out / "design.json").read_text())["costs_version"] != version
    households = 60 / 2.0  # old_inner_city: 2 persons per household
    shift = after["cost_per_household_year"] - before.loc[after.index, "cost_per_household_year"]
    assert shift.to_numpy() == pytest.approx(30000 / households)


def test_validate_tells_design_specs_and_the_costs_file(tmp_path, capsys):
    path = _write(tmp_path, MODEL_SPEC)
    assert main(["validate", str(path), "experiments/policy_design.yaml", "configs/costs.yaml"]) == 0
    out = capsys.readouterr().out
    assert "valid design spec 'tiny_design'" in out and "valid costs file" in out
    bad = _write(tmp_path, _broken(lambda s: s["objectives"][0].update(metric="happiness")))
    assert main(["validate", str(bad)]) == 2
    assert "objectives.0.metric" in capsys.readouterr().err


def test_the_shipped_design_report_keeps_its_budget_in_both_communities():
    import pandas as pd

    from commsim.config.paths import project_root
    from commsim.design.spec import load_design_spec

    root = project_root()
    spec = load_design_spec(root / "experiments" / "policy_design.yaml")
    folder = root / "docs" / "reports" / "policy_design"
    front = pd.read_csv(folder / "front.csv")
    budget = spec.constraints[0].max
    assert len(spec.profiles) == 2 and not front.empty
    for profile in spec.profiles:
        assert (front[f"cost_per_household_year@{profile}"] <= budget).all()
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "The cheapest mix found that reaches" in report and "yuan per household per year" in report
    assert "old inner-city estate" in report and "migrant-heavy" in report


def test_the_report_says_where_the_money_of_the_cheapest_mix_goes(tmp_path, capsys):
    import pandas as pd

    every_mix = {"discovery": {"metric": "rate_any", "at_least": 0.0}}
    budget = {"constraints": [{"metric": "cost_per_household_year", "max": 50000}]}  # 30 households share a centre
    path = _write(tmp_path, MODEL_SPEC | every_mix | budget)
    out = tmp_path / "out"
    assert main(["design", str(path), "--out", str(out), "--executor", "inline", "--quiet"]) == 0
    costs = pd.read_csv(out / "cheapest_costs.csv")
    front = pd.read_csv(out / "front.csv")
    assert {"item", "label", "source", "old"} <= set(costs.columns)
    assert costs["old"].sum() == pytest.approx(front["cost_per_household_year@old"].min(), rel=1e-6)
    assert not front.empty
    assert "Where the money of the cheapest mix goes" in (out / "report.md").read_text()


def test_the_dry_run_times_full_trial_runs_and_scales_them_by_the_runs_the_design_makes(tmp_path, monkeypatch):
    from commsim.design import run as design_run
    from commsim.design.spec import load_design_spec

    timed = []

    def fake_timed_run(task):
        timed.append(task)
        return 0.5

    monkeypatch.setattr(design_run, "timed_run", fake_timed_run)
    two_communities = MODEL_SPEC | {
        "profiles": {"old": {"profile": "old_inner_city"}, "new": {"profile": "migrant_heavy"}}
    }
    found = {}
    for generations in (1, 3):
        spec = load_design_spec(
            _write(tmp_path, two_communities | {"search": {"population": 4, "generations": generations}})
        )
        timed.clear()
        found[generations] = design_run.dry_run(spec, tmp_path / "none", workers=2)
        trials = timed[1:]  # the first, one step long, pays the imports
        assert len(trials) == found[generations].trials == 4  # two lever mixes in each community
        assert {task.steps for task in trials} == {spec.steps}
        assert {task.parameters["n_residents"] for task in trials} == {60}
    # generations x population x replicates x communities, then the front's extra seeds
    assert [found[g].most_runs for g in (1, 3)] == [4 * 1 * 2 + 4 * 2, 4 * 3 * 2 + 4 * 2]
    for estimate in found.values():
        assert estimate.seconds_per_run == pytest.approx(0.5)
        assert estimate.estimated_s == pytest.approx(estimate.most_runs / 2 * 0.5)
    assert found[3].estimated_s / found[1].estimated_s == pytest.approx(32 / 16)
