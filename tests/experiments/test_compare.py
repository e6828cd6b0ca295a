"""nanosim compare: common random numbers, shifts, paired effects against a control and in a
2 × 2 design, refusals, files written."""

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
    assert table.loc[second, "shift_median"] == pytest.approx(shift[second].median())
    assert table.loc[second, "shift_low"] == pytest.approx(shift[second].quantile(0.1))
    assert table.loc[second, "shift_high"] == pytest.approx(shift[second].quantile(0.9))
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
    assert table.loc[second, "shift_median"] == pytest.approx(shift[second].median())
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
    assert f"{table['shift_median'].iloc[1]:+.3f}" in md and "small (2)" in md
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


# --- effects against counterfactuals -------------------------------------------------------


def tidy(values, metric="favourability", pair=("A", "B")):
    """A comparison's tidy table from {scenario: {replicate: [value at step 0, 1, ...]}}."""
    rows = [(name, r, t, metric, *pair, "", v) for name, reps in values.items()
            for r, series in reps.items() for t, v in enumerate(series)]
    df = pd.DataFrame(rows, columns=["scenario", "replicate", "step", "metric", "observer",
                                     "target", "channel", "value"])
    df["scenario"] = pd.Categorical(df["scenario"], categories=list(values))
    return df


HAND = tidy({"control": {0: [0.0, 0.25, 0.5], 1: [0.0, -0.25, -0.5], 2: [0.0, 0.0, 0.0]},
             "treated": {0: [0.0, 0.5, 1.0], 1: [0.0, 0.0, 0.25], 2: [0.0, -0.125, -0.25]}})


def test_effect_is_the_scenario_minus_the_control_replicate_by_replicate_at_every_step():
    effects = C.paired_effects(C.pair_values(HAND, "favourability", ("A", "B")), "control")
    assert list(effects.columns) == ["scenario", "replicate", "step", "value"]
    got = effects.set_index(["replicate", "step"])["value"].unstack("step").to_numpy()
    np.testing.assert_array_equal(got, [[0.0, 0.25, 0.5], [0.0, 0.25, 0.75],
                                        [0.0, -0.125, -0.25]])
    table = C.comparison_table(HAND, "favourability", ("A", "B"), control="control")
    assert list(table.columns) == C.SHIFT_COLUMNS + C.EFFECT_COLUMNS
    treated = table.set_index("scenario").loc["treated"]
    assert treated["effect_median"] == 0.5  # final effects 0.5, 0.75, -0.25
    assert treated["effect_low"] == pytest.approx(-0.1)
    assert treated["effect_high"] == pytest.approx(0.7)
    assert treated["effect_positive"] == pytest.approx(2 / 3)
    assert treated["shift_median"] == 0.25  # its own change since day 0: 1.0, 0.25, -0.25
    control = table.set_index("scenario").loc["control"]
    assert (control[C.EFFECT_COLUMNS].to_numpy() == 0).all()
    assert C.initial_effect(HAND, "favourability", ("A", "B"), "control") == 0


def test_without_a_control_the_table_is_the_difference_in_shift_to_the_first():
    table = C.comparison_table(HAND, "favourability", ("A", "B"))
    assert list(table.columns) == C.SHIFT_COLUMNS + C.DIFF_COLUMNS
    assert table["diff_median"].iloc[1] == 0.5


