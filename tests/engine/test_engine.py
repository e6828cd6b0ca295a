"""The model's guarantees: determinism, bounds, attribution, channels doing what they say."""

import numpy as np
import pandas as pd
import pytest

from nanosim import DiplomacyModel, NanosimError, results, run, run_replicate
from nanosim.engine.agents import Citizen, State
from nanosim.engine.channels import reported
from nanosim.engine.kernels import PEOPLE
from nanosim.io.outputs import write_table
from tests.conftest import ALL_OFF, V1, small


def final_value(df, metric, observer, target, channel=None):
    rows = results.select(results.final(df), metric, observer, target, channel)
    return rows["value"].mean()


def test_same_seed_gives_byte_identical_parquet(tmp_path, small_scenario):
    a, b = run(small_scenario), run(small_scenario)
    write_table(a, tmp_path / "a.parquet")
    write_table(b, tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_replicate_is_the_same_alone_or_among_others(small_scenario):
    among = run(small_scenario, replicates=3)
    alone = run_replicate(small_scenario, 2)
    part = among[among["replicate"] == 2].reset_index(drop=True)
    np.testing.assert_array_equal(part["value"].to_numpy(), alone["value"].to_numpy())


def test_different_seeds_differ(small_scenario):
    a = run_replicate(small_scenario, 0)
    b = run_replicate(small_scenario, 0, seed=99)
    assert not np.array_equal(a["value"].to_numpy(), b["value"].to_numpy())


def test_images_stay_within_bounds():
    model = DiplomacyModel(small({"channels.contact.mu": 0.8, "channels.talk.mu": 1.0,
                                  "perception.boomerang": 5.0,
                                  "channels.campaign.accept": 0.05,
                                  "channels.campaign.reject": 0.1}))
    model.run_to_end()
    assert model.images.min() >= -1.0 and model.images.max() <= 1.0
    assert np.isfinite(model.images).all()


def test_shift_by_channel_sums_to_total_shift(small_scenario):
    df = run(small_scenario)
    for image, by_channel in (("favourability", "shift_by_channel"),
                              ("image_people", "shift_by_channel_people"),
                              ("image_state", "shift_by_channel_state"),
                              ("soft_power", "soft_power_by_channel")):
        total = results.final(results.shifts(df, image)).groupby(
            ["replicate", "observer", "target"], observed=True)["value"].sum()
        parts = results.final(results.select(df, by_channel)).groupby(
            ["replicate", "observer", "target"], observed=True)["value"].sum()
        np.testing.assert_allclose(parts.sort_index().to_numpy(),
                                   total.sort_index().to_numpy(), atol=1e-9)
        assert np.abs(total.to_numpy()).max() > 1e-4  # something did move


def test_every_channel_off_changes_no_perception():
    model = DiplomacyModel(small(ALL_OFF | {"scenario.steps": 20}, text=_without_campaign()))
    before = model.images.copy()
    model.run_to_end()
    np.testing.assert_array_equal(model.images, before)
    assert model.recorder.counts.sum() == 0


def _without_campaign():
    from tests.conftest import SMALL
    start = SMALL.index("[channels.campaign]")
    end = SMALL.index("[[events]]")
    return SMALL[:start] + SMALL[end:]


def test_messages_are_counted_per_channel(small_scenario):
    df = run_replicate(small_scenario, 0)
    msgs = results.select(results.final(df), "messages")
    counts = dict(zip(msgs["channel"].astype(str), msgs["value"], strict=True))
    for channel in reported(small_scenario):
        if channel.name != "anchoring":  # a pull, not messages
            assert counts[channel.name] > 0, channel.name
    assert counts["anchoring"] == 0
    # the incident's news reaches every citizen of the two countries once
    assert counts["events"] == pytest.approx(600 * 0.8)


def test_citizens_and_states_are_mesa_agents_viewing_the_arrays(small_scenario):
    model = DiplomacyModel(small_scenario)
    citizens = model.agents_by_type[Citizen]
    assert len(citizens) == 600 and len(model.agents_by_type[State]) == 3
    c = citizens[0]
    model.images[c.index, 0, 1] = 0.42
    assert c.image_people[1] == 0.42
    assert c.country == "Aland" and 0 <= c.openness <= 1
    assert {s.country for s in model.agents_by_type[State]} == {"Aland", "Bland", "Cland"}
    arrays_only = DiplomacyModel(small_scenario, citizen_agents=False)
    assert len(arrays_only.citizens) == 0 and arrays_only.citizens.agg("unique_id", len) == 0


def test_every_row_of_the_table_is_the_recorded_value_at_its_labels(small_scenario):
    model = DiplomacyModel(small_scenario, citizen_agents=False)
    model.run_to_end()
    df, rec = model.timeseries(), model.recorder
    at = lambda col: df[col].cat.codes.to_numpy()  # noqa: E731
    step = np.searchsorted(rec.times, df["step"].to_numpy())
    observer, target, channel = at("observer"), at("target"), at("channel")
    means, shift = np.stack(rec.rows["means"]), np.stack(rec.rows["shift"])
    messages = np.stack(rec.rows["messages"])
    n = model.n_countries
    code = [c.code for c in reported(small_scenario)]  # ledger code of each channel row
    checks = {"favourability": lambda r: means[step[r], observer[r], target[r], 0],
              "image_state": lambda r: means[step[r], observer[r], target[r], 3],
              "shift_by_channel_people": lambda r: shift[step[r], observer[r], target[r],
                                                         PEOPLE, code[channel[r] - 1]]
              / model.sizes[observer[r]],
              "messages": lambda r: messages[step[r], code[channel[r] - 1]]}
    per_step = {"favourability": n * (n - 1), "image_state": n * (n - 1),
                "shift_by_channel_people": n * (n - 1) * len(code),
                "messages": len(code)}
    for name, expected in checks.items():
        rows = np.flatnonzero(df["metric"] == name)
        assert len(rows) == len(rec.times) * per_step[name]
        got = df["value"].to_numpy()[rows]
        np.testing.assert_array_equal(got, [expected(r) for r in rows])
    assert (observer[df["metric"] == "messages"] == n).all()  # "all"
    assert (observer != target)[df["metric"] == "favourability"].all()


def test_mesa_ways_of_running_give_the_whole_table_of_their_replicate(small_scenario):
    expected = run_replicate(small_scenario, 1)
    for go in ("run_model", "run_for", "step"):
        model = DiplomacyModel(small_scenario, 1)
        if go == "run_model":
            model.run_model()
        elif go == "run_for":
            model.run_for(small_scenario.run.steps)
        else:
            while model.running:
                model.step()
        pd.testing.assert_frame_equal(model.timeseries(), expected)
    assert {"cultural_regions", "clusters_people"} <= set(expected["metric"].astype(str))
    assert set(expected["replicate"]) == {1}


def test_a_states_relations_stay_live_as_the_model_steps(small_scenario):
    model = DiplomacyModel(small_scenario)
    held = model.agents_by_type[State][0].relations
    for _ in range(10):
        model.step()
    assert np.array_equal(held, model.relations[0]) and not np.array_equal(held, np.eye(3)[0])


def test_a_scenario_file_runs_and_bad_run_arguments_are_one_line_errors(tmp_path):
    from nanosim import NanosimError
    from tests.conftest import SMALL

    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    assert run(path, 1).equals(run(small(), 1))
    for bad, message in ((lambda: run(path, 0), "run: replicates: must be a whole number >= 1"),
                         (lambda: DiplomacyModel(path, seed=-1),
                          "DiplomacyModel: seed: must be a whole"),
                         (lambda: DiplomacyModel(path, 1.5),
                          "DiplomacyModel: replicate: must be a whole")):
        with pytest.raises(NanosimError, match=f"^{message}"):
            bad()


def test_population_split_by_share(small_scenario):
    model = DiplomacyModel(small_scenario, citizen_agents=False)
    assert model.sizes.tolist() == [300, 180, 120]
    assert len(model.agents) == 3  # states only


def test_incident_drops_relations_and_state_image_more_than_people_image():
    scenario = small({**ALL_OFF, "channels.events.enabled": True, "channels.events.mu": 0.3,
                      "scenario.steps": 12})
    df = run_replicate(scenario, 0)
    rel = results.select(df, "relations", "Aland", "Bland")
    assert rel[rel.step == 11]["value"].iloc[0] == pytest.approx(0.3 - 0.8)
    state = results.final(results.shifts(df, "image_state"))
    people = results.final(results.shifts(df, "image_people"))
    fall_state = state[(state.observer == "Aland") & (state.target == "Bland")]["value"].iloc[0]
    fall_people = people[(people.observer == "Aland") & (people.target == "Bland")][
        "value"].iloc[0]
    assert fall_state < -0.1 and abs(fall_people) < abs(fall_state)


def test_contact_spreads_national_symbols_across_borders_in_the_v1_model():
    scenario = small({**ALL_OFF, **V1, "channels.contact.enabled": True,
                      "channels.contact.rate": 1.0, "network.cross_border": 4.0,
                      "culture.diversity": 0.5,
                      "scenario.steps": 30})
    df = run_replicate(scenario, 0)
    share = results.select(df, "symbol_share", "Aland", "Bland")["value"]
    assert share.iloc[-1] > share.iloc[0] + 0.01


def test_cultures_with_nothing_in_common_do_not_interact():
    scenario = small({**ALL_OFF, "channels.contact.enabled": True, "channels.contact.rate": 1.0,
                      "network.cross_border": 4.0, "culture.diversity": 0.0})
    df = run_replicate(scenario, 0)
    assert results.select(df, "symbol_share", "Aland", "Bland")["value"].max() == 0.0


def test_symbol_share_is_empty_where_two_cultures_differ_nowhere():
    text = ("[scenario]\nsteps = 3\n[population]\nsize = 200\n[culture]\ntraits = 1\n"
            '[[country]]\nname = "A"\nshare = 0.5\n[[country]]\nname = "B"\nshare = 0.5\n')
    df = run_replicate(small(text=text), 0)
    assert results.select(df, "symbol_share")["value"].isna().all()
    assert results.select(df, "favourability")["value"].notna().all()


def test_positive_contact_improves_people_image_in_the_v1_model():
    scenario = small({**ALL_OFF, **V1, "channels.contact.enabled": True,
                      "channels.contact.rate": 1.0, "channels.contact.positivity": 1.0,
                      "network.cross_border": 4.0})
    df = run_replicate(scenario, 0)
    assert results.final_shifts(df, "image_people").query(
        "observer == 'Aland' and target == 'Bland'")["median"].iloc[0] > 0.01


def test_hostile_posting_lowers_favourability():
    base = {**ALL_OFF, "channels.social_media.enabled": True, "network.online_share": 1.0,
            "network.online_cross_border": 0.5, "channels.social_media.post_rate": 0.5}
    kind = run_replicate(small(base | {"channels.social_media.hostility": 0.0}), 0)
    hostile = run_replicate(small(base | {"channels.social_media.hostility": 1.0}), 0)
    assert (final_value(hostile, "soft_power", "all", "Aland")
            < final_value(kind, "soft_power", "all", "Aland"))


def test_platform_ban_silences_social_media():
    base = {**ALL_OFF, "channels.social_media.enabled": True, "network.online_share": 1.0}
    ban = "[[events]]\nstep = 0\nkind = \"platform_ban\"\ncountry = \"{}\"\n"
    text = _without_campaign().split("[[events]]")[0]
    text += "".join(ban.format(c) for c in ("Aland", "Bland", "Cland"))
    df = run_replicate(small(base, text=text), 0)
    assert final_value(df, "messages", "all", "all", "social_media") == 0


def test_platform_ban_silences_social_media_only_while_it_lasts():
    base = {**ALL_OFF, "channels.social_media.enabled": True, "network.online_share": 1.0}
    ban = "[[events]]\nstep = 10\nkind = \"platform_ban\"\ncountry = \"{}\"\nduration = 5\n"
    text = _without_campaign().split("[[events]]")[0]
    text += "".join(ban.format(c) for c in ("Aland", "Bland", "Cland"))
    model = DiplomacyModel(small(base, text=text))
    posts = []
    while model.running:
        before = model.recorder.counts.sum()
        model.step()
        posts.append(model.recorder.counts.sum() - before)
    assert all(p > 0 for p in posts[:10]) and all(p > 0 for p in posts[15:])
    assert posts[10:15] == [0] * 5


def test_campaign_moves_target_public_toward_its_valence():
    text = _without_campaign().split("[[events]]")[0] + (
        '[channels.campaign]\ncountry = "Cland"\ntargets = ["Aland"]\nreach = 0.5\n'
        'valence = 0.8\nmu = 0.2\naccept = 2.0\nreject = inf\n')
    df = run_replicate(small(ALL_OFF, text=text), 0)
    assert final_value(df, "shift_by_channel_state", "Aland", "Cland", "campaign") > 0.05
    assert final_value(df, "shift_by_channel_state", "Bland", "Cland", "campaign") == 0


def test_exchange_programme_adds_cross_border_contact():
    text = _without_campaign().split("[[events]]")[0]
    base = {**ALL_OFF, "channels.contact.enabled": True, "network.cross_border": 0.0}
    without = run_replicate(small(base, text=text), 0)
    text += ('[[events]]\nstep = 5\nkind = "exchange_programme"\nbetween = ["Aland", "Bland"]\n'
             'ties = 300\nduration = 10\n')
    with_ties = run_replicate(small(base, text=text), 0)
    assert final_value(without, "messages", "all", "all", "contact") == 0
    assert final_value(with_ties, "messages", "all", "all", "contact") > 0


def test_file_network_runs_on_real_edge_list(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,country\n" + "".join(
        f"{i},{'Aland' if i < 6 else 'Bland'}\n" for i in range(10)))
    (tmp_path / "edges.csv").write_text("source,target\n" + "".join(
        f"{i},{(i + 1) % 10}\n" for i in range(10)))
    text = _without_campaign().split("[[country]]")[0] + """
[[country]]
name = "Aland"
share = 0.6
[[country]]
name = "Bland"
share = 0.4
[network]
kind = "file"
edges = "edges.csv"
nodes = "nodes.csv"
"""
    path = tmp_path / "file.toml"
    path.write_text(text)
    from nanosim import load_scenario
    model = DiplomacyModel(load_scenario(path))
    assert model.n_citizens == 10 and model.graph.n_edges == 10
    model.run_to_end()
    assert model.t == 30


