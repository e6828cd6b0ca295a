"""Calibration with real pyabc and Optuna on a tiny world: the file is checked, a recovery
test covers the truth, and results depend neither on the workers nor on interruptions."""

import numpy as np
import pandas as pd
import pytest

from nanosim.errors import ScenarioError
from nanosim.experiments.calibration import calibrate, read_calibration
from nanosim.experiments.calibration.journal import JOURNAL, Journal
from nanosim.experiments.calibration.simulate import observe

SCENARIO = """
[scenario]
name = "tiny crisis"
steps = 60
seed = 5
burn_in = 0      # each evaluation its own seed, so never a burn-in reused: 7/8 of its time

[population]
size = 400

[[country]]
name = "Aland"
share = 0.5
initial = { people = { Bland = 0.2 }, state = { Bland = 0.25 } }
relations = { Bland = 0.25 }

[[country]]
name = "Bland"
share = 0.5
initial = { people = { Aland = 0.15 }, state = { Aland = 0.2 } }
relations = { Aland = 0.25 }

[network]
cross_border = 0.05

[[events]]
step = 20
kind = "incident"
between = ["Aland", "Bland"]
severity = 0.8
duration = 10
recovery = 0.05
"""

SURVEYS = """observer,target,image,survey,measure,period,value,unit,confidence,note
Aland,Bland,state,test,favourable,before,74,percent,high,
Aland,Bland,state,test,favourable,low,45,percent,high,
Aland,Bland,state,test,favourable,after,60,percent,high,
Aland,Bland,state,test,trust,after,40,percent,high,
Aland,Bland,people,test,favourable,after,66,percent,high,
Bland,Aland,country,test,feelings thermometer,after,55,degrees (0-100),high,
"""

CALIBRATION = """
[calibration]
name = "tiny"
data = "surveys.csv"
seed = 3

[[scenario]]
name = "tiny"
file = "tiny.toml"

[[parameter]]
key = "events.0.severity"
range = [0.3, 1.0]
truth = 0.8

[[parameter]]
key = "events.0.recovery"
prior = "loguniform"
range = [0.005, 0.2]

[[data]]
observer = "Aland"
target = "Bland"
image = "state"
question = "favourable"
measure = "share_favourable_state"
days = { before = 19, low = 30, after = 60 }

[[data]]
observer = "Aland"
target = "Bland"
image = "people"
measure = "share_favourable_people"
days = { after = 60 }

[[data]]
observer = "Bland"
target = "Aland"
image = "country"
measure = "thermometer"
days = { after = 60 }
sd = 2

[abc]
population = 20
generations = 3

[optuna]
trials = 16
batch = 4
"""


def write_files(folder, calibration: str = CALIBRATION, surveys: str = SURVEYS):
    """The tiny world's scenario, survey CSV and calibration file in ``folder``."""
    (folder / "tiny.toml").write_text(SCENARIO)
    (folder / "surveys.csv").write_text(surveys)
    path = folder / "tiny_cal.toml"
    path.write_text(calibration)
    return path


@pytest.fixture(scope="module")
def cal_file(tmp_path_factory):
    path = write_files(tmp_path_factory.mktemp("calibration"))
    cal = read_calibration(path)
    observe(cal, {"events.0.severity": 0.8, "events.0.recovery": 0.05}, (0,))  # compile here
    return path


def test_a_calibration_file_becomes_priors_and_data_points(cal_file):
    cal = read_calibration(cal_file)
    assert [p.key for p in cal.parameters] == ["events.0.severity", "events.0.recovery"]
    assert cal.parameters[1].distribution().ppf(0.5) == pytest.approx(np.sqrt(0.005 * 0.2))
    assert [(t.period, t.day, t.value, t.unit) for t in cal.targets] == [
        ("before", 19, 74.0, "percent"), ("low", 30, 45.0, "percent"),
        ("after", 60, 60.0, "percent"), ("after", 60, 66.0, "percent"),
        ("after", 60, 55.0, "degrees")]
    assert cal.targets[-1].sd == 2.0 and cal.targets[0].sd == 3.0
    assert len(cal.series) == 3 and cal.mapping == {"thermometer_scale": 50.0}
    scenario = cal.scenario_at("tiny", {"events.0.severity": 0.4, "events.0.recovery": 0.1})
    assert (scenario.events[0].severity, scenario.events[0].recovery) == (0.4, 0.1)


def test_a_parameter_may_set_several_keys_to_one_value(tmp_path):
    text = CALIBRATION.replace('key = "events.0.severity"',
                               'name = "shock"\nkey = ["events.0.severity", "channels.events.mu"]')
    cal = read_calibration(write_files(tmp_path, text))
    assert cal.parameters[0].key == "shock"
    scenario = cal.scenario_at("tiny", {"shock": 0.45, "events.0.recovery": 0.1})
    assert (scenario.events[0].severity, scenario.channels.events.mu) == (0.45, 0.45)
    unnamed = CALIBRATION.replace('key = "events.0.severity"',
                                  'key = ["events.0.severity", "channels.events.mu"]')
    with pytest.raises(ScenarioError, match="parameter.0.name: required when key lists"):
        read_calibration(write_files(tmp_path, unnamed))
    twice = CALIBRATION.replace('key = "events.0.recovery"',
                                'name = "again"\nkey = ["events.0.severity"]')
    with pytest.raises(ScenarioError, match="'events.0.severity' is estimated twice"):
        read_calibration(write_files(tmp_path, twice))


