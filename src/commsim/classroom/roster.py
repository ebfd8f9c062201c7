"""A class run's join code, its teacher, its students and the seats they hold.

A class has a join code (six characters without look-alikes, drawn by :mod:`secrets`) and
a teacher's token. A student joins with the code and a display name (a short line of
printable text) and receives a random token, the only thing their browser holds; every
later action names the token, so no student can act for another's agent or reach the
teacher's controls. Each student holds a **seat**: a role (a resident, a building team
leader, a member of the residents' committee, an organisation's representative) and the
agent it plays, drawn from the agents the class offers for that role. The teacher opens
and closes roles. Every action is rate-limited per token (a moving window, :mod:`limits`).
A student who leaves gives the seat back to the model: the agent follows the model's own
rules again.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

ROLES = ("resident", "leader", "committee", "organisation")
ROLE_LABELS = {
    "resident": "a resident",
    "leader": "a building team leader",
    "committee": "a member of the residents' committee",
    "organisation": "an organisation's representative",
}
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


class ClassroomError(ValueError):
    """A request the class refuses; the message says why in words a student understands."""


@dataclass(frozen=True, slots=True)
class ClassLimits:
    """Limits of one class, enforced on the server.

    Attributes:
        students: Students admitted at once.
        name_length: Characters of a display name.
        code_length: Characters of the join code.
        actions: Actions one token may send, as a ``limits`` rate ("20/10 seconds").
    """

    students: int = 60
    name_length: int = 40
    code_length: int = 6
    actions: str = "20/10 seconds"


@dataclass(frozen=True, slots=True)
class Seat:
    """A role and the agent it plays: a resident slot, an organisation's index or a committee seat number."""

    role: str
    agent: int


@dataclass(slots=True)
class Student:
    """A student of the class: display name, seat and the token that identifies them."""

    token: str
    name: str
    seat: Seat


@dataclass(slots=True)
class Roster:
    """Who is in a class and which agents they play.

    Attributes:
        code: The join code.
        teacher_token: The teacher's token.
        agents: Agents each role may seat, in the order seats are given.
        open_roles: Roles students can join now.
        limits: The class's limits.
        students: Students by token.
    """

    code: str
    teacher_token: str
    agents: Mapping[str, Sequence[int]]
    open_roles: set[str] = field(default_factory=lambda: {"resident"})
    limits: ClassLimits = field(default_factory=ClassLimits)
    students: dict[str, Student] = field(default_factory=dict)
    _limiter: MovingWindowRateLimiter = field(default_factory=lambda: MovingWindowRateLimiter(MemoryStorage()))

    @classmethod
    def open(cls, agents: Mapping[str, Sequence[int]], *, limits: ClassLimits | None = None) -> Roster:
        """A new class with a fresh join code and teacher token, residents' seats open."""
        limits = limits or ClassLimits()
        unknown = set(agents) - set(ROLES)
        if unknown:
            raise ClassroomError(f"unknown roles {sorted(unknown)}; roles are {', '.join(ROLES)}")
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(limits.code_length))
        shuffled = {role: _shuffled(list(slots)) for role, slots in agents.items()}
        return cls(code=code, teacher_token=secrets.token_urlsafe(32), agents=shuffled, limits=limits)

    def join(self, code: str, name: str, role: str = "resident") -> Student:
        """Admit a student with the join code; seat them as ``role`` on an agent nobody plays.

        Raises:
            ClassroomError: A wrong code, a bad name, a closed or full role, or a full class.
        """
        if not isinstance(code, str) or not hmac.compare_digest(code.strip().upper().encode(), self.code.encode()):
            raise ClassroomError("that join code is not this class's")
        shown = checked_name(name, self.limits)
        if role not in ROLES:
            raise ClassroomError(f"there is no role {role!r}; roles are {', '.join(ROLES)}")
        if role not in self.open_roles:
            raise ClassroomError(f"the teacher has not opened seats for {ROLE_LABELS[role]}")
        if len(self.students) >= self.limits.students:
            raise ClassroomError(f"the class is full ({self.limits.students} students)")
        taken = {student.seat.agent for student in self.students.values() if student.seat.role == role}
        free = [agent for agent in self.agents.get(role, ()) if agent not in taken]
        if not free:
            raise ClassroomError(f"every seat for {ROLE_LABELS[role]} is taken")
        student = Student(token=secrets.token_urlsafe(24), name=shown, seat=Seat(role, int(free[0])))
        self.students[student.token] = student
        return student

    def student(self, token: str) -> Student:
        """The student a token names.

        Raises:
            ClassroomError: If no student of this class holds it (or it is the teacher's).
        """
        found = self.students.get(token) if isinstance(token, str) else None
        if found is None:
            raise ClassroomError("you are not (or no longer) in this class; join again with the code")
        return found

    def is_teacher(self, token: str) -> bool:
        """Whether ``token`` is the teacher's (compared in constant time)."""
        return isinstance(token, str) and hmac.compare_digest(token.encode(), self.teacher_token.encode())

    def allow(self, token: str) -> bool:
        """Whether an action from ``token`` is within the class's rate; counts it if so."""
        return self._limiter.hit(parse(self.limits.actions), "classroom", self.code, token)

    def leave(self, token: str) -> Seat:
        """Remove a student; their agent follows the model's rules again. Returns the seat given back."""
        return self.students.pop(self.student(token).token).seat

    def played(self, role: str) -> dict[int, str]:
        """Agents of ``role`` that students play now, with the token of each."""
        return {student.seat.agent: token for token, student in self.students.items() if student.seat.role == role}

    def set_open_roles(self, token: str, roles: Sequence[str]) -> None:
        """The teacher opens exactly ``roles`` (students already seated keep their seats).

        Raises:
            ClassroomError: If ``token`` is not the teacher's or a role is unknown.
        """
        if not self.is_teacher(token):
            raise ClassroomError("only the teacher opens and closes roles")
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ClassroomError(f"there is no role {sorted(unknown)[0]!r}; roles are {', '.join(ROLES)}")
        self.open_roles = set(roles)


def checked_name(name: object, limits: ClassLimits) -> str:
    """A display name as shown: stripped, one printable line of at most ``limits.name_length`` characters.

    Raises:
        ClassroomError: If it is empty, too long or holds control characters.
    """
    if not isinstance(name, str) or not name.strip():
        raise ClassroomError("type a name to join")
    shown = name.strip()
    if len(shown) > limits.name_length:
        raise ClassroomError(f"a name has at most {limits.name_length} characters")
    if not shown.isprintable():
        raise ClassroomError("a name is one line of ordinary characters")
    return shown


def _shuffled(slots: list[int]) -> list[int]:
    """The agents in a random order (seats are handed out from the front)."""
    order = list(slots)
    secrets.SystemRandom().shuffle(order)
    return order
