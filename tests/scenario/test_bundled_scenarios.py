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
    """The crisis and its twin without the incident (common random numbers)."""
    scenario = load_scenario("crisis").with_overrides(
        {"population.size": 2000, "scenario.replicates": 2})
    step = next(e.step for e in scenario.events if e.kind == "incident")
    return run(scenario), run(scenario.with_overrides({"events": []})), step


def _effect(runs, metric, observer, target):
    """The incident's effect over time (median over replicates of the paired difference)."""
    crisis, twin, _ = runs
    values = [results.select(df, metric, observer, target).set_index(["replicate", "step"])
              ["value"] for df in (crisis, twin)]
    return (values[0] - values[1]).groupby("step").median()


PAIRS = pytest.mark.parametrize("observer,target", [("Indonesia", "Australia"),
                                                    ("Australia", "Indonesia")])


@PAIRS
def test_calibration_incident_lowers_the_favourable_view_of_government_25_to_35_points(
        crisis_runs, observer, target):
    step = crisis_runs[2]
    effect = _effect(crisis_runs, "share_favourable_state", observer, target)
    assert -0.35 <= effect.loc[step:step + 28].min() <= -0.25


@PAIRS
def test_calibration_view_of_government_regains_35_to_80_percent_in_60_days(
        crisis_runs, observer, target):
    step = crisis_runs[2]
    effect = _effect(crisis_runs, "share_favourable_state", observer, target)
    regained = 1 - effect.loc[step + 60] / effect.loc[step:step + 28].min()
    assert 0.35 <= regained <= 0.80


@PAIRS
def test_calibration_view_of_people_moves_less_than_a_third_as_much(crisis_runs, observer,
                                                                    target):
    step = crisis_runs[2]
    state = _effect(crisis_runs, "share_favourable_state", observer, target)
    people = _effect(crisis_runs, "share_favourable_people", observer, target)
    assert abs(people.loc[step:step + 28].min()) < abs(state.loc[step:step + 28].min()) / 3


def test_crisis_leaves_third_countries_views_alone(crisis_runs):
    step = crisis_runs[2]
    effect = _effect(crisis_runs, "share_favourable_state", "Indonesia", "Japan")
    assert effect.loc[step:step + 28].min() > -0.02


def test_calibration_2003_indonesia_splits_the_state_image_from_the_people_image():
    """Pew: 61 % favourable to the US in 2002, 15 % in May 2003 while 56 % stayed
    favourable to Americans; the war at day 240, May 2003 about day 300."""
    scenario = load_scenario("us_indonesia_2003").with_overrides(
        {"population.size": 2000, "scenario.replicates": 2})
    df = run(scenario)

    def share(image, step):
        rows = results.select(df, f"share_favourable_{image}", "Indonesia", "United States")
        return rows[rows["step"] == step]["value"].median()

    assert 0.5 <= share("state", 0) <= 0.7
    assert 0.05 <= share("state", 300) <= 0.25 and share("people", 300) > 0.5