def test_an_evaluation_reads_the_model_in_the_datas_units(cal_file):
    from nanosim.experiments.calibration.simulate import stream_seed
    from nanosim.experiments.runner import run_replicate

    cal = read_calibration(cal_file)
    params = {"events.0.severity": 0.6, "events.0.recovery": 0.02}
    values = observe(cal, params, (7, 1))
    table = run_replicate(cal.scenario_at("tiny", params), 0, seed=stream_seed(3, (7, 1), 0))

    def model(metric, observer, target, day):
        rows = table[(table["metric"] == metric) & (table["observer"] == observer)
                     & (table["target"] == target) & (table["step"] == day)]
        return float(rows["value"].iloc[0])

    assert values[1] == pytest.approx(100 * model("share_favourable_state", "Aland", "Bland", 30))
    assert values[4] == pytest.approx(50 + 50 * model("favourability", "Bland", "Aland", 60))
    assert np.array_equal(values, observe(cal, params, (7, 1)))  # same stream, same numbers
    assert not np.array_equal(values, observe(cal, params, (7, 2)))


BAD = [
    ('key = "events.0.severity"', 'key = "events.0.severty"',
     "parameter.0: events.0.severty: unknown key"),
    ('key = "events.0.severity"', 'key = "channels.talk.nosuch"',
     "channels.talk.nosuch: unknown key; allowed:"),
    ("range = [0.3, 1.0]", "range = [0.3, 1.5]", "events.0.severity: must be in 0..1"),
    ("range = [0.3, 1.0]", "range = [1.0, 0.3]", "parameter.0.range: LOW must be below HIGH"),
    ('key = "events.0.severity"', 'key = "scenario.steps"', "must be a whole number"),
    ('key = "events.0.severity"', 'key = "mapping.scale"', "unknown mapping constant"),
    ('prior = "loguniform"', 'prior = "gamma"', "unknown prior 'gamma'"),
    ('observer = "Aland"\ntarget = "Bland"\nimage = "people"',
     'observer = "Aland"\ntarget = "Nowhere"\nimage = "people"',
     "data.1.target: no country 'Nowhere'"),
    ("days = { before = 19, low = 30, after = 60 }", "days = { before = 19, summer = 30 }",
     "data.0.days.\"summer\": no row of surveys.csv has Aland -> Bland, image state, "
     "period 'summer'"),
    ('question = "favourable"\n', "", "2 rows of surveys.csv match"),
    ('measure = "share_favourable_people"', 'measure = "share_favorable_people"',
     "data.1.measure: unknown measure"),
    ('measure = "share_favourable_people"', 'measure = "share_favourable_state"',
     "does not measure the 'people' image"),
    ('measure = "thermometer"', 'measure = "share_favourable"', "share_favourable gives percent"),
    ("days = { after = 60 }\nsd = 2", "days = {}\nsd = 2", "data.2.days: required"),
    ("days = { after = 60 }\nsd = 2", "days = { after = 61 }\nsd = 2", "in 0..60"),
    ("population = 20", "population = 1", "abc.population: must be a whole number >= 2"),
    ("[optuna]", "[optuna]\nsampler = 1", "optuna.sampler: unknown key"),
]


@pytest.mark.parametrize("old, new, message", BAD)
def test_bad_calibration_files_are_refused_naming_the_file_and_key(tmp_path, old, new, message):
    assert old in CALIBRATION
    path = write_files(tmp_path, CALIBRATION.replace(old, new, 1))
    with pytest.raises(ScenarioError) as e:
        read_calibration(path)
    assert str(path) in str(e.value) and message in str(e.value), str(e.value)


def test_ranges_that_together_break_a_rule_are_refused(tmp_path):
    text = CALIBRATION.replace('key = "events.0.severity"\nrange = [0.3, 1.0]',
                               'key = "channels.contact.positivity_min"\nrange = [0.3, 0.85]')
    text = text.replace('key = "events.0.recovery"\nprior = "loguniform"\nrange = [0.005, 0.2]',
                        'key = "channels.contact.positivity_max"\nrange = [0.7, 1.0]')
    with pytest.raises(ScenarioError, match="parameter: the ranges together allow an invalid "
                       "scenario \\(channels.contact.positivity_min: must be at most"):
        read_calibration(write_files(tmp_path, text))
    alone = text.replace("range = [0.7, 1.0]", "range = [0.5, 1.0]")
    with pytest.raises(ScenarioError, match="tiny_cal.toml: parameter.1.range: at channels."
                       "contact.positivity_max = 0.5 scenario tiny breaks a rule"):
        read_calibration(write_files(tmp_path, alone))


