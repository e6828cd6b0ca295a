"""Who owns an ``--out`` folder, where results are staged, and what killed runs leave."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from nanosim.cli import main
from nanosim.io.outputs import (
    EMPTY_STAGE_AGE,
    MARKER,
    PENDING_MARKER,
    RUN_FILES,
    remove_abandoned_stages,
    staged,
)
from tests.conftest import SMALL

FAST = SMALL.replace("steps = 30", "steps = 12").replace("replicates = 2", "replicates = 1")


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(FAST)
    return path


def refused(capsys, *argv) -> str:
    assert main(list(map(str, argv))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_a_run_folder_carries_a_marker_naming_its_command(tmp_path, scenario_file, capsys):
    out = tmp_path / "out"
    assert main(["run", str(scenario_file), "--out", str(out)]) == 0
    marker = json.loads((out / MARKER).read_text())
    assert marker["command"] == "nanosim run" and "nanosim" in marker
    assert main(["run", str(scenario_file), "--out", str(out), "--seed", "4"]) == 0
    err = refused(capsys, "compare", scenario_file, scenario_file, "--out", out)
    assert "holds the results of `nanosim run`; give a new or empty folder" in err


@pytest.mark.parametrize("content", [".git", "summary.json"])
def test_a_folder_nanosim_did_not_mark_is_refused_dot_files_count(tmp_path, scenario_file,
                                                                  capsys, content):
    out = tmp_path / "out"
    out.mkdir()
    if content == ".git":
        (out / ".git").mkdir()
        why = f"holds files `nanosim run` did not write (no {MARKER})"
    else:  # an unrelated folder with a summary.json, or a run folder of an older nanosim
        (out / "summary.json").write_text("{}")
        (out / "timeseries.csv").write_text("mine")
        why = f"holds summary.json but no {MARKER}"
    err = refused(capsys, "run", scenario_file, "--out", out)
    assert f"{out}: --out: {why}" in err
    assert sorted(os.listdir(out)) == sorted([content] + (["timeseries.csv"]
                                                          if content == "summary.json" else []))


def test_a_dangling_symlink_is_one_line(tmp_path, scenario_file, capsys):
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "nowhere")
    err = refused(capsys, "run", scenario_file, "--out", link)
    assert f"{link}: --out: is a symlink to {tmp_path / 'nowhere'}, which does not exist" in err
    assert not (tmp_path / "nowhere").exists()


def other_filesystem(here: Path) -> Path | None:
    """A folder on a filesystem other than ``here``'s (tmpfs /dev/shm), or None."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shm.stat().st_dev != here.stat().st_dev:
        return shm
    return None


@pytest.mark.parametrize("command", ["run", "compare"])
def test_out_symlinked_to_another_filesystem_is_staged_there(tmp_path, scenario_file, command):
    shm = other_filesystem(tmp_path)
    if shm is None:
        pytest.skip("no second filesystem (/dev/shm tmpfs) to link --out to")
    with tempfile.TemporaryDirectory(dir=shm) as far:
        target = Path(far) / "results"
        target.mkdir()
        link = tmp_path / "out"
        link.symlink_to(target)
        files = [scenario_file] * (2 if command == "compare" else 1)
        argv = [command, *map(str, files), "--out", str(link)]
        assert main(argv) == 0
        assert main(argv) == 0  # and again, into the folder it wrote
        first = "summary.json" if command == "run" else "comparison.json"
        assert (target / first).is_file() and (target / MARKER).is_file()
        assert [p.name for p in Path(far).iterdir()] == ["results"]  # no staging folder left
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.toml"]


def stages(folder: Path, name: str) -> list[Path]:
    return sorted(folder.glob(f".{name}.*"))


def test_a_killed_runs_staging_folder_is_removed_by_the_next_run(tmp_path, scenario_file):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "nanosim", "run", str(scenario_file),
                             "--out", str(out), "--set", "population.size=3000",
                             "--replicates", "3"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any((s / MARKER).exists() for s in stages(tmp_path, "out")):
        assert proc.poll() is None, "the run ended before it was killed while writing"
        assert time.monotonic() < deadline, "the run never started writing"
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)  # while it writes its files into the staging folder
    proc.wait()
    left = stages(tmp_path, "out")
    assert len(left) == 1 and (left[0] / MARKER).is_file()
    not_ours = tmp_path / ".out.abcdefgh"  # the same name pattern, but no marker
    not_ours.mkdir()
    (not_ours / "mine.txt").write_text("keep")
    done = subprocess.run([sys.executable, "-m", "nanosim", "run", str(scenario_file),
                           "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert stages(tmp_path, "out") == [not_ours] and (out / "summary.json").is_file()


def test_a_staging_folder_in_use_is_kept(tmp_path):
    out = tmp_path / "out"
    with staged(out, RUN_FILES, "nanosim run") as stage:
        assert remove_abandoned_stages(out) == [] and (stage / MARKER).is_file()
        (stage / "summary.json").write_text("{}")
    assert stages(tmp_path, "out") == [] and (out / "summary.json").is_file()


def test_a_stage_killed_while_writing_its_marker_is_removed_after_a_minute(tmp_path):
    out = tmp_path / "out"
    killed = tmp_path / ".out.killedxx"
    killed.mkdir()
    (killed / PENDING_MARKER).write_text("{")  # killed mid-write: no marker yet
    assert remove_abandoned_stages(out) == []  # it may still be starting
    long_ago = time.time() - EMPTY_STAGE_AGE - 1
    os.utime(killed, (long_ago, long_ago))
    assert remove_abandoned_stages(out) == [killed] and not killed.exists()
