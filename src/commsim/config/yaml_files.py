"""Every YAML file commsim reads: checked reading, line numbers and error messages.

:func:`read_yaml` refuses what no config needs and a hostile file could use: more than
:data:`MAX_YAML_BYTES`, text that is not UTF-8, repeated keys, nesting deeper than
:data:`MAX_YAML_DEPTH`, aliases that expand past :data:`MAX_YAML_VALUES` values or refer
to themselves, and anything that is not a regular file. :class:`ConfigError` carries a
message naming the file, the field, the YAML line and the reason.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

# Ceilings of a YAML file: shipped configs, specs and lesson files are a few kilobytes,
# nest at most six levels and hold a few hundred values.
MAX_YAML_BYTES = 1_000_000

MAX_YAML_DEPTH = 64

MAX_YAML_VALUES = 100_000


class ConfigError(ValueError):
    """A configuration file or value that commsim rejects; the message says where and why."""


class _YAMLLimitError(Exception):
    """A YAML document over one of the ceilings; carries the line where it was noticed."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# How a number reads the same in every YAML version and to every reader (YAML 1.1
# also reads 010 as 8, 0x10 as 16, 1:30 as 90 and 1_000 as 1000).
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?|[-+]?\.[0-9]+([eE][-+]?[0-9]+)?")


def _plain_number(text: str) -> bool:
    """Whether a YAML number is written in plain decimal digits (or is .nan or .inf, refused later by name)."""
    return bool(_DECIMAL.fullmatch(text)) or text.lower().lstrip("+-") in (".nan", ".inf")