def test_absorption_on_a_complete_graph_ignores_pairs_with_nothing_in_common():
    text = ('[population]\nsize = 3\n[culture]\nfeatures = ["a", "b"]\ntraits = 9\n'
            '[network]\nkind = "complete"\n[[country]]\nname = "Solo"\nshare = 1.0\n')
    model = DiplomacyModel(small(text=text))
    model.symbols[:] = [[0, 0], [1, 1], [2, 2]]  # nobody shares anything: absorbed
    assert not model.can_share_symbols()
    model.symbols[2] = [0, 5]  # shares one of two features with citizen 0
    assert model.can_share_symbols()


def test_agent_views_are_read_only_so_metrics_cannot_go_stale(small_scenario):
    citizen = DiplomacyModel(small_scenario).agents_by_type[Citizen][0]
    with pytest.raises(ValueError, match="read-only"):
        citizen.image_state[1] = 0.5


@pytest.mark.parametrize("field, value, message", [
    ("images", np.zeros((10, 2, 3)), "model.images: must have shape (600, 2, 3)"),
    ("openness", np.full(10, 0.5), "model.openness: must have shape (600,)"),
    ("openness", 1.5, "model.openness: values must lie in 0.0..1.0 (got 1.5..1.5)"),
    ("symbols", np.zeros((600, 2), np.int16), "model.symbols: must have shape (600, 5)"),
    ("online", "yes", "model.online: must be one true/false per citizen (got str)"),
])
def test_a_replaced_array_of_the_wrong_shape_or_range_is_refused(small_scenario, field, value,
                                                                   message):
    model = DiplomacyModel(small_scenario)
    with pytest.raises(NanosimError) as error:
        setattr(model, field, value)
    assert str(error.value).startswith(message)


