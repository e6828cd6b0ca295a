"""Reusing a burned-in state: the same bytes as burning in afresh, and a cancel reaches it."""

import glob
import os

import pandas as pd
import pytest

from nanosim.engine import burned_in
from nanosim.engine.model import DiplomacyModel
from nanosim.experiments.compare import Cancelled, run_comparison
from nanosim.experiments.runner import run_replicate
from nanosim.scenario import as_scenario

LIBRARY = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "scenarios",
                                        "*.toml")))


def small(path: str, burn_in: int = 30):
    scenario = as_scenario(path)
    return scenario.with_overrides({"population.size": 1200, "scenario.burn_in": burn_in})


def event_free_twin(scenario):
    run = scenario.run.model_copy(update={"steps": 5, "record_every": 2, "name": "twin"})
    return scenario.model_copy(update={"events": [], "run": run})


@pytest.fixture(autouse=True)
def nothing_kept():
    burned_in.forget()
    yield
    burned_in.forget()


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: os.path.basename(p)[:-5])
def test_a_scenario_started_from_its_twins_burn_in_runs_as_if_burned_in_afresh(path):
    scenario = small(path)
    afresh = run_replicate(scenario, 1, seed=4)
    burned_in.forget()
    run_replicate(event_free_twin(scenario), 1, seed=4)  # keeps the burned-in state
    assert len(burned_in._kept) == 1
    reused = run_replicate(scenario, 1, seed=4)
    pd.testing.assert_frame_equal(afresh, reused, check_exact=True)


def test_a_different_structure_seed_or_replicate_is_not_reused():
    scenario = small(os.path.join("scenarios", "baseline.toml"))
    run_replicate(scenario, 0, seed=1)
    run_replicate(scenario, 1, seed=1)
    run_replicate(scenario, 0, seed=2)
    run_replicate(scenario.with_overrides({"network.cross_border": 0.2}), 0, seed=1)
    assert len(burned_in._kept) == 4
    run_replicate(scenario.with_overrides({"scenario.steps": 20}), 0, seed=1)
    assert len(burned_in._kept) == 4


def test_large_models_are_not_kept(monkeypatch):
    monkeypatch.setattr(burned_in, "BUDGET", 4 * 2**10)
    run_replicate(small(os.path.join("scenarios", "baseline.toml")), 0)
    assert not burned_in._kept


def test_the_burn_in_reports_its_days_and_the_model_restarts_only_at_day_0():
    scenario = small(os.path.join("scenarios", "baseline.toml"), burn_in=12)
    days = []
    model = DiplomacyModel(scenario, 0, progress=days.append)
    assert days == list(range(-11, 1))
    model.step()
    with pytest.raises(Exception, match="only a model at day 0"):
        model.restart(scenario)


def test_a_cancel_stops_a_comparison_during_the_burn_in():
    scenario = small(os.path.join("scenarios", "baseline.toml"), burn_in=400)
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 5

    with pytest.raises(Cancelled):
        run_comparison([scenario], replicates=1, cancel=cancel)
    assert len(calls) == 6  # before the run, then after each of the first five burn-in days
