"""The dashboard answers only requests addressed to it: Host and Origin, HTTP and WebSocket."""

import asyncio
import http.client
from urllib.parse import urlsplit

import pytest

from nanosim.cli import main
from nanosim.dashboard.server import OwnAddressOnly
from tests.dashboard.browser import dashboard_server

EVIL = "http://evil.example.com"


@pytest.fixture(scope="module")
def server():
    with dashboard_server() as url:
        yield url


def request(url: str, path: str = "/", **headers) -> int:
    """The status of a GET with exactly these Host and Origin (and other) headers."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_host=True)
        for name, value in headers.items():
            conn.putheader(name.replace("_", "-"), value)
        conn.endheaders()
        return conn.getresponse().status
    finally:
        conn.close()


def upgrade(url: str, origin: str) -> int:
    """The status of a WebSocket upgrade to a kernel's channel, from ``origin``."""
    return request(url, "/jupyter/api/kernels/k1/channels?session_id=s1",
                   Host=urlsplit(url).netloc, Origin=origin, Connection="Upgrade",
                   Upgrade="websocket", Sec_WebSocket_Version="13",
                   Sec_WebSocket_Key="dGhlIHNhbXBsZSBub25jZQ==")


def test_the_page_is_served_to_its_own_address(server):
    assert request(server, Host=urlsplit(server).netloc) == 200
    assert request(server, Host=f"localhost:{urlsplit(server).port}",
                   Origin=f"http://localhost:{urlsplit(server).port}") == 200


def test_another_host_or_origin_is_refused(server):
    assert request(server, Host="evil.example.com") == 403  # DNS rebinding
    assert request(server, Host=f"evil.example.com:{urlsplit(server).port}") == 403
    assert request(server, Host=urlsplit(server).netloc, Origin=EVIL) == 403
    assert request(server, Host=urlsplit(server).netloc, Origin="null") == 403


def test_a_websocket_from_another_origin_is_refused(server):
    assert upgrade(server, EVIL) == 403
    assert upgrade(server, f"http://127.0.0.1:{urlsplit(server).port}") == 101


def asks(guard: OwnAddressOnly, host: str, origin: str | None = None,
         server=("127.0.0.1", 8765), kind: str = "http") -> int:
    """The status the guard gives (200: passed on to the app)."""
    headers = [(b"host", host.encode())] + ([(b"origin", origin.encode())] if origin else [])
    sent = []

    async def app(scope, receive, send):
        sent.append({"type": "passed"})

    async def send(message):
        sent.append(message)

    guard.app = app
    scope = {"type": kind, "headers": headers, "server": server}
    asyncio.run(guard(scope, None, send))
    first = sent[0]
    return {"passed": 200, "websocket.close": 403}.get(first["type"], first.get("status"))


def test_allowed_origins_and_the_address_served_on():
    guard = OwnAddressOnly(None, "0.0.0.0", ("https://Dash.example.org/",))
    lan = ("192.168.1.5", 8765)  # served on 0.0.0.0: reached by the machine's own address
    assert asks(guard, "192.168.1.5:8765", "http://192.168.1.5:8765", lan) == 200
    assert asks(guard, "dash.example.org", "https://dash.example.org", lan) == 200
    assert asks(guard, "dash.example.org", EVIL, lan, "websocket") == 403
    assert asks(guard, "evil.example.com:8765", None, lan) == 403
    named = OwnAddressOnly(None, "box.local")
    assert asks(named, "box.local:8765", "http://box.local:8765") == 200
    assert asks(named, "[::1]:8765", None, ("::1", 8765)) == 200


def test_a_bad_allow_origin_is_one_line(capsys):
    assert main(["dashboard", "--allow-origin", "evil.example.com/path"]) == 2
    assert capsys.readouterr().err == (
        "nanosim: error: --allow-origin: 'evil.example.com/path' is not an origin (give "
        "http://HOST:PORT or https://HOST)\n")
