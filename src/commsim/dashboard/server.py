"""Serving the dashboard: checks before start-up, then ``solara run`` in this process.

The checks turn the usual start-up failures into one-line errors: a port already in
use, Solara's front-end files missing with no way to fetch them (see
:mod:`commsim.dashboard.assets`), and a lessons file (``COMMSIM_LESSONS``) that does not
check. The server's session cookie is kept from the page's scripts (HTTP only): it is
what tells one browser's experiments from another's. The number of sessions served at
once and how long a closed tab's session is kept come from the dashboard's ``LIMITS``
(an operator may set Solara's own variables to override them).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from pathlib import Path

from commsim.dashboard import assets
from commsim.dashboard.settings import LIMITS

APP = "commsim.dashboard.app"
# Flags for driving the dashboard in headless Chromium on a machine with a closed network
# (the browser tests and the step-to-paint benchmark): without the background-networking
# ones Chromium keeps trying hosts it cannot reach.
HEADLESS_CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


CLASSROOM_LESSON_VARIABLE = "COMMSIM_CLASSROOM_LESSON"  # the lesson the Classroom page's form starts from


class ServerError(RuntimeError):
    """The dashboard cannot start; the message says why."""


def check_port(host: str, port: int) -> None:
    """Raise :class:`ServerError` if ``host:port`` cannot be bound (in use, or not an address here)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ServerError(f"cannot resolve host {host!r}: {error.strerror}") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise ServerError(f"cannot serve on {host}:{port}: {error.strerror}") from None


def is_loopback(host: str) -> bool:
    """Whether a host name or address stays on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line that serves the app."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        APP,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]


def environment(results: Path | None, *, lesson: str | None = None) -> dict[str, str]:
    """The server's environment: telemetry off, assets from the local cache, the results folder.

    Args:
        results: Folder of experiments for Compare and Sweep (None: ``results/``).
        lesson: The classroom lesson the Classroom page's form starts from.

    Raises:
        ServerError: If Plotly is installed in a folder whose path holds a comma (Solara's
            asset folders are a comma-separated list).
    """
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env["SOLARA_ASSETS_PROXY"] = "True"
    env["SOLARA_SESSION_HTTP_ONLY"] = "True"
    env["SOLARA_THEME_SHOW_BANNER"] = "False"  # the corner badge covered the map's colour bar
    # Solara keeps a closed tab's session a day by default: with a model in each, reloads add up.
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", f"{LIMITS.idle_session_minutes}m")
    env.setdefault("SOLARA_KERNEL_MAX_COUNT", str(LIMITS.sessions))
    env.setdefault("SOLARA_ASSETS_PROXY_CACHE_DIR", str(assets.cache_dir()))
    # Plotly's widget bundle, fetched by address once per page (commsim.dashboard.plotly_widget).
    from commsim.dashboard import plotly_widget

    folder = str(plotly_widget.asset_directory())
    if "," in folder:
        raise ServerError(
            f"cannot serve Plotly's figure code from {folder}: Solara's list of asset folders is "
            "comma-separated, so that path may not contain a comma (install commsim's environment elsewhere)"
        )
    extra = [location for location in env.get("SOLARA_ASSETS_EXTRA_LOCATIONS", "").split(",") if location]
    env["SOLARA_ASSETS_EXTRA_LOCATIONS"] = ",".join([*extra, folder])
    env.setdefault("MPLBACKEND", "Agg")
    if results is not None:
        env["COMMSIM_RESULTS_DIR"] = str(results.resolve())
    if lesson is None:
        env.pop(CLASSROOM_LESSON_VARIABLE, None)
    else:
        env[CLASSROOM_LESSON_VARIABLE] = lesson
    return env


def check_lessons() -> None:
    """Raise :class:`ServerError` if the lessons the Learn page would show do not check."""
    from commsim.config.yaml_files import ConfigError
    from commsim.dashboard.learn import lessons, lessons_file

    try:
        lessons(lessons_file())
    except ConfigError as error:
        raise ServerError(f"the lessons cannot be shown: {error}") from None


def serve(
    host: str, port: int, *, results: Path | None = None, classroom: bool = False, lesson: str | None = None
) -> None:
    """Check, then replace this process with the Solara server (returns only on a failed check).

    Args:
        host: Address to serve on.
        port: Port to serve on.
        results: Folder of experiments for Compare and Sweep (default: ``results/``).
        classroom: Serve for a class (``commsim classroom``): the teacher's address (the
            Classroom page) and the students' (Join a class) are printed.
        lesson: The classroom lesson the Classroom page's form starts from.

    Raises:
        ServerError: If the port cannot be bound, the front-end files are missing and
            cannot be fetched, the lessons file named by ``COMMSIM_LESSONS`` does not check,
            or Plotly's folder cannot be served (see :func:`environment`).
    """
    check_port(host, port)
    check_lessons()
    if assets.missing():
        try:
            assets.provision()
        except assets.AssetError as error:
            raise ServerError(f"Solara's front-end files are missing and could not be fetched: {error}") from None
    served = environment(results, lesson=lesson)
    if not is_loopback(host):
        print(f"warning: serving on {host}: anyone who can reach this address can use the dashboard", file=sys.stderr)
    from commsim.model import warm_kernels  # imported here: the checks above stay quick

    name = "commsim classroom" if classroom else "commsim dashboard"
    print(f"{name}: preparing the model's compiled kernels ...", file=sys.stderr, flush=True)
    seconds = warm_kernels()  # compiled once into numba's cache, so the server's first Step does not wait
    print(f"{name}: kernels ready in {seconds:.1f} s", file=sys.stderr, flush=True)
    for line in addresses(host, port, classroom=classroom, lesson=lesson):
        print(f"{name}: {line}", file=sys.stderr, flush=True)
    arguments = command(host, port)
    os.execve(arguments[0], arguments, served)


def addresses(host: str, port: int, *, classroom: bool, lesson: str | None = None) -> list[str]:
    """The lines that tell where to open the dashboard, or the teacher's and the students' pages of a class."""
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address in a URL
    root = f"http://{shown}:{port}"
    if not classroom:
        return [f"{root}/  (Ctrl-C stops it)"]
    lines = [
        f"teacher: {root}/classroom" + (f"  (starts from the lesson {lesson})" if lesson else ""),
        f"students join at: {root}/join  (with the join code the teacher's page shows)",
    ]
    if is_loopback(host):
        lines.append("only this computer can reach these addresses: for a class, serve on the LAN with --host")
    return [*lines, "Ctrl-C stops the server"]
