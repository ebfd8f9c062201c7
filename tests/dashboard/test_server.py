"""Serving the dashboard: start-up checks, the server's environment, the CLI, and offline front-end assets.

Nothing here downloads anything or starts a server: npm is replaced by a local script and
``os.execve`` is replaced wherever a check could let start-up go through.
"""

from __future__ import annotations

import io
import json
import re
import socket
import sys
import tarfile
from pathlib import Path

import pytest

from commsim.cli import main
from commsim.dashboard import assets, server
from commsim.dashboard.assets import PACKAGES, AssetError, _unpack, is_provisioned, missing, provision
from commsim.dashboard.server import ServerError, check_port, command, environment, is_loopback, serve


class ExecError(Exception):
    """Raised instead of replacing the test process with a server."""


@pytest.fixture
def no_exec(monkeypatch):
    """Fail the test instead of exec-ing a server, should a check ever let start-up through."""

    def refuse(*arguments):
        raise ExecError(arguments)

    monkeypatch.setattr(server.os, "execve", refuse)


@pytest.fixture
def busy_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ------------------------------------------------------------------ start-up checks


def test_a_free_port_passes_the_check():
    assert check_port("127.0.0.1", free_port()) is None


def test_a_port_in_use_is_refused(busy_port):
    with pytest.raises(ServerError, match=rf"cannot serve on 127\.0\.0\.1:{busy_port}: Address already in use"):
        check_port("127.0.0.1", busy_port)


def test_an_unresolvable_host_is_refused():
    with pytest.raises(ServerError, match=r"cannot resolve host 'commsim-test\.invalid'"):
        check_port("commsim-test.invalid", 8765)


def test_an_address_of_another_machine_is_refused():
    with pytest.raises(ServerError, match=r"cannot serve on 192\.0\.2\.1:8765"):  # TEST-NET-1, never local
        check_port("192.0.2.1", 8765)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.2", False),
        ("example.org", False),
    ],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def test_the_server_command_serves_the_app_on_the_given_address():
    line = command("127.0.0.1", 9001)
    assert line[:5] == [sys.executable, "-m", "solara", "run", "commsim.dashboard.app"]
    assert line[line.index("--host") + 1] == "127.0.0.1"
    assert line[line.index("--port") + 1] == "9001"
    assert {"--production", "--no-open"} <= set(line)


def test_the_environment_turns_telemetry_off_and_names_the_results(monkeypatch, tmp_path):
    monkeypatch.setenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "True")
    monkeypatch.delenv("SOLARA_ASSETS_PROXY_CACHE_DIR", raising=False)
    monkeypatch.delenv("COMMSIM_RESULTS_DIR", raising=False)
    monkeypatch.delenv("SOLARA_KERNEL_CULL_TIMEOUT", raising=False)
    monkeypatch.delenv("SOLARA_KERNEL_MAX_COUNT", raising=False)
    monkeypatch.chdir(tmp_path)
    env = environment(Path("results"))
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_ASSETS_PROXY"] == "True"
    assert env["SOLARA_SESSION_HTTP_ONLY"] == "True"  # the page's scripts never read the session cookie
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == "10m" and env["SOLARA_KERNEL_MAX_COUNT"] == "200"
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(assets.cache_dir())
    assert env["COMMSIM_RESULTS_DIR"] == str(tmp_path / "results")
    assert Path(env["COMMSIM_RESULTS_DIR"]).is_absolute()
    assert "COMMSIM_RESULTS_DIR" not in environment(None)


