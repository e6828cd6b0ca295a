"""nanosim compare: common random numbers, paired differences, refusals, files written."""

import numpy as np
import pandas as pd
import pytest

from nanosim.errors import NanosimError, ScenarioError
from nanosim.experiments import compare as C
from nanosim.experiments import results
from nanosim.experiments.runner import run_replicate
from nanosim.figures.compare import comparison_figures
from nanosim.io.compare import load_comparison, write_comparison
from nanosim.scenario import loads_scenario
from tests.conftest import SMALL, small

FAST = {"population.size": 300, "scenario.steps": 15, "scenario.replicates": 3}
PAIR = ("Aland", "Bland")


def fast(overrides=None, text=SMALL):
    return small({**FAST, **(overrides or {})}, text)


def two_country_text():
    """SMALL without Cland (its campaign and share moved to Bland)."""
    start, end = SMALL.index("[[country]]\nname = \"Cland\""), SMALL.index("[network]")
    text = SMALL[:start] + SMALL[end:]
    text = text.replace("share = 0.3", "share = 0.5")
    start, end = text.index("[channels.campaign]"), text.index("[[events]]")
    return text[:start] + text[end:]


@pytest.fixture(scope="module")
def pair_of_runs():
    a = fast()
    b = fast({"channels.contact.positivity": 1.0, "network.cross_border": 4.0})
    return [a, b], C.run_comparison([a, b])


def test_scenario_compared_with_itself_has_exactly_zero_paired_difference():
    s = fast()
    df = C.run_comparison([s, s])
    table = C.comparison_table(df, "favourability", PAIR)
    assert list(table["scenario"]) == ["small", "small (2)"]
    assert (table[["diff_median", "diff_low", "diff_high"]].to_numpy() == 0).all()
    first = df[df["scenario"] == "small"]["value"].to_numpy()
    second = df[df["scenario"] == "small (2)"]["value"].to_numpy()
    np.testing.assert_array_equal(first, second)


def test_every_scenario_uses_the_first_scenarios_seed_by_default():
    a, b = fast({"scenario.seed": 3}), fast({"scenario.seed": 99})
    df = C.run_comparison([a, b])
    values = [part["value"].to_numpy() for _, part in df.groupby("scenario", observed=True)]
    np.testing.assert_array_equal(values[0], values[1])


def test_replicate_in_a_comparison_is_the_replicate_run_alone(pair_of_runs):
    (a, b), df = pair_of_runs
    alone = run_replicate(b, 2, seed=a.run.seed)
    part = df[(df["scenario"] == b.run.name + " (2)") & (df["replicate"] == 2)]
    np.testing.assert_array_equal(part["value"].to_numpy(), alone["value"].to_numpy())


def test_comparison_table_matches_the_tidy_table(pair_of_runs):
    _, df = pair_of_runs
    table = C.comparison_table(df, "image_people", PAIR).set_index("scenario")
    rows = results.select(df, "image_people", *PAIR)
    start = rows[rows["step"] == 0].set_index(["scenario", "replicate"])["value"]
    end = rows[rows["step"] == rows["step"].max()].set_index(["scenario", "replicate"])["value"]
    shift = (end - start).unstack("scenario")
    first, second = shift.columns
    assert table.loc[second, "median"] == pytest.approx(shift[second].median())
    assert table.loc[second, "low"] == pytest.approx(shift[second].quantile(0.1))
    assert table.loc[second, "high"] == pytest.approx(shift[second].quantile(0.9))
    diff = shift[second] - shift[first]
    assert table.loc[second, "diff_median"] == pytest.approx(diff.median())
    assert table.loc[second, "diff_low"] == pytest.approx(diff.quantile(0.1))
    assert table.loc[second, "replicates"] == 3
    assert abs(table.loc[second, "diff_median"]) > 1e-4  # the scenarios do differ


def test_scenarios_with_different_countries_are_refused():
    other = loads_scenario(SMALL.replace("Aland", "Atlantis"), "other.toml", FAST)
    with pytest.raises(ScenarioError) as err:
        C.check_pair([fast(), other], None)
    assert "other.toml" in str(err.value) and "Aland:Bland" in str(err.value)
    assert "the default pair (the first scenario's first; give --pair) Aland:Bland" in str(
        err.value)


def test_the_python_tables_refuse_a_metric_or_pair_they_cannot_compare(pair_of_runs):
    _, df = pair_of_runs
    with pytest.raises(NanosimError, match="'messages' has no one value per observer"):
        C.comparison_table(df, "messages", PAIR)
    with pytest.raises(NanosimError, match="no favourability rows for Aland → Mars in scenario"):
        C.comparison_table(df, "favourability", ("Aland", "Mars"))


def test_different_countries_are_compared_on_a_pair_they_all_have():
    two = small({**FAST}, two_country_text())
    assert C.check_pair([fast(), two], "Aland:Bland") == PAIR
    with pytest.raises(ScenarioError, match="Cland"):
        C.check_pair([fast(), two], ("Aland", "Cland"))


