"""State shared by the dashboard's pages within one browser session.

Solara keeps a ``solara.reactive`` value per virtual kernel, that is per browser tab:
two people using the dashboard at once never see each other's scenario. The experiments
a browser starts are its own too: their folders carry :func:`session_owner`'s token.
"""

from __future__ import annotations

import hashlib
from typing import Any

import solara
from solara.server import kernel_context

from commsim.dashboard.settings import Scenario

# The scenario the Explore page runs; the Learn page loads a lesson's preset into it.
scenario: solara.Reactive[Scenario] = solara.reactive(Scenario())
# The lesson whose preset is loaded (its id), shown as a reminder on the Explore page.
lesson: solara.Reactive[str | None] = solara.reactive(None)
# Ticked steps of each lesson (lesson id to step indexes).
lesson_progress: solara.Reactive[dict[str, frozenset[int]]] = solara.reactive({})
# Lever panels the user has unfolded, by key: kept here because the page's sidebar is
# rebuilt whenever its scenario changes, which would otherwise fold them all again.
open_folds: solara.Reactive[frozenset[str]] = solara.reactive(frozenset())
# The Explore page's live run and the scenario it was built for, kept here so that leaving
# the page and coming back shows the same week, not week 0 (any, to keep this module free of the model).
explore_run: solara.Reactive[tuple[str, Any] | None] = solara.reactive(None)
# The Explore page's view: what colours the map, whether ties and whole circles are shown,
# the building the inspector shows, the pause between steps and how many weeks a drawing covers.
explore_view: solara.Reactive[dict[str, Any]] = solara.reactive({})
# The last address the Explore page read a scenario from, or wrote its scenario into.
explore_link: solara.Reactive[str | None] = solara.reactive(None)
# A week to run to once the scenario named by an address is built.
explore_pending_week: solara.Reactive[int | None] = solara.reactive(None)
# Who owns the experiments started outside a served page (component tests, scripts).
LOCAL_SESSION = "local"


# Values a page keeps across page changes, by key (``compare:steps``): one reactive per key,
# each holding one value per browser tab.
_KEPT: dict[str, solara.Reactive[Any]] = {}
_UNSET = object()


def kept(key: str, initial: Any = _UNSET) -> solara.Reactive[Any]:
    """The session's kept value of ``key`` (``initial``, the same for every session, until a page sets it)."""
    if key not in _KEPT:
        _KEPT[key] = solara.reactive(initial)
    return _KEPT[key]


def use_kept(key: str, default: Any) -> solara.Reactive[Any]:
    """Hook: a page's value that outlives the page: back on the page, it is as it was left.

    Args:
        key: Names the value, unique over the dashboard (``compare:choices``).
        default: The value the first time the page is shown in this session.

    Returns:
        A reactive the page reads and sets as its own; every change is kept for the session.
    """
    store = kept(key)
    # Read once per mount: use_reactive resets its value whenever the value handed to it changes.
    initial = solara.use_memo(lambda: default if store.peek() is _UNSET else store.peek(), [])
    local = solara.use_reactive(initial)
    solara.use_effect(lambda: store.set(local.value) if store.peek() is not local.value else None, [local.value])
    return local


def session_owner() -> str:
    """A token naming the browser session the current page belongs to: 16 hexadecimal digits.

    It is derived from Solara's session cookie, a random secret the server gives each
    browser (every tab of one browser shares it, and it outlives a reload), by a one-way
    hash: the token can be shown and stored without revealing the cookie. A connection
    without the cookie gets a fresh session from Solara, hence a token of its own.
    """
    try:
        session = kernel_context.get_current_context().session_id
    except RuntimeError:  # no served page: a test or a script
        session = LOCAL_SESSION
    return hashlib.sha256(f"commsim dashboard owner:{session}".encode()).hexdigest()[:16]