def test_the_interaction_of_four_runs_is_the_hand_computed_difference_in_differences():
    finals = {"A": (0.0, 0.125), "B": (-0.5, -0.25), "C": (0.25, 0.25), "D": (0.0, 0.125)}
    df = tidy({name: {r: [0.0, v[r]] for r in (0, 1)} for name, v in finals.items()})
    effects = C.factorial_effects(C.pair_values(df, "favourability", ("A", "B")),
                                  ("crisis", "nano"))
    last = effects[effects["step"] == 1].set_index(["effect", "replicate"])["value"]
    for r in (0, 1):
        a, b, c, d = (finals[k][r] for k in "ABCD")
        assert last["interaction", r] == (d - c) - (b - a) == 0.25
        assert last["crisis (main effect)", r] == ((b - a) + (d - c)) / 2
        assert last["nano (main effect)", r] == ((c - a) + (d - b)) / 2
        assert last["crisis without nano", r] == b - a
        assert last["crisis with nano", r] == d - c
    table = C.factorial_table(df, "favourability", ("A", "B"), ("crisis", "nano"))
    assert list(table.columns) == C.FACTORIAL_COLUMNS
    rows = table.set_index("effect")
    assert rows.loc["interaction", "contrast"] == "(D − C) − (B − A)"
    assert rows.loc["interaction", ["effect_median", "effect_low", "effect_high",
                                    "effect_positive"]].tolist() == [0.25, 0.25, 0.25, 1.0]
    assert rows.loc["crisis (main effect)", "effect_median"] == -0.3125
    assert rows.loc["nano (main effect)", "effect_median"] == 0.3125
    assert rows.loc["crisis without nano", "effect_median"] == -0.4375
    assert rows.loc["crisis with nano", "effect_median"] == -0.1875


def test_a_design_that_is_not_four_scenarios_or_a_control_that_is_absent_is_refused():
    with pytest.raises(NanosimError, match="a 2 × 2 design has four scenarios.*got 2"):
        C.factorial_effects(C.pair_values(HAND, "favourability", ("A", "B")))
    with pytest.raises(NanosimError, match="the control 'nobody' is not one of the compared "
                                           "scenarios \\(control, treated\\)"):
        C.paired_effects(C.pair_values(HAND, "favourability", ("A", "B")), "nobody")


def test_identical_scenarios_have_exactly_zero_effects_and_interaction():
    s = fast({"scenario.replicates": 2})
    df = C.run_comparison([s, s, s, s])
    table = C.comparison_table(df, "favourability", PAIR, control="small")
    assert (table[C.EFFECT_COLUMNS[:3]].to_numpy() == 0).all()
    assert (C.factorial_table(df, "favourability", PAIR)[C.EFFECT_COLUMNS[:3]].to_numpy()
            == 0).all()
    over_time = C.effects_over_time(df, "favourability", PAIR, "small", factorial=True)
    assert set(over_time["effect"]) == {"small (2)", "small (3)", "small (4)",
                                        *(e for e, _ in C.factorial_contrasts())}
    assert (over_time["value"] == 0).all()


def test_effects_of_a_real_comparison_are_each_replicate_minus_the_controls(pair_of_runs):
    (a, b), df = pair_of_runs
    table = C.comparison_table(df, "image_people", PAIR, control="small").set_index("scenario")
    rows = results.select(df, "image_people", *PAIR)
    end = rows[rows["step"] == rows["step"].max()].set_index(["scenario", "replicate"])["value"]
    effect = end.unstack("scenario")["small (2)"] - end.unstack("scenario")["small"]
    assert table.loc["small (2)", "effect_median"] == pytest.approx(effect.median())
    assert table.loc["small (2)", "effect_low"] == pytest.approx(effect.quantile(0.1))
    assert table.loc["small (2)", "effect_positive"] == pytest.approx((effect > 0).mean())
    assert table.loc["small (2)", "effect_median"] != 0


def test_a_control_of_another_world_is_refused_in_one_line_naming_the_control():
    control = loads_scenario(SMALL, "control.toml", {**FAST, "population.size": 200})
    with pytest.raises(ScenarioError) as e:
        C.check_same_world(control, [fast()])
    assert str(e.value) == ("control.toml: population.size: the control has 200, but small.toml "
                            "has 300: a control is the same world as the scenarios compared "
                            "with it, without their treatment (--set population.size=N sets "
                            "every one)")
    other = loads_scenario(two_country_text(), "control.toml", FAST)
    with pytest.raises(ScenarioError, match="^control.toml: \\[\\[country\\]\\]: the control "
                                            "has Aland, Bland, but small.toml has Aland, Bland, "
                                            "Cland: a control is the same world"):
        C.check_same_world(other, [fast()])
    longer = loads_scenario(SMALL, "control.toml", {**FAST, "scenario.steps": 20})
    with pytest.raises(ScenarioError, match="^control.toml: scenario.steps: the control has 20, "
                                            "but small.toml has 15"):
        C.check_same_world(longer, [fast()])