def test_malformed_pair_and_unknown_metric_are_refused():
    with pytest.raises(NanosimError, match="OBSERVER:TARGET"):
        C.check_pair([fast()], "Aland-Bland")
    with pytest.raises(NanosimError, match="unknown metric 'happiness'; allowed: favourability"):
        C.check_metric("happiness")
    with pytest.raises(NanosimError, match="'shift_by_channel' has no one value per "
                                           "observer→target pair to compare; allowed: "
                                           "favourability.*, soft_power"):
        C.check_metric("shift_by_channel")


def test_soft_power_is_compared_as_all_foreigners_view_of_a_country(tmp_path, pair_of_runs):
    (a, b), df = pair_of_runs
    assert C.check_pair([a, b], None, "soft_power") == ("all", "Aland")
    table = C.comparison_table(df, "soft_power", ("all", "Bland")).set_index("scenario")
    rows = results.select(df, "soft_power", "all", "Bland")
    at = lambda step: rows[rows["step"] == step].set_index(["scenario", "replicate"])["value"]  # noqa: E731
    shift = at(rows["step"].max()) - at(0)
    second = table.index[1]
    assert table.loc[second, "median"] == pytest.approx(shift[second].median())
    assert abs(table.loc[second, "diff_median"]) > 1e-4
    channels = C.channel_table(df, "soft_power", ("all", "Bland"))
    made = channels[channels["scenario"] == second]["mean"].sum()
    assert made == pytest.approx(shift[second].mean())  # the channels make the whole shift
    out = write_comparison(df, tmp_path / "cmp", "soft_power", ("all", "Bland"))
    heading = (out / "comparison.md").read_text().splitlines()[0]
    assert heading == "# Comparison: soft power of Bland among all foreign citizens"


def test_a_comparison_written_before_soft_power_by_channel_still_compares(pair_of_runs):
    _, df = pair_of_runs
    older = df[df["metric"] != "soft_power_by_channel"]
    assert C.channel_table(older, "soft_power", ("all", "Bland")).empty
    figures = comparison_figures(older, "soft_power", ("all", "Bland"))
    texts = [t.get_text() for t in figures["channels"].axes[0].texts]
    assert any("run the comparison again" in t for t in texts)
    assert len(C.comparison_table(older, "soft_power", ("all", "Bland"))) == 2


def test_soft_power_is_refused_with_one_observer_or_one_country():
    with pytest.raises(NanosimError, match="its observer is all: give all:Bland"):
        C.check_pair([fast(), fast()], "Aland:Bland", "soft_power")
    with pytest.raises(NanosimError, match="the observer all .* is for --metric soft_power"):
        C.check_pair([fast(), fast()], "all:Bland", "favourability")
    one = loads_scenario('[[country]]\nname = "Solo"\nshare = 1.0\n', "one.toml")
    with pytest.raises(ScenarioError, match="one.toml: --metric: soft_power .* one country"):
        C.check_pair([one, one], None, "soft_power")


