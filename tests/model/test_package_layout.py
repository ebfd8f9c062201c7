"""The package's layout is a contract: small modules and functions, typed contexts, imports that point down.

The model's core is ``model``, ``agents``, ``mechanisms``, ``metrics`` and the ``state``
and ``processes`` packages. Processes may import state, mechanisms and the parameter
declaration, never the model nor (except for type annotations) one another; state
imports no process; every argument in the core is annotated, so no process takes an
untyped model. README's "What is where" names every module of the two packages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import commsim
from commsim.config.paths import project_root

PACKAGE = Path(commsim.__file__).parent
CORE = [PACKAGE / name for name in ("model.py", "agents.py", "mechanisms.py", "metrics.py")]
CORE += sorted((PACKAGE / "state").glob("*.py")) + sorted((PACKAGE / "processes").glob("*.py"))
IDS = [str(path.relative_to(PACKAGE)) for path in CORE]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _functions(tree: ast.Module):
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def _runtime_imports(tree: ast.Module) -> set[str]:
    """Modules imported outside ``if TYPE_CHECKING:`` blocks."""
    checking = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            checking.update(id(child) for child in ast.walk(node))
    found = set()
    for node in ast.walk(tree):
        if id(node) in checking:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


SIZED = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SIZED, ids=[path.relative_to(PACKAGE).as_posix() for path in SIZED])
def test_no_module_over_500_lines_nor_function_over_80(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 500
    long = [f.name for f in _functions(_tree(path)) if f.end_lineno - f.lineno + 1 > 80]
    assert not long, f"functions over 80 lines: {long}"


def test_every_core_module_is_sized():
    assert set(CORE) <= set(SIZED)


@pytest.mark.parametrize("path", CORE, ids=IDS)
def test_every_argument_in_the_core_is_annotated(path):
    missing = []
    for function in _functions(_tree(path)):
        arguments = function.args.posonlyargs + function.args.args + function.args.kwonlyargs
        bare = [a.arg for a in arguments if a.annotation is None and a.arg not in ("self", "cls")]
        missing += [f"{function.name}({name})" for name in bare]
    assert not missing


@pytest.mark.parametrize("path", sorted((PACKAGE / "processes").glob("*.py")), ids=lambda p: p.name)
def test_processes_import_only_state_mechanisms_and_the_declaration(path):
    own = {name for name in _runtime_imports(_tree(path)) if name.startswith("commsim")}
    # A process may also import its own compiled kernels (``<process>_kernel``), nothing else's,
    # and the kernels the shared numpy reproductions (``numpy_kernel``: numpy's results in compiled code).
    allowed = (
        "commsim.state.",
        "commsim.mechanisms",
        "commsim.config.declaration",
        f"commsim.processes.{path.stem}_kernel",
        "commsim.processes.numpy_kernel",
    )
    assert all(name.startswith(allowed) for name in own), own


@pytest.mark.parametrize("path", sorted((PACKAGE / "state").glob("*.py")), ids=lambda p: p.name)
def test_state_imports_no_process_nor_the_model(path):
    own = {name for name in _runtime_imports(_tree(path)) if name.startswith("commsim")}
    assert all(
        name.startswith(("commsim.state.", "commsim.mechanisms", "commsim.config.declaration")) for name in own
    ), own


def test_readme_names_every_module_of_the_package():
    readme = (project_root() / "README.md").read_text(encoding="utf-8")
    rows = {row.split("|")[1].strip(): row for row in readme.splitlines() if row.startswith("| `src/commsim/")}
    packages = ["", *sorted(path.parent.name for path in PACKAGE.glob("*/__init__.py"))]
    assert set(rows) == {f"`src/commsim/{package}/`".replace("//", "/") for package in packages}
    for package in packages:
        row = rows[f"`src/commsim/{package}/`".replace("//", "/")]
        modules = {path.stem for path in (PACKAGE / package).glob("*.py")} - {"__init__", "__main__"}
        missing = [name for name in modules if f"`{name}`" not in row]
        assert not missing, (package, missing)


def test_the_import_layers_of_pyproject_hold(monkeypatch):
    from importlinter.cli import lint_imports

    monkeypatch.chdir(project_root())
    assert lint_imports(config_filename="pyproject.toml", no_cache=True, no_logo=True) == 0
