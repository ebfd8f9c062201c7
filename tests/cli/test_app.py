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


def test_validate_takes_the_glob_of_configs_each_file_as_what_it_is(capsys):
    from commsim.cli import main

    files = sorted(str(path) for path in __import__("pathlib").Path("configs").glob("*.yaml"))
    assert "configs/parameters.yaml" in files and "configs/costs.yaml" in files
    assert main(["validate", *files]) == 0
    out = capsys.readouterr().out
    assert "configs/parameters.yaml: valid parameter declaration" in out
    assert "configs/costs.yaml: valid costs file" in out


def test_a_broken_declaration_is_one_line_naming_file_line_and_entry(tmp_path, capsys):
    from commsim.cli import main

    text = __import__("pathlib").Path("configs/parameters.yaml").read_text(encoding="utf-8")
    path = tmp_path / "parameters.yaml"
    path.write_text(text.replace("group: policy", "group: polcy", 1), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {path}:") and "unknown group or type" in err[0]


@pytest.mark.parametrize(
    ("text", "suggested"),
    [
        ("name: x\nprofile: old_inner_city\npolicy: baseline\noverrides:\n  time_bnak: true\n", "'time_bank'"),
        ("name: x\nprofile: old_inner_city\npolicy: baseline\nstepz: 3\n", "'steps'"),
        ("name: x\nprofile: old_inner_cty\npolicy: baseline\n", "'old_inner_city'"),
        ("name: x\nprofile: old_inner_city\npolicy: baselin\n", "'baseline'"),
    ],
    ids=["override", "top-level-key", "profile", "package"],
)
def test_an_unknown_name_suggests_the_nearest_declared_one(tmp_path, capsys, text, suggested):
    from commsim.cli import main

    path = tmp_path / "run.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert f"did you mean {suggested}?" in capsys.readouterr().err
