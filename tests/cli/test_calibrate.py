"""``nanosim calibrate`` as a user meets it: real processes, real files, a real interruption."""

import json
import signal
import subprocess
import sys
import time
import tomllib

import pandas as pd
import pytest

from tests.experiments.test_calibration import CALIBRATION, write_files


def nanosim(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "nanosim", *map(str, args)],
                          capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """The tiny calibration, run once through the command line."""
    folder = tmp_path_factory.mktemp("cli")
    path = write_files(folder)
    out = folder / "out"
    done = nanosim("calibrate", path, "--out", out, "--workers", "2")
    assert done.returncode == 0, done.stderr
    return path, out, done


def test_calibrate_writes_its_folder_and_says_how_it_went(calibrated):
    path, out, done = calibrated
    assert "generation 0 done: 20 of 20 accepted" in done.stdout
    assert "generation 2 done:" in done.stdout and "epsilon" in done.stdout
    assert "events.0.severity" in done.stdout and "calibration: " in done.stdout
    for name in ("calibration.md", "calibration.json", "posterior.parquet", "fit.png",
                 "posterior.png", "calibrated.toml", "parameters.csv", "fit.csv",
                 "generations.csv", "predictive.parquet", "abc.db", "simulations.jsonl"):
        assert (out / name).is_file(), name
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert list(posterior.columns) == ["events.0.severity", "events.0.recovery", "weight",
                                       "distance"]
    assert len(posterior) == 20 and posterior["weight"].sum() == pytest.approx(1)
    report = (out / "calibration.md").read_text()
    assert "## Parameters" in report and "| `events.0.severity` | uniform [0.3, 1] |" in report
    assert "![data and model](fit.png)" in report
    fit = pd.read_csv(out / "fit.csv")
    assert list(fit["period"]) == ["before", "low", "after", "after", "after"]
    assert (fit["low"] <= fit["median"]).all() and (fit["median"] <= fit["high"]).all()
    median = pd.read_csv(out / "parameters.csv").set_index("parameter")["estimate"]
    run = nanosim("run", out / "calibrated.toml", "--out", out.parent / "run", "--replicates", "1")
    assert run.returncode == 0, run.stderr
    ran = tomllib.loads((out.parent / "run" / "scenario.toml").read_text())
    assert ran["events"][0]["severity"] == pytest.approx(median["events.0.severity"], rel=1e-5)


@pytest.mark.slow  # fast: test_results_depend_neither_on_workers_nor_on_where_a_run_stopped
def test_a_rerun_runs_nothing_and_gives_the_same_files(calibrated):
    path, out, _ = calibrated
    before = (out / "posterior.parquet").read_bytes()
    again = nanosim("calibrate", path, "--out", out, "--workers", "1")
    assert again.returncode == 0, again.stderr
    assert "nothing to run: the 3 generation(s) in abc.db are finished" in again.stdout
    assert "generation 0" not in again.stdout
    assert "ran 0 evaluation" in (out / "calibration.md").read_text()
    assert (out / "posterior.parquet").read_bytes() == before


@pytest.mark.slow  # fast: test_results_depend_neither_on_workers_nor_on_where_a_run_stopped
def test_an_interrupted_calibration_continues_to_the_same_posterior(calibrated, tmp_path):
    path, out, _ = calibrated
    stopped = tmp_path / "stopped"
    for lines in (30, 70):  # inside generation 1, then inside generation 2
        proc = subprocess.Popen([sys.executable, "-m", "nanosim", "calibrate", str(path), "--out",
                                 str(stopped), "--workers", "2"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        journal = stopped / "simulations.jsonl"
        while proc.poll() is None and (not journal.exists()
                                       or len(journal.read_text().splitlines()) < lines):
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 128 + signal.SIGTERM, err
        assert "interrupted;" in err and "run the same command again" in err
    done = nanosim("calibrate", path, "--out", stopped, "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "continuing from generation" in done.stdout
    assert (stopped / "posterior.parquet").read_bytes() == (out / "posterior.parquet").read_bytes()


@pytest.mark.slow  # fast: tests/experiments/test_calibration.py's recovery test
def test_check_reports_coverage_without_writing_a_folder(tmp_path):
    path = write_files(tmp_path)
    done = nanosim("calibrate", "--check", path, "--workers", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "recovery test 'tiny'" in done.stdout
    assert "recovery: 2 of 2 true values lie in their 80 % interval" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["surveys.csv", "tiny.toml",
                                                          "tiny_cal.toml"]


@pytest.mark.parametrize("change, args, message", [
    (('key = "events.0.severity"', 'key = "events.0.severty"'), [],
     "tiny_cal.toml: parameter.0: events.0.severty: unknown key"),
    (("range = [0.3, 1.0]", "range = [0.3, 2.0]"), [],
     "tiny_cal.toml: parameter.0: events.0.severity: must be in 0..1 (got 2.0)"),
    (('days = { after = 60 }\nsd = 2', 'days = { "2020" = 60 }\nsd = 2'), [],
     "tiny_cal.toml: data.2.days.\"2020\": no row of surveys.csv has Bland -> Aland"),
    (('measure = "thermometer"', 'measure = "warmth"'), [],
     "tiny_cal.toml: data.2.measure: unknown measure 'warmth'; allowed: share_favourable"),
    (None, ["--budget", "5"], "--budget: 5 runs cannot make one generation of 20 particles"),
    (None, ["--scheduler", "nowhere"], "--scheduler: 'nowhere' is not a scheduler address"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_is_written(tmp_path, change, args, message):
    text = CALIBRATION.replace(*change, 1) if change else CALIBRATION
    path = write_files(tmp_path, text)
    out = tmp_path / "out"
    done = nanosim("calibrate", path, "--out", out, *args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert not out.exists()


def test_calibrate_needs_out_unless_it_checks(tmp_path):
    done = nanosim("calibrate", write_files(tmp_path))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "--out: required" in done.stderr


def test_a_folder_of_another_calibration_is_refused(calibrated, tmp_path):
    path, out, _ = calibrated
    other = write_files(tmp_path, CALIBRATION.replace("seed = 3", "seed = 4"))
    before = json.loads((out / "calibration.json").read_text())
    done = nanosim("calibrate", other, "--out", out)
    assert done.returncode == 2 and "holds another calibration (calibration, seed differ" \
        in done.stderr, done.stderr
    assert json.loads((out / "calibration.json").read_text()) == before
