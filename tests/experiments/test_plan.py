"""Plans: spawned seeds shared across scenarios, run keys, sizes, and specs rejected with file, line and field."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.config.yaml_files import ConfigError
from commsim.experiments.plan import load_plan, make_plan
from commsim.experiments.spec import ExperimentSpec
from commsim.runs.provenance import seed_integer

SMALL = {"profile": "old_inner_city", "n_residents": 100}


def test_scenarios_share_seeds_and_points_and_replicates_do_not(make_spec):
    plan = make_plan(
        make_spec(
            factors=[{"name": "n_centres", "values": [1, 2]}],
            scenarios={"baseline": {"policy": "baseline"}, "centres": {"policy": "centres"}},
        )
    )
    assert len(plan.runs) == 2 * 2 * 3
    seeds = {(run.point, run.scenario, run.replicate): run.seed for run in plan.runs}
    for point in (0, 1):
        for replicate in range(3):
            assert seeds[(point, "baseline", replicate)] == seeds[(point, "centres", replicate)]
    per_point = [{seeds[(point, "baseline", r)] for r in range(3)} for point in (0, 1)]
    assert len(per_point[0]) == 3 and not per_point[0] & per_point[1]


def test_seeds_are_spawned_from_the_root_per_point_and_replicate(make_spec):
    plan = make_plan(make_spec(seed=99, replicates=2, factors=[{"name": "n_centres", "values": [1, 2]}]))
    _, runs_sequence = np.random.SeedSequence(99).spawn(2)
    expected = [seed_integer(child) for point in runs_sequence.spawn(2) for child in point.spawn(2)]
    assert [run.seed for run in plan.runs] == expected


def test_keys_identify_parameters_seed_and_horizon(make_spec):
    plan = make_plan(make_spec(factors=[{"name": "n_centres", "values": [1, 2]}]))
    keys = [run.key for run in plan.runs]
    assert len(set(keys)) == len(keys)
    assert [run.key for run in make_plan(make_spec(factors=[{"name": "n_centres", "values": [1, 2]}])).runs] == keys
    longer = make_plan(make_spec(steps=4, factors=[{"name": "n_centres", "values": [1, 2]}]))
    assert not set(run.key for run in longer.runs) & set(keys)
    # More replicates keep the keys of the runs the smaller plan had.
    more = make_plan(make_spec(replicates=5, factors=[{"name": "n_centres", "values": [1, 2]}]))
    assert set(keys) < {run.key for run in more.runs}


def test_a_preset_and_the_same_values_spelled_out_give_the_same_key(make_spec):
    by_default = make_plan(make_spec(replicates=1))
    spelled = make_plan(make_spec(replicates=1, base=SMALL | {"policy": "baseline", "council_interval_weeks": 13}))
    assert by_default.runs[0].key == spelled.runs[0].key


@pytest.mark.parametrize(
    ("text", "line", "field", "reason"),
    [
        ("name: t\nreplicates: 0\n", 2, "replicates", "greater than or equal to 1"),
        ("name: t\nfactors:\n  - name: n_centres\n    values: [1]\n    rang: [0, 1]\n", 5, "factors.0.rang", "unknown"),
        ("name: t\nbase:\n  n_residnts: 100\n", 3, "base.n_residnts", "is not a parameter"),
        ("name: t\nfactors:\n  - {name: inclusiveness, values: [0.1, 1.5]}\n", 3, "factors.0", "inclusiveness"),
        (
            "name: t\nfactors:\n  - {name: n_centres, values: [1, 2]}\nscenarios:\n  a: {n_centres: 3}\n",
            5,
            "scenarios.a.n_centres",
            "varied by factor",
        ),
        ("name: t\ntarget: no_such_module:thing\n", 2, "target", "cannot import"),
        ("name: t\noutput:\n  metrics: [rate_any, not_a_metric]\n", 3, "output.metrics", "not a metric"),
        ("name: t\nfactors:\n  - {name: n_centres, range: [1, 4]}\ndesign: {kind: lhs}\n", 4, "design", "needs points"),
        ("name: t\nfactors:\n  - {name: policy, values: [baseline, nope]}\n", 3, "factors.0", "unknown policy package"),
        (
            "name: t\nfactors:\n  - {name: x, distribution: {kind: normal, mean: 0}}\n",
            3,
            "factors.0.distribution",
            "needs sd",
        ),
    ],
)
def test_bad_specs_name_file_line_field_and_reason(tmp_path, text, line, field, reason, write_spec):
    path = write_spec(text)
    with pytest.raises(ConfigError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert f"{path}:{line}: {field}" in message
    assert reason in message


def test_function_targets_are_checked_against_their_signature(tmp_path, write_spec):
    path = write_spec(
        "name: t\ntarget: commsim.experiments.reference:ishigami\nfactors:\n  - {name: x4, range: [0, 1]}\n",
    )
    with pytest.raises(ConfigError, match=r"spec.yaml:4: factors.0.name: 'x4' is not a keyword argument"):
        load_plan(path)


def test_the_model_version_follows_the_target_module_inside_a_subpackage(tmp_path, monkeypatch):
    from commsim.experiments.targets import model_version

    package = tmp_path / "versioned"
    (package / "models").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "models" / "__init__.py").write_text("", encoding="utf-8")
    module = package / "models" / "f.py"
    module.write_text("def f(*, seed, a):\n    return {'y': a * 1.0}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = model_version("versioned.models.f:f")
    model_version.cache_clear()
    module.write_text("def f(*, seed, a):\n    return {'y': a * 2.0}\n", encoding="utf-8")
    assert model_version("versioned.models.f:f") != before


def test_the_model_version_follows_the_subpackages_its_model_is_built_from(tmp_path, monkeypatch):
    """A model at the package's top level whose processes live in a subpackage (as commsim's do)."""
    from commsim.experiments.targets import model_version

    package = tmp_path / "layered"
    (package / "processes").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "processes" / "__init__.py").write_text("", encoding="utf-8")
    rule = package / "processes" / "rule.py"
    rule.write_text("GAIN = 1.0\n", encoding="utf-8")
    (package / "model.py").write_text(
        "from layered.processes.rule import GAIN\n\ndef f(*, seed, a):\n    return {'y': a * GAIN}\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    before = model_version("layered.model:f")
    model_version.cache_clear()
    rule.write_text("GAIN = 2.0\n", encoding="utf-8")
    assert model_version("layered.model:f") != before


def test_the_points_of_a_csv_design_enter_the_spec_hash(tmp_path, write_spec):
    points = tmp_path / "points.csv"
    points.write_text("n_centres\n1\n2\n", encoding="utf-8")
    text = (
        "name: t\nbase: {n_residents: 100}\nfactors:\n  - {name: n_centres, range: [1, 5]}\n"
        "design: {kind: csv, file: points.csv}\n"
    )
    path = write_spec(text)
    first = load_plan(path).spec_hash
    points.write_text("n_centres\n1\n3\n", encoding="utf-8")
    assert load_plan(path).spec_hash != first


@pytest.mark.parametrize(
    ("text", "line", "field", "reason"),
    [
        ('name: ".."\n', 1, "name", "is not a plain folder name"),
        ('name: "."\n', 1, "name", "is not a plain folder name"),
        ('name: ".hidden"\n', 1, "name", "is not a plain folder name"),
        ('name: "/tmp/x"\n', 1, "name", "is not a plain folder name"),
        ('name: ""\n', 1, "name", "is not a plain folder name"),
        ("name: t\nfactors:\n  - {name: time_bank, range: [0, 1]}\n", 3, "factors.0.range", "a bool factor takes"),
        ("name: t\nfactors:\n  - {name: policy, range: [0, 1]}\n", 3, "factors.0.range", "a choice factor takes"),
        ("name: t\nfactors:\n  - {name: time_bank, values: [true], levels: 3}\n", 3, "factors.0", "levels goes"),
        (
            "name: t\nfactors:\n  - {name: n_centres, values: [1, 2]}\n  - {name: n_centres, values: [3]}\n",
            4,
            "factors.1.name",
            "already names factor 0",
        ),
        (
            "name: t\nfactors:\n  - {name: point, sets: [n_centres], values: [1]}\n",
            3,
            "factors.0.name",
            "cannot be called 'point'",
        ),
        ("name: t\nfactors:\n  - {name: n_centres, values: [1, 1]}\n", 3, "factors.0.values", "a level repeats"),
        ("name: t\nfactors:\n  - {name: inclusiveness, values: [.nan]}\n", 3, "factors.0.values.0", "finite"),
        ("name: t\nfactors:\n  - {name: inclusiveness, range: [0, .inf]}\n", 3, "factors.0.range.1", "finite"),
        ("name: t\nbase: {inclusiveness: .nan}\n", 2, "base.inclusiveness", "finite"),
        ("name: t\ntimeout_s: .inf\n", 2, "timeout_s", "finite"),
        ('name: t\nscenarios:\n  "a\\tb": {policy: centres}\n', 3, "scenarios", "control character"),
        ("name: t\nscenarios:\n  a: {policy: centres}\nreference: b\n", 4, "reference", "not one of the scenarios"),
    ],
)
def test_hostile_specs_are_refused_with_file_line_and_field(tmp_path, text, line, field, reason, write_spec):
    path = write_spec(text)
    with pytest.raises(ConfigError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: {field}"), message
    assert reason in message and "\n" not in message


def test_resident_weeks_are_summed_over_runs_with_residents_as_a_factor(make_spec):
    plan = make_plan(
        make_spec(
            replicates=2,
            steps=10,
            factors=[{"name": "n_residents", "values": [100, 300]}],
            scenarios={"small": {}, "other": {"policy": "centres"}},
        )
    )
    expected = sum(run.parameters["n_residents"] * 10 for run in plan.runs)
    assert plan.work.resident_weeks == expected == (100 + 300) * 10 * 2 * 2
    assert (plan.work.runs, plan.work.largest_residents) == (8, 300)


def test_residents_default_to_the_profiles_when_no_one_sets_them():
    from commsim.config.presets import resolve_parameters

    plan = make_plan(ExperimentSpec(name="t", steps=3, replicates=1, factors=[{"name": "profile"}]))
    expected = sum(resolve_parameters(run.parameters["profile"], "baseline")["n_residents"] * 3 for run in plan.runs)
    assert plan.work.resident_weeks == expected


def test_work_over_a_ceiling_is_refused_unless_allowed(monkeypatch, make_spec):
    from commsim.config import limits

    monkeypatch.setattr(limits, "MAX_RESIDENT_WEEKS", 500)
    with pytest.raises(limits.ResourceError, match=r"plans 900 resident-weeks, over the ceiling of 500"):
        make_plan(make_spec())
    assert make_plan(make_spec(), allow_large=True).work.resident_weeks == 900
    assert make_plan(make_spec(), check_size=False).work.resident_weeks == 900


def test_memory_counts_the_workers_that_hold_a_model_each(monkeypatch, make_spec):
    from commsim.config import limits

    monkeypatch.setattr(limits, "machine_memory_bytes", lambda: 100 * limits.BYTES_PER_RESIDENT / limits.MEMORY_SHARE)
    make_plan(make_spec(), workers=1)
    with pytest.raises(limits.MemoryCeilingError, match="100 residents x 2,000 bytes x 2 at once"):
        make_plan(make_spec(), workers=2, allow_large=True)


def test_keys_are_the_hash_of_what_a_run_depends_on(make_spec):
    from commsim.experiments.plan import run_key
    from commsim.experiments.targets import model_version

    plan = make_plan(make_spec(factors=[{"name": "n_centres", "values": [1, 2]}]))
    for run in plan.runs[:3]:
        identity = resolve_parameters_of(run.parameters)
        assert run.key == run_key(plan.spec, identity, run.seed, model_version(plan.spec.target))


def resolve_parameters_of(parameters: dict) -> dict:
    from commsim.config.presets import resolve_parameters

    overrides = {name: value for name, value in parameters.items() if name not in ("profile", "policy")}
    return resolve_parameters(
        parameters.get("profile", "old_inner_city"), parameters.get("policy", "baseline"), overrides
    )