def test_a_factorial_of_the_wrong_shape_is_refused_in_one_line():
    with pytest.raises(NanosimError) as e:
        C.check_factorial([fast()] * 3)
    assert str(e.value) == ("--factorial takes four scenario files in the order A (neither "
                            "factor), B (first factor only), C (second factor only), D (both); "
                            "got 3")
    odd = loads_scenario(SMALL, "d.toml", {**FAST, "population.size": 200})
    with pytest.raises(ScenarioError) as e:
        C.check_factorial([fast(), fast(), fast(), odd])
    assert str(e.value).startswith("d.toml: population.size: 200, but small.toml (the "
                                   "design's first file, neither factor) has 300")
    with pytest.raises(NanosimError, match="--factors: 'crisis' is not two names"):
        C.parse_factors("crisis")
    assert C.parse_factors(" crisis , nano ") == ("crisis", "nano")


def test_a_factorial_comparison_writes_its_effects_named_with_what_they_are_against(tmp_path):
    s = fast({"scenario.replicates": 2})
    warm = fast({"scenario.replicates": 2, "channels.contact.positivity": 1.0})
    tied = fast({"scenario.replicates": 2, "network.cross_border": 4.0})
    both = fast({"scenario.replicates": 2, "channels.contact.positivity": 1.0,
                 "network.cross_border": 4.0})
    df = C.run_comparison([s, warm, tied, both])
    out = write_comparison(df, tmp_path / "cmp", "favourability", PAIR, factorial=True,
                           factors=("warmth", "ties"))
    md = (out / "comparison.md").read_text()
    assert "effect against “small” at day 15" in md and "## 2 × 2 design" in md
    design = C.factorial_table(df, "favourability", PAIR, ("warmth", "ties"))
    inter = design.set_index("effect").loc["interaction"]
    assert (f"| interaction | (D − C) − (B − A) | {inter['effect_median']:+.3f} "
            f"| [{inter['effect_low']:+.3f}, {inter['effect_high']:+.3f}]") in md
    effects = pd.read_csv(out / "effects.csv")
    assert list(effects.columns) == ["effect", "against", "replicate", "step", "value",
                                     "metric", "observer", "target"]
    assert set(effects[effects["effect"] == "small (2)"]["against"]) == {"small"}
    assert set(effects[effects["effect"] == "interaction"]["against"]) == {
        "2 × 2: A = small, B = small (2), C = small (3), D = small (4)"}
    _, info = load_comparison(out)
    assert info["control"] == "small" and info["factors"] == ["warmth", "ties"]
    assert info["factorial_table"][4]["effect"] == "interaction"
    figure = comparison_figures(df, "favourability", PAIR, control="small", factorial=True,
                                factors=("warmth", "ties"))["effects"]
    left, right = figure.axes
    assert [t.get_text() for t in left.get_legend().get_texts()] == [
        "B = small (2)", "C = small (3)", "D = small (4)"]
    assert "Interaction: the effect of warmth with ties" in right.get_title()
    plain = write_comparison(df, tmp_path / "plain", "favourability", PAIR)
    assert not (plain / "effects.png").exists() and not (plain / "effects.csv").exists()
    assert "difference in shift to “small”" in (plain / "comparison.md").read_text()


def test_group_membership_is_compared_only_between_scenarios_with_groups():
    plain = small()
    grouped = plain.with_overrides({"groups.per_country": 2})
    assert C.check_pair([grouped, grouped], "Aland:Aland", "group_members") == ("Aland", "Aland")
    with pytest.raises(ScenarioError, match="group_members is recorded only in scenarios with"):
        C.check_pair([grouped, plain], "Aland:Bland", "group_members")
