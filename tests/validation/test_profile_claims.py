"""The claims on every profile: the profile replaces the claim's own, and the sweep's effects become verdicts."""

from __future__ import annotations

import pandas as pd
import yaml

from commsim.config.paths import project_root
from commsim.experiments.analysis import analyze
from commsim.experiments.plan import make_plan
from commsim.experiments.spec import ExperimentSpec
from commsim.experiments.store import ExperimentStore
from commsim.experiments.sweep import run_sweep
from commsim.model import CommunityModel
from commsim.validation import claims
from commsim.validation.profile_claims import SPEC_FILE, plot_profile_claims, profile_claims_table, row_label
from commsim.validation.report import write_report


def test_a_profile_replaces_the_claims_own_and_keeps_the_rest_of_its_settings():
    village = claims.CLAIMS_BY_NAME["centres_elderly"]
    settings = claims.arm_settings(village, "treatment", profile="old_inner_city")
    assert settings["profile"] == "old_inner_city"
    assert settings["n_centres"] == 4 and settings["centre_sessions_per_week"] == 6
    assert claims.arm_settings(village, "treatment")["profile"] == "semi_rural_village"
    plain = claims.CLAIMS_BY_NAME["transparency_trust"]
    assert "profile" not in claims.arm_settings(plain, "reference")
    assert claims.arm_settings(plain, "reference", profile="putuo_street")["profile"] == "putuo_street"


def test_claim_arm_runs_on_the_profile_it_is_given():
    outcomes = claims.claim_arm(seed=3, claim="leaders_ties", arm="treatment", steps=3, profile="migrant_heavy")
    model = CommunityModel(rng=3, **claims.arm_settings(claims.CLAIMS_BY_NAME["leaders_ties"], "treatment"))
    for _ in range(3):
        model.step()
    own = model.datacollector.get_model_vars_dataframe()["cross_building_ties"].iloc[-claims.LAST_WEEKS :].mean()
    assert outcomes["primary"] != own  # the default profile's run differs from the migrant-heavy one


def test_the_shipped_spec_crosses_every_claim_with_every_profile():
    document = yaml.safe_load((project_root() / "experiments" / SPEC_FILE).read_text(encoding="utf-8"))
    factors = {factor["name"]: factor["values"] for factor in document["factors"]}
    assert factors["claim"] == [found.name for found in claims.CLAIMS]
    assert sorted(factors["profile"]) == sorted(
        path.stem for path in (project_root() / "configs" / "profiles").glob("*.yaml")
    )


def test_a_small_profiles_sweep_gives_a_verdict_per_claim_outcome_and_profile_and_a_report_section(tmp_path):
    document = yaml.safe_load((project_root() / "experiments" / SPEC_FILE).read_text(encoding="utf-8"))
    document["factors"] = [
        {"name": "claim", "values": ["leaders_ties", "no_levers"]},
        {"name": "profile", "values": ["old_inner_city", "semi_rural_village"]},
    ]
    document |= {"replicates": 3, "base": {"steps": 6}}  # claim_arm's own weeks
    plan = make_plan(ExperimentSpec(**document))
    run_sweep(plan, tmp_path / "sweep", executor="inline", progress=False)
    table = profile_claims_table(analyze(plan, ExperimentStore(tmp_path / "sweep")).effects)
    # leaders_ties has one outcome, no_levers two: three rows per profile
    assert len(table) == 6 and set(table["profile"]) == {"old_inner_city", "semi_rural_village"}
    assert set(table["verdict"]) <= {"supported", "not shown", "no difference", "contradicted"}
    assert (table["n"] == 3).all() and (table["ci_low"] <= table["ci_high"]).all()
    plot_profile_claims(table, tmp_path / "figures" / "claims_by_profile.png")
    assert (tmp_path / "figures" / "claims_by_profile.png").stat().st_size > 0
    (tmp_path / "record" / "tables").mkdir(parents=True)
    table.to_csv(tmp_path / "record" / "tables" / "claims_by_profile.csv", index=False)
    text = write_report(tmp_path / "record").read_text(encoding="utf-8")
    section = text.split("### The claims on every profile")[1].split("\n## ")[0]
    supported = table.groupby("profile")["verdict"].apply(lambda v: int((v == "supported").sum()))
    for profile, count in supported.items():
        assert f"{profile} {count} of 3" in section
    assert "Not run yet" not in section


def test_a_grid_row_names_the_claim_and_its_outcome_in_words():
    label = row_label(
        "Without any lever, participation settles low and is concentrated in few residents",
        "share of acts by the top 10% (top10_share)",
    )
    assert label.replace("\n", " ") == (
        "Without any lever, participation settles low and is concentrated in few residents: "
        "share of acts by the top 10%"
    )
    assert "top10_share" not in label and max(len(line) for line in label.splitlines()) <= 58


def test_the_verdicts_follow_the_intervals_and_the_predicted_sign():
    rows = []
    for profile, (low, high) in {"a": (0.1, 0.3), "b": (-0.1, 0.2), "c": (-0.3, -0.1)}.items():
        for metric in ("primary", "secondary"):
            rows.append(
                {
                    "window": "final",
                    "claim": "transparency_trust",
                    "metric": metric,
                    "profile": profile,
                    "reference_mean": 0.5,
                    "difference": (low + high) / 2,
                    "ci_low": low,
                    "ci_high": high,
                    "n": 20,
                }
            )
    table = profile_claims_table(pd.DataFrame(rows))
    assert list(table["profile"]) == ["a", "b", "c"]  # transparency has no secondary outcome
    assert list(table["verdict"]) == ["supported", "not shown", "contradicted"]