def test_an_empty_data_selection_is_refused(tmp_path):
    start = CALIBRATION.index("[[data]]")
    path = write_files(tmp_path, CALIBRATION[:start] + CALIBRATION[CALIBRATION.index("[abc]"):])
    with pytest.raises(ScenarioError, match="data: required: at least a"):
        read_calibration(path)


def test_a_recovery_test_covers_the_true_values(cal_file, tmp_path):
    cal = read_calibration(cal_file)
    lines = []
    result = calibrate(cal, tmp_path / "check", check=True, workers=2, report=lines.append)
    truth = result.coverage.set_index("parameter")["truth"]
    assert truth["events.0.severity"] == 0.8  # the file's truth; the other its prior median
    assert truth["events.0.recovery"] == pytest.approx(np.sqrt(0.005 * 0.2))
    assert result.coverage["covered"].all(), result.coverage
    severity = result.parameters.set_index("parameter").loc["events.0.severity"]
    assert severity["verdict"] in ("identified", "moved") and severity["width"] < 0.8
    synthetic = [t.value for t in result.calibration.targets]
    assert synthetic != [t.value for t in cal.targets]  # the data were the model's own
    assert any(line.startswith("generation 2 done:") for line in lines)


SMALL = {"population = 20": "population = 10", "generations = 3": "generations = 2",
         "trials = 16": "trials = 8"}


@pytest.mark.parametrize("size", ["small", pytest.param("full", marks=pytest.mark.slow)])
def test_results_depend_neither_on_workers_nor_on_where_a_run_stopped(cal_file, tmp_path,
                                                                     size):
    text = cal_file.read_text()
    if size == "small":
        for old, new in SMALL.items():
            text = text.replace(old, new)
    cal = read_calibration(write_files(tmp_path, text))
    n, generations = cal.settings.population, cal.settings.generations
    whole = calibrate(cal, tmp_path / "one", workers=1)
    assert whole.stopped == "generations" and len(whole.generations) == generations
    budget = n + whole.generations["runs"].iloc[1] // 2  # stops inside generation 1
    cut = calibrate(cal, tmp_path / "two", workers=2, budget=int(budget))
    assert cut.stopped == "budget" and len(cut.generations) == 1
    journalled = len(Journal(tmp_path / "two"))
    again = calibrate(cal, tmp_path / "two", workers=2)  # continues, reusing the journal
    pd.testing.assert_frame_equal(again.draws, whole.draws)
    assert again.runs < whole.runs and journalled > budget
    assert np.array_equal(again.predictive, whole.predictive)
    rerun = calibrate(cal, tmp_path / "one", workers=2)  # finished: nothing new runs
    assert rerun.runs == 0 and rerun.draws.equals(whole.draws)
    assert (tmp_path / "one" / JOURNAL).is_file() and (tmp_path / "one" / "abc.db").is_file()


@pytest.mark.parametrize("size", ["small", pytest.param("full", marks=pytest.mark.slow)])
def test_optuna_finds_a_point_the_same_whatever_the_workers(cal_file, tmp_path, size):
    text = cal_file.read_text().replace("trials = 16", "trials = 8") if size == "small" \
        else cal_file.read_text()
    cal = read_calibration(write_files(tmp_path, text))
    trials = cal.settings.trials
    a = calibrate(cal, tmp_path / "a", "optuna", workers=1)
    b = calibrate(cal, tmp_path / "b", "optuna", workers=2, budget=trials // 2)
    assert len(b.draws) == trials // 2
    b = calibrate(cal, tmp_path / "b", "optuna", workers=2)
    assert len(a.draws) == trials and a.draws.equals(b.draws)
    best = a.draws.loc[a.draws["distance"].idxmin()]
    assert a.point == {k: best[k] for k in ("events.0.severity", "events.0.recovery")}
    assert (a.parameters["verdict"] == "no posterior").all()


def test_a_different_calibration_is_refused_in_the_folder(cal_file, tmp_path):
    from nanosim.errors import NanosimError

    cal = read_calibration(cal_file)
    calibrate(cal, tmp_path / "out", "optuna", workers=1, budget=4)
    with pytest.raises(NanosimError, match="holds another calibration \\(method differ"):
        calibrate(cal, tmp_path / "out", "abc", workers=1)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(NanosimError, match="not a calibration folder"):
        calibrate(cal, tmp_path / "other", workers=1)


@pytest.mark.cluster
@pytest.mark.slow  # a cluster's start dominates; local workers: the tests above
def test_a_dask_cluster_gives_the_same_posterior_as_local_workers(cal_file, tmp_path):
    from distributed import LocalCluster

    text = cal_file.read_text()
    for old, new in SMALL.items():
        text = text.replace(old, new)
    cal = read_calibration(write_files(tmp_path, text))
    local = calibrate(cal, tmp_path / "local", workers=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        dask = calibrate(cal, tmp_path / "dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(dask.draws, local.draws)
    assert np.array_equal(dask.predictive, local.predictive)
