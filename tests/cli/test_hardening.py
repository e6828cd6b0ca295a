"""Bad input and faults as a careless user or an attacker meets them: real processes, each
refused in one line (at most 300 characters, no traceback, no file contents) with exit
status 2, in bounded time."""

import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import SMALL

LINE = 300


def nanosim(*args, cwd=None, env=None, timeout=120):
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "nanosim", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**os.environ, **(env or {})})
    done.seconds = time.monotonic() - start
    return done


def one_line(done, status: int = 2) -> str:
    """The process's only error line, checked: exit status, one line, short, no traceback."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == status, done.stderr
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert len(lines[0]) <= LINE, lines[0]
    return lines[0]


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL.replace("steps = 30", "steps = 15"))
    return path


# --- files: regular, below a size limit ---------------------------------------------------


def test_devices_fifos_and_over_large_files_are_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    big = tmp_path / "big.toml"
    with open(big, "wb") as f:
        f.truncate(17 << 20)  # sparse: above the 16 MiB limit for TOML, nothing written
    done = nanosim("validate", "/dev/zero", fifo, big, timeout=60)
    assert done.returncode == 2 and done.seconds < 30
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "invalid: /dev/zero: is not a regular file (a device, FIFO or socket; give a TOML file)",
        f"invalid: {fifo}: is not a regular file (a device, FIFO or socket; give a TOML file)",
        f"invalid: {big}: is 17.0 MiB, above the 16.0 MiB limit for a TOML file"]


def test_a_network_pointing_at_a_device_or_the_environment_quotes_nothing(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,country\n1,A\n2,A\n")
    scenario = tmp_path / "net.toml"
    base = '[[country]]\nname = "A"\nshare = 1.0\n[network]\nkind = "file"\nnodes = "nodes.csv"\n'
    scenario.write_text(base + 'edges = "/dev/zero"\n')
    line = one_line(nanosim("validate", scenario, timeout=60))
    assert line == "invalid: /dev/zero: network.edges: is not a regular file (a device, FIFO or " \
                   "socket; give a CSV file)"
    scenario.write_text(base + 'edges = "/proc/self/environ"\n')
    line = one_line(nanosim("validate", scenario, env={"NANOSIM_SECRET": "hunter2"}))
    assert "hunter2" not in line and "NANOSIM_SECRET" not in line
    assert "network.edges: missing column(s) source, target in the header" in line


def test_a_missing_column_does_not_print_the_header(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,country\n1,A\n2,A\n")
    (tmp_path / "edges.csv").write_text("password=hunter2,token\n1,2\n")
    scenario = tmp_path / "net.toml"
    scenario.write_text('[[country]]\nname = "A"\nshare = 1.0\n[network]\nkind = "file"\n'
                        'nodes = "nodes.csv"\nedges = "edges.csv"\n')
    line = one_line(nanosim("validate", scenario))
    assert "hunter2" not in line and "token" not in line and "source, target" in line


def test_values_read_from_a_file_are_shown_short_and_printable(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,country\n1,A\n2," + "X" * 5000 + "\n")
    (tmp_path / "edges.csv").write_text("source,target\n1,2\n")
    scenario = tmp_path / "net.toml"
    scenario.write_text('[[country]]\nname = "A"\nshare = 1.0\n[network]\nkind = "file"\n'
                        'nodes = "nodes.csv"\nedges = "edges.csv"\n')
    line = one_line(nanosim("validate", scenario))
    assert "line 3: unknown country (a value of 5000 characters) (allowed: A)" in line


def test_a_node_id_above_int64_is_an_id_like_any_other(tmp_path):
    big = "99999999999999999999999"
    (tmp_path / "nodes.csv").write_text(f"id,country\n1,A\n{big},A\n")
    (tmp_path / "edges.csv").write_text(f"source,target\n1,{big}\n")
    scenario = tmp_path / "net.toml"
    scenario.write_text('[[country]]\nname = "A"\nshare = 1.0\n[network]\nkind = "file"\n'
                        'nodes = "nodes.csv"\nedges = "edges.csv"\n')
    done = nanosim("validate", scenario)
    assert done.returncode == 0 and "2 citizens" in done.stdout, done.stderr


# --- one line, not a traceback --------------------------------------------------------------


@pytest.mark.parametrize("text", ["a = " + "[" * 100_000 + "]" * 100_000,
                                  "a = " + "{b = " * 5000 + "1" + "}" * 5000])
def test_deeply_nested_toml_is_one_line(tmp_path, text):
    path = tmp_path / "deep.toml"
    path.write_text(text)
    line = one_line(nanosim("validate", path))
    assert line == f"invalid: {path}: tables or lists nested too deeply"
    line = one_line(nanosim("sweep", path, "--out", tmp_path / "o", "--grid",
                            "network.degree=4,6"))
    assert line == f"nanosim: error: {path}: tables or lists nested too deeply"


def test_a_deeply_nested_override_is_one_line(tmp_path, scenario_file):
    line = one_line(nanosim("validate", scenario_file, "--set",
                            "network.degree=" + "[" * 5000 + "]" * 5000))
    assert "nested too deeply" in line


def test_an_out_name_too_long_for_the_file_system_is_one_line(tmp_path, scenario_file):
    out = tmp_path / ("x" * 300)
    line = one_line(nanosim("run", scenario_file, "--out", out, "--replicates", "1"))
    assert line.startswith("nanosim: error: File name too long: ")


def test_four_hundred_countries_give_a_short_line(tmp_path):
    def countries(n):
        return "".join(f'[[country]]\nname = "Country{i:03d}"\nshare = {1 / n!r}\n'
                       for i in range(n))

    path = tmp_path / "many.toml"
    path.write_text(countries(400))
    line = one_line(nanosim("validate", path))
    assert line.endswith("country: must hold at most 200 items (got a list of 400 items)")
    path.write_text(countries(150) + '[[events]]\nstep = 1\nkind = "incident"\n'
                                     'between = ["Country000", "Atlantis"]\n')
    line = one_line(nanosim("validate", path))
    assert "unknown country 'Atlantis'" in line and "... and 142 more" in line


# --- a full disk ----------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KiB tmpfs (needs root, as CI runs); skipped where it cannot be mounted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root): the full disk is tested in "
                    "test_a_full_disk_is_one_line_in_process")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_ends_a_run_and_a_sweep_in_one_line(tmp_path, scenario_file, small_disk):
    ballast = small_disk / "ballast"
    ballast.write_bytes(b"\0" * (200 << 10))  # what is left cannot hold a run's files
    line = one_line(nanosim("run", scenario_file, "--out", small_disk / "run", "--replicates",
                            "1"))
    assert line.startswith("nanosim: error: ") and "No space left on device" in line
    line = one_line(nanosim("sweep", scenario_file, "--out", small_disk / "sweep", "--grid",
                            "channels.talk.rate=0:0.2:8", "--replicates", "1", "--workers",
                            "1"))
    assert line.startswith("nanosim: error: ") and "No space left on device" in line


def test_a_full_disk_is_one_line_in_process(tmp_path, scenario_file, monkeypatch, capsys):
    import errno

    from nanosim.cli import main
    from nanosim.experiments.sweep import store

    def full(table, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(store, "write_table", full)
    status = main(["sweep", str(scenario_file), "--out", str(tmp_path / "s"), "--grid",
                   "channels.talk.rate=0,0.1", "--replicates", "1", "--workers", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert err[0].startswith("nanosim: error: No space left on device: ")


# --- memory ---------------------------------------------------------------------------------


def test_a_run_over_the_memory_limit_is_refused_before_it_starts(tmp_path, scenario_file):
    line = one_line(nanosim("run", scenario_file, "--out", tmp_path / "o", "--max-memory",
                            "100MiB"))
    assert line.startswith("nanosim: error: 'small' (2 replicate(s)) would need about ")
    assert "more than the limit of 100.0 MiB" in line
    assert not (tmp_path / "o").exists()


def test_what_cannot_fit_in_any_machine_is_refused_at_once(tmp_path, scenario_file):
    line = one_line(nanosim("run", scenario_file, "--out", tmp_path / "o", "--set",
                            "population.size=50000000", "--set", "network.follows=10000"))
    assert "would need about" in line and "available" in line
    for design in (["--grid", "network.cross_border=0:1:1000000000"],
                   ["--lhs", "1000000000", "--range", "network.cross_border=0:1"]):
        done = nanosim("sweep", scenario_file, "--out", tmp_path / "s", *design, timeout=60)
        assert "would need about" in one_line(done) and done.seconds < 30
    assert not (tmp_path / "s").exists()


def test_a_sweep_and_a_comparison_over_the_limit_are_refused(tmp_path, scenario_file):
    line = one_line(nanosim("sweep", scenario_file, "--out", tmp_path / "s", "--grid",
                            "channels.talk.rate=0,0.1", "--workers", "2", "--max-memory",
                            "500MiB"))
    assert line.startswith("nanosim: error: this sweep (4 runs, 2 at a time here) would need")
    line = one_line(nanosim("compare", scenario_file, scenario_file, "--out", tmp_path / "c",
                            "--max-memory", "0.2GiB"))
    assert "this comparison (2 scenarios x 2 replicates) would need about" in line
    assert not (tmp_path / "s").exists() and not (tmp_path / "c").exists()


def test_max_memory_must_be_a_size(tmp_path, scenario_file):
    done = nanosim("run", scenario_file, "--out", tmp_path / "o", "--max-memory", "lots")
    assert "argument --max-memory: must be a size such as 2GiB or 500MB" in one_line(done)


# --- the scheduler --------------------------------------------------------------------------


def test_a_scheduler_address_of_another_protocol_is_refused_at_once(tmp_path, scenario_file):
    done = nanosim("sweep", scenario_file, "--out", tmp_path / "s", "--grid",
                   "channels.talk.rate=0,0.1", "--scheduler", "http://127.0.0.1:8786")
    assert one_line(done) == ("nanosim: error: --scheduler: http:// is not a Dask scheduler's "
                              "protocol (give tcp://HOST:PORT or tls://HOST:PORT)")
    assert not (tmp_path / "s").exists()


def test_a_listener_that_is_no_dask_scheduler_is_refused_within_15_seconds(tmp_path,
                                                                          scenario_file):
    server = socket.create_server(("127.0.0.1", 0))
    held = []
    stop = threading.Event()

    def accept():  # accepts and never says a word, as another service might
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    try:
        done = nanosim("sweep", scenario_file, "--out", tmp_path / "s", "--grid",
                       "channels.talk.rate=0,0.1", "--scheduler", address, timeout=60)
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and done.seconds < 15, done.stderr
    assert lines == [f"nanosim: error: cannot reach the Dask scheduler at {address} (no answer "
                     "within 5 s)"]


# --- the dashboard's upload -----------------------------------------------------------------


def test_an_upload_nested_too_deeply_or_too_large_is_one_line_naming_the_file_only():
    from nanosim.dashboard import catalogue
    from nanosim.dashboard.widgets import error_text
    from nanosim.errors import NanosimError

    deep = ("a = " + "[" * 100_000 + "]" * 100_000).encode()
    big = b"#" * ((16 << 20) + 1)
    huge = SMALL.replace("size = 600", "size = 200000").replace(
        "follows = 10", "follows = 10000").encode()
    many = SMALL.replace("size = 600", "size = 50000000").encode()
    messages = []
    for name, data in (("deep.toml", deep), ("big.toml", big), ("huge.toml", huge),
                       ("many.toml", many)):
        with pytest.raises(NanosimError) as err:
            catalogue.upload(name, data)
        messages.append(error_text(err.value))
    assert messages[0] == "deep.toml: tables or lists nested too deeply"
    assert messages[1] == "big.toml: is above the 16.0 MiB limit for a TOML file"
    assert messages[2].startswith("huge.toml: one run of it would need about ")
    assert messages[3].startswith("many.toml: 50,000,000 citizens, more than the 200,000 ")


def test_the_dashboard_names_a_file_without_its_folders(tmp_path):
    from nanosim.dashboard.widgets import error_text
    from nanosim.errors import ScenarioError

    error = ScenarioError(str(tmp_path / "secret" / "plan.toml"), "network.degree", "too big")
    assert error_text(error) == "plan.toml: network.degree: too big"
    assert error_text(ValueError(open(__file__).read())) == "unexpected ValueError"