def test_a_replaced_array_is_what_the_metrics_and_kernels_see():
    model = DiplomacyModel(small({"perception.anchoring": 0.0}))
    model.step()
    model.images = np.ones(model.images.shape)  # no recorder.invalidate() needed
    model.openness = 0.0  # one number for everyone: nobody is moved any more
    model.step()
    fav = results.select(model.timeseries(), "favourability", "Aland", "Bland")
    assert fav["value"].iloc[-1] == 1.0


def _recorded_means(scenario, read_between_steps=False):
    model = DiplomacyModel(scenario)
    while model.running:
        model.step()
        if read_between_steps:
            model.recorder.current_means()
    return dict(zip(model.recorder.times, model.recorder.rows["means"], strict=True)), model


def test_a_long_run_keeps_every_recorded_step():
    """The recorder's storage grows past its first allocation (1024 steps) intact."""
    model = DiplomacyModel(small({"scenario.steps": 1100, "population.size": 90,
                                  "channels.relations.enabled": False}), citizen_agents=False)
    seen = [model.recorder.current_means().copy()]
    while model.running:
        model.step()
        seen.append(model.recorder.current_means().copy())
    assert model.recorder.times == list(range(1101))
    np.testing.assert_array_equal(model.recorder.rows["means"], np.stack(seen))
    assert not np.array_equal(seen[0], seen[-1])  # the views did move


