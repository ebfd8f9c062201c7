"""The classes one server holds, found by join code, and the thread that keeps their clocks.

A server holds at most :data:`MAX_CLASSES` classes at once; a class that has ended is
kept for its debrief until the teacher closes it or it has been idle for
:data:`ENDED_KEEP_S`. One daemon thread ticks every running class every
:data:`TICK_S` seconds (:meth:`ClassRun.tick`), so the weeks run on time whoever is
looking, and a student's page only reads.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Sequence

from commsim.classroom.roster import ClassroomError
from commsim.classroom.run import ClassRun, ClassSetup

MAX_CLASSES = 4
TICK_S = 0.2
ENDED_KEEP_S = 4 * 3600.0


class Classes:
    """A server's classes, safe to call from every session's thread."""

    def __init__(self, *, clock=time.monotonic) -> None:
        self._classes: dict[str, ClassRun] = {}
        self._ended_at: dict[str, float] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._ticker: threading.Thread | None = None

    def open(self, setup: ClassSetup, *, pace: float, roles: Sequence[str] = ("resident",)) -> ClassRun:
        """A new class (its model built now) with seats open for ``roles``.

        Raises:
            ClassroomError: If the server holds :data:`MAX_CLASSES` already or a role is unknown.
        """
        with self._lock:
            self._forget_old()
            if len(self._classes) >= MAX_CLASSES:
                raise ClassroomError(f"this server already holds {MAX_CLASSES} classes; end one first")
        run = ClassRun.open(setup, pace=pace, roles=roles)
        with self._lock:
            self._classes[run.roster.code] = run
            self._start_ticker()
        return run

    def find(self, code: object) -> ClassRun:
        """The class with this join code (compared in constant time against every class's code).

        Raises:
            ClassroomError: If no class has it.
        """
        typed = code.strip().upper().encode() if isinstance(code, str) else b""
        with self._lock:
            found = [run for key, run in self._classes.items() if hmac.compare_digest(typed, key.encode())]
        if not found:
            raise ClassroomError("that join code is not a class on this server")
        return found[0]

    def close(self, run: ClassRun, teacher_token: str) -> None:
        """The teacher removes the class (its debrief gone with it).

        Raises:
            ClassroomError: If the token is not the class's teacher's.
        """
        if not run.roster.is_teacher(teacher_token):
            raise ClassroomError("only the teacher closes the class")
        with self._lock:
            self._classes.pop(run.roster.code, None)
            self._ended_at.pop(run.roster.code, None)

    def tick_all(self) -> None:
        """Run every class's open week that is due."""
        with self._lock:
            runs = list(self._classes.values())
        for run in runs:
            now = self._clock()  # each class's own: an earlier class's week may have taken a while
            try:
                run.tick(now)
            except Exception as error:  # a week that cannot run ends that class, not the others' clock
                run.clock.end()
                run.failure = f"the class stopped at week {run.model.steps}: {error}"
            if run.clock.state == "ended":
                with self._lock:
                    self._ended_at.setdefault(run.roster.code, now)

    def now(self) -> float:
        """The clock the classes' deadlines are on."""
        return self._clock()

    def _forget_old(self) -> None:
        now = self._clock()
        for code, ended in list(self._ended_at.items()):
            if now - ended > ENDED_KEEP_S:
                self._classes.pop(code, None)
                self._ended_at.pop(code, None)

    def _start_ticker(self) -> None:
        if self._ticker is not None and self._ticker.is_alive():
            return

        def keep_time() -> None:
            while True:
                time.sleep(TICK_S)
                self.tick_all()

        self._ticker = threading.Thread(target=keep_time, name="classroom-clock", daemon=True)
        self._ticker.start()


CLASSES = Classes()
