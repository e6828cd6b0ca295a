"""``nanosim sensitivity``, ``nanosim discover`` and ``nanosim sweep --design`` as a user
meets them: real processes, real files."""

import subprocess
import sys

import pandas as pd
import pytest

from tests.experiments.test_sweep import TINY


def nanosim(*args):
    return subprocess.run([sys.executable, "-m", "nanosim", *map(str, args)],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("scen") / "tiny.toml"
    path.write_text(TINY.replace("steps = 12", "steps = 10"))
    return path


RANGES = ("--range", "network.cross_border=0:2", "--range", "channels.social_media.reach=0:20")


def test_sensitivity_runs_analyses_and_discovers_end_to_end(tiny, tmp_path):
    out = tmp_path / "sens"
    done = nanosim("sensitivity", tiny, "--out", out, "--method", "morris", *RANGES,
                   "--samples", "3", "--replicates", "2", "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert "ranked by mu_star" in done.stdout and "analysis:" in done.stdout
    table = pd.read_csv(out / "indices.csv")
    assert list(table.columns) == ["outcome", "parameter", "index", "value", "low", "high"]
    assert set(table["parameter"]) == {"network.cross_border", "channels.social_media.reach"}
    text = (out / "sensitivity.md").read_text()
    assert "## Parameters ranked by μ*" in text and "## Replicate noise" in text
    assert "## Convergence" in text and (out / "morris.png").is_file()
    assert len(list((out / "runs").iterdir())) == 3 * 3 * 2
    again = nanosim("sensitivity", tiny, "--out", out, "--method", "morris", *RANGES,
                    "--samples", "3", "--replicates", "2")
    assert again.returncode == 0 and "nothing to run" in again.stdout
    assert pd.read_csv(out / "indices.csv").equals(table)
    found = nanosim("discover", out, "--where", "favourability < 0.3")
    assert found.returncode == 0, found.stderr
    assert "box 1: coverage" in found.stdout
    assert (out / "discover" / "discover.md").is_file()
    assert (out / "discover" / "discover.png").is_file()
    wrong = nanosim("discover", out, "--where", "favorability < 0")
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1
    assert "names no metric" in wrong.stderr


@pytest.mark.parametrize("args, message", [
    (["--method", "morris", "--range", "network.nosuch=0:1"], "network.nosuch: unknown key"),
    (["--method", "morris", "--range", "network.cross_border=2:1"], "LO must be below HI"),
    (["--method", "morris", "--range", "network.cross_border=0:5000"], "must be in 0..1000"),
    (["--method", "morris", "--samples", "1", *RANGES], "morris needs at least 2"),
    (["--method", "sobol", "--samples", "2", *RANGES], "sobol needs a power of 2"),
    (["--method", "morris", *RANGES, "--metric", "favorability"], "unknown metric"),
    (["--method", "morris", *RANGES, "--pair", "Aland:Nowhere"], "Aland:Nowhere"),
])
def test_bad_sensitivity_input_is_one_line_exit_2_and_nothing_is_written(tiny, tmp_path, args,
                                                                        message):
    out = tmp_path / "out"
    done = nanosim("sensitivity", tiny, "--out", out, *args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert not out.exists()


def test_sweep_takes_a_design_csv_and_refuses_a_bad_one(tiny, tmp_path):
    design = tmp_path / "design.csv"
    design.write_text("network.cross_border,channels.social_media.reach\n0.5,3\n1.5,10\n")
    out = tmp_path / "out"
    done = nanosim("sweep", tiny, "--design", design, "--out", out, "--replicates", "1",
                   "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "2 point(s) x 1 replicate(s)" in done.stdout
    for bad, message in (("network.cross_bordr\n0.5\n", "network.cross_bordr: unknown key"),
                         ("network.cross_border\n5000\n",
                          "network.cross_border: must be in 0..1000")):
        design.write_text(bad)
        done = nanosim("sweep", tiny, "--design", design, "--out", tmp_path / "bad")
        assert done.returncode == 2 and done.stderr.count("\n") == 1
        assert f"--design {design}, point 1: {message}" in done.stderr, done.stderr
    assert not (tmp_path / "bad").exists()