class _CheckedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses deep nesting and repeated keys while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                line = self.peek_event().start_mark.line + 1
                raise _YAMLLimitError(line, f"nested more than {MAX_YAML_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag in _NUMBER_TAGS and not _plain_number(node.value):
            read = super().construct_object(node, deep)
            raise _YAMLLimitError(
                node.start_mark.line + 1,
                f"YAML 1.1 reads {node.value!r} as {read!r} (octal, hexadecimal, base 60 or with "
                "underscores); write the number in plain decimal digits",
            )
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as error:  # an integer of 5,000 digits, a 13th month
            shown = node.value if isinstance(node.value, str) and len(node.value) <= 40 else "this value"
            reason = "more than 4,300 digits" if "digits" in str(error) else str(error)
            raise _YAMLLimitError(node.start_mark.line + 1, f"cannot read {shown!r}: {reason}") from None

    def compose_mapping_node(self, anchor: str | None) -> yaml.MappingNode:
        node = super().compose_mapping_node(anchor)
        seen: dict[tuple[str, str], int] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            line = key.start_mark.line + 1
            first = seen.setdefault((key.tag, key.value), line)
            if first != line:
                raise _YAMLLimitError(line, f"key {key.value!r} is repeated (lines {first} and {line}); keep one")
        return node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(node: yaml.Node) -> None:
    """Refuse aliases that make a document refer to itself or expand past the ceilings.

    Aliases share nodes, so sizes are counted once per node and summed as if expanded
    (a "billion laughs" document is refused without being expanded).
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, finished = stack.pop()
        key = id(current)
        if finished:
            children = _children(current)
            size[key] = 1 + sum(size[id(child)] for child in children)
            depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            visiting.discard(key)
            continue
        if key in size:
            continue
        if key in visiting:
            raise _YAMLLimitError(current.start_mark.line + 1, "an alias refers to the value that holds it")
        visiting.add(key)
        stack.append((current, True))
        stack.extend((child, False) for child in _children(current))
    line = node.start_mark.line + 1
    if size[id(node)] > MAX_YAML_VALUES:
        raise _YAMLLimitError(line, f"expands to more than {MAX_YAML_VALUES:,} values (through aliases?)")
    if depth[id(node)] > MAX_YAML_DEPTH:
        raise _YAMLLimitError(line, f"nested more than {MAX_YAML_DEPTH} levels deep (through aliases)")


def _read_text(path: Path) -> str:
    """The text of a small regular UTF-8 file, or a ConfigError saying why not."""
    try:
        info = path.stat()  # follows links; never opens a FIFO or a device
    except OSError as error:
        raise ConfigError(f"{path}: cannot read file ({error.strerror or error})") from error
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{path}: is a folder, not a YAML file")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path}: is not a regular file (a device, pipe or socket); give a YAML file")
    too_big = f"{path}: is larger than {MAX_YAML_BYTES:,} bytes, the limit for a commsim YAML file"
    if info.st_size > MAX_YAML_BYTES:
        raise ConfigError(too_big)
    try:
        # Non-blocking, and checked again once open: a file swapped for a pipe meanwhile cannot block.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ConfigError(f"{path}: is not a regular file (a device, pipe or socket); give a YAML file")
            raw = handle.read(MAX_YAML_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read file ({error.strerror or error})") from error
    if len(raw) > MAX_YAML_BYTES:
        raise ConfigError(too_big)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[error.start]:02x}); save the file as UTF-8"
        ) from None


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Read a YAML file as data and as a composed tree that knows each key's line.

    Args:
        path: The file.

    Returns:
        The parsed data and its composed tree (None for an empty file).

    Raises:
        ConfigError: If the file cannot be read, is not a small regular UTF-8 file, is
            not valid YAML, repeats a key, or nests or expands past the ceilings; with
            the line where there is one.
    """
    path = Path(path)
    text = _read_text(path)
    loader = None
    try:
        loader = _CheckedLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check_expansion(node)
        return loader.construct_document(node), node
    except _YAMLLimitError as error:
        where = f"{path}:{error.line}" if error.line else str(path)
        raise ConfigError(f"{where}: {error.reason}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        context, problem = error.context or "", error.problem or ""
        joined = f"{context}{' ' if problem.startswith('but') else ': '}{problem}" if context and problem else None
        reason = " ".join((joined or problem or context or "unreadable").split())
        raise ConfigError(f"{where}: broken YAML: {reason}") from None
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        code = error.character if isinstance(error.character, int) else ord(error.character)
        raise ConfigError(f"{path}:{line}: character #x{code:04x} is not allowed in a YAML file") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: broken YAML: {' '.join(str(error).split())}") from None
    finally:
        if loader is not None:
            loader.dispose()


def line_of(node: yaml.Node | None, location: tuple[Any, ...]) -> int | None:
    """Find the 1-based line of a key path (keys and list indices) in a composed YAML tree.

    Args:
        node: The composed document, from :func:`read_yaml`.
        location: Keys of mappings and integer indices of lists, outermost first.

    Returns:
        The line of the deepest part of the path that exists; None without a document.
    """
    line = node.start_mark.line + 1 if node is not None else None
    for key in location:
        if isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if not 0 <= key < len(node.value):
                break
            node = node.value[key]
            line = node.start_mark.line + 1
            continue
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if key_node.value == str(key):
                line = key_node.start_mark.line + 1
                node = value_node
                break
        else:
            break
    return line


def _shown(value: Any) -> str:
    """A value as YAML spells it, short enough for a one-line message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null (an empty value)"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else f"a text of {len(value):,} characters"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def suggestion(name: Any, choices: typing.Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` naming the closest of ``choices`` to ``name`` (difflib), or ``""``."""
    if not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name, list(choices), n=2, cutoff=0.7)
    return f"; did you mean {' or '.join(repr(choice) for choice in close)}?" if close else ""


def _keys_at(model: type[BaseModel] | None, location: tuple[Any, ...]) -> list[str]:
    """The field names of the pydantic model found at ``location`` inside ``model`` (empty if none)."""
    for part in location:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = _model_in(field.annotation)
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (directly, in a list, or as an option)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def problem_text(problem: dict[str, Any], model: type[BaseModel] | None = None) -> str:
    """The reason of one pydantic error, in words a config's author can act on.

    Args:
        problem: One entry of ``ValidationError.errors()``.
        model: The model that was validated, to suggest the nearest key for an unknown one.

    Returns:
        The reason, ending with the value that was given where that helps.
    """
    kind, value, message = problem["type"], problem.get("input"), problem["msg"]
    if kind == "extra_forbidden":
        location = tuple(problem["loc"])
        return "unknown key" + (suggestion(location[-1], _keys_at(model, location[:-1])) if location else "")
    if kind == "missing":
        return "Field required (the key is missing)"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{'not a number' if math.isnan(value) else 'infinite'} ({_shown(value)}); give a finite number"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    text = f"{message}, got {_shown(value)}"
    if isinstance(value, str) and kind in ("float_type", "int_type"):
        try:
            float(value)
        except ValueError:
            pass
        else:  # YAML 1.1 reads 1e3 (no dot) and quoted numbers as text
            text += "; write the number without quotes, and an exponent with a dot and a sign (1.0e+3)"
    return text


def validation_message(
    path: Path,
    node: yaml.Node | None,
    error: ValidationError,
    prefix: tuple[Any, ...] = (),
    *,
    model: type[BaseModel] | None = None,
) -> str:
    """Turn a pydantic error into one ``file:line: field: reason`` line per problem.

    Args:
        path: The file that was validated.
        node: Its composed tree.
        error: The validation error.
        prefix: Key path of the validated part within the file.
        model: The validated model, to suggest the nearest key for an unknown one.

    Returns:
        The message.
    """
    lines = []
    for problem in error.errors():
        location = tuple(part for part in (*prefix, *problem["loc"]) if part != "[key]")  # pydantic marks a bad key
        field = ".".join(str(part) if part != "" else "''" for part in location) or "(top level)"
        line = line_of(node, location)
        where = f"{path}:{line}" if line else str(path)
        lines.append(f"{where}: {field}: {problem_text(problem, model)}")
    return "\n".join(lines)


def validate_yaml(path: Path, model: type[BaseModel]) -> tuple[BaseModel, yaml.Node | None]:
    """Validate a YAML file whose top level is a mapping against a pydantic model.

    Args:
        path: The file.
        model: The pydantic model.

    Returns:
        The validated model and the file's composed tree.

    Raises:
        ConfigError: Naming file, line, field and reason of every problem.
    """
    data, node = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values at the top level")
    try:
        return model.model_validate(data), node
    except ValidationError as error:
        raise ConfigError(validation_message(path, node, error, model=model)) from error
