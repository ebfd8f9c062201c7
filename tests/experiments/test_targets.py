"""Targets: read from their source without being imported; only the documented kinds are accepted."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from commsim.cli import main

SENTINEL_MODULE = """\
from pathlib import Path

Path(__file__).with_name("imported.txt").write_text("the module ran", encoding="utf-8")


def measure(*, seed, x):
    return {"y": x * 2.0}
"""


@pytest.fixture
def sentinel(tmp_path, monkeypatch) -> Path:
    """A target module that leaves a file behind whenever it is imported."""
    (tmp_path / "sentinel_target.py").write_text(SENTINEL_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = tmp_path / "sentinel.yaml"
    spec.write_text(
        "name: sentinel\ntarget: sentinel_target:measure\nfactors:\n  - {name: x, values: [1, 2]}\nreplicates: 2\n",
        encoding="utf-8",
    )
    return spec


def test_validate_never_imports_the_target(sentinel, capsys):
    assert main(["validate", str(sentinel)]) == 0
    assert "valid experiment spec 'sentinel' (4 runs" in capsys.readouterr().out
    assert not (sentinel.parent / "imported.txt").exists()


def test_status_analyze_report_and_export_never_import_the_target(sentinel, tmp_path, capsys):
    folder = tmp_path / "results"
    assert main(["sweep", str(sentinel), "--executor", "inline", "--quiet", "--out", str(folder)]) == 0
    ran = sentinel.parent / "imported.txt"
    assert ran.exists()  # a sweep runs the target: that is what it is for
    ran.unlink()
    for command in (["status"], ["analyze"], ["report"], ["export", "--csv"]):
        assert main([command[0], str(folder), *command[1:]]) == 0
    assert not ran.exists()


def test_validate_of_this_s_prints_no_zen_and_refuses(tmp_path, capsys):
    spec = tmp_path / "zen.yaml"
    spec.write_text("name: zen\ntarget: this:s\n", encoding="utf-8")
    assert main(["validate", str(spec)]) == 2
    out, error = capsys.readouterr()
    assert "Zen" not in out + error and "Beautiful" not in out + error
    assert f"{spec}:2: target:" in error and "standard library" in error


@pytest.mark.parametrize(
    ("module", "target", "reason"),
    [
        (None, "os:getcwd", "standard library"),
        (None, "subprocess:run", "standard library"),
        (None, "no_such_module:f", "cannot import module 'no_such_module'"),
        ("VALUE = 3\n", "mod:VALUE", "is not a def or class"),
        ("import os\n", "mod:os", "is not a def or class"),
        ("async def f(*, seed):\n    return {}\n", "mod:f", "an async function"),
        ("def f(x):\n    return {}\n", "mod:f", "takes no `seed` keyword"),
        ("class M:\n    pass\n", "mod:M", "derives from nothing"),
        ("import mesa\nclass M(mesa.Model):\n    def __init__(self, x=1):\n        pass\n", "mod:M", "no `rng`"),
        ("def f(*, seed):\n    return {}\n", "mod:g", "defines no 'g'"),
        ("def f(*, seed):\n    return {}\n", "mod.sub:f", "mod is a module, not a package"),
        ("def f(*, seed:\n", "mod:f", "cannot read"),
    ],
)
def test_targets_outside_the_documented_kinds_are_refused_without_running_them(
    tmp_path, monkeypatch, capsys, module, target, reason
):
    if module is not None:
        (tmp_path / "mod.py").write_text("open(__file__ + '.ran', 'w')\n" + module, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: t\ntarget: {target}\n", encoding="utf-8")
    assert main(["validate", str(spec)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {spec}:2: target: ") and reason in error, error
    assert not list(tmp_path.glob("*.ran"))


def test_a_target_re_exported_by_a_package_is_followed_to_its_definition(tmp_path, monkeypatch):
    from commsim.experiments.targets import inspect_target

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .impl import run as entry\n", encoding="utf-8")
    (package / "impl.py").write_text("def run(*, seed, a, b=2):\n    return {'y': a}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    info = inspect_target("pkg:entry")
    assert (info.kind, info.module, info.keywords) == ("function", "pkg.impl", frozenset({"a", "b"}))
    assert inspect_target("commsim:CommunityModel").commsim_model


def test_a_class_that_is_not_a_mesa_model_is_refused_by_the_sweep_before_anything_is_written(
    tmp_path, monkeypatch, capsys
):
    (tmp_path / "plain.py").write_text(
        textwrap.dedent(
            """\
            class Base:
                pass


            class NotAModel(Base):
                def __init__(self, *, rng=None):
                    self.rng = rng
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = tmp_path / "plain.yaml"
    spec.write_text("name: plain\ntarget: plain:NotAModel\nreplicates: 1\n", encoding="utf-8")
    folder = tmp_path / "out"
    assert main(["sweep", str(spec), "--executor", "inline", "--quiet", "--out", str(folder)]) == 2
    assert "is a class but not a Mesa model" in capsys.readouterr().err
    assert not folder.exists()
