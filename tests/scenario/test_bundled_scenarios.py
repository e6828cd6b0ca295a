"""The bundled scenario library: every file validates and runs, and the calibration holds."""

from pathlib import Path

import numpy as np
import pytest

from nanosim.experiments import compare as C
from nanosim.experiments import results
from nanosim.experiments.runner import run, run_replicate
from nanosim.scenario import bundled_path, bundled_scenarios, load_scenario

README = Path(__file__).parents[2] / "scenarios" / "README.md"
BUNDLED = [bundled_path(name) for name in bundled_scenarios() if "/" not in name]
CORE = ["baseline", "nano_only", "high_politics_only", "both", "crisis", "crisis_with_nano",
        "digital_age", "pre_digital", "online_nationalism"]
TINY = {"population.size": 300, "scenario.replicates": 1}


def test_the_library_has_every_scenario_the_readme_describes():
    names = {p.stem for p in BUNDLED}
    assert set(CORE) | {"asean"} <= names
    readme = README.read_text()
    for path in BUNDLED:
        assert f"`{path.name}`" in readme, f"scenarios/README.md does not describe {path.name}"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_scenario_validates_and_states_its_question(path):
    scenario = load_scenario(path)
    header = path.read_text().split("[scenario]")[0]
    assert "Question" in header, f"{path.name}: the header comment should state its question"
    assert scenario.population.size <= 20_000 and scenario.run.replicates >= 3


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_scenario_runs_at_a_tiny_size(path):
    scenario = load_scenario(path).with_overrides(TINY)
    df = run_replicate(scenario, 0)
    fav = results.select(df, "favourability")
    assert fav["step"].max() == scenario.run.steps and np.isfinite(fav["value"]).all()
    assert len(results.pairs(df)) == len(scenario.country) * (len(scenario.country) - 1)


def test_core_scenarios_share_one_world_so_any_two_can_be_compared():
    scenarios = [load_scenario(name) for name in CORE]
    assert C.check_pair(scenarios, None) == ("Indonesia", "Australia")
    with pytest.raises(Exception, match="asean.toml"):
        C.check_pair(scenarios + [load_scenario("asean")], None)


@pytest.fixture(scope="module")
def crisis_runs():
    scenario = load_scenario("crisis").with_overrides(
        {"population.size": 2000, "scenario.replicates": 2})
    step = next(e.step for e in scenario.events if e.kind == "incident")
    return run(scenario), step


def _trajectory(df, metric, observer, target):
    return results.select(df, metric, observer, target).groupby("step")["value"].median()


@pytest.mark.parametrize("observer,target", [("Indonesia", "Australia"),
                                             ("Australia", "Indonesia")])
def test_calibration_incident_drops_favourable_view_of_government_15_to_35_points(
        crisis_runs, observer, target):
    df, step = crisis_runs
    state = _trajectory(df, "share_favourable_state", observer, target)
    before, trough = state.loc[step], state.loc[step:step + 28].min()
    assert 0.15 <= before - trough <= 0.35


@pytest.mark.parametrize("observer,target", [("Indonesia", "Australia"),
                                             ("Australia", "Indonesia")])
def test_calibration_view_of_government_rebounds_partly(crisis_runs, observer, target):
    df, step = crisis_runs
    state = _trajectory(df, "share_favourable_state", observer, target)
    before, trough, end = state.loc[step], state.loc[step:step + 28].min(), state.iloc[-1]
    assert end - trough >= 0.04  # a rebound ...
    assert end < before  # ... but only a partial one


@pytest.mark.parametrize("observer,target", [("Indonesia", "Australia"),
                                             ("Australia", "Indonesia")])
def test_calibration_view_of_people_moves_much_less(crisis_runs, observer, target):
    df, step = crisis_runs
    state = _trajectory(df, "share_favourable_state", observer, target)
    people = _trajectory(df, "share_favourable_people", observer, target)
    fall_state = state.loc[step] - state.loc[step:step + 28].min()
    fall_people = people.loc[step] - people.loc[step:step + 28].min()
    assert fall_people < fall_state / 3


def test_crisis_leaves_third_countries_views_alone(crisis_runs):
    df, step = crisis_runs
    state = _trajectory(df, "share_favourable_state", "Indonesia", "Japan")
    assert state.loc[step] - state.loc[step:step + 28].min() < 0.02
