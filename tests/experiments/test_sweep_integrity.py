"""A sweep folder's run files are checked: flipped bytes, a file at the wrong place, a file
of another sweep, a run killed before its checksum was recorded; real processes."""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from nanosim.errors import NanosimError
from nanosim.experiments.sweep import SweepStore, sweep
from nanosim.experiments.sweep.store import SUMS

TINY = """
[scenario]
name = "tiny"
steps = 6
seed = 5
replicates = 2

[population]
size = 200

[[country]]
name = "Aland"
share = 0.6

[[country]]
name = "Bland"
share = 0.4
"""
GRID = ["network.cross_border=0,2"]


def nanosim(*args):
    return subprocess.run([sys.executable, "-m", "nanosim", *map(str, args)],
                          capture_output=True, text=True)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((folder / "runs").iterdir())}


@pytest.fixture(scope="module")
def original(sweep_scenario_file, tmp_path_factory):
    return sweep(sweep_scenario_file, tmp_path_factory.mktemp("sweep") / "out", grid=GRID,
                 workers=1).folder


@pytest.fixture
def folder(original, tmp_path):
    copy = tmp_path / "out"
    shutil.copytree(original, copy)
    return copy


def rerun(sweep_scenario_file, folder):
    return nanosim("sweep", sweep_scenario_file, "--out", folder, "--grid", GRID[0],
                   "--workers", "1")


def test_every_run_file_has_its_checksum_and_its_place_in_its_metadata(original):
    done = subprocess.run(["sha256sum", "--check", "--quiet", SUMS], cwd=original,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len((original / SUMS).read_text().splitlines()) == 4
    store = SweepStore(original)
    meta = pq.read_schema(store.path(1, 0)).metadata
    assert meta[b"nanosim.point"] == b"1" and meta[b"nanosim.replicate"] == b"0"
    assert meta[b"nanosim.design_sha256"] == store.manifest["design_sha256"].encode()
    assert store.damaged() == {} and store.unverified() == []


def test_flipped_bytes_are_named_by_report_and_run_again_by_the_sweep(folder,
                                                                      sweep_scenario_file):
    before = digests(folder)
    bad = folder / "runs" / "point-0001-rep-000.parquet"
    data = bytearray(bad.read_bytes())
    for i in range(200, 240):
        data[i] ^= 0xFF
    bad.write_bytes(bytes(data))
    done = nanosim("report", folder)
    assert done.returncode == 2 and done.stderr == (
        f"nanosim: error: {bad}: damaged: its sha256 differs from {SUMS}; run the same sweep "
        "again to run it again\n")
    assert not (folder / "report").exists()
    done = rerun(sweep_scenario_file, folder)
    assert done.returncode == 0, done.stderr
    assert ("note: runs/point-0001-rep-000.parquet damaged (its sha256 differs from "
            f"{SUMS}); it runs again") in done.stdout
    assert "3 already done" in done.stdout and digests(folder) == before
    assert nanosim("report", folder).returncode == 0


def test_a_run_file_copied_over_another_is_detected_by_its_metadata(folder,
                                                                    sweep_scenario_file):
    before = digests(folder)
    runs = folder / "runs"
    shutil.copyfile(runs / "point-0000-rep-001.parquet", runs / "point-0001-rep-000.parquet")
    sums = (folder / SUMS).read_text()  # its checksum copied too: the metadata still tells
    line = next(x for x in sums.splitlines() if x.endswith("point-0000-rep-001.parquet"))
    (folder / SUMS).write_text(sums + line.replace("point-0000-rep-001", "point-0001-rep-000")
                               + "\n")
    with pytest.raises(NanosimError, match="point-0001-rep-000.parquet: damaged: it holds point "
                                           "0 replicate 1, not point 1 replicate 0"):
        SweepStore(folder).load()
    done = nanosim("report", folder)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "point-0001-rep-000.parquet: damaged: it holds point 0 replicate 1" in done.stderr
    assert rerun(sweep_scenario_file, folder).returncode == 0 and digests(folder) == before


def test_a_run_file_of_another_sweep_is_detected(folder, sweep_scenario_file, tmp_path):
    other = sweep(sweep_scenario_file, tmp_path / "other", grid=["network.cross_border=0,3"],
                  workers=1)
    shutil.copyfile(other.path(1, 1), SweepStore(folder).path(1, 1))
    assert SweepStore(folder).damaged() == {
        (1, 1): "it holds a run of another sweep (its design differs)"}


def test_a_run_file_whose_checksum_line_is_torn_runs_again(folder, sweep_scenario_file):
    before = digests(folder)
    lines = (folder / SUMS).read_text().splitlines()
    (folder / SUMS).write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:30])  # a torn line
    store = SweepStore(folder)
    assert store.damaged() == {(1, 1): f"its sha256 is not in {SUMS}"}
    assert store.missing() == [(1, 1)]
    assert rerun(sweep_scenario_file, folder).returncode == 0 and digests(folder) == before
    assert len((folder / SUMS).read_text().splitlines()) == 4


def test_a_killed_sweeps_temporary_files_are_removed_by_the_next(folder, sweep_scenario_file):
    for tmp in (folder / ".manifest.json.tmp", folder / f".{SUMS}.tmp",
                folder / "runs" / ".point-0000-rep-000.parquet.tmp"):
        tmp.write_bytes(b"half")
    done = rerun(sweep_scenario_file, folder)
    assert done.returncode == 0 and "nothing to run" in done.stdout
    assert sorted(p.name for p in folder.rglob(".*")) == [".lock"]


def test_run_files_of_an_older_nanosim_are_read_with_a_note_and_recorded_on_resume(
        folder, sweep_scenario_file):
    (folder / SUMS).unlink()
    for path in (folder / "runs").iterdir():  # as written before: no nanosim metadata
        table = pq.read_table(path)
        meta = {k: v for k, v in table.schema.metadata.items() if not k.startswith(b"nanosim.")}
        pq.write_table(table.replace_schema_metadata(meta), path, compression="zstd")
    old = digests(folder)
    assert SweepStore(folder).unverified() == SweepStore(folder).runs
    done = nanosim("report", folder)
    assert done.returncode == 0 and "note: 4 run file(s) were written by an older nanosim" \
        in done.stdout
    done = rerun(sweep_scenario_file, folder)
    assert done.returncode == 0 and "nothing to run" in done.stdout
    assert digests(folder) == old  # kept as they are, and their checksums recorded
    store = SweepStore(folder)
    assert store.unverified() == [] and store.damaged() == {}
    assert len((folder / SUMS).read_text().splitlines()) == 4


def test_sweep_files_differ_from_plain_tables_in_metadata_only(original, tmp_path):
    path = SweepStore(original).path(0, 0)
    pd.read_parquet(path).to_parquet(tmp_path / "plain.parquet", index=False,
                                     compression="zstd")
    stored, plain = pq.read_table(path), pq.read_table(tmp_path / "plain.parquet")
    assert stored.equals(plain) and stored.schema.equals(plain.schema, check_metadata=False)
    assert set(stored.schema.metadata) - set(plain.schema.metadata) == {
        b"nanosim.point", b"nanosim.replicate", b"nanosim.design_sha256"}