def test_sparse_recording_measures_what_dense_recording_does():
    """With record_every > 1 the kernels skip the running sums; the measures are the same."""
    no_relations = {"channels.relations.enabled": False}
    dense, dense_model = _recorded_means(small(no_relations))
    sparse, sparse_model = _recorded_means(small({**no_relations, "scenario.record_every": 7}))
    assert list(sparse) == [0, 7, 14, 21, 28, 30]
    np.testing.assert_array_equal(sparse_model.images, dense_model.images)
    for t, means in sparse.items():
        np.testing.assert_allclose(means, dense[t], rtol=0, atol=1e-12)
    assert sparse_model.recorder.ledger_for_step(29).sums.size == 0  # not recorded: none kept
    assert dense_model.recorder.ledger_for_step(29).sums is dense_model.recorder.sums


def test_reading_measures_between_steps_changes_no_recorded_value():
    scenario = small({"channels.relations.enabled": False, "scenario.record_every": 4})
    quiet, _ = _recorded_means(scenario)
    watched, _ = _recorded_means(scenario, read_between_steps=True)
    for t, means in quiet.items():
        np.testing.assert_array_equal(watched[t], means)


def test_uniform_openness_is_one_shared_number_with_the_same_results():
    scenario = small({"population.openness": 0.8, "population.openness_sd": 0.0})
    shared = DiplomacyModel(scenario)
    assert not shared.openness.flags.writeable
    assert shared.citizens[5].openness == 0.8
    own = DiplomacyModel(scenario)
    own.openness = np.full(own.n_citizens, 0.8)  # one number per citizen, writable
    shared.run_to_end()
    own.run_to_end()
    np.testing.assert_array_equal(shared.images, own.images)
    np.testing.assert_array_equal(shared.recorder.shift, own.recorder.shift)


