"""Sponsored nano diplomacy (MODEL.md 5): what a sponsorship marks, persuasion knowledge,
and the ledger's voluntary and sponsored parts."""

import numpy as np
import pytest

from nanosim import run_replicate
from nanosim.engine.channels import by_name
from nanosim.engine.model import DiplomacyModel
from nanosim.engine.sponsorship import paid_influencers, paid_ties
from nanosim.errors import NanosimError
from tests.conftest import small

SOCIETY = {"home": "Aland", "partner": "Bland", "size": 60, "activity": 1.0, "binational": True}
EXCHANGE = {"kind": "exchange_programme", "step": 2, "between": ["Aland", "Bland"],
            "ties": 300, "duration": 20, "meetings": 0.5}
# each programme: the voluntary world, and what a sponsorship adds to it
PROGRAMMES = {
    "influencers": ({}, {"sponsorship": [{"sponsor": "Aland", "programme": "influencers",
                                          "share": 0.5}]}),
    "groups": ({"group": [SOCIETY]},
               {"events": [{"kind": "sponsorship", "step": 0, "sponsor": "Bland",
                            "programme": "groups", "partner": "Aland"}]}),
    "exchanges": ({"events": [EXCHANGE]},
                  {"events": [EXCHANGE, {"kind": "sponsorship", "step": 1, "sponsor": "Aland",
                                         "programme": "exchanges"}]}),
}
CHANNEL = {"influencers": "social_media", "groups": "groups", "exchanges": "contact"}
VIEWS = ("favourability", "image_people", "image_state", "share_favourable", "familiarity")


def programme(name, sponsored, **overrides):
    voluntary, paid = PROGRAMMES[name]
    groups = {"group": voluntary.get("group", [])}
    events = paid.get("events", voluntary.get("events", [])) if sponsored else \
        voluntary.get("events", [])
    extra = {k: v for k, v in paid.items() if k != "events"} if sponsored else {}
    return small({"events": events, **groups, **extra, **overrides})


def views(df):
    """The views and what citizens know, as plain columns (the tables' categories differ:
    one keeps sponsored metrics)."""
    return df[df["metric"].isin(VIEWS)].astype({c: str for c in ("metric", "observer",
                                                                 "target", "channel")}
                                               ).reset_index(drop=True)


@pytest.mark.parametrize("name", PROGRAMMES)
def test_undetected_sponsorship_is_bit_identical_to_the_voluntary_programme(name):
    paid = run_replicate(programme(name, True, **{"credibility.detect": 0.0}), 0)
    voluntary = run_replicate(programme(name, False), 0)
    assert views(paid).equals(views(voluntary))
    sponsored = paid.query("metric == 'shift_by_channel_sponsored' and step == 30 "
                           "and channel == @CHANNEL[@name]")["value"]
    assert (sponsored != 0).any()  # the sponsored part was recorded apart
    share = paid.query("metric == 'sponsored_share' and step == 30")
    share = dict(zip(share["channel"].astype(str), share["value"], strict=True))
    assert 0 < share[CHANNEL[name]] <= 1 and share["talk"] == 0


@pytest.mark.parametrize("name", PROGRAMMES)
def test_detected_sponsorship_of_weight_zero_moves_nothing(name):
    df = run_replicate(programme(name, True, **{"credibility.detect": 1.0,
                                                "credibility.weight": 0.0}), 0)
    sponsored = df.query("metric == 'shift_by_channel_sponsored'")["value"]
    assert (sponsored == 0).all()
    share = df.query("metric == 'sponsored_share' and step == 30 and channel == @CHANNEL[@name]")
    assert share["value"].iloc[0] > 0  # the experiences happened, and counted for nothing


def test_a_sponsored_group_of_weight_zero_is_as_if_it_never_met():
    """Groups draw from their own stream: with learning off, a fully detected sponsored
    group worth nothing leaves every view as in a world without it."""
    no_learning = {"channels.groups.learning": 0.0, "channels.contact.learning": 0.0,
                   "channels.social_media.adoption": 0.0, "credibility.detect": 1.0,
                   "credibility.weight": 0.0}
    paid = run_replicate(programme("groups", True, **no_learning), 0)
    none = run_replicate(programme("groups", True, **no_learning, group=[]), 0)
    assert views(paid).equals(views(none))


def test_detected_sponsorship_backfires_below_zero():
    backfire = programme("groups", True, **{"credibility.detect": 1.0,
                                            "credibility.weight": -1.0})
    df = run_replicate(backfire, 0)
    final = df.query("metric == 'shift_by_channel_sponsored' and step == 30 "
                     "and channel == 'groups' and target in ('Aland', 'Bland') "
                     "and observer in ('Aland', 'Bland')")["value"]
    assert (final < 0).all()
    voluntary = df.query("metric == 'shift_by_channel_voluntary' and step == 30 "
                         "and channel == 'groups'")["value"]
    assert (voluntary == 0).all()  # every experience of the group was sponsored


def test_voluntary_and_sponsored_parts_add_up_to_the_shift_by_channel():
    df = run_replicate(programme("exchanges", True), 0).query("step == 30")
    parts = {m: df[df["metric"] == m].set_index(["observer", "target", "channel"])["value"]
             for m in ("shift_by_channel", "shift_by_channel_voluntary",
                       "shift_by_channel_sponsored")}
    assert np.allclose(parts["shift_by_channel"], parts["shift_by_channel_voluntary"]
                       + parts["shift_by_channel_sponsored"], atol=1e-15)


def test_what_a_sponsorship_marks():
    model = DiplomacyModel(programme("influencers", True))
    paid = paid_influencers(model)
    aland = slice(model.starts[0], model.starts[0] + model.sizes[0])
    online = model.online[aland]
    assert paid[aland].sum() == round(0.5 * online.sum()) and not paid[model.sizes[0]:].any()
    followed = model.followers.degree()[aland]
    assert followed[paid[aland]].min() >= followed[online & ~paid[aland]].max()
    model = DiplomacyModel(programme("exchanges", True))
    assert paid_ties(model).size == 0
    for _ in range(3):  # the sponsorship starts at step 1, the programme at step 2
        model.step()
    keys = paid_ties(model)
    n = model.n_citizens
    assert keys.size and set(model.home[keys // n]) | set(model.home[keys % n]) == {0, 1}
    model = DiplomacyModel(programme("groups", True, **{"events.0.duration": 2}))
    assert model.groups[0].sponsor == "Bland"
    model.step()
    model.step()
    assert model.groups[0].sponsor is None  # it lasted its two days


def test_a_sponsorship_needs_a_model_built_with_one():
    model = DiplomacyModel(programme("exchanges", False))
    with pytest.raises(NanosimError, match="sponsorship needs the sponsored part of the ledger"):
        model.scenario = programme("exchanges", True)


def test_the_groups_channel_is_registered_in_step_order():
    names = [c.name for c in __import__("nanosim.engine.channels", fromlist=["CHANNELS"]).CHANNELS]
    assert names.index("social_media") < names.index("groups") < names.index("talk")
    assert by_name("groups").code == 7
