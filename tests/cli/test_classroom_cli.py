"""``commsim classroom``: checks before serving, the addresses it prints, the server's environment.

``os.execve`` is replaced, so no server starts.
"""

from __future__ import annotations

import socket

import pytest

from commsim.cli import main
from commsim.dashboard import assets, server
from commsim.dashboard.server import CLASSROOM_LESSON_VARIABLE, addresses, environment


class ExecError(Exception):
    """Raised instead of replacing the test process with a server."""


@pytest.fixture
def no_exec(monkeypatch):
    def refuse(*arguments):
        raise ExecError(arguments)

    monkeypatch.setattr(server.os, "execve", refuse)
    monkeypatch.setattr(assets, "missing", lambda cache=None: [])
    monkeypatch.setattr("commsim.model.warm_kernels", lambda: 0.0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_classroom_serves_the_lesson_and_prints_the_teacher_s_and_the_students_addresses(no_exec, capsys):
    port = free_port()
    with pytest.raises(ExecError) as raised:
        main(["classroom", "--port", str(port), "--lesson", "changning_council"])
    _, arguments, env = raised.value.args[0]
    assert arguments == server.command("127.0.0.1", port)
    assert env[CLASSROOM_LESSON_VARIABLE] == "changning_council"
    err = capsys.readouterr().err
    assert f"commsim classroom: teacher: http://127.0.0.1:{port}/classroom" in err
    assert f"commsim classroom: students join at: http://127.0.0.1:{port}/join" in err
    assert "only this computer can reach these addresses" in err


def test_the_dashboard_names_no_lesson(monkeypatch):
    monkeypatch.setenv(CLASSROOM_LESSON_VARIABLE, "xidu_team_leaders")  # left over from a shell that ran a class
    assert CLASSROOM_LESSON_VARIABLE not in environment(None)
    assert addresses("127.0.0.1", 8765, classroom=False) == ["http://127.0.0.1:8765/  (Ctrl-C stops it)"]


def test_a_class_on_the_lan_is_warned_about_and_its_addresses_name_it(no_exec, monkeypatch, capsys):
    monkeypatch.setattr(server, "check_port", lambda host, port: None)
    with pytest.raises(ExecError):
        main(["classroom", "--host", "0.0.0.0"])
    err = capsys.readouterr().err
    assert "warning: serving on 0.0.0.0: anyone who can reach this address" in err
    assert "students join at: http://0.0.0.0:8765/join" in err and "only this computer" not in err
    assert addresses("::1", 9000, classroom=True)[0] == "teacher: http://[::1]:9000/classroom"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--lesson", "pirates"], "commsim classroom --lesson: no classroom lesson 'pirates'; lessons: "),
        (["--lesson", "x" * 500], "no classroom lesson 'xxxxxxxx"),
        (["--port", "0"], "a port lies between 1 and 65535, got 0"),
        (["--host", "no host!"], "expected an IP address or a host name"),
    ],
    ids=["unknown lesson", "long lesson name", "port", "host"],
)
def test_bad_input_is_one_line_and_exit_code_two(arguments, message, no_exec, capsys):
    assert main(["classroom", *arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    if "lesson" in arguments[0]:
        assert "xidu_team_leaders" in err and len(err) < 300


def test_a_busy_port_is_exit_code_one(no_exec, capsys):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        assert main(["classroom", "--port", str(held.getsockname()[1])]) == 1
    assert "error: cannot serve on 127.0.0.1" in capsys.readouterr().err
