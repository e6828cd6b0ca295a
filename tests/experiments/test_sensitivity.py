"""Sensitivity analysis and scenario discovery: the analysis layer on functions with known
indices, then the real pipeline (runs in a sweep folder, resumed) on a tiny scenario."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from SALib.test_functions import Ishigami

from nanosim.errors import NanosimError, ScenarioError
from nanosim.experiments import discover as D
from nanosim.experiments import sensitivity as S
from nanosim.experiments.sweep import SweepStore, run_plan
from nanosim.io.sensitivity import read_sensitivity, write_sensitivity
from nanosim.scenario import loads_scenario
from tests.experiments.test_sweep import TINY, left_behind

# Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: its analytic Sobol' indices
A, B = 7.0, 0.1
V = A**2 / 8 + B * np.pi**4 / 5 + B**2 * np.pi**8 / 18 + 0.5
V1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
V2 = A**2 / 8
V13 = B**2 * np.pi**8 * (1 / 18 - 1 / 50)
ISHIGAMI = {"S1": [V1 / V, V2 / V, 0.0], "ST": [(V1 + V13) / V, V2 / V, V13 / V]}
RANGES = {"network.cross_border": (0.0, 2.0), "channels.social_media.reach": (0, 20)}


def test_sobol_recovers_the_analytic_indices_of_ishigami_within_their_intervals():
    d = S.design("sobol", {f"x{i}": (-np.pi, np.pi) for i in (1, 2, 3)}, 1024, seed=3,
                 second_order=True)
    assert d.X.shape == (1024 * 8, 3)
    table = S.analyse(d, Ishigami.evaluate(d.X)[:, None]).set_index(["parameter", "index"])
    for index, truth in ISHIGAMI.items():
        for i, value in enumerate(truth):
            row = table.loc[(f"x{i + 1}", index)]
            assert row["low"] <= value <= row["high"], (index, i, row.to_dict(), value)
            assert row["high"] - row["low"] < 0.2
    assert table.loc[("x1 × x3", "S2"), "low"] <= V13 / V <= table.loc[("x1 × x3", "S2"),
                                                                       "high"]


def test_morris_ranks_a_linear_model_by_its_coefficients_and_sees_no_interaction():
    d = S.design("morris", {"a": (0.0, 1.0), "b": (0.0, 1.0), "c": (0.0, 1.0)}, 20, seed=1)
    y = 4 * d.X[:, 0] - 1 * d.X[:, 1]
    table = S.analyse(d, y).set_index(["parameter", "index"])["value"]
    assert table[("a", "mu_star")] == pytest.approx(4)
    assert table[("b", "mu_star")] == pytest.approx(1)
    assert table[("c", "mu_star")] == pytest.approx(0)
    assert table[("a", "sigma")] == pytest.approx(0, abs=1e-9)
    full = S.indices(d, y[:, None], {})
    assert list(S.ranking(d, full)["parameter"]) == ["a", "b", "c"]


def test_indices_are_computed_on_replicate_means_and_noise_is_its_share():
    d = S.design("morris", {"a": (0.0, 1.0), "b": (0.0, 1.0)}, 10, seed=2)
    signal = 3 * d.X[:, 0]
    noise = np.array([0.5, -0.5])  # two replicates, the same stream at every point
    Y = signal[:, None] + noise[None, :]
    assert S.analyse(d, Y).equals(S.analyse(d, signal))
    shares = S.noise(Y)
    within, runs = 0.5, Y.var(ddof=1)
    assert shares["runs"] == pytest.approx(within / runs)
    assert shares["means"] == pytest.approx(within / 2 / signal.var(ddof=1))
    assert S.noise(signal[:, None])["runs"] is None


def test_convergence_says_how_many_samples_would_narrow_each_interval():
    d = S.design("sobol", {"x1": (-np.pi, np.pi), "x2": (-np.pi, np.pi),
                           "x3": (-np.pi, np.pi)}, 16, seed=1)
    table = S.indices(d, Ishigami.evaluate(d.X)[:, None], {})
    conv = S.convergence(d, table)
    late = conv[~conv["converged"]]
    assert len(late) and (late["width"] > S.THRESHOLD["sobol"]).all()
    for r in late.itertuples():
        assert r.samples_needed >= 16 * (r.width / S.THRESHOLD["sobol"]) ** 2
        assert r.samples_needed & (r.samples_needed - 1) == 0  # a power of 2


def test_a_design_too_small_for_its_method_is_refused():
    with pytest.raises(ScenarioError, match=r"^--samples: morris needs at least 2 traj"):
        S.design("morris", {"a": (0.0, 1.0)}, 1, seed=1)
    with pytest.raises(ScenarioError, match=r"^--samples: sobol needs a power of 2, at least 4 "
                                            r"\(e\.g\. 16, 32, 64\) \(got 12\)"):
        S.design("sobol", {"a": (0.0, 1.0)}, 12, seed=1)


def test_whole_number_keys_get_whole_number_points(sweep_scenario_file):
    plan, d = S.plan_sensitivity(sweep_scenario_file, "morris", RANGES, 3)
    reach = [p["channels.social_media.reach"] for p in plan.points]
    assert all(isinstance(v, int) for v in reach) and set(reach) <= set(range(21))
    assert np.array_equal(d.X[:, 1], reach)  # the analysis sees the points as run


def test_bad_ranges_are_refused_naming_the_option(sweep_scenario_file):
    with pytest.raises(ScenarioError, match=r"^ranges: network\.cross_bordr: unknown key"):
        S.plan_sensitivity(sweep_scenario_file, "morris", ["network.cross_bordr=0:1"])
    with pytest.raises(ScenarioError, match=r"^ranges: network\.cross_border: LO must be below"):
        S.plan_sensitivity(sweep_scenario_file, "morris", ["network.cross_border=2:1"])
    with pytest.raises(ScenarioError, match=r"^ranges: network\.cross_border: must be in "
                                            r"0\.\.1000 \(got 2000\)"):
        S.plan_sensitivity(sweep_scenario_file, "morris", ["network.cross_border=0:2000"])


# --- the real pipeline ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def analysed(sweep_scenario_file, tmp_path_factory):
    """A Morris design of 2 parameters x 3 trajectories x 2 replicates of TINY (300
    citizens, 12 steps), run and analysed."""
    out = tmp_path_factory.mktemp("sens") / "out"
    plan, d = S.plan_sensitivity(sweep_scenario_file, "morris", RANGES, 3, 2)
    run_plan(plan, out, workers=2)
    return out, plan, d, _analyse(out, d)


def _analyse(out, d, pair=("Aland", "Bland")):
    total, by_channel = S.outcomes(out, "favourability", pair)
    table = S.indices(d, total, by_channel)
    write_sensitivity(out, d, table, S.convergence(d, table), S.noise(total),
                      {"scenario": "tiny", "metric": "favourability", "pair": list(pair),
                       "label": "shift", "replicates": 2, "channels": "shift_by_channel"})
    return table


def test_the_outcome_is_the_final_shift_and_the_channels_sum_to_it(analysed):
    out, plan, d, table = analysed
    total, by_channel = S.outcomes(out, "favourability", ("Aland", "Bland"))
    assert total.shape == (len(plan.points), 2) and not np.isnan(total).any()
    assert np.allclose(sum(by_channel.values()), total, atol=1e-5)
    assert set(table["outcome"]) >= {S.TOTAL, "contact"}
    info, read = read_sensitivity(out)
    assert info["method"] == "morris" and len(read) == len(table)
    for name in ("indices.csv", "sensitivity.md", "morris.png", "channels.png"):
        assert (out / name).is_file()


def nanosim_sensitivity(scenario_file, out, method, samples) -> subprocess.Popen:
    """A real ``nanosim sensitivity`` process over RANGES, 2 replicates of TINY on one worker,
    in a session of its own (its process group is the command and its worker)."""
    cmd = [sys.executable, "-m", "nanosim", "sensitivity", str(scenario_file), "--out", str(out),
           "--method", method, "--samples", str(samples), "--replicates", "2", "--workers", "1",
           "--pair", "Aland:Bland", *(f"--range={k}={lo}:{hi}" for k, (lo, hi) in RANGES.items())]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def kill_while_writing(proc: subprocess.Popen, runs: Path, done: int = 2) -> SweepStore:
    """SIGKILL the command's whole process group at the first moment at least ``done`` runs
    are complete and the next run's file is being written (its temporary file is in
    ``runs``); check what the crash left: no worker, no damaged run file, runs missing."""
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, ("the command ended before it was killed", proc.communicate())
        assert time.monotonic() < deadline, "no run file was being written in 60 s"
        names = os.listdir(runs) if runs.is_dir() else []
        temporary = {n for n in names if n.startswith(".")}
        if temporary and len(names) - len(temporary) >= done:
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.0005)
    assert proc.wait() == -signal.SIGKILL
    assert left_behind(proc.pid) == [], "the worker outlived the killed command"
    store = SweepStore(runs.parent)
    assert 0 < len(store.missing()) < len(store.runs), "the kill was not midway"
    assert store.damaged() == {}  # the half-written file never took a run file's name
    assert {n for n in os.listdir(runs) if n.startswith(".")} <= temporary
    assert not (runs.parent / "indices.csv").exists()
    return store


def test_a_killed_run_is_resumed_to_byte_identical_indices(analysed, sweep_scenario_file,
                                                           tmp_path):
    """The fixture's design as a real command, SIGKILLed while a run file is half-written;
    the sweep resumed and analysed equals the uninterrupted fixture, byte for byte."""
    out, plan, d, _ = analysed
    killed = tmp_path / "killed"
    store = kill_while_writing(nanosim_sensitivity(sweep_scenario_file, killed, "morris", 3),
                               killed / "runs")
    with pytest.raises(NanosimError, match="runs are missing; run the same command again"):
        S.outcomes(killed, "favourability", ("Aland", "Bland"))
    run_plan(plan, killed, workers=1)
    _analyse(killed, d)
    assert store.missing() == [] and not [n for n in os.listdir(killed / "runs")
                                          if n.startswith(".")]
    for name in ("indices.csv", "sensitivity.md"):
        assert (killed / name).read_bytes() == (out / name).read_bytes(), name


@pytest.mark.slow  # three commands: 16 s at a load average of 3-4 on 2 cores
def test_a_sobol_run_killed_midway_and_rerun_gives_byte_identical_indices(sweep_scenario_file,
                                                                          tmp_path):
    """A crash, not a tidy stop: the command and its worker SIGKILLed while a run file is
    half-written; the same command then runs the missing runs and analyses, giving the
    bytes of an uninterrupted run in another folder."""
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    reference = nanosim_sensitivity(sweep_scenario_file, whole, "sobol", 4)  # uninterrupted
    store = kill_while_writing(nanosim_sensitivity(sweep_scenario_file, killed, "sobol", 4),
                               killed / "runs")
    missing = len(store.missing())

    rerun = nanosim_sensitivity(sweep_scenario_file, killed, "sobol", 4)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"= 32 runs of 'tiny'; {32 - missing} already done;" in out
    assert f"done: {missing} run(s) in" in out
    assert reference.wait(timeout=120) == 0, reference.communicate()
    assert sorted(os.listdir(killed / "runs")) == sorted(os.listdir(whole / "runs"))
    assert not [n for n in os.listdir(killed) if n.startswith(".s")]  # no staging left
    for name in ("indices.csv", "sensitivity.md", "sensitivity.json"):
        assert (killed / name).read_bytes() == (whole / name).read_bytes(), name
    for run in store.runs:  # the runs too: a rerun run is the run it replaces
        assert store.path(*run).read_bytes() == SweepStore(whole).path(*run).read_bytes()


def test_discover_finds_a_box_with_its_coverage_and_density(analysed):
    out = analysed[0]
    fin = S.outcomes(out, "favourability", ("Aland", "Bland"))[0]
    assert fin.size
    values = SweepStore(out).metrics()
    assert "favourability" in values
    from nanosim.experiments.report import final_values, select_pair

    final = select_pair(final_values(out, "favourability"), "Aland:Bland")["value"]
    cut = float(np.median(final))
    found = D.discover(out, f"favourability < {cut}", "Aland:Bland")
    assert found.cases == len(final) and found.of_interest == int((final < cut).sum())
    first = found.boxes[found.boxes["box"] == 1].iloc[0]
    assert 0 < first["coverage"] <= 1 and 0 < first["density"] <= 1
    with pytest.raises(NanosimError, match=r"^--where: 'favourabilty' names no metric"):
        D.discover(out, "favourabilty < 0")
    with pytest.raises(NanosimError, match=r"^--where: 'favourability = 0' is not METRIC <"):
        D.discover(out, "favourability = 0")


def test_sweep_takes_a_design_csv_checked_like_grid_values(sweep_scenario_file, tmp_path):
    from nanosim.experiments.sweep import plan_sweep

    path = tmp_path / "design.csv"
    path.write_text("network.cross_border,channels.social_media.reach\n0.5,3\n1,10\n")
    plan = plan_sweep(sweep_scenario_file, design=path)
    assert plan.points == [{"network.cross_border": 0.5, "channels.social_media.reach": 3},
                           {"network.cross_border": 1.0, "channels.social_media.reach": 10}]
    assert plan.parameters[0] == {"key": "network.cross_border", "kind": "design",
                                  "range": [0.5, 1.0]}
    path.write_text("network.cross_bordr\n0.5\n")
    with pytest.raises(ScenarioError, match=rf"^design {path}, point 1: network\.cross_bordr: "
                                            "unknown key"):
        plan_sweep(sweep_scenario_file, design=path)
    path.write_text("network.cross_border\n0.5\n-1\n")
    with pytest.raises(ScenarioError, match=rf"^design {path}, point 2: network\.cross_border: "
                                            r"must be in 0\.\.1000"):
        plan_sweep(sweep_scenario_file, design=path)
    path.write_text("network.cross_border\n0.5\n\n1,2\n")
    with pytest.raises(ScenarioError, match=r"row 3: needs a value in each of the 1 columns"):
        plan_sweep(sweep_scenario_file, design=path)
    with pytest.raises(ScenarioError, match=r"^design: a design gives every point itself"):
        plan_sweep(sweep_scenario_file, grid=["network.cross_border=0,1"], design=path)


def test_the_scenario_seed_fixes_the_design(sweep_scenario_file):
    scenario = loads_scenario(TINY, "tiny.toml")
    a = S.plan_sensitivity(scenario, "sobol", RANGES, 4)[1]
    b = S.plan_sensitivity(scenario, "sobol", RANGES, 4)[1]
    c = S.plan_sensitivity(scenario, "sobol", RANGES, 4, seed=99)[1]
    assert np.array_equal(a.X, b.X) and not np.array_equal(a.X, c.X)


@pytest.mark.cluster
def test_a_dask_run_gives_the_same_indices_as_a_local_one(analysed, tmp_path):
    from distributed import LocalCluster

    out, plan, d, _ = analysed
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        run_plan(plan, tmp_path / "dask", scheduler=cluster.scheduler_address)
    _analyse(tmp_path / "dask", d)
    assert (tmp_path / "dask" / "indices.csv").read_bytes() == (out / "indices.csv").read_bytes()
