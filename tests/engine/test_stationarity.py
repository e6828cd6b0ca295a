"""Model v2's world stays put without events and still moves with them (MODEL.md 3.3)."""

import sys
from pathlib import Path

import numpy as np

from nanosim import DiplomacyModel, load_scenario, run
from nanosim.engine.kernels import PEOPLE

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from exchange_effect import matched_difference  # noqa: E402
from stationarity import table  # noqa: E402

SMALL = {"population.size": 3000, "scenario.replicates": 3}


def test_the_everyday_and_the_dense_worlds_stay_put_without_events():
    """Small versions of the table in docs/validation.md: 180 days after the burn-in."""
    for name in ("baseline", "no_crisis_with_nano"):
        s = load_scenario(name, {**SMALL, "events": [], "scenario.steps": 180,
                                 "scenario.record_every": 180})
        t = table(run(s), 180)
        assert (t["d_fav"].abs() < 0.01).all() and (t["d_share"].abs() < t["share_bound"]).all()
        assert ((t["sd_end"] / t["sd_0"] - 1).abs() <= 0.1).all(), (name, t)
        # familiarity: 2 points here, where 3,000 citizens' replicate noise is about 1
        assert (t["d_familiarity"].abs() < 0.02).all(), (name, t)
        assert t["share_0"].between(0.55, 0.85).all() and (t["sd_0"] >= 0.2).all(), t


def test_without_the_burn_in_and_the_anchor_the_same_world_drifts():
    """The check above can fail: the v1 world (no anchoring, no burn-in) moves."""
    s = load_scenario("baseline", {**SMALL, "events": [], "scenario.steps": 180,
                                   "scenario.record_every": 180, "scenario.burn_in": 0,
                                   "perception.anchoring": 0.0})
    assert not table(run(s), 180)["ok"].all()


def test_a_scenario_and_its_event_free_twin_are_identical_at_day_0():
    with_events = run(load_scenario("nano_only", {**SMALL, "scenario.steps": 100}))
    twin = run(load_scenario("nano_only", {**SMALL, "scenario.steps": 100, "events": []}))
    day0 = [d[d["step"] == 0].reset_index(drop=True) for d in (with_events, twin)]
    assert day0[0].equals(day0[1])


def test_open_borders_raise_the_people_image_against_the_twin():
    size = {**SMALL, "scenario.steps": 180, "scenario.record_every": 180}
    opened = run(load_scenario("nano_only", size))
    closed = run(load_scenario("nano_only", {**size, "events": []}))
    image = [d[(d["metric"] == "image_people") & (d["step"] == 180)]["value"].mean()
             for d in (opened, closed)]
    assert image[0] - image[1] > 0.02


def test_a_unilateral_act_moves_the_observers_not_the_actor():
    s = load_scenario("us_indonesia_2003", {"population.size": 2000, "scenario.replicates": 1,
                                            "scenario.steps": 300})
    twin = s.with_overrides({"events": []})
    acted, calm = run(s), run(twin)

    def share(df, metric, observer, target):
        rows = df[(df["metric"] == metric) & (df["observer"] == observer)
                  & (df["target"] == target) & (df["step"] == 299)]
        return rows["value"].iloc[0]

    def effect(metric, observer, target):
        return share(acted, metric, observer, target) - share(calm, metric, observer, target)

    us, idn = "United States", "Indonesia"
    state = effect("share_favourable_state", idn, us)
    assert state < -0.3 and abs(effect("share_favourable_people", idn, us)) < abs(state) / 3
    news = acted[(acted["metric"] == "shift_by_channel") & (acted["channel"] == "events")
                 & (acted["step"] == 299)].set_index("observer")["value"]
    assert news[idn] < 0 and news[us] == 0  # the actor's public hears nothing


def test_exchange_participants_end_warmer_than_matched_non_participants():
    programme = {"step": 0, "kind": "exchange_programme", "between": ["Indonesia", "Australia"],
                 "ties": 100, "duration": 20, "meetings": 1.0}
    s = load_scenario("baseline", {"population.size": 2000, "scenario.steps": 20,
                                   "events": [programme]})
    model = DiplomacyModel(s)
    model.run_to_end()
    for side in (0, 1):
        difference, participants = matched_difference(model, s.events[0], side)
        assert participants > 80 and difference > 0.2
    assert np.isfinite(model.images[:, PEOPLE]).all()
