"""Factors and designs: values resolved from the declaration, designs sized before drawn, CSV designs checked."""

from __future__ import annotations

import pytest

from commsim.config.yaml_files import ConfigError
from commsim.experiments.plan import load_plan, make_plan


def test_factor_values_reach_the_run_parameters_and_linked_factors_set_all(make_spec):
    plan = make_plan(
        make_spec(
            replicates=1,
            factors=[
                {"name": "library", "sets": ["library_share_red", "library_share_green"], "values": [0.0, 0.5]},
            ],
        )
    )
    assert [run.parameters["library_share_red"] for run in plan.runs] == [0.0, 0.5]
    assert [run.parameters["library_share_green"] for run in plan.runs] == [0.0, 0.5]


def test_a_declared_parameter_without_values_uses_its_declared_range_and_type(make_spec):
    plan = make_plan(make_spec(replicates=1, factors=[{"name": "time_bank"}, {"name": "disclosure"}]))
    assert plan.design["time_bank"].tolist() == [False, False, False, True, True, True]
    assert plan.design["disclosure"].tolist()[:3] == ["none", "semiannual", "monthly"]


def test_csv_designs_are_read_next_to_the_spec_and_checked(tmp_path, write_spec):
    (tmp_path / "points.csv").write_text("n_centres,inclusiveness\n1,0.1\n3,0.4\n", encoding="utf-8")
    path = write_spec(
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


def test_an_int_factor_of_another_target_takes_whole_numbers_only(tmp_path, write_spec):
    path = write_spec(
        "name: t\ntarget: commsim.experiments.reference:linear\n"
        "factors:\n  - {name: x1, type: int, values: [1, 1.5]}\n",
    )
    with pytest.raises(ConfigError, match=r"spec.yaml:4: factors.0.values: an int factor takes whole numbers"):
        load_plan(path)


def test_a_csv_design_with_text_in_a_number_column_is_a_one_line_error(tmp_path, write_spec):
    (tmp_path / "points.csv").write_text("n_centres\n1\nmany\n", encoding="utf-8")
    path = write_spec(
        "name: t\nfactors:\n  - {name: n_centres, range: [1, 5]}\ndesign: {kind: csv, file: points.csv}\n",
    )
    with pytest.raises(ConfigError, match=r"points.csv:\d: n_centres: .* is not a finite number"):
        load_plan(path)


def test_a_huge_saltelli_design_is_refused_before_it_is_drawn(tmp_path, monkeypatch, write_spec):
    from commsim.config.limits import MAX_RUNS, ResourceError
    from commsim.experiments import designs

    def never(*args, **kwargs):
        raise AssertionError("the design was drawn")

    monkeypatch.setattr(designs, "saltelli", never)
    monkeypatch.setattr(designs, "unit_sample", never)
    path = write_spec(
        "name: t\ntarget: commsim.experiments.reference:ishigami\nfactors:\n"
        + "".join(f"  - {{name: x{i}, range: [-3, 3]}}\n" for i in (1, 2, 3))
        + "design: {kind: saltelli, points: 131072}\n",
    )
    with pytest.raises(ResourceError) as caught:
        load_plan(path)
    runs = 131072 * 5 * 5  # N x (factors + 2) points, five replicates
    assert f"{path}: plans {runs:,} runs, over the ceiling of {MAX_RUNS:,}; pass --allow-large" in str(caught.value)


def test_a_grid_of_a_trillion_points_is_refused_before_it_is_drawn(tmp_path, monkeypatch, write_spec):
    from commsim.config.limits import MemoryCeilingError
    from commsim.experiments import designs

    monkeypatch.setattr(designs, "full_grid", lambda spaces: pytest.fail("the grid was drawn"))
    factors = "".join(f"  - {{name: x{i}, range: [0, 1], levels: 1000}}\n" for i in (1, 2, 3, 4))
    path = write_spec(f"name: t\ntarget: commsim.experiments.reference:linear\nfactors:\n{factors}replicates: 1\n")
    with pytest.raises(MemoryCeilingError, match="plans 1,000,000,000,000 runs, whose plan alone needs"):
        load_plan(path, allow_large=True)  # no flag lifts what the plan itself would need


def test_a_csv_design_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path, write_spec):
    path = write_spec(
        "name: t\nfactors:\n  - {name: n_centres, range: [1, 5]}\ndesign: {kind: csv, file: /dev/zero}\n",
    )
    with pytest.raises(ConfigError, match=r"spec.yaml:4: design.file: /dev/zero is not a file"):
        load_plan(path)


def test_a_csv_design_over_the_run_ceiling_is_refused_after_reading_only_that_many_rows(
    tmp_path, monkeypatch, write_spec
):
    from commsim.config import limits

    monkeypatch.setattr(limits, "MAX_RUNS", 30)
    (tmp_path / "points.csv").write_text("n_centres\n" + "1\n" * 11, encoding="utf-8")
    path = write_spec(
        "name: t\nfactors:\n  - {name: n_centres, range: [1, 5]}\ndesign: {kind: csv, file: points.csv}\n",
    )
    with pytest.raises(limits.ResourceError, match=r"points.csv has more than 6 points"):
        load_plan(path)  # five replicates per point by default
    assert len(load_plan(path, allow_large=True).runs) == 55


def test_a_distribution_too_wide_for_floating_point_is_refused(tmp_path, write_spec):
    path = write_spec(
        "name: t\ntarget: commsim.experiments.reference:linear\nfactors:\n"
        "  - {name: x1, distribution: {kind: normal, mean: 0, sd: 1.0e308}}\ndesign: {kind: lhs, points: 64}\n",
    )
    with pytest.raises(ConfigError, match=r"spec.yaml:4: factors.0.distribution: x1 drew values that are not finite"):
        load_plan(path)
