"""The class clock: the teacher starts, pauses, steps, runs to a week and ends; the pace sets each week's window.

While the clock runs, each week is open for the students' choices for ``60 / pace``
seconds (the pace in weeks per minute), then the week runs whether or not everyone has
chosen: a student who did not act in time is played by the model's own rule that week, so
a class never stalls. The clock is a pure state machine over times it is given (seconds of
a monotonic clock), so tests drive it without waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STATES = ("waiting", "running", "paused", "ended")
PACE_RANGE = (0.5, 30.0)  # weeks per minute: a week every 2 minutes to two a second


class ClockError(ValueError):
    """A clock command that cannot apply now; the message says why."""


@dataclass(slots=True)
class ClassClock:
    """Where the class run is in time.

    Attributes:
        week: Weeks run so far.
        last_week: The week the class ends at.
        pace: Weeks per minute while running.
        state: One of :data:`STATES`.
        target: Week the clock runs to, then pauses (None: to ``last_week``).
        deadline: Time the open week runs at (None unless running).
        steps_asked: Weeks the teacher asked to run at once (Step while paused).
        late_s: For each week run by the running clock, seconds it ran after its deadline
            (how well the server keeps the class's time; steps asked by hand are not timed).
    """

    last_week: int
    pace: float = 4.0
    week: int = 0
    state: str = "waiting"
    target: int | None = None
    deadline: float | None = None
    steps_asked: int = 0
    late_s: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.last_week, int) or self.last_week < 1:
            raise ClockError("a class runs for at least one week")
        self.set_pace(self.pace)

    @property
    def window_s(self) -> float:
        """Seconds each week is open for choices at this pace."""
        return 60.0 / self.pace

    def set_pace(self, pace: float) -> None:
        """Weeks per minute, within :data:`PACE_RANGE`."""
        if not isinstance(pace, int | float) or not PACE_RANGE[0] <= float(pace) <= PACE_RANGE[1]:
            raise ClockError(f"the pace is {PACE_RANGE[0]} to {PACE_RANGE[1]:.0f} weeks per minute")
        self.pace = float(pace)

    def start(self, now: float) -> None:
        """Run (from waiting or paused): the open week runs one window from now."""
        self._not_ended()
        self.state, self.deadline = "running", now + self.window_s

    def pause(self) -> None:
        """Stop the clock; the open week waits."""
        self._not_ended()
        self.state, self.deadline = "paused", None

    def step(self) -> None:
        """Run the open week now (while waiting or paused), then stay paused."""
        self._not_ended()
        if self.state == "running":
            raise ClockError("pause the class before stepping week by week")
        self.steps_asked, self.state = self.steps_asked + 1, "paused"

    def run_to(self, week: int, now: float) -> None:
        """Run until ``week``, then pause."""
        self._not_ended()
        if not isinstance(week, int) or not self.week < week <= self.last_week:
            raise ClockError(f"run to a week after {self.week} and at most {self.last_week}")
        self.target = week
        self.start(now)

    def end(self) -> None:
        """End the class: no more weeks run; the debrief can start."""
        self.state, self.deadline, self.steps_asked = "ended", None, 0

    def due(self, now: float) -> bool:
        """Whether the open week should run now."""
        if self.state == "ended" or self.week >= self.last_week:
            return False
        return self.steps_asked > 0 or (self.state == "running" and self.deadline is not None and now >= self.deadline)

    def ran(self, now: float) -> None:
        """Record that the open week ran at ``now``; open the next, or pause at the target, or end at the last."""
        if self.steps_asked == 0 and self.deadline is not None:
            self.late_s.append(max(now - self.deadline, 0.0))
        self.week += 1
        self.steps_asked = max(self.steps_asked - 1, 0)
        if self.week >= self.last_week:
            self.end()
        elif self.target is not None and self.week >= self.target:
            self.target = None
            self.pause()
        elif self.state == "running":
            self.deadline = now + self.window_s

    def remaining_s(self, now: float) -> float | None:
        """Seconds left to choose in the open week (None unless running)."""
        return None if self.deadline is None else max(self.deadline - now, 0.0)

    def _not_ended(self) -> None:
        if self.state == "ended":
            raise ClockError("the class has ended")
