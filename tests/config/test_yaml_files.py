"""Reading YAML: hostile text, oversized files and non-files refused with a line; a byte order mark accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from commsim.config.yaml_files import ConfigError

LAUGHS = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]\n" for previous, name in zip("abcde", "bcdef", strict=True)
)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"name: caf\xe9\n", "scenario.yaml:1: not UTF-8 text (byte 0xe9)"),
        (b"name: x\nsteps: 2\n\xff\xfe\x00\x01", "scenario.yaml:3: not UTF-8"),
        (b"name: x\x00\n", "scenario.yaml:1: character #x0000 is not allowed"),
        (b"a: " + b"[" * 50_000, "scenario.yaml:1: nested more than 64 levels deep"),
        (b"a:\n" + b"".join(b"  " * depth + b"b:\n" for depth in range(1, 80)), "nested more than 64 levels"),
        (LAUGHS.encode(), "expands to more than 100,000 values"),
        (b"a: &a [*a]\n", "an alias refers to the value that holds it"),
        (b"seed: " + b"9" * 5000 + b"\n", "scenario.yaml:1: cannot read 'this value': more than 4,300 digits"),
        (b"a: 1\n---\nb: 2\n", "broken YAML: expected a single document"),
        (b"a: 1\na: 2\n", "scenario.yaml:2: key 'a' is repeated (lines 1 and 2)"),
        (b"x: &base {a: 1}\ny:\n  <<: *base\n  a: 2\n", None),  # a merge key is not a repeat
    ],
)
def test_read_yaml_refuses_hostile_text_with_a_line(tmp_path, content, needle):
    from commsim.config.yaml_files import read_yaml

    path = tmp_path / "scenario.yaml"
    path.write_bytes(content)
    if needle is None:
        assert read_yaml(path)[0]["y"] == {"a": 2}
        return
    with pytest.raises(ConfigError) as caught:
        read_yaml(path)
    assert needle in str(caught.value) and "\n" not in str(caught.value), caught.value


def test_read_yaml_refuses_files_over_the_size_limit(tmp_path):
    from commsim.config.yaml_files import MAX_YAML_BYTES, read_yaml

    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * MAX_YAML_BYTES + "\n")
    with pytest.raises(ConfigError, match=r"big\.yaml: is larger than 1,000,000 bytes"):
        read_yaml(path)


def test_read_yaml_refuses_folders_devices_and_pipes_without_opening_them(tmp_path):
    import os

    from commsim.config.yaml_files import read_yaml

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it would block forever
    for path, needle in ((tmp_path, "is a folder"), (Path("/dev/zero"), "not a regular file"), (fifo, "not a regular")):
        with pytest.raises(ConfigError, match=needle):
            read_yaml(path)


def test_read_yaml_accepts_a_byte_order_mark(tmp_path):
    from commsim.config.yaml_files import read_yaml

    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: x\n")
    assert read_yaml(path)[0] == {"name": "x"}
