"""What the dashboard's controls edit: scenarios, lever edits, and the ranges a control offers."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from commsim.config.declaration import lever_declarations, levers, parameters
from commsim.config.paths import project_root
from commsim.config.yaml_files import ConfigError
from commsim.dashboard.settings import (
    LIMITS,
    Bound,
    LimitError,
    Scenario,
    check_lever_edits,
    check_preset,
    error_text,
    lever_bound,
    lever_parameters,
    numeric_levers,
    package_values,
    packages,
    profiles,
    results_root,
    ui_range,
    ui_step,
)
from commsim.runs.runner import replicate_seeds

NUMERIC = [spec for specs in lever_parameters().values() for spec in specs if spec.type in ("int", "float")]


def test_an_edit_equal_to_the_package_value_is_dropped_and_other_edits_are_kept():
    scenario = Scenario(policy="centres")
    package_centres = package_values("old_inner_city", "centres")["n_centres"]
    assert scenario.with_lever("n_centres", package_centres).overrides == {}

    edited = scenario.with_lever("n_centres", package_centres + 2).with_lever("time_bank", True)
    assert edited.overrides == {"n_centres": package_centres + 2, "time_bank": True}
    back = edited.with_lever("n_centres", package_centres)
    assert back.overrides == {"time_bank": True}
    assert scenario.overrides == {}, "with_lever must not change the scenario it was called on"


def test_choosing_a_package_drops_the_lever_edits_and_keeps_the_community():
    scenario = Scenario(profile="migrant_heavy", overrides={"n_centres": 7}, n_residents=300, seed=9)
    moved = scenario.with_package("acquaintance")
    assert moved == Scenario("migrant_heavy", "acquaintance", {}, 300, 9)
    assert scenario.overrides == {"n_centres": 7}


def test_model_kwargs_carry_seed_presets_size_and_edits():
    kwargs = Scenario("semi_rural_village", "centres", {"n_centres": 2}, 250, 17).model_kwargs()
    assert kwargs == {
        "rng": replicate_seeds(17, 1)[0].seed,  # the seed is a run config's root seed
        "profile": "semi_rural_village",
        "policy": "centres",
        "n_residents": 250,
        "n_centres": 2,
    }


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        (Scenario(profile="atlantis"), "unknown community profile 'atlantis'"),
        (Scenario(policy="free_lunch"), "unknown policy package 'free_lunch'"),
        (Scenario(overrides={"n_centres": 5000}), "n_centres: 5,000 is outside the range the dashboard allows"),
        (Scenario(overrides={"n_centres": 2.5}), "n_centres: expected a whole number"),
        (Scenario(overrides={"centre_placement": "moon"}), "centre_placement: expected one of"),
        (Scenario(overrides={"warp_speed": 1}), "'warp_speed': not a lever parameter the dashboard edits"),
        (Scenario(n_residents=5), "residents: 5 is outside the range the dashboard allows (100 to 5,000)"),
        (
            Scenario(policy="centres", overrides={"targeted_share_elderly": 0.95}),
            "targeted_share_elderly + targeted_share_children = 1.1 exceeds 1",
        ),
    ],
)
def test_check_rejects_what_the_model_would_reject(scenario, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        scenario.check()


def test_check_accepts_every_shipped_profile_and_package():
    for profile in profiles():
        for policy in packages():
            Scenario(profile, policy, n_residents=200).check()
    assert "old_inner_city" in profiles() and "baseline" in packages()


def test_every_ui_limit_names_a_declared_numeric_lever():
    names = {spec.name for spec in NUMERIC}
    assert set(LIMITS.lever_caps) <= names


@pytest.mark.parametrize("spec", NUMERIC, ids=lambda spec: spec.name)
def test_a_control_offers_a_non_empty_range_within_the_declared_one_and_the_ui_cap(spec):
    low, high = ui_range(spec)
    assert spec.minimum <= low < high <= spec.maximum
    if spec.name in LIMITS.lever_caps:
        cap_low, cap_high = LIMITS.lever_caps[spec.name]
        assert cap_low <= low and high <= cap_high
    else:
        assert (low, high) == (spec.minimum, spec.maximum)
    step = ui_step(spec)
    assert step == 1 if spec.type == "int" else 0 < step <= (high - low) / 10


def test_capped_ranges_are_the_caps():
    declared = parameters()
    assert ui_range(declared["n_centres"]) == (0, 40)
    assert ui_range(declared["matching_radius_m"]) == (50.0, 3000.0)
    assert ui_range(declared["inclusiveness"]) == (0.0, 1.0)


def test_a_bound_types_what_it_accepts_and_refuses_the_rest_naming_the_control():
    residents = Bound("residents", 100, 5000)
    assert residents.check(150) == 150 and type(residents.check(150.0)) is int
    share = Bound("share", 0.0, 1.0, integer=False)
    assert share.check(1) == 1.0 and type(share.check(1)) is float
    for hostile, message in [
        (2_000_000, "residents: 2,000,000 is outside the range the dashboard allows (100 to 5,000)"),
        (99, "residents: 99 is outside the range"),
        (150.5, "residents: expected a whole number, got 150.5"),
        (float("nan"), "residents: not a number; give a finite number"),
        (float("inf"), "residents: infinite; give a finite number"),
        ("150", "residents: expected a number, got '150'"),
        (True, "residents: expected a number, got True"),
        (None, "residents: expected a number, got None"),
        ([150], "residents: expected a number, got [150]"),
    ]:
        with pytest.raises(LimitError, match=re.escape(message)):
            residents.check(hostile)
    assert residents.shown(2_000_000) == 5000 and residents.shown("x") == 100 and residents.shown(float("nan")) == 100


def test_a_hostile_value_is_echoed_short():
    with pytest.raises(LimitError) as refused:
        Bound("seed", 0, 10).check("<img src=x onerror=alert(1)>" * 1000)
    assert len(str(refused.value)) < 100


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"n_centres": 41}, "n_centres: 41 is outside the range the dashboard allows (0 to 40)"),
        ({"n_centres": float("nan")}, "n_centres: not a number; give a finite number"),
        ({"inclusiveness": "0.5"}, "inclusiveness: expected a number, got '0.5'"),
        ({"time_bank": "yes"}, "time_bank: expected true or false, got 'yes'"),
        ({"time_bank": 1}, "time_bank: expected true or false, got 1"),
        ({"centre_placement": ["edge"]}, "centre_placement: expected one of"),
        ({"n_residents": 2_000_000}, "'n_residents': not a lever parameter the dashboard edits"),
        ({"homophily": 0.5}, "'homophily': not a lever parameter the dashboard edits"),
    ],
)
def test_lever_edits_no_control_could_make_are_refused(overrides, message):
    with pytest.raises(LimitError, match=re.escape(message)):
        check_lever_edits(overrides)


def test_lever_edits_the_controls_make_pass():
    declared = parameters()
    check_lever_edits({"n_centres": 40, "time_bank": True, "centre_placement": declared["centre_placement"].choices[0]})
    assert lever_bound(declared["matching_radius_m"]) == Bound("matching_radius_m", 50.0, 3000.0, integer=False)


@pytest.mark.parametrize("name", ["../../../../tmp/evil", "old_inner_city.yaml", "", None, 3])
def test_a_preset_name_must_be_a_shipped_one_before_any_file_is_read(name):
    with pytest.raises(LimitError, match="unknown community profile"):
        check_preset("profile", name)


def test_every_lever_parameter_sits_in_exactly_one_lever_group():
    grouped = lever_parameters()
    counts = Counter(spec.name for specs in grouped.values() for spec in specs)
    declared_levers = {name for name, spec in parameters().items() if spec.lever}
    assert set(counts) == declared_levers
    assert all(count == 1 for count in counts.values())
    assert list(grouped) == list(levers())
    assert len(grouped) == 12
    assert set(lever_declarations()) == set(grouped), "every lever needs a title on the page"
    for lever, specs in grouped.items():
        assert all(spec.lever == lever for spec in specs)


def test_numeric_levers_are_exactly_the_int_and_float_lever_parameters():
    found = numeric_levers()
    assert {spec.type for spec in found} == {"int", "float"}
    assert [spec.name for spec in found] == [spec.name for spec in NUMERIC]
    assert "time_bank" not in {spec.name for spec in found}
    assert "centre_placement" not in {spec.name for spec in found}


def test_results_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COMMSIM_RESULTS_DIR", str(tmp_path))
    assert results_root() == tmp_path
    monkeypatch.delenv("COMMSIM_RESULTS_DIR")
    assert results_root() == project_root() / "results"


def test_error_text_keeps_config_messages_and_names_other_errors():
    assert error_text(ConfigError("n_centres: too many")) == "n_centres: too many"
    assert error_text(ValueError("bad value")) == "bad value"
    assert error_text(KeyError("x")) == "KeyError: 'x'"
