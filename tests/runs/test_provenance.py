"""What produced a result and how it is written: seeds, hashes, atomic writes, which folders may be replaced."""

from __future__ import annotations

import json

import numpy as np
import pytest

from commsim.runs.provenance import (
    OutputError,
    canonical_hash,
    check_out_dir,
    package_versions,
    seed_integer,
    write_file_atomically,
    write_json_atomically,
)


def test_seed_integers_are_63_bit_and_follow_the_spawned_sequence():
    children = np.random.SeedSequence(7).spawn(3)
    seeds = [seed_integer(child) for child in children]
    assert len(set(seeds)) == 3 and all(0 <= seed < 2**63 for seed in seeds)
    assert seeds == [seed_integer(child) for child in np.random.SeedSequence(7).spawn(3)]


def test_the_canonical_hash_ignores_key_order_and_sees_every_value():
    assert canonical_hash({"a": 1, "b": [1, 2]}) == canonical_hash({"b": [1, 2], "a": 1})
    assert canonical_hash({"a": 1, "b": [1, 2]}) != canonical_hash({"a": 1, "b": [2, 1]})
    assert len(canonical_hash(None)) == 64


def test_an_atomic_write_replaces_the_file_whole_or_leaves_it(tmp_path):
    path = tmp_path / "deep" / "table.json"
    write_json_atomically(path, {"x": 1})
    assert json.loads(path.read_text()) == {"x": 1}

    def broken(target):
        target.write_text("half", encoding="utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_file_atomically(path, broken)
    assert json.loads(path.read_text()) == {"x": 1}
    assert [entry.name for entry in path.parent.iterdir()] == ["table.json"]  # no temporary file left


def test_a_results_folder_is_refused_unless_commsim_may_write_it(tmp_path):
    check_out_dir(tmp_path / "new")  # absent: fine
    (tmp_path / "empty").mkdir()
    check_out_dir(tmp_path / "empty")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="not a commsim run folder"):
        check_out_dir(foreign)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="not a folder"):
        check_out_dir(tmp_path / "file")
    with pytest.raises(OutputError, match="is not a folder, so"):
        check_out_dir(tmp_path / "file" / "below")
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    with pytest.raises(OutputError, match="symbolic link"):
        check_out_dir(tmp_path / "link")
    assert (foreign / "notes.txt").read_text() == "mine"


def test_package_versions_name_what_results_depend_on():
    versions = package_versions()
    assert {"python", "commsim", "numpy", "mesa"} <= set(versions)
