"""``nanosim dashboard``: serve the Solara dashboard (Compare, Explore, Saved results) locally.

The pages live in :mod:`nanosim.dashboard.app`; this module only starts the server.
Solara's JavaScript comes from the ``solara-assets`` package, so the pages render on a
machine with no internet.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nanosim.dashboard.catalogue import FOLDER_ENV
from nanosim.errors import NanosimError

APP = "nanosim.dashboard.app"


def server_command(host: str, port: int) -> list[str]:
    """The command line that serves the dashboard app."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
            "--production", "--no-open", "--log-level", "warning"]


def server_env(folder: str | None) -> dict[str, str]:
    """The server's environment: the scenario folder, and no telemetry calls out."""
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
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


def command(args: argparse.Namespace) -> int:
    """Print the address, then replace this process by the Solara server (until Ctrl+C)."""
    if args.folder is not None and not Path(args.folder).is_dir():
        raise NanosimError(f"{args.folder}: not a folder (give a folder of scenario TOML files)")
    if not 1 <= args.port <= 65535:
        raise NanosimError(f"--port {args.port}: must be between 1 and 65535")
    print(f"nanosim dashboard: {address(args.host, args.port)}  (Ctrl+C to stop)", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"nanosim dashboard: listening on {args.host}: other machines can reach it",
              flush=True)
    cmd = server_command(args.host, args.port)
    # Become the server (no child left behind when this process is stopped).
    os.execve(cmd[0], cmd, server_env(args.folder))
    return 0  # not reached
