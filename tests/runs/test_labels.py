"""Labels declared once: every metric, parameter and lever has plain words, and numbers read alike everywhere."""

from __future__ import annotations

import math
import re
import shutil

import pytest

from commsim.config import declaration as params
from commsim.config.declaration import lever_declarations, parameters
from commsim.config.paths import config_dir
from commsim.metric_table import DERIVED, METRICS
from commsim.runs import labels
from commsim.runs.labels import (
    KEY_METRICS,
    UNITS,
    format_cost_per_household_year,
    format_difference,
    format_interval,
    format_number,
    format_value,
    lever_title,
    metric_heading,
    metric_interval,
    metric_label,
    metric_meaning,
    parameter_label,
    unit_label,
)

ALL_METRICS = (*METRICS, *DERIVED)
IDENTIFIER = re.compile(r"`|\{|\}|\b[a-z0-9]+_[a-z0-9_]+\b")


def _no_code(text: str) -> None:
    names = {*parameters(), *(metric.name for metric in ALL_METRICS), *lever_declarations()}
    assert not IDENTIFIER.search(text), text
    assert not any(re.search(rf"\b{re.escape(name)}\b", text) for name in names if "_" in name), text


@pytest.mark.parametrize("metric", ALL_METRICS, ids=lambda metric: metric.name)
def test_every_metric_has_a_plain_label_unit_and_meaning(metric):
    label, meaning = metric_label(metric.name), metric_meaning(metric.name)
    assert label and meaning and label[0].isupper()
    _no_code(label)
    _no_code(meaning)
    assert metric.unit in UNITS, f"{metric.unit!r} has no plain form"


@pytest.mark.parametrize("name", sorted(parameters()))
def test_every_parameter_has_a_plain_label_and_unit(name):
    spec = parameters()[name]
    assert parameter_label(name) == spec.label and spec.label[0].isupper()
    _no_code(spec.label)
    assert spec.unit in UNITS, f"{spec.unit!r} has no plain form"


def test_every_lever_has_a_title_and_a_description_in_plain_words():
    assert len(lever_declarations()) == 12
    for name, lever in lever_declarations().items():
        assert lever_title(name) == lever.title
        _no_code(lever.title)
        _no_code(lever.description)


def test_the_key_metrics_are_declared_once_and_all_labelled():
    declared = {metric.name for metric in ALL_METRICS}
    assert set(KEY_METRICS) <= declared and len(set(KEY_METRICS)) == len(KEY_METRICS)


def test_a_label_follows_the_window_parameter_it_names():
    assert metric_label("rate_any") == "Took part in the last 4 weeks"
    assert metric_label("rate_any", {"recent_window_weeks": 9}) == "Took part in the last 9 weeks"
    assert "last 8 weeks" in metric_meaning("aid_met_share", {"aid_memory_weeks": 8})


def test_an_undeclared_name_is_shown_in_words_and_an_unknown_parameter_is_an_error():
    assert metric_label("credits_balance") == "credits balance"
    with pytest.raises(labels.UnknownLabelError):
        parameter_label("no_such_parameter")


def test_shares_are_percentages_and_their_differences_percentage_points():
    assert format_value(0.1234, "share of residents") == "12.3%"
    assert format_difference(0.031, "share") == "+3.1 pp"
    assert format_difference(-0.031, "share") == "-3.1 pp"
    assert unit_label("share", difference=True) == "percentage points"
    assert metric_interval("rate_any", 0.1234, 0.11, 0.135) == "12.3% [11.0, 13.5]"
    assert metric_interval("rate_any", 0.031, 0.012, 0.05, difference=True) == "+3.1 pp [1.2, 5.0]"
    assert metric_interval("rate_any", 0.031, 0.012, 0.05, difference=True, plus_minus=True) == "+3.1 ± 1.9 pp"


def test_numbers_take_a_precision_suited_to_their_size():
    assert format_number(12345.6) == "12,346"
    assert format_number(12.34) == "12.3"
    assert format_number(0.1234) == "0.123"
    assert format_number(3.0, signed=True) == "+3.000"
    assert format_number(math.nan) == format_number(None) == "–"
    assert format_interval(412.0, 381.0, 443.0, "yuan", plus_minus=True) == "412 ± 31"
    assert metric_interval("mean_trust", 0.5, math.nan, math.nan) == "0.500"  # one replicate: no interval


def test_costs_read_per_household_per_year():
    # 52,000 yuan over two years for 400 households: 65 yuan per household per year.
    assert format_cost_per_household_year(52_000, n_households=400, weeks=104) == "65.0 yuan per household per year"
    assert unit_label("yuan/household/year") == "yuan per household per year"
    assert metric_heading("programme_cost") == "Programme cost (yuan)"
    assert metric_heading("rate_any") == "Took part in the last 4 weeks"


def test_a_declaration_without_a_label_or_lever_title_is_refused(tmp_path, monkeypatch):
    shutil.copytree(config_dir(), tmp_path / "configs")
    path = tmp_path / "configs" / "parameters.yaml"
    original = path.read_text(encoding="utf-8")
    cached = (params._declaration, params.parameters, params.lever_declarations)
    monkeypatch.setenv("COMMSIM_CONFIG_DIR", str(tmp_path / "configs"))
    try:
        path.write_text(original.replace(' label: "Service centres",', ""), encoding="utf-8")
        for function in cached:
            function.cache_clear()
        with pytest.raises(params.DeclarationError, match=r"n_centres: missing 'label'"):
            params.parameters()
        path.write_text(original.replace('title: "Expert pool", ', ""), encoding="utf-8")
        for function in cached:
            function.cache_clear()
        with pytest.raises(params.DeclarationError, match=r"levers: expert_pool: missing 'title'"):
            params.lever_declarations()
    finally:
        monkeypatch.undo()
        for function in cached:
            function.cache_clear()
