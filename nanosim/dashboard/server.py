"""The dashboard's web server: Solara's app, answering only requests addressed to it.

Any web page the user visits could otherwise drive the dashboard through their
browser: by opening a WebSocket to 127.0.0.1 (browsers allow that to any page), or
by a name of its own that it points at 127.0.0.1 (DNS rebinding). So every HTTP
request and WebSocket upgrade must name the dashboard in ``Host`` (127.0.0.1,
localhost, [::1] or the address served on, with its port; the IP address the
connection reached; the host of an ``--allow-origin``), and an ``Origin``, when the
browser sends one, must be one of those addresses or an ``--allow-origin``. Anything
else gets 403 (a refused upgrade, for a WebSocket).

Run by uvicorn (``nanosim dashboard`` starts it), configured by the environment:
Solara reads ``SOLARA_APP``, this module :data:`HOST_ENV` and :data:`ORIGINS_ENV`.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

HOST_ENV = "NANOSIM_DASHBOARD_HOST"  # the address served on, as given to --host
ORIGINS_ENV = "NANOSIM_DASHBOARD_ORIGINS"  # the --allow-origin values, space-separated
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")


def origin(text: str) -> str:
    """An origin as browsers send it (``scheme://host[:port]``, lower case); ValueError if
    ``text`` is not one."""
    parts = urlsplit(text.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("",
                                                                                         "/"):
        raise ValueError(f"{text!r} is not an origin (give http://HOST:PORT or https://HOST)")
    parts.port  # noqa: B018 - ValueError for a port that is not a number
    return f"{parts.scheme}://{parts.netloc}"


class OwnAddressOnly:
    """ASGI middleware: 403 for a request whose ``Host`` or ``Origin`` is not the
    dashboard's own (see the module's docstring)."""

    def __init__(self, app, host: str = "", origins: tuple[str, ...] = ()):
        self.app = app
        self.names = {*LOCAL_NAMES, *([_bracketed(host)] if host not in ("", "0.0.0.0", "::")
                                      else [])}
        self.origins = {origin(o) for o in origins}
        self.origin_hosts = {urlsplit(o).netloc for o in self.origins}

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and not self.allows(scope):
            if scope["type"] == "websocket":  # closed before it is accepted: a 403 answer
                await send({"type": "websocket.close", "code": 1008})
                return
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body",
                        "body": b"403: this dashboard answers requests to its own address "
                                b"only (see nanosim dashboard --allow-origin)\n"})
            return
        await self.app(scope, receive, send)

    def allows(self, scope) -> bool:
        headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        own = self.hosts(scope.get("server"))
        if headers.get(b"host", "").lower() not in own:
            return False
        sent = headers.get(b"origin")
        return sent is None or sent.lower() in self.origins | {f"http://{h}" for h in own}

    def hosts(self, server) -> set[str]:
        """The ``Host`` values that name this dashboard, for a connection to ``server``."""
        names = set(self.names)
        if server:
            names.add(_bracketed(server[0]))  # the IP address the connection reached
            port = server[1]
            own = {f"{n}:{port}" for n in names} | (names if port == 80 else set())
        else:
            own = names
        return own | self.origin_hosts


def _bracketed(host: str) -> str:
    """An IPv6 address as a Host header writes it."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host.lower()


def __getattr__(name: str):
    """``app``, the ASGI app uvicorn serves: built when asked for, once ``SOLARA_APP`` is
    set (importing Solara's server reads it)."""
    if name != "app":
        raise AttributeError(name)
    from solara.server.starlette import app as solara_app

    return OwnAddressOnly(solara_app, os.environ.get(HOST_ENV, ""),
                          tuple(os.environ.get(ORIGINS_ENV, "").split()))
