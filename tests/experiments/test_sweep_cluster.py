"""Sweeps on real Dask clusters: same bytes as local workers, and a lost worker is survived."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nanosim.experiments.sweep import sweep
from tests.experiments.test_sweep import TINY as TEST_SWEEP_TINY
from tests.experiments.test_sweep import hashes

pytestmark = pytest.mark.cluster

TINY = TEST_SWEEP_TINY.replace("seed = 5", "seed = 11")
GRID = {"network.cross_border": [0.0, 2.0], "channels.social_media.reach": "0:20:3"}
DASK = Path(sys.executable).with_name("dask")


@pytest.fixture(scope="module")
def local(sweep_scenario_file, tmp_path_factory):
    """The reference: the same sweep on local worker processes (kernels compiled here first)."""
    from nanosim.experiments.sweep import run_point
    from nanosim.scenario import loads_scenario

    run_point(loads_scenario(TINY, "tiny.toml"), 0, {}, 0)
    store = sweep(sweep_scenario_file, tmp_path_factory.mktemp("local") / "out", grid=GRID,
                  workers=2)
    assert len(hashes(store.folder)) == 12
    return hashes(store.folder)


def _address(scheduler_file: Path) -> str | None:
    """The scheduler's address once its file is completely written, else None."""
    try:
        return json.loads(scheduler_file.read_text())["address"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return None


@pytest.fixture(scope="module")
def dask_processes(tmp_path_factory):
    """A ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    procs = []

    def start(*args):
        procs.append(subprocess.Popen([str(DASK), *args], cwd=folder, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
        return procs[-1]

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", str(file))
        for name in ("w1", "w2"):
            start("worker", "--scheduler-file", str(file), "--nthreads", "1", "--name", name,
                  "--no-dashboard", "--host", "127.0.0.1")
        wait_until(lambda: _address(file), "the scheduler file")
        address = _address(file)
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield {"address": address, "file": file, "start": start, "folder": folder}
    finally:
        for proc in procs:
            stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """End a process and everything it started (its session), then reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass


def wait_until(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"no {what} after {seconds} s"
        time.sleep(0.05)


def test_sweep_on_a_local_cluster_gives_the_same_bytes_as_local_workers(sweep_scenario_file,
                                                                        tmp_path, local):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        store = sweep(sweep_scenario_file, tmp_path / "out", grid=GRID,
                      scheduler=cluster.scheduler_address)
    assert store.missing() == [] and hashes(tmp_path / "out") == local


def test_a_scheduler_without_workers_says_so_and_the_sweep_goes_on_when_one_joins(
        sweep_scenario_file, tmp_path, local, capsys):
    from distributed import LocalCluster

    from nanosim.cli import main

    with LocalCluster(n_workers=0, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        joins = threading.Timer(2.0, cluster.scale, args=(1,))
        joins.start()
        try:
            status = main(["sweep", str(sweep_scenario_file), "--out", str(tmp_path / "out"),
                           "--grid", "network.cross_border=0,2.0", "--grid",
                           "channels.social_media.reach=0:20:3",
                           "--scheduler", cluster.scheduler_address])
        finally:
            joins.join()
    err = capsys.readouterr().err
    assert f"note: the Dask scheduler at {cluster.scheduler_address} has no workers yet" in err
    assert status == 0 and hashes(tmp_path / "out") == local


def test_sweep_on_separate_dask_processes_gives_the_same_bytes(sweep_scenario_file, tmp_path,
                                                               local, dask_processes):
    from nanosim.cli import main

    status = main(["sweep", str(sweep_scenario_file), "--out", str(tmp_path / "out"),
                   "--grid", "network.cross_border=0,2.0", "--grid",
                   "channels.social_media.reach=0:20:3",
                   "--scheduler", dask_processes["address"]])
    assert status == 0 and hashes(tmp_path / "out") == local


def test_sweep_survives_a_killed_dask_worker(sweep_scenario_file, tmp_path, local, dask_processes):
    """A third worker joins, takes a run, and is SIGKILLed while it runs it."""
    from distributed import Client

    extra = dask_processes["start"]("worker", "--scheduler-file", str(dask_processes["file"]),
                                    "--nthreads", "1", "--name", "doomed", "--no-nanny",
                                    "--no-dashboard", "--host", "127.0.0.1")
    killed = threading.Event()
    with Client(dask_processes["address"], timeout="30s") as client:
        client.wait_for_workers(3, timeout=60)
        doomed = next(a for a, w in client.scheduler_info(n_workers=-1)["workers"].items()
                      if w["name"] == "doomed")

        def kill_when_busy():
            wait_until(lambda: client.processing(workers=[doomed]).get(doomed), "run on it")
            os.kill(extra.pid, signal.SIGKILL)
            killed.set()

        killer = threading.Thread(target=kill_when_busy, daemon=True)
        killer.start()
        store = sweep(sweep_scenario_file, tmp_path / "out", grid=GRID,
                      scheduler=dask_processes["address"])
        killer.join(timeout=5)
    assert killed.is_set() and extra.wait(timeout=10) == -signal.SIGKILL
    assert store.missing() == [] and hashes(tmp_path / "out") == local


@pytest.mark.parametrize("address", ["", "nonsense", "tcp://host-without-port"])
def test_a_malformed_scheduler_address_is_refused_at_once(sweep_scenario_file, tmp_path, capsys,
                                                         address):
    from nanosim.cli import main

    start = time.monotonic()
    status = main(["sweep", str(sweep_scenario_file), "--out", str(tmp_path / "out"),
                   "--grid", "network.cross_border=0,2.0", "--scheduler", address])
    out, err = capsys.readouterr()
    assert status == 2 and out == "" and time.monotonic() - start < 5
    assert err == (f"nanosim: error: --scheduler: {address!r} is not a scheduler address "
                   "(give tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786)\n")
    assert not (tmp_path / "out").exists()


def test_losing_the_scheduler_keeps_finished_runs_and_says_so_in_one_line(sweep_scenario_file,
                                                                          tmp_path):
    """A scheduler of its own, SIGKILLed once the first run is on disk."""
    file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)]
    try:
        wait_until(lambda: _address(file), "the scheduler file")
        procs.append(subprocess.Popen([str(DASK), "worker", "--scheduler-file", str(file),
                                       "--nthreads", "1", "--no-dashboard", "--host",
                                       "127.0.0.1"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
        out = tmp_path / "out"
        sweep_proc = subprocess.Popen(
            [sys.executable, "-m", "nanosim", "sweep", str(sweep_scenario_file), "--out",
             str(out), "--grid", "channels.social_media.reach=0:20:12", "--set",
             "population.size=3000", "--scheduler", _address(file)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_until(lambda: any((out / "runs").glob("*.parquet")), "finished run", 120)
        os.killpg(procs[0].pid, signal.SIGKILL)
        _, err = sweep_proc.communicate(timeout=120)
    finally:
        for proc in procs:
            stop(proc)
    kept = len(list((out / "runs").glob("*.parquet")))
    assert sweep_proc.returncode == 1, err
    assert err.strip().splitlines()[-1] == (
        f"nanosim: error: lost the Dask scheduler (CancelledError); finished runs are kept in "
        f"{out}; run the same command again to continue"), err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2, err  # and a note
    assert 1 <= kept < 24 and not list(out.rglob("*.tmp"))
