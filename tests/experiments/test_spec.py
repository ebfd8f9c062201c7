"""Experiment specs: labels checked and made safe for file names, distributions complete, names plain."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from commsim.experiments.spec import Distribution, ExperimentSpec, check_label, file_label


@pytest.mark.parametrize("label", ["n_centres", "Centres, 4 per compound", "名字"])
def test_labels_with_any_printable_character_are_kept(label):
    assert check_label(label) == label


@pytest.mark.parametrize(("label", "reason"), [(" ", "empty"), ("x" * 500, "at most"), ("a\nb", "control character")])
def test_empty_overlong_or_control_labels_are_refused(label, reason):
    with pytest.raises(ValueError, match=reason):
        check_label(label)


def test_file_labels_are_safe_and_keep_different_labels_apart():
    assert file_label("n_centres") == "n_centres"
    slash, colon = file_label("a/b"), file_label("a:b")
    assert slash != colon and slash.startswith("a_b-") and colon.startswith("a_b-")
    assert all(character.isalnum() or character in "_.-" for character in slash)
    assert not file_label("..hidden").startswith(".")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"kind": "normal", "mean": 1.0}, "needs sd"),
        ({"kind": "uniform", "low": 2.0, "high": 1.0}, "must be below high"),
        ({"kind": "loguniform", "low": 0.0, "high": 1.0}, "low > 0"),
        ({"kind": "triangular", "low": 0.0, "mode": 2.0, "high": 1.0}, "must lie between"),
    ],
)
def test_an_incomplete_or_impossible_distribution_is_refused(fields, reason):
    with pytest.raises(ValidationError, match=reason):
        Distribution(**fields)


def test_a_complete_distribution_and_a_plain_spec_name_pass():
    assert Distribution(kind="beta", alpha=2.0, beta=3.0).low is None
    assert ExperimentSpec(name="run-1.a").name == "run-1.a"
    with pytest.raises(ValidationError, match="not a plain folder name"):
        ExperimentSpec(name="../escape")
