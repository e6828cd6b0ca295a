"""The command line as a user meets it: real processes, real files."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from tests.conftest import SMALL


def nanosim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "nanosim", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL.replace("steps = 30", "steps = 15"))
    return path


def test_run_writes_tables_summary_and_figures(tmp_path, scenario_file):
    out = tmp_path / "out"
    done = nanosim("run", scenario_file, "--out", out, "--replicates", "2", "--csv")
    assert done.returncode == 0, done.stderr
    names = {p.name for p in out.iterdir()}
    assert {"timeseries.parquet", "timeseries.csv", "summary.json", "perception.png",
            "matrix.png", "channels.png", "scenario.toml"} <= names
    df = pd.read_parquet(out / "timeseries.parquet")
    assert list(df.columns) == ["replicate", "step", "metric", "observer", "target", "channel",
                                "value"]
    assert sorted(df["replicate"].unique()) == [0, 1] and df["step"].max() == 15
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replicates"] == 2 and summary["seed"] == 3
    assert summary["final"]["Aland->Bland"]["favourability_shift"]["replicates"] == 2
    assert "Aland → Bland" in done.stdout and str(out) in done.stdout
    assert "cultural regions (end)" in done.stdout
    assert "opinion clusters" not in done.stdout  # one line per pair would crowd it out


def test_the_summary_of_one_country_gives_its_opinion_clusters():
    from nanosim import run
    from nanosim.io.outputs import summary_lines
    from nanosim.scenario import loads_scenario

    solo = loads_scenario('[scenario]\nsteps = 5\nreplicates = 2\n[population]\nsize = 200\n'
                          '[[country]]\nname = "Solo"\nshare = 1.0\n')
    lines = summary_lines(run(solo))
    assert lines[1].startswith("Solo → Solo")
    assert [line.split("  ")[0] for line in lines[2:]] == [
        "cultural regions (end)", "opinion clusters, people (end)",
        "opinion clusters, state (end)"]


def test_invalid_scenario_exits_2_with_one_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace("share = 0.2", "share = -0.2"))
    out = tmp_path / "out"
    done = nanosim("run", bad, "--out", out)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    assert f"{bad}: country.Cland.share: must be in 0 (exclusive)..1" in done.stderr
    assert not out.exists()


def test_bad_override_exits_2_naming_the_key(tmp_path, scenario_file):
    done = nanosim("run", scenario_file, "--out", tmp_path / "o", "--set",
                   "channels.talk.rate=2")
    assert done.returncode == 2 and done.stderr == (
        "nanosim: error: --set: channels.talk.rate: must be in 0..1 (got 2)\n")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_an_out_folder_that_cannot_be_made_is_refused_before_the_runs(tmp_path, scenario_file,
                                                                       command):
    (tmp_path / "afile").write_text("")
    extra = ["--grid", "network.cross_border=0,1"] if command == "sweep" else []
    done = nanosim(command, scenario_file, "--out", tmp_path / "afile" / "sub", *extra)
    assert done.returncode == 2 and done.stderr == (
        f"nanosim: error: {tmp_path / 'afile' / 'sub'}: --out: cannot be made: "
        f"{tmp_path / 'afile'} is a file\n")


def test_names_the_font_cannot_draw_give_one_note_not_a_warning_per_letter(tmp_path):
    path = tmp_path / "kr.toml"
    path.write_text('[scenario]\nsteps = 5\nreplicates = 1\n[population]\nsize = 200\n'
                    '[[country]]\nname = "대한민국"\nshare = 0.5\n'
                    '[[country]]\nname = "日本"\nshare = 0.5\n')
    done = nanosim("run", path, "--out", tmp_path / "o")
    assert done.returncode == 0 and "Glyph" not in done.stderr
    assert done.stderr.count("note: the figures' font lacks some letters") == 1


def test_a_bad_option_is_one_line_too(tmp_path, scenario_file):
    done = nanosim("sweep", scenario_file, "--out", tmp_path / "o", "--seed", "-1")
    assert done.returncode == 2 and done.stderr == (
        "nanosim sweep: error: argument --seed: must be a whole number >= 0 (got '-1') "
        "(see `nanosim sweep --help`)\n")


def test_broken_edge_list_exits_2_and_keeps_previous_results(tmp_path, file_network):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("summary.json", "timeseries.parquet"):
        (out / name).write_bytes(b"earlier results")
    done = nanosim("run", file_network, "--out", out)
    assert done.returncode == 2 and "edges.csv: network.edges:" in done.stderr
    assert "'9'" in done.stderr or " 9 " in done.stderr
    assert (out / "timeseries.parquet").read_bytes() == b"earlier results"


def test_a_rerun_replaces_its_own_folder_and_other_folders_are_refused(tmp_path,
                                                                         scenario_file, capsys):
    from nanosim.cli import main

    out = tmp_path / "out"
    assert main(["run", str(scenario_file), "--out", str(out), "--csv"]) == 0
    (out / "notes.txt").write_text("mine")
    assert main(["run", str(scenario_file), "--out", str(out), "--seed", "9"]) == 0
    assert not (out / "timeseries.csv").exists()  # not asked for this time: no stale table
    assert json.loads((out / "summary.json").read_text())["seed"] == 9
    assert (out / "notes.txt").read_text() == "mine"
    capsys.readouterr()
    sweep_folder = tmp_path / "sweep"
    sweep_folder.mkdir()
    (sweep_folder / "manifest.json").write_text("{}")
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    for target, why in ((sweep_folder, "holds files `nanosim run` did not write (no "
                                       ".nanosim-folder)"), (a_file, "is a file")):
        assert main(["run", str(scenario_file), "--out", str(target)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{target}: --out: {why}" in err
    assert os.listdir(sweep_folder) == ["manifest.json"] and a_file.read_text() == "x"
    assert main(["compare", str(scenario_file), str(scenario_file), "--out", str(out)]) == 2
    assert "holds the results of `nanosim run`" in \
        capsys.readouterr().err


def test_killed_run_leaves_no_half_written_files(tmp_path, scenario_file):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "nanosim", "run", str(scenario_file),
                             "--out", str(out), "--set", "scenario.steps=50000",
                             "--set", "population.size=5000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(4)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists() or not any(out.iterdir())


def test_validate_explains_each_file(tmp_path, scenario_file):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nsteps = -1\n")
    done = nanosim("validate", scenario_file, bad)
    assert done.returncode == 2
    assert f"ok: {scenario_file}" in done.stdout
    assert f"invalid: {bad}: scenario.steps: must be in 1..1000000 (got -1)" in done.stderr


def test_validate_reads_a_file_networks_csvs(tmp_path, file_network):
    done = nanosim("validate", file_network)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"invalid: {tmp_path / 'edges.csv'}: network.edges: line 3:")
    (tmp_path / "edges.csv").unlink()
    done = nanosim("validate", file_network)
    assert done.returncode == 2
    assert f"{tmp_path / 'edges.csv'}: network.edges: file not found" in done.stderr
    (tmp_path / "edges.csv").write_text("source,target\n1,2\n")
    done = nanosim("validate", file_network)
    assert done.returncode == 0 and "1 country, 2 citizens (the node table)," in done.stdout


def _design(tmp_path):
    """A 2 × 2 design of small worlds: {no incident, incident} × {thin, dense ties}."""
    calm = SMALL[:SMALL.index("[[events]]")]
    files = []
    for name, text in (("calm_thin", calm.replace("cross_border = 2.0", "cross_border = 0.5")),
                       ("row_thin", SMALL.replace("cross_border = 2.0", "cross_border = 0.5")),
                       ("calm_dense", calm), ("row_dense", SMALL)):
        path = tmp_path / f"{name}.toml"
        path.write_text(text.replace('name = "small"', f'name = "{name}"'))
        files.append(str(path))
    return files


FAST_SET = ("--replicates", "2", "--set", "population.size=150", "--set", "scenario.steps=12")


def test_compare_reports_effects_against_a_control_and_a_factorial_interaction(tmp_path,
                                                                               capsys):
    from nanosim.cli import main
    from nanosim.experiments import compare as C
    from nanosim.io.compare import load_comparison

    a, b, c, d = _design(tmp_path)
    assert main(["compare", b, d, "--control", a, "--out", str(tmp_path / "ctl"),
                 *FAST_SET]) == 0
    printed = capsys.readouterr().out
    assert "effect against the control “calm_thin” at day 12 (paired by replicate)" in printed
    df, info = load_comparison(tmp_path / "ctl")
    assert info["scenarios"] == ["calm_thin", "row_thin", "row_dense"]
    assert info["control"] == "calm_thin" and info["sources"] == [a, b, d]
    table = C.comparison_table(df, "favourability", ("Aland", "Bland"), "calm_thin")
    row = table.set_index("scenario").loc["row_thin"]
    line = next(x for x in printed.splitlines() if x.startswith("row_thin"))
    assert line.split()[1:2] == [f"{row['shift_median']:+.3f}"]
    assert f"{row['effect_median']:>+9.3f}" in line
    assert "calm_thin" in printed.split("\n")[2] and "control" in printed.split("\n")[2]
    assert (tmp_path / "ctl" / "effects.png").exists()

    assert main(["compare", "--factorial", a, b, c, d, "--factors", "incident,ties",
                 "--out", str(tmp_path / "fac"), *FAST_SET]) == 0
    printed = capsys.readouterr().out
    assert ("2 x 2 design: A = calm_thin (neither), B = row_thin (first factor only), "
            "C = calm_dense (second factor only), D = row_dense (both)") in printed
    df, info = load_comparison(tmp_path / "fac")
    design = C.factorial_table(df, "favourability", ("Aland", "Bland"), ("incident", "ties"))
    inter = design.set_index("effect").loc["interaction"]
    assert f"(D − C) − (B − A)     {inter['effect_median']:>+8.3f}" in printed
    values = C.pair_values(df, "favourability", ("Aland", "Bland"))
    end = values[values["step"] == 12].pivot(index="replicate", columns="scenario",
                                             values="value")
    did = (end["row_dense"] - end["calm_dense"]) - (end["row_thin"] - end["calm_thin"])
    assert inter["effect_median"] == pytest.approx(did.median())


def test_compare_refuses_a_bad_control_or_design_in_one_line_and_writes_nothing(tmp_path,
                                                                                capsys):
    from nanosim.cli import main

    a, b, c, d = _design(tmp_path)
    other = tmp_path / "other.toml"
    other.write_text(SMALL.replace("size = 600", "size = 500"))
    out = tmp_path / "out"
    cases = [
        (["--control", str(other), b], f"{other}: population.size: the control has 500, but "
                                       f"{b} has 600: a control is the same world"),
        (["--control", a, str(other)], f"{a}: population.size: the control has 600, but "
                                       f"{other} has 500"),
        (["--control", a], f"--control {a}: give one or more other scenario files"),
        (["--control", a, a], f"--control {a}: give one or more other scenario files"),
        (["--factorial", a, b, c], "--factorial takes four scenario files in the order A "
                                   "(neither factor), B (first factor only), C (second factor "
                                   "only), D (both); got 3"),
        (["--factorial", a, b, c, str(other)], f"{other}: population.size: 500, but {a} (the "
                                               "design's first file, neither factor) has 600"),
        (["--factorial", "--control", a, a, b, c, d], "--factorial: the design's first file "
                                                      "(A, neither factor) is its control"),
        ([a, b, "--factors", "x,y"], "--factors names the two factors of --factorial"),
    ]
    for args, message in cases:
        assert main(["compare", *args, "--out", str(out)]) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, (args, err)
        assert not out.exists()
