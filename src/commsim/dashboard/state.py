"""State shared by the dashboard's pages within one browser session.

Solara keeps a ``solara.reactive`` value per virtual kernel, that is per browser
session: two people using the dashboard at once never see each other's scenario.
"""

from __future__ import annotations

import solara

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
