"""Parsing the command line imports no model: ``commsim --help`` and argument errors start at once."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("mesa", "pandas", "matplotlib", "scipy", "numba", "pyarrow", "solara", "pymoo", "commsim.model")

PROBE = """
import sys
from commsim.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print("imported:" + ",".join(name for name in {heavy!r} if name in sys.modules))
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["run", "--help"], ["sweep", "--help"], ["validate", "--help"], ["run", "--steps", "0", "x.yaml"]],
    ids=["help", "run-help", "sweep-help", "validate-help", "bad-steps"],
)
def test_parsing_and_help_import_no_model_nor_data_library(argv):
    probe = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)], capture_output=True, text=True, check=True
    )
    assert probe.stdout.strip().splitlines()[-1] == "imported:"


def test_a_command_imports_its_module_only_when_it_runs():
    from commsim.cli.app import COMMANDS, command

    assert set(COMMANDS) >= {"run", "sweep", "status", "validate", "dashboard", "docs", "design"}
    for name in COMMANDS:
        assert callable(command(name))


def test_the_package_root_gives_the_model_on_first_use():
    import commsim

    assert commsim.CommunityModel.__name__ == "CommunityModel"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = commsim.nothing
