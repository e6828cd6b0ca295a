"""Anchoring, burn-in and open borders: a world that stays put, and still moves."""

import numpy as np
import pytest

from nanosim import DiplomacyModel, ScenarioError, results, run_replicate
from nanosim.engine.channels import by_name
from nanosim.engine.kernels import PEOPLE, STATE
from nanosim.engine.kernels.measures import image_moments
from nanosim.scenario import loads_scenario
from tests.conftest import ALL_OFF, SMALL, small

QUIET = SMALL[:SMALL.index("[channels.campaign]")]  # no standing campaign, no events
ALAND, BLAND, CLAND = 0, 1, 2
ANCHORING = by_name("anchoring").code


def quiet(**overrides) -> DiplomacyModel:
    """The small scenario with no events and every channel off, but ``overrides``."""
    settings = {**ALL_OFF, **{k.replace("__", "."): v for k, v in overrides.items()}}
    return DiplomacyModel(small(settings, text=QUIET), citizen_agents=False)


def cross_border_ties(graph, home, a, b) -> int:
    source = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    pair = {a, b}
    crossing = (home[source] != home[graph.indices]) & np.isin(home[source], list(pair)) \
        & np.isin(home[graph.indices], list(pair))
    return int(crossing.sum()) // 2


# --- anchoring ---------------------------------------------------------------------


def test_anchoring_pulls_a_shocked_image_back_at_its_rate():
    rate, k = 0.05, 12
    model = quiet(perception__anchoring=rate)
    disposition = model.dispositions.copy()
    np.testing.assert_array_equal(disposition, model.images)
    shocked = model.images.copy()
    shocked[model.home == ALAND, STATE, BLAND] = -1.0  # a shock to one image
    shocked[model.home == BLAND, PEOPLE, ALAND] = 1.0
    model.images = shocked.copy()  # the model steps it in place
    for _ in range(k):
        model.step()
    expected = disposition + (1 - rate) ** k * (shocked - disposition)  # the closed form
    np.testing.assert_allclose(model.images, expected, rtol=0, atol=1e-12)
    # its changes are credited to it, and only to it
    moved = (model.images - shocked).reshape(-1, 2 * model.n_countries)
    per_country = np.array([moved[model.home == d].sum(axis=0) for d in range(3)])
    ledger = model.recorder.shift  # observer, target, image, code
    np.testing.assert_allclose(ledger[..., ANCHORING].transpose(0, 2, 1).reshape(3, -1),
                               per_country, atol=1e-9)
    assert np.count_nonzero(np.delete(ledger, ANCHORING, axis=-1)) == 0
    assert model.recorder.counts[ANCHORING] == 0  # anchoring carries no messages


def test_without_anchoring_no_dispositions_are_kept_and_no_anchoring_is_credited():
    assert DiplomacyModel(small(), citizen_agents=False).dispositions is not None
    off = small({"perception.anchoring": 0.0})
    assert DiplomacyModel(off, citizen_agents=False).dispositions is None
    assert "anchoring" not in run_replicate(off, 0)["channel"].cat.categories


def test_a_model_built_without_dispositions_refuses_anchoring():
    model = DiplomacyModel(small({"perception.anchoring": 0.0}), citizen_agents=False)
    with pytest.raises(Exception, match="perception.anchoring needs the dispositions"):
        model.scenario = small({"perception.anchoring": 0.1})


def test_the_channel_shifts_still_add_up_to_the_total_shift():
    df = run_replicate(small({"perception.anchoring": 0.02}), 0)
    assert "anchoring" in df["channel"].cat.categories
    last = df["step"].max()
    fav = results.select(df, "favourability").set_index(["step", "observer", "target"])["value"]
    total = (fav.xs(last) - fav.xs(0)).sort_index()
    by_channel = results.select(df[df["step"] == last], "shift_by_channel")
    summed = by_channel.groupby(["observer", "target"], observed=True)["value"].sum()
    np.testing.assert_allclose(summed.sort_index().to_numpy(), total.to_numpy(), atol=1e-9)
    anchored = by_channel[by_channel["channel"] == "anchoring"]["value"]
    assert (anchored.abs() > 0).all()


def test_anchoring_keeps_the_running_sums_exact():
    model = DiplomacyModel(small({"perception.anchoring": 0.05}), citizen_agents=False)
    for _ in range(3):
        model.step()
        rec = model.recorder
        np.testing.assert_array_equal(
            rec.sums, image_moments(model.images, model.starts, model.sizes,
                                    model.scenario.perception.state_weight))


# --- burn-in ---------------------------------------------------------------------------


OPENING = dict(kind="open_borders", step=0, between=["Aland", "Bland"], ties=0.4, duration=4)
INCIDENT = dict(kind="incident", step=10, between=["Aland", "Bland"], severity=0.8)


