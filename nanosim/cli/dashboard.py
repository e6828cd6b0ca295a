"""``nanosim dashboard``: serve the browser dashboard until Ctrl+C."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from nanosim.dashboard import address, server_command, server_env
from nanosim.dashboard.server import origin
from nanosim.errors import NanosimError


def command(args: argparse.Namespace) -> int:
    """Print the address, then replace this process by the Solara server (until Ctrl+C)."""
    if args.folder is not None and not Path(args.folder).is_dir():
        raise NanosimError(f"{args.folder}: not a folder (give a folder of scenario TOML files)")
    if not 1 <= args.port <= 65535:
        raise NanosimError(f"--port {args.port}: must be between 1 and 65535")
    try:
        origins = tuple(origin(o) for o in args.allow_origin)
    except ValueError as e:
        raise NanosimError(f"--allow-origin: {e}") from None
    print(f"nanosim dashboard: {address(args.host, args.port)}  (Ctrl+C to stop)", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"nanosim dashboard: listening on {args.host}: other machines can reach it (by "
              "its IP address, or by a name given with --allow-origin)", flush=True)
    cmd = server_command(args.host, args.port)
    # Become the server (no child left behind when this process is stopped).
    os.execve(cmd[0], cmd, server_env(args.folder, args.host, origins))
    return 0  # not reached
