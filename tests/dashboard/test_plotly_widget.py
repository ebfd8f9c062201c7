"""The figure widget sends a few lines of front-end code and the server serves Plotly's bundle once.

The browser side (one request for the bundle, the figures drawn, a websocket without the
bundle's text) is tested in test_browser.py.
"""

from __future__ import annotations

import hashlib

import plotly.graph_objects as go
import pytest

from commsim.dashboard import plotly_widget
from commsim.dashboard.mapview import map_figure
from commsim.dashboard.plotly_widget import BUNDLE, LOADER, FigureWidget, asset_directory
from commsim.dashboard.result_charts import figure_widget
from commsim.dashboard.server import ServerError, environment


def test_the_loader_imports_the_very_module_plotly_would_send():
    assert str(go.FigureWidget._esm) == BUNDLE.read_text(encoding="utf-8")  # Plotly's own widget sends this file
    assert BUNDLE.parent == asset_directory()
    assert f"/static/assets/{BUNDLE.name}?v={hashlib.md5(BUNDLE.read_bytes()).hexdigest()[:12]}" in LOADER


def test_a_figure_sends_the_loader_not_the_bundle():
    widget = FigureWidget(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])))
    state = widget.get_state()
    assert state["_esm"] == LOADER
    assert len(state["_esm"]) < 1_000 < BUNDLE.stat().st_size
    assert state["_widget_data"][0]["type"] == "scatter"  # still Plotly's widget, with its data


def test_every_dashboard_figure_is_the_light_widget():
    from commsim import CommunityModel
    from commsim.dashboard.charts import live_figure

    model = CommunityModel(rng=1, n_residents=100)
    for widget in (map_figure(model), live_figure(model.p), figure_widget(go.Figure())):
        assert isinstance(widget, FigureWidget)
        assert widget.get_state()["_esm"] == LOADER


def test_the_server_serves_the_bundle_folder_and_keeps_an_operator_s_own(monkeypatch, tmp_path):
    monkeypatch.delenv("SOLARA_ASSETS_EXTRA_LOCATIONS", raising=False)
    assert environment(tmp_path)["SOLARA_ASSETS_EXTRA_LOCATIONS"] == str(asset_directory())
    monkeypatch.setenv("SOLARA_ASSETS_EXTRA_LOCATIONS", "/srv/a,/srv/b")
    assert environment(tmp_path)["SOLARA_ASSETS_EXTRA_LOCATIONS"] == f"/srv/a,/srv/b,{asset_directory()}"


def test_a_plotly_folder_with_a_comma_in_its_path_is_refused_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr(plotly_widget, "asset_directory", lambda: tmp_path / "Smith, J" / "package_data")
    with pytest.raises(ServerError, match="may not contain a comma") as refused:
        environment(tmp_path)
    assert "\n" not in str(refused.value)
