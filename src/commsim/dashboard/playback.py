"""Running the Explore page's model: Reset, Step, Play (▶/⏸) and "run to week N".

The model is stepped on the server and the page is told to draw by a counter. Play steps
in a background thread: it advances a number of weeks (``draw_every``: 1 shows every
week), then waits until the page has drawn them (the page sets :attr:`LiveModel.drawn`
once its figures are committed), so the map, the plots and the monitors never show half a
week. "Run to week N" steps without drawing until week N, then draws once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import solara

from commsim.dashboard.settings import LIMITS, Bound, LimitError
from commsim.model import CommunityModel

# A page that never draws (closed) is waited for no longer than this before Play goes on.
DRAW_WAIT_S = 5.0
# While running to a week, the progress is shown about this often.
PROGRESS_EVERY_S = 0.5


class LiveModel(CommunityModel):
    """A :class:`CommunityModel` a page reads while a background thread steps it.

    :attr:`lock` is held while a week runs and while the page reads the model, so the page
    always reads whole weeks; :attr:`drawn` is set by the page once it has drawn the
    latest week.
    """

    def __init__(self, *, rng: int | None = None, **kwargs: Any) -> None:
        self.lock = threading.RLock()
        self.drawn = threading.Event()
        self.drawn.set()
        super().__init__(rng=rng, **kwargs)

    def advance(self, weeks: int, *, stop: threading.Event | None = None) -> int:
        """Run up to ``weeks`` weeks (fewer if ``stop`` is set); return the weeks run."""
        done = 0
        while done < weeks and not (stop is not None and stop.is_set()):
            with self.lock:
                self.step()
            done += 1
        return done


def weeks_to(model: CommunityModel, target: int) -> int:
    """Weeks still to run from the model's week to ``target`` (0 if it is there or past it)."""
    return max(0, target - model.steps)


@solara.component
def Playback(
    model: LiveModel,
    on_drawn: Callable[[], None],
    on_reset: Callable[[], None],
    *,
    playing: solara.Reactive[bool],
    draw_every: int,
    pause_ms: int,
    run_to_week: int = 104,
):
    """Reset, Step, ▶/⏸ and "Run to week": the buttons of the Explore page's run.

    Args:
        model: The live model.
        on_drawn: Tell the page a new week is ready to draw (it bumps its counter).
        on_reset: Rebuild the model from the scenario shown.
        playing: Whether Play is on (the page's, so the address is written only when the run stands still).
        draw_every: Weeks run between two drawings while playing.
        pause_ms: Pause after each drawing while playing.
        run_to_week: The week "Run to week" offers first (a loaded lesson's length).
    """
    target_text = solara.use_reactive(str(run_to_week))
    running_to = solara.use_reactive(None)
    problem = solara.use_reactive(None)

    def play(cancel: threading.Event) -> None:
        play_on(model, on_drawn, playing, cancel, draw_every=draw_every, pause_ms=pause_ms)

    solara.use_thread(play, dependencies=[playing.value, model, draw_every, pause_ms], intrusive_cancel=False)

    def run_to(cancel: threading.Event) -> None:
        run_to_target(model, on_drawn, running_to, cancel)

    solara.use_thread(run_to, dependencies=[running_to.value, model], intrusive_cancel=False)

    def step() -> None:
        model.advance(1)
        model.drawn.clear()
        on_drawn()

    def start_run_to() -> None:
        try:
            target = run_to_bound().check(_as_number(target_text.value))
        except LimitError as error:
            problem.set(str(error))
            return
        problem.set(None)
        playing.set(False)
        running_to.set(target)

    def reset() -> None:
        playing.set(False)
        running_to.set(None)
        on_reset()

    busy = running_to.value is not None
    with solara.Row(gap="6px", style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button("Reset", color="primary", on_click=reset, disabled=busy)
        solara.Button("⏸ Pause" if playing.value else "▶ Play", color="primary", disabled=busy,
                      on_click=lambda: playing.set(not playing.value))  # fmt: skip
        solara.Button("Step", color="primary", on_click=step, disabled=playing.value or busy)
    with solara.Row(gap="6px", style={"align-items": "center"}):
        solara.InputText("run to week", value=target_text, continuous_update=False, style={"max-width": "110px"})
        solara.Button("Run to week", on_click=start_run_to, disabled=busy or playing.value, outlined=True)
    if busy:
        solara.Info(f"Running to week {running_to.value}: week {model.steps} so far")
    if problem.value:
        solara.Warning(f"Refused: {problem.value}")


def play_on(
    model: LiveModel,
    on_drawn: Callable[[], None],
    playing: solara.Reactive[bool],
    cancel: threading.Event,
    *,
    draw_every: int,
    pause_ms: int,
) -> None:
    """Play's thread: ``draw_every`` weeks, then wait for the page to draw them, while ``playing`` is on."""
    while playing.value and not cancel.is_set():
        if not model.drawn.wait(DRAW_WAIT_S) and cancel.is_set():
            return
        model.advance(draw_every, stop=cancel)
        model.drawn.clear()
        on_drawn()
        if pause_ms:
            time.sleep(pause_ms / 1000)


def run_to_target(
    model: LiveModel,
    on_drawn: Callable[[], None],
    running_to: solara.Reactive[int | None],
    cancel: threading.Event,
) -> None:
    """The thread of "Run to week": step without drawing (but for the progress) to ``running_to``, then draw once."""
    target = running_to.value
    if target is None:
        return
    shown = time.monotonic()
    while weeks_to(model, target) and not cancel.is_set():
        model.advance(1)
        if time.monotonic() - shown > PROGRESS_EVERY_S:
            shown = time.monotonic()
            on_drawn()
    model.drawn.clear()
    on_drawn()
    running_to.set(None)


def run_to_bound() -> Bound:
    """The weeks "run to week" accepts: 1 to the longest run the dashboard allows."""
    return Bound("run to week", 1, LIMITS.explore_week.high)


def _as_number(text: Any) -> Any:
    """A typed number as int or float; anything else unchanged (the bound then refuses it)."""
    if isinstance(text, str):
        try:
            return int(text.strip())
        except ValueError:
            try:
                return float(text.strip())
            except ValueError:
                return text
    return text
