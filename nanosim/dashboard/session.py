"""Each browser tab's state: kept across tab switches, taken back after a reload, and its
background job, cancelled when the tab closes.

Solara gives every page load its own virtual kernel, and a module-level
``solara.reactive`` one value per kernel, so the pages keep what a person chose and
got in such variables (declared with :func:`state`), outside the components that show
them: switching tabs unmounts a page's components, not its state. A reload starts a
new kernel; the browser tab names itself by a token in its ``sessionStorage`` (one per
tab, kept across reloads, never shared with another tab), and :func:`claim` gives the
new kernel the values the closed one left under that token, in the same browser
session (cookie) only. A tab's job (:class:`Job`) and the live model's play loop stop
when its kernel closes; a closed tab's values are forgotten after
:data:`~nanosim.dashboard.limits.RESTORE_SECONDS`.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import solara

from nanosim.dashboard import limits

_VARS: dict[str, solara.Reactive] = {}  # every tab variable, by name
_TABS: dict[tuple[str, str], _Saved] = {}  # (cookie session, tab token) -> what it left
_LOCK = threading.Lock()
TAKEOVER_SECONDS = 3.0  # how long a reloaded tab waits for its old kernel to close


def state(name: str, default: Any) -> solara.Reactive:
    """A variable of the tab (one value per browser tab), restored after a reload."""
    var = solara.reactive(default, key=f"nanosim.dashboard:{name}")
    _VARS[name] = var
    return var


@dataclass
class _Saved:
    kernel: str | None  # the kernel holding the tab now (None: closed)
    values: dict[str, Any]
    closed_at: float = 0.0


ready = state("session.ready", False)  # the tab's token is known and its values are in place
token = state("session.token", "")
page = state("app.page", 0)  # the page (tab) shown: Compare, Explore, Saved results


@dataclass(frozen=True)
class Progress:
    """What the page shows of a job: its state, the share done and a line about it."""

    status: str = "idle"  # idle, waiting, running, done, cancelled, failed
    percent: int = 0
    message: str = ""

    @property
    def busy(self) -> bool:
        return self.status in ("waiting", "running")


class Job:
    """One background job of a tab (at most one runs): ``work(progress, cancelled)`` in a
    thread, its progress shown through ``var``, its result handed to ``done`` (in the
    tab's kernel). Cancel marks the job cancelled at once; the work stops at its next
    check of ``cancelled()``, and a new job waits for it."""

    def __init__(self, var: solara.Reactive, work: Callable, done: Callable[[Any], None],
                 previous: Job | None = None):
        from solara.server import kernel_context

        self.var, self.work, self.done = var, work, done
        self.stop = threading.Event()
        self.context = kernel_context.get_current_context()
        self.previous = previous
        self.thread = threading.Thread(target=self._run, name="nanosim-job", daemon=True)

    def start(self) -> Job:
        self._show(Progress("waiting" if self.previous and self.previous.alive else "running",
                            0, "Waiting for the cancelled run to stop…"))
        self.thread.start()
        return self

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def cancel(self, message: str = "Cancelled.") -> None:
        if not self.stop.is_set():
            self.stop.set()
            self._show(Progress("cancelled", self.var.peek().percent, message))

    def cancelled(self) -> bool:
        return self.stop.is_set() or self.context.closed_event.is_set()

    def _show(self, progress: Progress) -> None:
        if self.context.closed_event.is_set():
            return
        with self.context:
            if progress.status in ("cancelled", "done", "failed") or not self.stop.is_set():
                self.var.set(progress)

    def _run(self) -> None:
        if self.previous is not None:
            self.previous.thread.join()
        if self.cancelled():
            return
        self._show(Progress("running", 0, "Running…"))
        shown = [-1]

        def progress(percent: int, message: str = "") -> None:
            if percent != shown[0] and not self.cancelled():
                shown[0] = percent
                self._show(Progress("running", percent, message or f"Running… {percent} %"))

        try:
            result = self.work(progress, self.cancelled)
        except Exception as e:  # the page says what went wrong in one line
            from nanosim.dashboard.widgets import error_text

            if not self.cancelled():
                self._show(Progress("failed", shown[0], error_text(e)))
            return
        if self.cancelled():
            return
        with self.context:
            self.done(result)
        self._show(Progress("done", 100, ""))


def start_job(var: solara.Reactive, holder: solara.Reactive, work: Callable,
              done: Callable[[Any], None]) -> None:
    """Start a job of this tab unless one is running (its Run is disabled meanwhile);
    ``holder`` keeps the job, ``var`` its progress."""
    current = holder.peek()
    running = int(current is not None and current.alive and not current.stop.is_set())
    if running >= limits.JOBS_PER_SESSION:
        return
    holder.set(Job(var, work, done, previous=current).start())


# --- the tab's token and its values across a reload -------------------------------------


def _key(tab: str) -> tuple[str, str]:
    return (solara.get_session_id(), tab)


def claim(found: str) -> str:
    """Give this kernel the tab ``found`` (its sessionStorage token; "" for a new tab):
    the values the tab's closed kernel left, or fresh ones. Returns the tab's token: a new
    one for a new tab, or when ``found`` is still held by a live kernel (a duplicated
    tab, which then starts its own state)."""
    from solara.server import kernel_context

    context = kernel_context.get_current_context()
    tab = found if found and len(found) <= 64 else ""
    saved = _take(tab, context.id) if tab else None
    if saved is None and tab and _held_elsewhere(tab, context.id):
        tab = ""  # a duplicated tab: its own state from here on
    tab = tab or secrets.token_urlsafe(18)
    _forget_old()
    with _LOCK:
        _TABS.setdefault(_key(tab), _Saved(context.id, {}))
        _TABS[_key(tab)].kernel = context.id
    for name, value in (saved.values if saved else {}).items():
        if name in _VARS:
            _VARS[name].set(value)
    token.set(tab)
    ready.set(True)
    key, kernel = _key(tab), context.id
    context.on_close(lambda: _closed(key, kernel))
    return tab


def _take(tab: str, kernel: str) -> _Saved | None:
    """The values a closed kernel left under ``tab`` (waiting a moment for a reloaded
    page's old kernel to close), or None."""
    from solara.server import kernel_context

    deadline = time.monotonic() + TAKEOVER_SECONDS
    while True:
        with _LOCK:
            saved = _TABS.get(_key(tab))
            if saved is None or saved.kernel == kernel:
                return None
            if saved.kernel is None:
                _TABS[_key(tab)] = _Saved(kernel, {})
                return saved
            holder = kernel_context.contexts.get(saved.kernel)
        if holder is None or time.monotonic() > deadline:
            return None
        holder.closed_event.wait(0.1)


def _held_elsewhere(tab: str, kernel: str) -> bool:
    with _LOCK:
        saved = _TABS.get(_key(tab))
        return saved is not None and saved.kernel not in (None, kernel)


def _closed(key: tuple[str, str], kernel: str) -> None:
    """The tab's kernel is closing (tab closed or reloaded): stop its work, keep its values."""
    values = {}
    for name, var in _VARS.items():
        if name.startswith("session."):
            continue
        value = var.peek()
        values[name] = value
        if isinstance(value, Job):
            value.cancel("Cancelled: the page was closed or reloaded.")
    for name, value in values.items():  # a job cancelled by the close shows so after a reload
        if isinstance(value, Progress) and value.busy:
            values[name] = replace(value, status="cancelled",
                                   message="Cancelled: the page was closed or reloaded.")
    with _LOCK:
        if key in _TABS and _TABS[key].kernel == kernel:
            _TABS[key] = _Saved(None, values, time.monotonic())
    forget = threading.Timer(limits.RESTORE_SECONDS + 1, _forget_old)
    forget.daemon = True
    forget.start()


def _forget_old() -> None:
    """Drop what closed tabs left more than RESTORE_SECONDS ago (their results too)."""
    now = time.monotonic()
    with _LOCK:
        for key in [k for k, s in _TABS.items()
                    if s.kernel is None and now - s.closed_at > limits.RESTORE_SECONDS]:
            del _TABS[key]


@solara.component_vue(str(Path(__file__).with_name("tab_token.vue")))
def _TabToken(assigned: str, event_found: Callable[[str], None]):
    """Reads the browser tab's token from sessionStorage (``found``) and stores the one
    the server assigns."""


@solara.component
def TabToken():
    """Claims this browser tab's state once the browser says which tab it is."""
    assigned = solara.use_reactive("")

    def found(text):
        assigned.set(claim(str(text or "")))

    _TabToken(assigned=assigned.value, event_found=found)
