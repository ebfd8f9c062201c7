"""Plans: spawned seeds shared across scenarios, run keys, and specs rejected with file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from commsim.config import ConfigError
from commsim.experiments.plan import load_plan, make_plan
from commsim.experiments.spec import ExperimentSpec
from commsim.provenance import seed_integer

SMALL = {"profile": "old_inner_city", "n_residents": 100}


def spec(**fields) -> ExperimentSpec:
    defaults = {"name": "t", "base": SMALL, "steps": 3, "replicates": 3}
    return ExperimentSpec(**(defaults | fields))


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_scenarios_share_seeds_and_points_and_replicates_do_not():
    plan = make_plan(
        spec(
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


def test_seeds_are_spawned_from_the_root_per_point_and_replicate():
    plan = make_plan(spec(seed=99, replicates=2, factors=[{"name": "n_centres", "values": [1, 2]}]))
    _, runs_sequence = np.random.SeedSequence(99).spawn(2)
    expected = [seed_integer(child) for point in runs_sequence.spawn(2) for child in point.spawn(2)]
    assert [run.seed for run in plan.runs] == expected


def test_keys_identify_parameters_seed_and_horizon():
    plan = make_plan(spec(factors=[{"name": "n_centres", "values": [1, 2]}]))
    keys = [run.key for run in plan.runs]
    assert len(set(keys)) == len(keys)
    assert [run.key for run in make_plan(spec(factors=[{"name": "n_centres", "values": [1, 2]}])).runs] == keys
    longer = make_plan(spec(steps=4, factors=[{"name": "n_centres", "values": [1, 2]}]))
    assert not set(run.key for run in longer.runs) & set(keys)
    # More replicates keep the keys of the runs the smaller plan had.
    more = make_plan(spec(replicates=5, factors=[{"name": "n_centres", "values": [1, 2]}]))
    assert set(keys) < {run.key for run in more.runs}


def test_a_preset_and_the_same_values_spelled_out_give_the_same_key():
    by_default = make_plan(spec(replicates=1))
    spelled = make_plan(spec(replicates=1, base=SMALL | {"policy": "baseline", "council_interval_weeks": 13}))
    assert by_default.runs[0].key == spelled.runs[0].key


def test_factor_values_reach_the_run_parameters_and_linked_factors_set_all():
    plan = make_plan(
        spec(
            replicates=1,
            factors=[
                {"name": "library", "sets": ["library_share_red", "library_share_green"], "values": [0.0, 0.5]},
            ],
        )
    )
    assert [run.parameters["library_share_red"] for run in plan.runs] == [0.0, 0.5]
    assert [run.parameters["library_share_green"] for run in plan.runs] == [0.0, 0.5]


def test_a_declared_parameter_without_values_uses_its_declared_range_and_type():
    plan = make_plan(spec(replicates=1, factors=[{"name": "time_bank"}, {"name": "disclosure"}]))
    assert plan.design["time_bank"].tolist() == [False, False, False, True, True, True]
    assert plan.design["disclosure"].tolist()[:3] == ["none", "semiannual", "monthly"]


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
def test_bad_specs_name_file_line_field_and_reason(tmp_path, text, line, field, reason):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert f"{path}:{line}: {field}" in message
    assert reason in message


def test_csv_designs_are_read_next_to_the_spec_and_checked(tmp_path):
    (tmp_path / "points.csv").write_text("n_centres,inclusiveness\n1,0.1\n3,0.4\n", encoding="utf-8")
    path = write(
        tmp_path,
        """\
        name: t
        base: {n_residents: 100}
        factors:
          - {name: n_centres, range: [1, 5]}
          - {name: inclusiveness, range: [0.0, 0.5]}
        design: {kind: csv, file: points.csv}
        replicates: 1
        steps: 2
        """,
    )
    plan = load_plan(path)
    assert plan.design[["n_centres", "inclusiveness"]].values.tolist() == [[1, 0.1], [3, 0.4]]
    (tmp_path / "points.csv").write_text("n_centres,inclusiveness\n1,0.1\n9,0.4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"points.csv:3: n_centres: 9 is outside 1-5"):
        load_plan(path)


def test_function_targets_are_checked_against_their_signature(tmp_path):
    path = write(
        tmp_path,
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


def test_the_points_of_a_csv_design_enter_the_spec_hash(tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("n_centres\n1\n2\n", encoding="utf-8")
    text = (
        "name: t\nbase: {n_residents: 100}\nfactors:\n  - {name: n_centres, range: [1, 5]}\n"
        "design: {kind: csv, file: points.csv}\n"
    )
    path = write(tmp_path, text)
    first = load_plan(path).spec_hash
    points.write_text("n_centres\n1\n3\n", encoding="utf-8")
    assert load_plan(path).spec_hash != first
