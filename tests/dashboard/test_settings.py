"""What the dashboard's controls edit: scenarios, lever edits, and the ranges a control offers."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from commsim.config import ConfigError
from commsim.dashboard.settings import (
    LEVER_TITLES,
    UI_LIMITS,
    Scenario,
    bounded,
    error_text,
    lever_parameters,
    numeric_levers,
    package_values,
    packages,
    profiles,
    results_root,
    ui_range,
    ui_step,
)
from commsim.params import levers, parameters
from commsim.paths import project_root

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
        "rng": 17,
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
        (Scenario(overrides={"n_centres": 5000}), "n_centres: 5000 is outside the allowed range"),
        (Scenario(overrides={"n_centres": 2.5}), "n_centres: expected a whole number"),
        (Scenario(overrides={"centre_placement": "moon"}), "centre_placement: expected one of"),
        (Scenario(overrides={"warp_speed": 1}), "warp_speed: unknown parameter"),
        (Scenario(n_residents=5), "n_residents: 5 is outside the allowed range"),
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
    assert set(UI_LIMITS) <= names


@pytest.mark.parametrize("spec", NUMERIC, ids=lambda spec: spec.name)
def test_a_control_offers_a_non_empty_range_within_the_declared_one_and_the_ui_cap(spec):
    low, high = ui_range(spec)
    assert spec.minimum <= low < high <= spec.maximum
    if spec.name in UI_LIMITS:
        cap_low, cap_high = UI_LIMITS[spec.name]
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


def test_bounded_clips_into_the_control_range_and_types_the_value():
    declared = parameters()
    centres, radius = declared["n_centres"], declared["matching_radius_m"]
    assert bounded(centres, 2.6) == 3 and type(bounded(centres, 2.6)) is int
    assert bounded(centres, 1000) == 40
    assert bounded(centres, -3) == 0
    assert bounded(radius, 10) == 50.0 and type(bounded(radius, 10)) is float
    assert bounded(radius, 99_999) == 3000.0
    assert bounded(radius, 612) == 612.0 and type(bounded(radius, 612)) is float
    # flags and choices pass through untouched
    assert bounded(declared["time_bank"], True) is True
    assert bounded(declared["centre_placement"], "edge") == "edge"


def test_every_lever_parameter_sits_in_exactly_one_lever_group():
    grouped = lever_parameters()
    counts = Counter(spec.name for specs in grouped.values() for spec in specs)
    declared_levers = {name for name, spec in parameters().items() if spec.lever}
    assert set(counts) == declared_levers
    assert all(count == 1 for count in counts.values())
    assert list(grouped) == list(levers())
    assert len(grouped) == 12
    assert set(LEVER_TITLES) == set(grouped), "every lever needs a title on the page"
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
