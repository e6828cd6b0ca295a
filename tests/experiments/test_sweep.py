"""Parameter sweeps: designs, the resumable folder, local workers, reports; real processes."""

import hashlib
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nanosim.errors import NanosimError, ScenarioError
from nanosim.experiments.sweep import (
    SweepStore,
    latin_hypercube,
    load_sweep,
    parse_grid,
    plan_sweep,
    run_point,
    sweep,
)
from nanosim.scenario import loads_scenario

TINY = """
[scenario]
name = "tiny"
steps = 12
seed = 5
replicates = 2

[population]
size = 300

[[country]]
name = "Aland"
share = 0.6
appeal = 0.5
initial = { people = { Bland = 0.2 }, state = { Bland = 0.0 } }

[[country]]
name = "Bland"
share = 0.4
appeal = 0.3

[network]
cross_border = 0.5
"""
GRID = {"network.cross_border": [0.0, 2.0], "channels.social_media.reach": [0, 20]}


def hashes(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder, "runs").iterdir())}


@pytest.fixture(scope="module")
def compiled():
    """One run in this process first, so workers load compiled kernels, not compile them."""
    run_point(loads_scenario(TINY, "tiny.toml"), 0, {}, 0)


@pytest.fixture(scope="module")
def swept(compiled, sweep_scenario_file, tmp_path_factory):
    """A 2 x 2 grid, 2 replicates, on two local worker processes."""
    out = tmp_path_factory.mktemp("sweep") / "out"
    return sweep(sweep_scenario_file, out, grid=GRID, workers=2)


# --- designs -------------------------------------------------------------------------------


def test_grid_values_parse_like_set_values_and_ranges_are_evenly_spaced():
    grid = parse_grid(["a=0,0.05,0.2", "b=homophilous,lattice", "c=0:100:5", "d=0:1:3",
                       "e=[1, 2],[3]", "f=true,false"])
    assert grid == {"a": [0.0, 0.05, 0.2], "b": ["homophilous", "lattice"],
                    "c": [0, 25, 50, 75, 100], "d": [0.0, 0.5, 1.0], "e": [[1, 2], [3]],
                    "f": [True, False]}
    assert all(type(v) is int for v in grid["c"]) and all(type(v) is float for v in grid["a"])


def test_several_grid_keys_form_their_product_first_key_slowest(sweep_scenario_file):
    plan = plan_sweep(sweep_scenario_file,
                      grid=["network.cross_border=0,1", "network.degree=4,6,8"])
    assert plan.points == [{"network.cross_border": c, "network.degree": d}
                           for c in (0, 1) for d in (4, 6, 8)]
    assert plan.replicates == 2 and len(plan.runs) == 12


def test_latin_hypercube_hits_every_stratum_once_and_is_fixed_by_the_seed():
    ranges = {"x": (0.0, 1.0), "k": (4, 11)}
    a = latin_hypercube(ranges, 8, seed=5)
    assert a == latin_hypercube(ranges, 8, seed=5) != latin_hypercube(ranges, 8, seed=6)
    assert sorted(np.floor(np.array(a["x"]) * 8).astype(int)) == list(range(8))
    assert sorted(a["k"]) == list(range(4, 12))


@pytest.mark.parametrize("seed", range(5))
def test_whole_number_ranges_give_distinct_values_or_each_equally_often(seed):
    drawn = latin_hypercube({"wide": (4, 12), "narrow": (4, 6)}, 8, seed)
    assert len(set(drawn["wide"])) == 8 and set(drawn["wide"]) <= set(range(4, 13))
    assert sorted(np.bincount(drawn["narrow"])[4:]) == [2, 3, 3]


def test_sweep_file_gives_the_same_design_as_the_command_line(sweep_scenario_file):
    path = sweep_scenario_file.parent / "design.toml"
    path.write_text(f"""
[sweep]
scenario = "{sweep_scenario_file.name}"
replicates = 3
set = {{ "population.size" = 200 }}

[sweep.grid]
"network.cross_border" = [0, 0.5]

[sweep.lhs]
points = 4

[sweep.lhs.ranges]
"channels.social_media.reach" = [5, 50]
""")
    from_file = plan_sweep(path)
    by_hand = plan_sweep(sweep_scenario_file, grid=["network.cross_border=0,0.5"], lhs=4,
                         ranges=["channels.social_media.reach=5:50"], replicates=3,
                         overrides=["population.size=200"])
    assert from_file.manifest()["design_sha256"] == by_hand.manifest()["design_sha256"]
    assert len(from_file.points) == 8 and from_file.scenario.population.size == 200


