"""Plotly's figure widget, with its front-end code fetched once per page instead of sent per figure.

Plotly's ``FigureWidget`` is an anywidget whose front-end module is the whole of Plotly's
widget bundle (about 5 MB of JavaScript): anywidget sends that text to the browser over
the page's websocket with every figure, and the browser compiles it once per figure. The
Explore page alone shows two figures, so a new session received 10 MB and compiled Plotly
twice before it could draw.

:class:`FigureWidget` sends a module of a few lines instead, which imports the same
bundle from the server by its address (``/static/assets/``, where
:func:`asset_directory` is added to Solara's asset folders). The browser fetches and
compiles a module once per address and page. The address carries the bundle's content
hash (``?v=``, the first 12 hex digits of its MD5, as Solara's own versioned addresses
do), so Solara serves it as immutable and the browser keeps it between pages and
sessions, and a new Plotly changes the address.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import plotly
import plotly.graph_objects as go

# Where Plotly's own FigureWidget reads its front-end module from (plotly/basewidget.py).
BUNDLE = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"

VERSION = hashlib.md5(BUNDLE.read_bytes(), usedforsecurity=False).hexdigest()[:12]
# The page's root path is Solara's (``solara.rootPath``: empty unless served under a prefix).
LOADER = f"""
const root = (globalThis.solara && globalThis.solara.rootPath) || "";
const address = new URL(`${{root}}/static/assets/{BUNDLE.name}?v={VERSION}`, window.location.href);
const bundle = await import(address.href);
export default bundle.default;
"""


def asset_directory() -> Path:
    """The folder holding Plotly's widget bundle (served by Solara under ``/static/assets/``)."""
    return BUNDLE.parent


class FigureWidget(go.FigureWidget):
    """Plotly's ``FigureWidget``, whose front end loads Plotly's bundle by address (see the module)."""

    _esm = LOADER
