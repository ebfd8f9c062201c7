"""The dashboard's Solara app: seven pages (Explore, Compare, Sweep, Learn, Classroom, Join a class, Design).

Served by ``commsim dashboard`` (``solara run commsim.dashboard.app``). Every page keeps
its state per browser session.
"""

from __future__ import annotations

import solara
import solara.lab

from commsim.dashboard.classroom import Classroom, JoinClass
from commsim.dashboard.compare import Compare
from commsim.dashboard.controls import CONTROL_CSS
from commsim.dashboard.design import Design
from commsim.dashboard.explore import Explore
from commsim.dashboard.learn import Learn
from commsim.dashboard.sweep import Sweep

TITLE = "commsim · community participation"
TABS_CSS = """
.commsim-page-tabs .v-tabs-slider-wrapper { display: none; }
.commsim-page-tabs .v-tab--active { box-shadow: inset 0 -3px 0 currentColor; }
"""


def page_index(path: str) -> int:
    """Index of the page a URL path shows (Explore for the root and for unknown paths)."""
    first = path.strip("/").split("/")[0]
    return next((index for index, route in enumerate(routes) if route.path == first), 0)


@solara.component
def PageTabs():
    """One tab per page above the page's content, named by the page's label.

    AppLayout's own tabs would be named by the route paths ("Home" for Explore). The
    active tab is underlined by CSS (``TABS_CSS``) rather than by Vuetify's sliding bar,
    which measures the tabs' positions once and is left behind when the sidebar opens.
    """
    router = solara.use_router()
    paths = ["/" if route.path == "/" else f"/{route.path}" for route in routes]
    with (
        solara.Div(classes=["commsim-page-tabs"]),
        solara.lab.Tabs(
            value=page_index(router.path),
            on_value=lambda chosen: router.push(paths[chosen]),
            align="center",
            background_color="primary",
            dark=True,
        ),
    ):
        for route in routes:
            solara.lab.Tab(route.label)


@solara.component
def Layout(children=None):
    """The app bar with one tab per page, the page's sidebar and its content."""
    solara.Title(TITLE)
    router = solara.use_router()
    # Keyed by the path: a page change made by code (a lesson opening Explore) redraws the tabs.
    tabs = PageTabs().key(f"tabs-{router.path}")
    styles = [solara.Style(CONTROL_CSS), solara.Style(TABS_CSS)]
    content = solara.Column(children=[*styles, tabs, *(children or [])], gap="0px")
    return solara.AppLayout(children=[content], title=TITLE, navigation=False)


routes = [
    solara.Route(path="/", component=Explore, label="Explore", layout=Layout),
    solara.Route(path="compare", component=Compare, label="Compare"),
    solara.Route(path="sweep", component=Sweep, label="Sweep"),
    solara.Route(path="learn", component=Learn, label="Learn"),
    solara.Route(path="classroom", component=Classroom, label="Classroom"),
    solara.Route(path="join", component=JoinClass, label="Join a class"),
    solara.Route(path="design", component=Design, label="Design"),
]
