"""The Solara dashboard (Compare, Explore, Saved results), and how its server is started.

The pages live in :mod:`nanosim.dashboard.app`; this module says how to serve them
(``nanosim dashboard``, :mod:`nanosim.cli.dashboard`, runs that command): uvicorn
serves Solara's app behind :mod:`nanosim.dashboard.server`, which answers only
requests addressed to the dashboard.
Solara's JavaScript comes from the ``solara-assets`` package, so the pages render on a
machine with no internet.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from nanosim.dashboard.catalogue import FOLDER_ENV
from nanosim.dashboard.limits import DISCONNECTED_SECONDS
from nanosim.dashboard.server import HOST_ENV, ORIGINS_ENV

APP = "nanosim.dashboard.app"


def server_command(host: str, port: int) -> list[str]:
    """The command line that serves the dashboard app."""
    return [sys.executable, "-m", "uvicorn", "nanosim.dashboard.server:app", "--host", host,
            "--port", str(port), "--log-level", "warning", "--no-access-log"]


def server_env(folder: str | None, host: str = "127.0.0.1",
               origins: tuple[str, ...] = ()) -> dict[str, str]:
    """The server's environment: the app, the scenario folder, the address served on and
    the origins allowed besides it, how long a disconnected tab lives, and no telemetry."""
    env = dict(os.environ)
    env["SOLARA_APP"] = APP
    env["SOLARA_MODE"] = "production"
    env[HOST_ENV] = host
    env[ORIGINS_ENV] = " ".join(origins)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env["SOLARA_KERNEL_CULL_TIMEOUT"] = f"{DISCONNECTED_SECONDS}s"  # then its job stops
    env.setdefault("PYTHONWARNINGS", "ignore:Cookies with samesite:UserWarning")
    if folder is not None:
        env[FOLDER_ENV] = str(Path(folder).resolve())
    else:
        env.pop(FOLDER_ENV, None)
    return env


def address(host: str, port: int) -> str:
    """The address to open in a browser."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    return f"http://{shown}:{port}/"
