"""Solara's front-end assets, provisioned from the npm registry so the dashboard works offline.

Solara loads its front end (Vue, Vuetify, RequireJS, fonts, mermaid, KaTeX) from a CDN
at run time and caches what it loads in a proxy-cache folder. With no internet the page
stays blank. :func:`provision` fills that cache ahead of time: each package goes in
``<cache>/<package>@<version>/`` holding its npm tarball unpacked without the leading
``package/`` folder. The versions are those solara 1.64.1 asks for (its
``server/templates/solara.html.j2`` and ``widgets/vue/gridlayout.vue``); re-read them when
solara is upgraded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

SOLARA_VERSION = "1.64.1"
PACKAGES: tuple[str, ...] = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "mermaid@10.8.0",
    "katex@0.16.9",
)
# One file per package that the page loads first; its presence marks a complete unpack.
_MARKERS = {
    "@widgetti/solara-vuetify-app": "dist/solara-vuetify-app8.min.js",
    "requirejs": "require.js",
    "font-awesome": "css/font-awesome.min.css",
}


class AssetError(RuntimeError):
    """The front-end assets are missing and could not be provisioned; the message says why."""


def cache_dir() -> Path:
    """Return Solara's CDN proxy-cache folder: ``SOLARA_ASSETS_PROXY_CACHE_DIR`` or ``<prefix>/share/solara/cdn``."""
    if env := os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR"):
        return Path(env)
    return Path(sys.prefix) / "share" / "solara" / "cdn"


def package_dir(spec: str, cache: Path | None = None) -> Path:
    """Return the cache folder of one ``name@version`` package spec."""
    return (cache or cache_dir()) / spec


def _name(spec: str) -> str:
    return spec.rsplit("@", 1)[0]


def is_provisioned(spec: str, cache: Path | None = None) -> bool:
    """Return whether a package is unpacked completely in the cache."""
    folder = package_dir(spec, cache)
    marker = _MARKERS.get(_name(spec), "package.json")
    return (folder / marker).is_file()


def missing(cache: Path | None = None) -> list[str]:
    """Return the package specs not yet in the cache."""
    return [spec for spec in PACKAGES if not is_provisioned(spec, cache)]


def _unpack(tarball: Path, target: Path) -> None:
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts
            if len(parts) < 2 or ".." in parts:
                continue
            member.name = str(Path(*parts[1:]))  # drop the leading package/ folder
            archive.extract(member, staging, filter="data")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def provision(cache: Path | None = None, *, npm: str | None = None, quiet: bool = False) -> list[str]:
    """Download the missing front-end packages with ``npm pack`` and unpack them into the cache.

    Args:
        cache: The proxy-cache folder; Solara's default when None.
        npm: The npm executable; found on PATH when None.
        quiet: Print nothing.

    Returns:
        The package specs that were fetched (empty if all were present).

    Raises:
        AssetError: If npm is missing or a package cannot be fetched.
    """
    cache = cache or cache_dir()
    todo = missing(cache)
    if not todo:
        return []
    npm = shutil.which(npm or "npm")
    if npm is None:
        raise AssetError(
            "npm is not installed: it is needed once to fetch Solara's front-end files "
            f"({', '.join(todo)}) into {cache}"
        )
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="commsim-assets-") as scratch:
        for spec in todo:
            if not quiet:
                print(f"fetching {spec} into {cache}", file=sys.stderr)
            done = subprocess.run(
                [npm, "pack", spec, "--silent", "--pack-destination", scratch],
                capture_output=True,
                text=True,
                check=False,
                cwd=scratch,
            )
            if done.returncode != 0:
                raise AssetError(f"npm pack {spec} failed: {done.stderr.strip() or done.stdout.strip()}")
            tarball = Path(scratch) / done.stdout.strip().splitlines()[-1]
            _unpack(tarball, package_dir(spec, cache))
    return todo


def main() -> int:
    """Provision the assets from the command line (``python -m commsim.dashboard.assets``)."""
    try:
        fetched = provision()
    except AssetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Solara front-end assets ready in {cache_dir()} ({len(fetched)} fetched)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