def test_a_scenario_and_its_twin_without_events_are_identical_at_day_0():
    settings = {"scenario.burn_in": 25, "perception.anchoring": 0.02}
    treated = small({**settings, "events": [OPENING, INCIDENT]})
    twin = small({**settings, "events": []})
    a = DiplomacyModel(treated, citizen_agents=False)
    b = DiplomacyModel(twin, citizen_agents=False)
    unburned = DiplomacyModel(small({"perception.anchoring": 0.02}), citizen_agents=False)
    for name in ("images", "symbols", "relations", "rng_state"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert not np.array_equal(a.images, unburned.images)  # the burn-in did run
    np.testing.assert_array_equal(a.dispositions, unburned.dispositions)
    for model in (a, b):  # the clock and the ledger start at day 0
        assert model.t == 0 and model.recorder.times == [0]
        assert not model.recorder.shift.any() and not model.recorder.counts.any()
    da, db = run_replicate(treated, 0), run_replicate(twin, 0)
    assert da["step"].min() == 0 and sorted(set(da["step"]))[:2] == [0, 1]
    np.testing.assert_array_equal(da[da["step"] == 0]["value"], db[db["step"] == 0]["value"])
    assert not da[da["step"] == 30]["value"].equals(db[db["step"] == 30]["value"])


def test_the_burn_in_runs_no_events_and_records_nothing():
    campaign = dict(kind="campaign", step=0, country="Cland", targets=["Aland"], reach=0.5,
                    mu=0.2, accept=2.0, reject=float("inf"), duration=30)
    model = quiet(scenario__burn_in=10, events=[campaign])
    fresh = quiet(events=[campaign])
    np.testing.assert_array_equal(model.images, fresh.images)  # all channels off
    assert model.recorder.times == [0]


# --- open borders ----------------------------------------------------------------------


def test_open_borders_adds_its_ties_in_equal_daily_batches_and_keeps_them():
    event = dict(OPENING, step=1)
    model = quiet(network__cross_border=0.0, events=[event])
    e = model.scenario.events[0]
    total = e.total_ties(model.scenario, model.sizes)
    assert total == round(0.4 * (300 + 180) / 2) == 96
    assert [e.ties_on_day(total, day) for day in range(4)] == [24, 24, 24, 24]
    counts = []
    for _ in range(8):
        model.step()
        counts.append(cross_border_ties(model.graph, model.home, ALAND, BLAND))
    assert counts[0] == 0  # step 0: not yet
    assert counts[1:5] == [24, 48, 72, 96]  # steps 1..4: one batch each (no repeats here)
    assert counts[5:] == [96, 96, 96]  # and they stay
    assert cross_border_ties(model.graph, model.home, ALAND, CLAND) == 0
    assert model.graph is model.base_graph


def test_open_borders_ties_outlast_an_exchange_programme():
    exchange = dict(kind="exchange_programme", step=1, between=["Aland", "Cland"], ties=30,
                    duration=2)
    model = quiet(network__cross_border=0.0, events=[dict(OPENING, step=0), exchange])
    for _ in range(3):
        model.step()
    assert cross_border_ties(model.graph, model.home, ALAND, CLAND) == 30
    assert cross_border_ties(model.graph, model.home, ALAND, BLAND) == 72
    for _ in range(3):
        model.step()
    assert cross_border_ties(model.graph, model.home, ALAND, CLAND) == 0
    assert cross_border_ties(model.graph, model.home, ALAND, BLAND) == 96


def test_open_borders_batches_depend_only_on_seed_replicate_step_and_day():
    one = quiet(network__cross_border=0.0, events=[OPENING])
    two = quiet(network__cross_border=0.0, events=[OPENING], channels__talk__enabled=True)
    for _ in range(4):
        one.step()
        two.step()
    np.testing.assert_array_equal(one.graph.indices, two.graph.indices)


# --- bad keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "says"), [
    ({"perception.anchoring": 1.5}, "perception.anchoring"),
    ({"perception.anchoring": -0.1}, "perception.anchoring"),
    ({"scenario.burn_in": -1}, "scenario.burn_in"),
    ({"events": [dict(OPENING, between=["Aland", "Zland"])]},
     "events.0.between: unknown country 'Zland'"),
    ({"events": [dict(OPENING, between=["Aland", "Aland"])]},
     "events.0.between: a country cannot name itself"),
    ({"events": [dict(OPENING, ties=0)]}, "events.0.ties: must be in 0 (exclusive)"),
    ({"events": [dict(OPENING, ties=500)]}, "events.0.ties: too many"),
    ({"events": [OPENING], "network.kind": "complete"}, "events.0.kind: open_borders adds"),
])
def test_bad_keys_get_one_line(overrides, says):
    with pytest.raises(ScenarioError) as info:
        loads_scenario(QUIET, "bad.toml", overrides)
    message = str(info.value)
    assert "\n" not in message and says in message, message
