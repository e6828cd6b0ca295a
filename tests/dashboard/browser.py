"""Driving the dashboard in a real browser: start the server, open headless Chromium.

Used by the end-to-end tests and by ``tools/screenshots.py``.
Needs Playwright for Python and Debian's Chromium (never a downloaded browser).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1440, "height": 1000}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerAddress(str):
    """The dashboard's address, knowing the server's process id (``.pid``)."""

    def __new__(cls, url: str, pid: int):
        address = super().__new__(cls, url)
        address.pid = pid
        return address


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far, all its threads (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def dashboard_server(folder: str | Path | None = None, port: int | None = None,
                     timeout: float = 90.0) -> Iterator[str]:
    """Run ``nanosim dashboard [folder]`` on 127.0.0.1; yields its address once the server
    process itself listens there; stops it after.

    Without ``port``, a free one; if another process (the tests may run on parallel
    workers) takes it before the server binds it, the server is started again on another.
    """
    for attempt in range(3):
        try:
            proc, log, url = _start_server(folder, port or free_port(), timeout)
            break
        except _PortTaken:
            if port or attempt == 2:
                raise
    try:
        yield ServerAddress(url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


class _PortTaken(RuntimeError):
    pass


def _start_server(folder, port: int, timeout: float):
    """The server process, its log and its address, once it listens on ``port``."""
    cmd = [sys.executable, "-m", "nanosim", "dashboard", "--port", str(port)]
    if folder is not None:
        cmd.insert(4, str(folder))
    log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a full pipe would block it
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + timeout
        while not listens(proc.pid, port):
            if proc.poll() is not None:
                log.seek(0)
                text = log.read()[-2000:]
                error = _PortTaken if "address already in use" in text.lower() else RuntimeError
                raise error(f"dashboard server exited: {text}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"dashboard server not up after {timeout} s")
            time.sleep(0.2)
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        raise
    return proc, log, f"http://127.0.0.1:{port}/"


def listens(pid: int, port: int) -> bool:
    """Whether process ``pid`` itself listens on TCP ``port`` (not another process that
    took the port meanwhile, which a connection alone would not tell apart)."""
    import psutil  # a dependency of Dask's distributed

    try:
        return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port
                   for c in psutil.Process(pid).net_connections("tcp"))
    except psutil.Error:
        return False


@contextlib.contextmanager
def chromium() -> Iterator:
    """Debian's headless Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url: str, tab: str = "Compare", timeout_ms: float = 60_000):
    """A new browser context (a new session) showing ``tab``; returns the page."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    page.goto(url)
    page.get_by_role("tab", name=tab).click()
    return page


def shown_step(page) -> int:
    """The step the Explore page shows ("Step N of M")."""
    import re

    return int(re.search(r"Step (\d+) of", page.locator(".nanosim-step").inner_text())[1])


def wait_for_step(page, at_least: int, timeout: float = 120.0) -> int:
    """Wait until the Explore page shows step ``at_least`` or later; returns the step."""
    deadline = time.monotonic() + timeout
    while (step := shown_step(page)) < at_least:
        if time.monotonic() > deadline:
            raise TimeoutError(f"Explore stayed at step {step} (< {at_least}) for {timeout} s")
        page.wait_for_timeout(200)
    return step
