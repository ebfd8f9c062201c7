"""Reading a target's module without importing it: where its source is and what binds a name there."""

from __future__ import annotations

import ast
import importlib.machinery
import sys
from pathlib import Path


class TargetError(ValueError):
    """A target that cannot be found, or is not a model class or a function."""


def module_source(module: str) -> Path:
    """The Python source file of a module, found on the import path without importing it.

    Args:
        module: Dotted module name.

    Returns:
        Its ``.py`` file (``__init__.py`` for a package).

    Raises:
        TargetError: If it is not found, belongs to the standard library, or is not
            Python source (a compiled extension, a namespace package).
    """
    parts = module.split(".")
    if parts[0] in sys.stdlib_module_names:
        raise TargetError(f"module {module!r} is part of Python's standard library, which holds no experiment targets")
    if not all(part.isidentifier() for part in parts):
        raise TargetError(f"{module!r} is not a module name")
    search: list[str] | None = None
    found = None
    for depth in range(len(parts)):
        name = ".".join(parts[: depth + 1])
        try:
            found = importlib.machinery.PathFinder.find_spec(name, search)
        except (ImportError, ValueError) as error:  # pragma: no cover - unusual import paths
            raise TargetError(f"cannot import module {module!r}: {error}") from error
        if found is None:
            raise TargetError(f"cannot import module {module!r}: {name} is not on the import path")
        if depth < len(parts) - 1:
            if found.submodule_search_locations is None:
                raise TargetError(f"cannot import module {module!r}: {name} is a module, not a package")
            search = list(found.submodule_search_locations)
    origin = found.origin if found is not None else None
    if origin is None or not origin.endswith(".py"):
        raise TargetError(
            f"module {module!r} is not Python source ({origin or 'a namespace package'}); "
            "a target must be a .py file so that it can be checked without running it"
        )
    return Path(origin)


def binding(path: Path, name: str) -> ast.AST:
    """The last top-level statement of a module that binds ``name``."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError) as error:
        raise TargetError(f"cannot read {path}: {error}") from error
    found = None
    for node in top_level(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            found = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((alias.asname or alias.name.split(".")[0]) == name for alias in node.names):
                found = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(name in {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} for target in targets):
                found = node
    if found is None:
        raise TargetError(f"{path} defines no {name!r} at its top level")
    return found


def top_level(tree: ast.Module) -> list[ast.stmt]:
    """A module's top-level statements, with the imports of its ``if TYPE_CHECKING:`` blocks.

    A package that imports its public names on first use (PEP 562, as ``commsim`` does)
    names them in such a block; the check follows that import as the name's binding.
    """
    found: list[ast.stmt] = []
    for node in tree.body:
        found.append(node)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            found.extend(child for child in node.body if isinstance(child, (ast.Import, ast.ImportFrom)))
    return found


def imported_from(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute name of the module an import statement of ``module`` (at ``path``) imports from."""
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return ".".join(part for part in (package, node.module) if part)


def imported_name(node: ast.ImportFrom, name: str) -> str:
    """The name in the imported module that an import statement binds to ``name``."""
    return next(alias.name for alias in node.names if (alias.asname or alias.name) == name)
