"""Where commsim finds its shipped data, and which folder names and paths it accepts."""

from __future__ import annotations

import pytest

from commsim.config.paths import check_safe_name, config_dir, inside, project_root


def test_the_configs_folder_holds_the_declaration_and_an_environment_variable_wins(tmp_path, monkeypatch):
    assert (config_dir() / "parameters.yaml").is_file()
    assert (project_root() / "pyproject.toml").is_file()
    (tmp_path / "parameters.yaml").write_text("{}\n", encoding="utf-8")
    monkeypatch.setenv("COMMSIM_CONFIG_DIR", str(tmp_path))
    assert config_dir() == tmp_path


def test_a_configs_folder_without_a_declaration_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMSIM_CONFIG_DIR", str(tmp_path))  # empty: the shipped copy is used instead
    assert config_dir() != tmp_path
    assert (config_dir() / "parameters.yaml").is_file()


@pytest.mark.parametrize("name", ["baseline", "a", "run-2.v1_x", "A" * 80])
def test_safe_names_pass_unchanged(name):
    assert check_safe_name(name) == name


@pytest.mark.parametrize("name", ["", ".", "..", ".hidden", "-rf", "a/b", "../x", "/abs", "a b", "名字", "x" * 81, 3])
def test_unsafe_names_are_refused(name):
    with pytest.raises(ValueError, match="must be a folder name of 1-80"):
        check_safe_name(name)


def test_inside_resolves_links_and_dots(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "escape").symlink_to(outside)
    assert inside(root, root) and inside(root / "sub" / "file.txt", root)
    assert not inside(root / ".." / "outside", root)
    assert not inside(root / "escape" / "file.txt", root)  # a link out of the root is outside it
    assert not inside(tmp_path, root)
