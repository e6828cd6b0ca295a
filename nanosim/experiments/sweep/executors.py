"""Where a sweep's runs go: a local process pool, or a Dask cluster's executor.

Both are ``concurrent.futures`` executors. Local workers are forked from a process
that holds no thread (they then start with nanosim already imported), else started
by ``forkserver``; they ignore Ctrl-C, which the sweep handles, and end with it.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from nanosim.errors import NanosimError, RunFailed, one_line


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@contextmanager
def executor(workers: int | None = None, scheduler=None) -> Iterator[Executor]:
    """A ``concurrent.futures`` executor: local processes, or a Dask cluster's.

    ``scheduler``: a Dask scheduler address (``tcp://HOST:PORT``), a
    ``distributed.Client`` or a ``LocalCluster``. Local workers are forked from
    this process when it holds no other thread (they then start with nanosim
    already imported), else started by ``forkserver`` (``spawn`` where there is
    none): never a ``fork`` of a process that holds threads.
    """
    if scheduler is not None:
        with _dask_executor(scheduler) as ex:
            yield ex
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    if "fork" in mp.get_all_start_methods() and _single_threaded():
        import nanosim.experiments.runner  # noqa: F401  (imported once, here, for every worker)

        ctx = mp.get_context("fork")
    elif "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["nanosim.experiments.runner"])
    else:
        ctx = mp.get_context("spawn")
    ex = ProcessPoolExecutor(max_workers=workers or default_workers(), mp_context=ctx,
                             initializer=_worker_init)
    try:
        yield ex
    except BaseException:
        ex.shutdown(wait=False, cancel_futures=True)
        for proc in list((getattr(ex, "_processes", None) or {}).values()):
            proc.terminate()  # stop runs in progress now rather than after they finish
        raise
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def slots(ex: Executor, workers: int) -> int:
    """How many tasks ``ex`` runs at once: a Dask cluster's threads now, else ``workers``."""
    client = getattr(ex, "_client", None)  # a Dask cluster's executor keeps its Client
    if client is not None:
        return max(1, sum(client.nthreads().values()))
    return workers


def task_result(fut, what: str, folder, hint: str = ""):
    """A finished task's result; a worker that died (out of memory, killed) or a lost Dask
    scheduler is a RunFailed saying ``what`` was running and that the work finished so far
    is kept in ``folder`` (``hint``: what else may have caused it)."""
    try:
        return fut.result()
    except NanosimError:
        raise
    except Exception as e:
        kind = type(e).__name__
        if kind in ("BrokenProcessPool", "KilledWorker"):
            why = "out of memory, or killed" + (f"; {hint}" if hint else "")
            raise RunFailed(f"a worker process died while {what} ({why}); finished runs are "
                            f"kept in {folder}; run the same command again to continue"
                            ) from None
        if kind in ("CancelledError", "CommClosedError") or isinstance(e, ConnectionError):
            raise RunFailed(f"lost the Dask scheduler ({kind}); finished runs are kept in "
                            f"{folder}; run the same command again to continue") from None
        raise


def _single_threaded() -> bool:
    """True when this process runs one thread, native threads included (Linux)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _worker_init() -> None:
    """Local workers leave Ctrl-C to the sweep, which stops them, and end with it."""
    import threading
    from multiprocessing import parent_process

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker has the sweep's handler
    parent = parent_process()
    if parent is not None:  # a killed sweep (SIGKILL) must not leave its workers behind
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent) -> None:
    parent.join()
    os._exit(1)


SCHEDULER_PROTOCOLS = ("tcp", "tls")
CONNECT_SECONDS = 5  # the most a scheduler may take to answer nanosim's first message


def check_scheduler(address) -> str:
    """A Dask scheduler address, tcp://HOST:PORT, tls://HOST:PORT or HOST:PORT
    (NanosimError if not)."""
    address = str(address)
    m = re.fullmatch(r"(?:([a-z][a-z0-9+.-]*)://)?(\[[0-9a-fA-F:.]+\]|[^\s:/\[\]]+):\d{1,5}",
                     address)
    if not m:
        raise NanosimError(f"--scheduler: {one_line(repr(address), 60)} is not a scheduler "
                           "address (give tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786)")
    if m[1] is not None and m[1] not in SCHEDULER_PROTOCOLS:
        raise NanosimError(f"--scheduler: {m[1]}:// is not a Dask scheduler's protocol (give "
                           "tcp://HOST:PORT or tls://HOST:PORT)")
    return address


def probe_scheduler(address: str, seconds: float = CONNECT_SECONDS) -> None:
    """Ask the scheduler at a tcp:// address who it is; NanosimError, within ``seconds``, if
    nothing there answers as a Dask scheduler does (a closed port, another server)."""
    import asyncio

    from distributed.comm import connect

    async def identity():
        comm = await connect(address if "://" in address else f"tcp://{address}",
                             timeout=seconds)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    try:
        reply = asyncio.run(asyncio.wait_for(identity(), seconds))
    except Exception as e:  # noqa: BLE001 - whatever went wrong, nothing usable answered
        why = ("no answer" if isinstance(e, TimeoutError) else "no connection"
               if isinstance(e, OSError) else type(e).__name__)
        raise NanosimError(f"cannot reach the Dask scheduler at {address} ({why} within "
                           f"{seconds:g} s)") from None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise NanosimError(f"{address} answers, but not as a Dask scheduler")


@contextmanager
def _dask_executor(scheduler) -> Iterator[Executor]:
    if hasattr(scheduler, "get_executor"):  # a Client
        yield scheduler.get_executor(pure=False)
        return
    scheduler = check_scheduler(getattr(scheduler, "scheduler_address", scheduler))
    try:
        from distributed import Client
    except ImportError:
        raise NanosimError("--scheduler needs dask.distributed: pip install "
                           "'dask[distributed]'") from None
    if not scheduler.startswith("tls://"):  # tls needs the cluster's certificates: Client's
        probe_scheduler(scheduler)
    # a lost scheduler: their tracebacks stay quiet, and nanosim's one line says it
    with _quiet("distributed", "tornado"):
        try:
            client = Client(str(scheduler), timeout=f"{CONNECT_SECONDS}s", set_as_default=False)
        except Exception as e:  # noqa: BLE001 - any failure to connect is the user's address
            raise NanosimError(f"cannot reach the Dask scheduler at {scheduler}: "
                               f"{type(e).__name__}") from None
        try:
            if not client.scheduler_info().get("workers"):
                print(f"note: the Dask scheduler at {scheduler} has no workers yet; the runs "
                      f"start when one joins (dask worker {scheduler})", file=sys.stderr,
                      flush=True)
            yield client.get_executor(pure=False)
        finally:
            client.close()


@contextmanager
def _quiet(*packages: str) -> Iterator[None]:
    """Silence the loggers of imported ``packages`` (each sets its own level) below
    CRITICAL."""
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
               if any(name == p or name.startswith(p + ".") for p in packages)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