def test_progress_is_reported_and_cancel_stops_the_runs():
    calls = []
    s = fast({"scenario.replicates": 2})
    C.run_comparison([s, s], progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    with pytest.raises(C.Cancelled):
        C.run_comparison([s, s], cancel=lambda: True)


def test_write_comparison_writes_every_file(tmp_path, pair_of_runs):
    _, df = pair_of_runs
    out = write_comparison(df, tmp_path / "cmp", "favourability", PAIR, csv=True)
    names = {p.name for p in out.iterdir()}
    assert {"comparison.parquet", "comparison.csv", "comparison.md", "comparison.json",
            "comparison.png", "final_shift.png", "channels.png"} <= names
    back = pd.read_parquet(out / "comparison.parquet")
    np.testing.assert_array_equal(back["value"].to_numpy(), df["value"].to_numpy())
    assert list(back["scenario"].unique()) == list(df["scenario"].unique())
    md = (out / "comparison.md").read_text()
    table = C.comparison_table(df, "favourability", PAIR)
    assert f"{table['median'].iloc[1]:+.3f}" in md and "small (2)" in md
    assert (out / "comparison.png").read_bytes()[:4] == b"\x89PNG"


def test_a_written_comparison_loads_back_with_its_settings(tmp_path, pair_of_runs):
    scenarios, df = pair_of_runs
    out = write_comparison(df, tmp_path / "cmp", "image_state", PAIR,
                             event_steps=C.event_steps(scenarios))
    back, info = load_comparison(out)
    pd.testing.assert_frame_equal(C.comparison_table(back, "favourability", ("Bland", "Aland")),
                                  C.comparison_table(df, "favourability", ("Bland", "Aland")))
    assert info["metric"] == "image_state" and info["pair"] == list(PAIR)
    assert info["scenarios"] == list(C.scenario_names(df)) and info["replicates"] == 3
    assert info["event_steps"] == C.event_steps(scenarios) != []


def test_loading_a_folder_that_is_not_a_comparison_says_so(tmp_path):
    with pytest.raises(NanosimError) as e:
        load_comparison(tmp_path)
    assert str(e.value) == (f"{tmp_path}: not a comparison folder (no comparison.json; "
                            "`nanosim compare` writes one)")


def test_figures_have_one_line_per_scenario_and_mark_the_events(pair_of_runs):
    scenarios, df = pair_of_runs
    steps = C.event_steps(scenarios)
    assert steps == [10]
    figs = comparison_figures(df, "favourability", PAIR, steps)
    assert set(figs) == {"comparison", "final_shift", "channels"}
    xs = [line.get_xdata()[0] for line in figs["comparison"].axes[0].get_lines()]
    assert 10 in xs
    labels = [t.get_text() for t in figs["comparison"].axes[0].get_legend().get_texts()]
    assert labels == ["small", "small (2)"]


def _write_small(path, text=SMALL):
    path.write_text(text)
    return str(path)


def test_cli_compare_writes_the_folder(tmp_path, capsys):
    from nanosim.cli import main

    a = _write_small(tmp_path / "a.toml")
    b = _write_small(tmp_path / "b.toml", SMALL.replace('name = "small"', 'name = "other"')
                     .replace("seed = 3", "seed = 4"))
    code = main(["compare", a, b, "--out", str(tmp_path / "out"), "--replicates", "2",
                 "--set", "population.size=300", "--set", "scenario.steps=12",
                 "--pair", "Bland:Aland", "--metric", "image_state"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "image state: Bland → Aland" in printed and "comparison.png" in printed
    assert f"note: every scenario runs with the first file's seed, 3 (common random numbers), " \
           f"also {b} (seed 4)" in printed
    assert (tmp_path / "out" / "final_shift.png").exists()
    _, info = load_comparison(tmp_path / "out")
    assert (info["sources"], info["seed"], info["replicates"]) == ([a, b], 3, 2)
    assert info["overrides"] == ["population.size=300", "scenario.steps=12"]
    again = [x for o in info["overrides"] for x in ("--set", o)]
    assert main(["compare", *info["sources"], "--out", str(tmp_path / "again"), "--seed",
                 str(info["seed"]), "--replicates", str(info["replicates"]), *again]) == 0
    assert (load_comparison(tmp_path / "again")[0]["value"].to_numpy() ==
            load_comparison(tmp_path / "out")[0]["value"].to_numpy()).all()


def test_cli_refuses_mismatched_countries_with_one_line_and_writes_nothing(tmp_path, capsys):
    from nanosim.cli import main

    a = _write_small(tmp_path / "a.toml")
    b = _write_small(tmp_path / "b.toml", two_country_text())
    code = main(["compare", a, b, "--out", str(tmp_path / "out"), "--pair", "Aland:Cland"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "b.toml" in err and "Aland:Cland" in err
    assert not (tmp_path / "out").exists()


def test_cancel_stops_a_run_midway():
    asked = []

    def cancel():
        asked.append(1)
        return len(asked) > 5  # lets the first run start, then stops it at a step

    with pytest.raises(C.Cancelled, match="after 0 of"):
        C.run_comparison([fast(), fast()], cancel=cancel)


def test_scenarios_of_different_lengths_are_refused_in_one_line():
    a, b = fast(), fast({"scenario.steps": 12})
    with pytest.raises(ScenarioError) as e:
        C.comparison_plan([a, b])
    assert str(e.value) == (f"{b.source}: scenario.steps: 12, but {a.source} runs 15: compared "
                            "scenarios run the same days (--set scenario.steps=N sets every one)")


def test_perception_figure_draws_many_pairs_in_distinct_styles_beside_their_legend():
    from nanosim.figures.run import perception_figure

    names = [f"C{k}" for k in range(5)]  # 20 pairs
    rows = [(0, step, "favourability", o, t, "", 0.1 * step) for o in names for t in names
            if o != t for step in (0, 1)]
    df = pd.DataFrame(rows, columns=["replicate", "step", "metric", "observer", "target",
                                     "channel", "value"])
    fig = perception_figure(df)
    styles = {(line.get_color(), line.get_linestyle()) for line in fig.axes[0].get_lines()
              if line.get_label().count("→")}
    assert len(styles) == 20
    assert fig.axes[0].get_legend().get_bbox_to_anchor().x0 > fig.axes[0].bbox.x1


def test_the_package_offers_its_helper_modules_and_the_sweep_signature():
    import inspect

    import nanosim
    from nanosim.experiments import results

    assert nanosim.compare is C and nanosim.results is results
    assert list(inspect.signature(nanosim.sweep).parameters)[:3] == ["scenario_or_path", "out",
                                                                      "grid"]