def test_the_command_line_wins_over_the_file_also_between_grid_and_lhs(sweep_scenario_file):
    path = sweep_scenario_file.parent / "mixed.toml"
    path.write_text(f'[sweep]\nscenario = "{sweep_scenario_file.name}"\n'
                    '[sweep.grid]\n"network.cross_border" = [0, 0.5]\n'
                    '[sweep.lhs]\npoints = 3\n'
                    '[sweep.lhs.ranges]\n"channels.social_media.reach" = [5, 50]\n')
    moved = plan_sweep(path, grid=["channels.social_media.reach=10,20"])
    assert [p["kind"] for p in moved.parameters] == ["grid", "grid"] and len(moved.points) == 4
    moved = plan_sweep(path, ranges=["network.cross_border=0:1"])
    assert {p["key"]: p["kind"] for p in moved.parameters} == {
        "network.cross_border": "lhs", "channels.social_media.reach": "lhs"}


def test_a_sweep_without_a_swept_key_is_refused(sweep_scenario_file):
    with pytest.raises(ScenarioError, match=r"^grid: nothing to sweep: give grid, lhs with "
                                            r"ranges, or a sweep file"):
        plan_sweep(sweep_scenario_file, replicates=3)


def test_a_bad_swept_key_is_blamed_on_the_file_or_option_that_gave_it(sweep_scenario_file):
    path = sweep_scenario_file.parent / "typo.toml"
    path.write_text(f'[sweep]\nscenario = "{sweep_scenario_file.name}"\n'
                    '[sweep.grid]\n"network.cross_bordr" = [0, 1]\n')
    with pytest.raises(ScenarioError,
                       match=rf"^{path}: sweep.grid: network\.cross_bordr: unknown key"):
        plan_sweep(path)
    with pytest.raises(ScenarioError, match=r"^overrides: network\.nosuch: unknown key"):
        plan_sweep(sweep_scenario_file, grid=GRID, overrides=["network.nosuch=1"])
    path.write_text(f'[sweep]\nscenario = "{sweep_scenario_file.name}"\n'
                    'set = { "network.degree" = -4 }\n[sweep.grid]\n"network.kind" = ["ring"]\n')
    with pytest.raises(ScenarioError, match=rf"^{path}: sweep.set: network\.degree: must be"):
        plan_sweep(path)
    with pytest.raises(ScenarioError, match=r"^grid: population: must be a table of keys"):
        plan_sweep(sweep_scenario_file, grid=["population=5,6"])
    with pytest.raises(ScenarioError, match=r"^grid: network\.cross_bordr: unknown key"):
        plan_sweep(sweep_scenario_file, grid=["network.cross_bordr=0,1"])
    with pytest.raises(ScenarioError, match=r"^grid: network\.cross_border: a grid range is "
                                            r"START:STOP:COUNT \(got '0:1'\); for a Latin"):
        plan_sweep(sweep_scenario_file, grid=["network.cross_border=0:1"])


def test_an_empty_grid_value_is_refused():
    with pytest.raises(ScenarioError, match=r"^grid: a: value 2 of '0,,1' is empty"):
        parse_grid(["a=0,,1"])


def test_a_missing_sweep_folder_is_named_as_missing(tmp_path):
    with pytest.raises(NanosimError, match=rf"^{tmp_path / 'nope'}: no such folder$"):
        SweepStore(tmp_path / "nope")


def test_a_range_beyond_what_a_key_allows_names_its_own_bound(sweep_scenario_file):
    with pytest.raises(ScenarioError, match=r"^ranges: network\.cross_border: must be in "
                                            r"0\.\.1000 \(got 2000\)$"):
        plan_sweep(sweep_scenario_file, lhs=3, ranges=["network.cross_border=0:2000"])


def test_a_sweep_files_unquoted_dotted_keys_mean_what_toml_says(sweep_scenario_file):
    path = sweep_scenario_file.parent / "dotted.toml"
    path.write_text(f'[sweep]\nscenario = "{sweep_scenario_file.name}"\n[sweep.grid]\n'
                    'network.cross_border = [0, 1]\n[sweep.lhs]\npoints = 2\n'
                    '[sweep.lhs.ranges]\nnetwork.affinity."Aland-Bland" = [0.5, 1.5]\n')
    plan = plan_sweep(path)
    assert [p["key"] for p in plan.parameters] == ["network.cross_border",
                                                   "network.affinity.Aland-Bland"]
    assert plan.scenario.with_overrides(plan.points[-1]).network.cross_border == 1