@pytest.mark.parametrize("spillover", [0.0, 0.3])
def test_any_layout_of_the_images_gives_the_same_results(spillover):
    scenario = small({"perception.spillover": spillover})
    stored = DiplomacyModel(scenario)
    assigned = DiplomacyModel(scenario)
    assigned.images = np.array(assigned.images, order="C")  # a user's own array
    stored.run_to_end()
    assigned.run_to_end()
    np.testing.assert_array_equal(stored.images, assigned.images)
    np.testing.assert_array_equal(stored.recorder.shift, assigned.recorder.shift)
    pd.testing.assert_frame_equal(stored.recorder.table(), assigned.recorder.table())


def test_the_channels_figure_leaves_out_channels_that_moved_nothing():
    from nanosim.figures.run import channels_figure

    df = run_replicate(small({**ALL_OFF, "channels.talk.enabled": True,
                              "channels.contact.enabled": True}), 0)
    legend = channels_figure(df).axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["contact", "talk", "campaign",
                                                              "anchoring"]


def test_a_built_model_takes_new_channel_settings_but_not_new_countries(small_scenario):
    model = DiplomacyModel(small_scenario)
    model.scenario = small_scenario.with_overrides({"channels.talk.rate": 0.5})
    model.step()
    assert model.scenario.channels.talk.rate == 0.5
    with pytest.raises(NanosimError, match="^model.scenario: a built model keeps its population"):
        model.scenario = small_scenario.with_overrides({"population.size": 50})


def test_a_step_after_the_last_does_nothing_but_warn_and_more_steps_go_on(small_scenario):
    model = DiplomacyModel(small_scenario.with_overrides({"scenario.steps": 5, "events": []}))
    model.run_model()
    with pytest.warns(RuntimeWarning, match="the run ended at step 5"):
        model.run_for(2)
    assert model.t == 5 and model.timeseries()["step"].max() == 5
    model.scenario = model.scenario.with_overrides({"scenario.steps": 7})
    model.running = True
    model.run_model()
    assert model.t == 7 and model.timeseries()["step"].max() == 7
