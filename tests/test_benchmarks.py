"""The benchmark's peers implement the same rule as nanosim's engine (tiny graphs, seconds)."""

import argparse

import numpy as np
import pytest

from benchmarks import workloads
from benchmarks.mesa_deffuant import MODELS
from nanosim.engine.model import DiplomacyModel

N, STEPS = 100, 150


def nanosim_opinions(epsilon: float) -> np.ndarray:
    """Final opinions on [0, 1] of nanosim's one-country talk-only scenario."""
    scenario = workloads.special_case_scenario(N, STEPS).with_overrides(
        {"channels.talk.epsilon": 2 * epsilon})
    model = DiplomacyModel(scenario, citizen_agents=False)
    model.run_to_end()
    return (model.images[:, 0, 0] + 1) / 2


def mesa_opinions(variant: str, epsilon: float) -> np.ndarray:
    model = MODELS[variant](N, workloads.DEGREE, workloads.REWIRE, epsilon, workloads.MU, rng=3)
    for _ in range(STEPS):
        model.step()
    return np.array(model.opinions())


def spread(x: np.ndarray) -> float:
    return float(x.max() - x.min())


@pytest.mark.parametrize("variant", sorted(MODELS))
def test_mesa_peer_and_nanosim_both_reach_consensus_with_wide_confidence(variant):
    assert spread(nanosim_opinions(1.0)) < 0.01
    assert spread(mesa_opinions(variant, 1.0)) < 0.01


@pytest.mark.parametrize("variant", sorted(MODELS))
def test_mesa_peer_and_nanosim_both_stay_apart_with_narrow_confidence(variant):
    # epsilon 0.02: only near-identical neighbours talk, so the uniform start barely moves
    for opinions in (nanosim_opinions(0.02), mesa_opinions(variant, 0.02)):
        assert spread(opinions) > 0.8
        assert np.std(opinions) > 0.2


@pytest.mark.parametrize("variant", sorted(MODELS))
def test_mesa_peer_moves_a_close_pair_to_their_average(variant):
    model = MODELS[variant](3, degree=2, rewire=0.0, epsilon=0.5, mu=0.5, rng=1)  # a triangle
    a, b, c = model.agents
    a.opinion, b.opinion, c.opinion = 0.2, 0.4, 0.4
    a.step()
    assert a.opinion == pytest.approx(0.3)
    assert sorted([b.opinion, c.opinion]) == pytest.approx([0.3, 0.4])


@pytest.mark.parametrize("variant", sorted(MODELS))
def test_mesa_peer_ignores_a_neighbour_beyond_confidence(variant):
    model = MODELS[variant](3, degree=2, rewire=0.0, epsilon=0.1, mu=0.5, rng=1)
    a, b, c = model.agents
    a.opinion, b.opinion, c.opinion = 0.2, 0.4, 0.4
    a.step()
    assert [a.opinion, b.opinion, c.opinion] == [0.2, 0.4, 0.4]


def test_ndlib_peer_reaches_consensus_with_wide_confidence():
    pytest.importorskip("ndlib")
    from benchmarks import ndlib_deffuant as nd

    model = nd.build(N, workloads.DEGREE, workloads.REWIRE, epsilon=1.0, seed=2)
    assert nd.interactions_per_iteration(model) == N
    nd.run(model, 60)
    assert spread(nd.opinions(model)) < 0.01


def test_both_yardstick_loops_make_the_same_interactions():
    from benchmarks import minimal_loop
    from nanosim.engine import network

    graph = DiplomacyModel(workloads.special_case_scenario(N, 2), citizen_agents=False).graph
    assert graph.rows.shape[0] == 0  # too small to need one-line rows: the CSR arrays
    opinions = []
    for rows in (None, graph.rows, network.padded_rows(graph.indptr, graph.indices)):
        state = np.array([7, 2, 3, 4], dtype=np.uint64)
        x = np.random.default_rng(1).uniform(-1, 1, N)
        if rows is None:
            minimal_loop.plain_loop(state, 5_000, graph.indptr, graph.indices, x, 0.4, 0.5)
        else:
            minimal_loop.lean_loop(state, 5_000, graph.indptr, graph.indices, rows, x, 0.4, 0.5)
        opinions.append(x)
    assert np.array_equal(opinions[0], opinions[1])
    assert np.array_equal(opinions[0], opinions[2])
    assert spread(opinions[0]) < 1.5  # they did interact: the uniform start has narrowed


def test_committed_benchmark_report_is_rendered_from_its_json():
    import json
    from pathlib import Path

    from benchmarks import run

    here = Path(run.__file__).parent
    results = json.loads((here / "results.json").read_text())
    assert run.report(results) == (here / "results.md").read_text()


def test_special_case_measure_reports_engine_kernel_and_yardsticks():
    r = workloads.measure_special(500, 5_000, repeats=1)
    for key in ("cpu_rates", "kernel_cpu_rates", "plain_loop_cpu_rates", "lean_loop_cpu_rates"):
        assert len(r[key]) == 1 and r[key][0] > 0
    assert r["steady_steps"] == 10 and r["interactions"] == 5_000


def test_steady_rate_counts_only_the_steps_after_the_first():
    steps = []
    model, times = workloads.time_stepping(lambda: "model", steps.append, steady=5)
    assert model == "model" and steps == ["model"] * 6  # the first step, then five timed
    r = workloads.stepping_summary(100, 5, 100, [times])
    assert r["interactions"] == 500  # the first step's 100 are not in the steady rate
    assert r["cpu_rates"][0] == pytest.approx(500 / times["steady_cpu"])


@pytest.mark.parametrize("case", ["mesa_lists", "mesa_cells", "ndlib", "nanosim"])
def test_every_model_reports_build_first_step_and_at_least_five_steady_steps(case):
    from benchmarks import run

    if case == "ndlib":
        pytest.importorskip("ndlib")
    r = run.run_case(argparse.Namespace(case=case, n=60, interactions=60, repeats=2))
    assert r["steady_steps"] >= workloads.STEADY_STEPS >= 5
    assert r["interactions"] == r["steady_steps"] * 60
    for key in ("build_seconds", "build_cpu_seconds", "first_step_seconds",
                "first_step_cpu_seconds", "rates", "cpu_rates"):
        assert len(r[key]) == 2 and all(x >= 0 for x in r[key])