def test_a_swept_value_that_breaks_another_key_is_named_with_it(sweep_scenario_file):
    with pytest.raises(ScenarioError, match=r"events\.0\.step: .* \(overrides: "
                                            r"scenario\.steps=5\)$"):
        plan_sweep(sweep_scenario_file, grid=["scenario.steps=5,20"],
                   overrides=['events=[{kind="festival", step=8, country="Aland"}]'])


def test_bad_sweep_value_is_refused_naming_the_key_and_nothing_is_written(sweep_scenario_file,
                                                                           tmp_path, capsys):
    from nanosim.cli import main

    out = tmp_path / "out"
    with pytest.raises(ScenarioError, match=r"^grid: network\.cross_border: must be in 0\.\.1000"):
        sweep(sweep_scenario_file, out, grid={"network.cross_border": [0.1, -1]})
    status = main(["sweep", str(sweep_scenario_file), "--out", str(out), "--grid",
                   "network.kind=homophilous,ring"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("nanosim: error: --grid: network.kind: must be one of 'homophilous'")
    assert "(got 'ring')" in err
    status = main(["sweep", str(sweep_scenario_file), "--out", str(out), "--grid",
                   "network.cross_border=0,1", "--set", "network.nosuch=1"])
    assert status == 2
    assert capsys.readouterr().err.startswith("nanosim: error: --set: network.nosuch: unknown")
    assert not out.exists()


def test_a_broken_edge_list_is_refused_before_anything_is_written(file_network, tmp_path,
                                                                   capsys):
    from nanosim.cli import main

    out = tmp_path / "out"
    status = main(["sweep", str(file_network), "--out", str(out), "--grid",
                   "network.cross_border=0,1", "--replicates", "1", "--workers", "1"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert f"{tmp_path / 'edges.csv'}: network.edges: line 3: target id '9'" in err
    assert not out.exists()


def test_a_scenario_error_crosses_to_the_sweep_process_intact():
    error = pickle.loads(pickle.dumps(ScenarioError("a.toml", "network.edges", "file not found")))
    assert isinstance(error, ScenarioError) and error.key == "network.edges"
    assert str(error) == "a.toml: network.edges: file not found"


# --- running and the folder -------------------------------------------------------------


def test_sweep_writes_one_file_per_run_and_a_manifest(swept):
    assert sorted(hashes(swept.folder)) == [f"point-{p:04d}-rep-{r:03d}.parquet"
                                            for p in range(4) for r in range(2)]
    assert swept.missing() == [] and swept.manifest["runs"] == 8
    assert list(swept.points.columns) == ["point", *GRID]
    assert (swept.folder / "scenario.toml").exists()


def test_a_run_is_the_same_as_its_point_run_alone(swept):
    base = loads_scenario(TINY, "tiny.toml")
    point = {"network.cross_border": 2.0, "channels.social_media.reach": 0}
    alone = run_point(base, 2, point, 1)
    stored = pd.read_parquet(swept.path(2, 1))
    pd.testing.assert_frame_equal(stored, alone)
    assert (stored["point"] == 2).all() and (stored["network.cross_border"] == 2.0).all()


def test_results_helpers_keep_a_sweeps_points_apart(swept):
    from nanosim.experiments import results as R

    df = swept.load("favourability")
    fin = R.final_shifts(df)
    assert len(fin) == 4 * len(R.pairs(df)) and (fin["n"] == 2).all()  # 2 replicates a point
    for point, part in df.groupby("point"):
        alone = R.final_shifts(part.drop(columns=["point", *GRID]))
        mine = fin[fin["point"] == point].drop(columns=["point", *GRID])
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), alone)
    assert len(R.shifts(df)) == len(df)
    with pytest.raises(NanosimError, match="summary\\(\\) takes one scenario's runs"):
        R.summary(df)


def test_load_sweep_returns_every_run_or_only_the_metrics_asked(swept):
    df = load_sweep(swept.folder)
    assert df.groupby(["point", "replicate"]).ngroups == 8
    assert list(df.columns[:3]) == ["point", *GRID]
    fav = swept.load(["favourability"])
    assert set(fav["metric"].astype(str)) == {"favourability"}
    assert len(fav) == (df["metric"] == "favourability").sum()
    with pytest.raises(NanosimError, match="unknown metric 'favorability'; known: "):
        swept.load("favorability")


def test_rerun_runs_only_the_missing_runs_with_identical_bytes(swept, sweep_scenario_file,
                                                               tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(swept.folder, out)
    before = hashes(out)
    for name in ("point-0001-rep-000.parquet", "point-0003-rep-001.parquet"):
        (out / "runs" / name).unlink()
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    store = sweep(sweep_scenario_file, out, grid=GRID, workers=1)
    assert store.missing() == [] and hashes(out) == before
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()
            if p.name in kept} == kept


def test_a_different_design_in_the_same_folder_is_refused(swept, sweep_scenario_file):
    with pytest.raises(NanosimError, match="holds a different sweep: replicates differ "
                                           r"\(folder: 2, asked: 3\)"):
        sweep(sweep_scenario_file, swept.folder, grid=GRID, replicates=3)
    with pytest.raises(NanosimError, match=r"values of network\.cross_border differ"):
        sweep(sweep_scenario_file, swept.folder, grid={**GRID, "network.cross_border": [0.0, 1.0]})
    assert swept.missing() == [] and len(hashes(swept.folder)) == 8


def test_a_folder_holding_other_files_is_not_used(sweep_scenario_file, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(NanosimError, match="not empty and not a sweep folder"):
        sweep(sweep_scenario_file, tmp_path, grid=GRID)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    mine = tmp_path / "mine"  # a scenario.toml of the user's, not beside a sweep's lock
    mine.mkdir()
    (mine / "scenario.toml").write_text(TINY)
    with pytest.raises(NanosimError, match="not empty and not a sweep folder"):
        sweep(sweep_scenario_file, mine, grid=GRID)
    assert sorted(p.name for p in mine.iterdir()) == ["scenario.toml"]
    assert (mine / "scenario.toml").read_text() == TINY


def test_the_command_line_stays_single_threaded_so_sweeps_fork_their_workers():
    from nanosim.cli import ONE_THREAD

    code = ("from nanosim.cli import keep_one_thread; keep_one_thread()\n"
            "import nanosim.experiments.runner, nanosim.experiments.sweep, nanosim.io.outputs\n"
            "print(nanosim.experiments.sweep.executors._single_threaded())")
    env = {k: v for k, v in os.environ.items() if k not in ONE_THREAD}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.stdout.strip() == "True", done.stderr


def test_importing_nanosim_and_its_sweeps_does_not_import_dask():
    code = ("import sys, nanosim, nanosim.experiments.sweep, nanosim.experiments.report; "
            "nanosim.load_sweep; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr


# --- killed and interrupted sweeps --------------------------------------------------------


def nanosim_sweep(sweep_scenario_file, out, *extra):
    """A real ``nanosim sweep`` process in its own session (as a terminal's job would be)."""
    cmd = [sys.executable, "-m", "nanosim", "sweep", str(sweep_scenario_file), "--out", str(out),
           "--grid", "network.cross_border=0:2:8", "--set", "population.size=4000",
           "--set", "scenario.steps=40", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_ctrl_c_as_in_a_terminal)


def _ctrl_c_as_in_a_terminal():
    """SIGINT as a terminal's job has it, even where the tests were started in the
    background (which ignores it, and Python then never raises KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for_runs(proc, out, n) -> None:
    runs = Path(out, "runs")
    deadline = time.monotonic() + 60
    while not (runs.is_dir() and len(list(runs.glob("*.parquet"))) >= n):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the sweep wrote no runs in 60 s"
        time.sleep(0.02)


def session_processes(sid: int) -> list[int]:
    """Live processes of a session (the sweep and any workers it left behind)."""
    out = subprocess.run(["ps", "-eo", "pid=,sid=,stat="], capture_output=True, text=True)
    return [int(pid) for pid, s, stat in (line.split()[:3] for line in out.stdout.splitlines())
            if int(s) == sid and not stat.startswith("Z")]


def left_behind(sid: int, seconds: float = 10) -> list[int]:
    """Processes of the session still alive after waiting up to ``seconds`` for them to end."""
    deadline = time.monotonic() + seconds
    while session_processes(sid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return session_processes(sid)


def test_sigkilled_sweep_completes_on_rerun_with_no_run_missing_or_doubled(compiled,
                                                                          sweep_scenario_file,
                                                                          tmp_path):
    from nanosim.cli import main

    out = tmp_path / "out"
    proc = nanosim_sweep(sweep_scenario_file, out, "--workers", "1")
    wait_for_runs(proc, out, 1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = SweepStore(out)
    assert 0 < len(store.missing()) < 16, "the kill was not midway"
    assert left_behind(proc.pid) == [], "workers outlived the killed sweep"

    status = main(["sweep", str(sweep_scenario_file), "--out", str(out), "--grid",
                   "network.cross_border=0:2:8", "--set", "population.size=4000",
                   "--set", "scenario.steps=40", "--workers", "1"])
    assert status == 0 and store.missing() == []
    names = sorted(os.listdir(out / "runs"))
    assert names == [f"point-{p:04d}-rep-{r:03d}.parquet" for p in range(8) for r in range(2)]
    df = store.load(["favourability"])
    assert df.groupby(["point", "replicate"])["step"].count().nunique() == 1
    for p, r in store.runs:  # each file holds its own run, whole
        runs = pd.read_parquet(store.path(p, r), columns=["point", "replicate", "step"])
        assert set(runs["point"]) == {p} and set(runs["replicate"]) == {r}
        assert runs["step"].max() == 40
    plan = plan_sweep(sweep_scenario_file, grid=["network.cross_border=0:2:8"],
                      overrides=["population.size=4000", "scenario.steps=40"])
    last = store.runs[-1]
    pd.testing.assert_frame_equal(pd.read_parquet(store.path(*last)),
                                  run_point(plan.scenario, last[0], plan.points[last[0]],
                                            last[1]))


def test_a_sweep_killed_before_its_manifest_is_written_runs_on_rerun(swept, sweep_scenario_file,
                                                                      tmp_path):
    """SIGKILLed between writing scenario.toml and manifest.json (the moment made exact by a
    manifest writer that kills its own process): the same sweep then runs in the folder."""
    out = tmp_path / "out"
    code = ("import os, signal, sys\n"
            "from nanosim.experiments.sweep import store, sweep\n"
            "write = store._write_text\n"
            "def write_or_die(path, text):\n"
            "    if path.name == store.MANIFEST:\n"
            "        os.kill(os.getpid(), signal.SIGKILL)\n"
            "    write(path, text)\n"
            "store._write_text = write_or_die\n"
            f"sweep(sys.argv[1], sys.argv[2], grid={GRID!r}, workers=1)\n")
    done = subprocess.run([sys.executable, "-c", code, str(sweep_scenario_file), str(out)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert sorted(os.listdir(out)) == [".lock", "runs", "scenario.toml"]
    store = sweep(sweep_scenario_file, out, grid=GRID, workers=1)
    assert store.missing() == [] and hashes(out) == hashes(swept.folder)


def test_a_second_sweep_into_a_busy_folder_is_refused_before_it_starts(compiled,
                                                                        sweep_scenario_file,
                                                                        tmp_path, capsys):
    from nanosim.cli import main

    out = tmp_path / "out"
    first = nanosim_sweep(sweep_scenario_file, out, "--workers", "1")
    try:
        wait_for_runs(first, out, 1)
        status = main(["sweep", str(sweep_scenario_file), "--out", str(out), "--grid",
                       "network.cross_border=0:2:8", "--set", "population.size=4000",
                       "--set", "scenario.steps=40", "--workers", "1"])
        printed = capsys.readouterr()
        assert status == 2 and printed.out == ""  # no "sweep: ... on 1 local worker(s)"
        assert printed.err == (f"nanosim: error: {out}: another nanosim sweep is writing into "
                               "this folder\n")
    finally:
        first.kill()
        first.communicate()


@pytest.mark.parametrize("stop", ["ctrl_c", "kill"])
def test_ctrl_c_or_kill_stops_the_sweep_keeping_finished_runs(compiled, sweep_scenario_file,
                                                              tmp_path, stop):
    out = tmp_path / "out"  # runs long enough that the stop always comes midway
    proc = nanosim_sweep(sweep_scenario_file, out, "--workers", "2", "--set", "scenario.steps=300")
    wait_for_runs(proc, out, 1)
    if stop == "ctrl_c":
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    else:
        proc.terminate()  # SIGTERM to the sweep alone: `kill PID`, a batch system's time limit
    _, err = proc.communicate(timeout=60)
    kept = 16 - len(SweepStore(out).missing())
    assert proc.returncode == {"ctrl_c": 130, "kill": 143}[stop]
    assert "Traceback" not in err and "leaked" not in err
    assert f"interrupted; {kept} of 16 runs are kept in {out}" in err
    assert [p for p in os.listdir(out / "runs") if p.startswith(".")] == []
    assert left_behind(proc.pid) == []


# --- reports --------------------------------------------------------------------------------


def test_reduce_sweep_gives_the_final_step_band_across_replicates(swept):
    from nanosim.experiments.report import reduce_sweep

    table = reduce_sweep(swept.folder, "favourability", pair="Bland:Aland")
    df = swept.load("favourability")
    final = df[(df["step"] == 12) & (df["observer"] == "Bland") & (df["target"] == "Aland")]
    expected = final.groupby("point")["value"].agg(["median", lambda v: v.quantile(0.1)])
    assert list(table["point"]) == [0, 1, 2, 3] and (table["n"] == 2).all()
    np.testing.assert_allclose(table["median"], expected["median"])
    np.testing.assert_allclose(table["low"], expected.iloc[:, 1])
    assert (table["low"] <= table["median"]).all() and (table["median"] <= table["high"]).all()
    assert list(table.columns[:3]) == ["point", *GRID]


def test_report_writes_curves_heatmap_and_csv(swept, tmp_path, capsys):
    from nanosim.cli import main

    assert main(["report", str(swept.folder), "--out", str(tmp_path / "rep")]) == 0
    assert sorted(os.listdir(tmp_path / "rep")) == [".nanosim-folder", "curves.png", "heatmap.png",
                                                     "reduced.csv"]
    csv = pd.read_csv(tmp_path / "rep" / "reduced.csv")
    assert len(csv) == 4 * 2  # points x pairs
    assert "curves.png" in capsys.readouterr().out


def test_report_names_the_known_pairs_for_an_unknown_pair(swept):
    from nanosim.figures.sweep import report_figures

    with pytest.raises(NanosimError, match="no such pair; known: Aland:Bland, Bland:Aland"):
        report_figures(swept.folder, "favourability", "Aland:Cland")


def test_report_keeps_the_order_the_sweep_gave_and_says_what_it_pools(compiled,
                                                                       sweep_scenario_file,
                                                                       tmp_path):
    from nanosim.figures.sweep import report_figures

    store = sweep(sweep_scenario_file, tmp_path / "out", replicates=1, workers=1, lhs=2,
                  grid=["network.kind=homophilous,erdos_renyi,complete",
                        "channels.talk.epsilon=0.5,0.1"],
                  ranges=["channels.talk.rate=0.02:0.1"])
    figs = report_figures(store, "favourability", "Aland:Bland")
    ticks = [t.get_text() for t in figs["curves"].axes[0].get_xticklabels()]
    assert ticks == ["homophilous", "erdos_renyi", "complete"]
    heat = figs["heatmap"].axes[0]
    assert [t.get_text() for t in heat.get_yticklabels()] == ["0.5", "0.1"]
    numbers = [float(t.get_text()) for t in heat.texts]
    assert all(t.get_text().startswith("+") for t in heat.texts) == (min(numbers) < 0)
    lhs_title = figs["lhs"]._suptitle.get_text()
    assert "pooled over channels.talk.epsilon" in lhs_title
    assert [t.get_text() for t in figs["lhs"].axes[0].get_legend().get_texts()] == [
        f"network.kind = {kind}" for kind in ("homophilous", "erdos_renyi", "complete")]


def test_a_sweep_over_lists_reports_them_as_written(compiled, sweep_scenario_file, tmp_path):
    from nanosim.figures.sweep import report_figures

    store = sweep(sweep_scenario_file, tmp_path / "out", replicates=1, workers=1,
                  grid=['channels.talk.images=["people"],["people", "state"]'])
    assert store.points["channels.talk.images"].tolist() == ['["people"]',
                                                             '["people", "state"]']
    ticks = report_figures(store, "favourability")["curves"].axes[0].get_xticklabels()
    assert [t.get_text() for t in ticks] == ['["people"]', '["people", "state"]']