def test_the_environment_keeps_a_chosen_asset_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", str(tmp_path / "cdn"))
    assert environment(None)["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(tmp_path / "cdn")


def test_serve_refuses_a_lessons_file_that_does_not_check(no_exec, monkeypatch, tmp_path):
    path = tmp_path / "lessons.yaml"
    path.write_text("- id: tiny\n  title: x\n", encoding="utf-8")
    monkeypatch.setenv("COMMSIM_LESSONS", str(path))
    monkeypatch.setattr(assets, "missing", lambda cache=None: [])
    with pytest.raises(ServerError, match=re.escape(f"the lessons cannot be shown: {path}")):
        serve("127.0.0.1", free_port())


def test_serve_stops_before_starting_on_a_busy_port(busy_port, no_exec, monkeypatch):
    monkeypatch.setattr(assets, "missing", lambda cache=None: [])
    with pytest.raises(ServerError, match="Address already in use"):
        server.serve("127.0.0.1", busy_port)


def test_serve_reports_missing_assets_it_cannot_fetch(no_exec, monkeypatch):
    monkeypatch.setattr(assets, "missing", lambda cache=None: ["requirejs@2.3.6"])

    def cannot(*arguments, **keywords):
        raise AssetError("npm is not installed")

    monkeypatch.setattr(assets, "provision", cannot)
    with pytest.raises(ServerError, match="front-end files are missing and could not be fetched: npm is not installed"):
        server.serve("127.0.0.1", free_port())


def test_serve_execs_solara_with_the_checked_address(no_exec, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(assets, "missing", lambda cache=None: [])
    port = free_port()
    with pytest.raises(ExecError) as raised:
        server.serve("127.0.0.1", port, results=tmp_path)
    program, arguments, env = raised.value.args[0]
    assert program == sys.executable and arguments == command("127.0.0.1", port)
    assert env["COMMSIM_RESULTS_DIR"] == str(tmp_path.resolve())
    assert f"http://127.0.0.1:{port}/" in capsys.readouterr().err


def test_serving_beyond_loopback_warns(no_exec, monkeypatch, capsys):
    monkeypatch.setattr(assets, "missing", lambda cache=None: [])
    monkeypatch.setattr(server, "check_port", lambda host, port: None)
    with pytest.raises(ExecError):
        server.serve("0.0.0.0", 8765)
    assert "warning: serving on 0.0.0.0: anyone who can reach this address" in capsys.readouterr().err


# ------------------------------------------------------------------ the command line


@pytest.mark.parametrize(
    ("port", "message"),
    [("0", "a port lies between 1 and 65535, got 0"), ("70000", "a port lies between 1 and 65535, got 70000")],
)
def test_the_cli_refuses_a_port_out_of_range(port, message, no_exec, capsys):
    assert main(["dashboard", "--port", port]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err


def test_the_cli_refuses_a_port_that_is_not_a_number(no_exec, capsys):
    assert main(["dashboard", "--port", "eighty"]) == 2
    assert "expected a port number, got 'eighty'" in capsys.readouterr().err


def test_the_cli_reports_a_busy_port_with_exit_code_one(busy_port, no_exec, monkeypatch, capsys):
    monkeypatch.setattr(assets, "missing", lambda cache=None: [])
    assert main(["dashboard", "--port", str(busy_port)]) == 1
    assert f"error: cannot serve on 127.0.0.1:{busy_port}" in capsys.readouterr().err


# ------------------------------------------------------------------ front-end assets


def test_an_empty_cache_misses_every_package(tmp_path):
    assert missing(tmp_path) == list(PACKAGES)
    assert len(PACKAGES) == 6
    assert all(not is_provisioned(spec, tmp_path) for spec in PACKAGES)


def test_a_package_counts_only_once_its_marker_file_is_there(tmp_path):
    spec = "requirejs@2.3.6"
    folder = tmp_path / spec
    folder.mkdir()
    (folder / "package.json").write_text("{}")
    assert not is_provisioned(spec, tmp_path), "require.js itself marks a complete unpack"
    (folder / "require.js").write_text("// require")
    assert is_provisioned(spec, tmp_path)
    assert spec not in missing(tmp_path) and len(missing(tmp_path)) == len(PACKAGES) - 1


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", str(tmp_path))
    assert assets.cache_dir() == tmp_path
    monkeypatch.delenv("SOLARA_ASSETS_PROXY_CACHE_DIR")
    assert assets.cache_dir() == Path(sys.prefix) / "share" / "solara" / "cdn"


def test_without_npm_provisioning_fails_naming_npm_and_the_packages(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(AssetError, match="npm is not installed") as raised:
        provision(tmp_path / "cache", quiet=True)
    assert all(spec in str(raised.value) for spec in PACKAGES)
    assert not (tmp_path / "cache").exists()


def test_a_given_npm_that_does_not_exist_is_an_asset_error(tmp_path):
    with pytest.raises(AssetError, match="npm"):
        provision(tmp_path / "cache", npm=str(tmp_path / "nonexistent" / "npm"), quiet=True)


def fake_npm(folder: Path, *, fail: bool = False) -> Path:
    """An ``npm`` that packs a small local tarball (or fails like a registry 404); it never goes online."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "npm"
    members = ["package.json", "dist/solara-vuetify-app8.min.js", "require.js", "css/font-awesome.min.css"]
    script.write_text(
        f"#!{sys.executable}\n"
        "import io, json, sys, tarfile\n"
        "from pathlib import Path\n"
        f"if {fail!r}:\n"
        "    print('npm ERR! 404 Not Found', file=sys.stderr)\n"
        "    sys.exit(1)\n"
        "spec = sys.argv[2]\n"
        "destination = Path(sys.argv[sys.argv.index('--pack-destination') + 1])\n"
        "name = spec.replace('@', '').replace('/', '-') + '.tgz'\n"
        "with tarfile.open(destination / name, 'w:gz') as archive:\n"
        f"    for member in {members!r}:\n"
        "        data = json.dumps({'spec': spec}).encode()\n"
        "        info = tarfile.TarInfo('package/' + member)\n"
        "        info.size = len(data)\n"
        "        archive.addfile(info, io.BytesIO(data))\n"
        "print(name)\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def test_provisioning_unpacks_every_missing_package_into_the_cache(tmp_path):
    cache = tmp_path / "cache"
    npm = fake_npm(tmp_path / "bin")
    fetched = provision(cache, npm=str(npm), quiet=True)
    assert fetched == list(PACKAGES)
    assert missing(cache) == []
    vuetify = cache / "@widgetti/solara-vuetify-app@10.1.1"
    assert json.loads((vuetify / "package.json").read_text()) == {"spec": "@widgetti/solara-vuetify-app@10.1.1"}
    assert not (vuetify / "package").exists(), "the leading package/ folder is stripped"
    assert provision(cache, npm=str(npm), quiet=True) == [], "nothing is fetched twice"


def test_a_failing_npm_pack_is_an_asset_error_with_its_message(tmp_path):
    npm = fake_npm(tmp_path / "bin", fail=True)
    with pytest.raises(AssetError, match=r"npm pack @widgetti/solara-vuetify-app@10\.1\.1 failed: npm ERR! 404"):
        provision(tmp_path / "cache", npm=str(npm), quiet=True)


def tarball(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_unpacking_strips_the_package_folder_and_replaces_an_old_copy(tmp_path):
    archive = tarball(
        tmp_path / "thing.tgz",
        {"package/package.json": b"{}", "package/dist/app.js": b"js", "README": b"top level, skipped"},
    )
    target = tmp_path / "cache" / "thing@1.0.0"
    target.mkdir(parents=True)
    (target / "stale.js").write_text("old")
    _unpack(archive, target)
    files = sorted(str(path.relative_to(target)) for path in target.rglob("*") if path.is_file())
    assert files == ["dist/app.js", "package.json"]
    assert (target / "dist" / "app.js").read_bytes() == b"js"
    assert not target.with_name(target.name + ".partial").exists()


def test_unpacking_refuses_paths_that_climb_out(tmp_path):
    archive = tarball(
        tmp_path / "evil.tgz",
        {"package/ok.txt": b"ok", "package/../../escaped.txt": b"evil", "package/sub/../../up.txt": b"evil"},
    )
    target = tmp_path / "cache" / "evil@1.0.0"
    _unpack(archive, target)
    assert (target / "ok.txt").read_bytes() == b"ok"
    assert not list(tmp_path.rglob("escaped.txt")) and not list(tmp_path.rglob("up.txt"))
    assert sorted(path.name for path in target.rglob("*")) == ["ok.txt"]


def test_serve_warms_the_compiled_kernels_before_the_server_starts(no_exec, monkeypatch, capsys):
    import commsim.model

    calls: list[str] = []
    monkeypatch.setattr(assets, "missing", lambda cache=None: [])
    monkeypatch.setattr(commsim.model, "warm_kernels", lambda: calls.append("warm") or 0.25)
    with pytest.raises(ExecError):
        server.serve("127.0.0.1", free_port())
    assert calls == ["warm"]
    assert "kernels ready in 0.2 s" in capsys.readouterr().err
