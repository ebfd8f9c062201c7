"""Every argument of the commands a researcher meets first is described in its --help."""

from __future__ import annotations

import pytest

from commsim.cli import main


@pytest.mark.parametrize(
    ("command", "described"),
    [
        ("validate", ["FILE", "run configs", "experiment specs", "lesson files", "--allow-large"]),
        ("export", ["DIR", "finished sweep", "data.csv", "runs.csv", "--out"]),
        ("status", ["DIR", "experiment folder"]),
        ("report", ["DIR", "experiment folder"]),
    ],
)
def test_help_describes_every_argument(command, described, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for text in described:
        assert text in out, f"`commsim {command} --help` does not mention {text!r}"
    positional = out.split("positional arguments:")[1].split("options:")[0].split()
    assert len(positional) > 1, f"`commsim {command} --help` lists its positional argument without a description"


def test_classroom_help_describes_every_option(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["classroom", "--help"])
    assert stop.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for text in ["--host", "127.0.0.1", "LAN address", "--port", "8765", "--lesson NAME", "teacher notes"]:
        assert text in out, f"`commsim classroom --help` does not mention {text!r}"
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "serve the dashboard for a class" in " ".join(capsys.readouterr().out.split())
