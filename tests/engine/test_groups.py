"""Small groups (MODEL.md 5): memberships, voluntary joining and leaving, gatherings and
showcases, and the reach of the groups channel."""

import numpy as np
import pytest

from nanosim import run_replicate
from nanosim.engine.channels import by_name
from nanosim.engine.kernels import PEOPLE
from nanosim.engine.kernels.measures import familiarity
from nanosim.engine.model import DiplomacyModel
from tests.conftest import ALL_OFF, small

GROUPS = by_name("groups").code
SOCIETY = {"home": "Aland", "partner": "Bland", "size": 60, "activity": 1.0}


def with_groups(groups=(SOCIETY,), **overrides):
    return small({"group": list(groups), **overrides})


def memberships_are_consistent(model):
    """Every invariant of the membership arrays, checked against the Group agents."""
    m = model.memberships
    used = int(m.count[0])
    citizen, group = m.citizen[:used].astype(np.int64), m.group[:used].astype(np.int64)
    pairs = citizen * m.n_groups + group
    assert len(np.unique(pairs)) == used  # a citizen is counted once per group
    assert np.array_equal(np.bincount(citizen, minlength=model.n_citizens), m.belongs)
    assert sum(g.size for g in model.groups) == used
    for g in model.groups:
        countries = {g.home, g.partner} if g.binational else {g.home}
        people = sum(model.sizes[model.country_names.index(c)] for c in countries)
        assert g.size <= people  # never more members than its countries have citizens
        assert {model.country_names[model.home[i]] for i in g.members} <= countries
    return used


def test_membership_is_conserved_through_joining_and_leaving():
    """Joining and leaving change the lists in place; every step the arrays agree with
    each other, the agents and the recorded group_members."""
    generated = {"groups.per_country": 4, "groups.size": 25, "groups.binational": 0.5,
                 "groups.leave": 0.05, "groups.join": 0.2, "groups.leave_below": 0.15}
    model = DiplomacyModel(with_groups(**generated))
    counts = [memberships_are_consistent(model)]
    for _ in range(30):
        model.step()
        counts.append(memberships_are_consistent(model))
    assert len(set(counts)) > 5  # members came and went
    df = model.timeseries()
    members = df[df["metric"] == "group_members"].groupby("step")["value"].sum()
    assert members.tolist() == counts
    assert len(model.groups) == 1 + 4 * 3


def test_members_leave_when_their_view_falls_and_come_back_when_it_recovers():
    scenario = with_groups(**{**ALL_OFF, "channels.groups.enabled": True,
                              "groups.leave_below": 0.1, "groups.leave": 0.0,
                              "groups.join": 0.5})
    model = DiplomacyModel(scenario)
    aland = slice(model.starts[0], model.starts[0] + model.sizes[0])
    before = model.groups[0].size
    assert before == 60
    model.images[aland, PEOPLE, 1] = -0.5  # a crisis: Aland's view of Bland's people falls
    model.recorder.invalidate()
    model.step()
    assert model.groups[0].size == 0
    model.images[aland, PEOPLE, 1] = 0.8  # and recovers
    model.recorder.invalidate()
    for _ in range(20):
        model.step()
    assert 0 < model.groups[0].size
    members = model.timeseries().query("metric == 'group_members' and observer == 'Aland' "
                                       "and target == 'Bland'")["value"].tolist()
    assert members[0] == before and members[1] == 0 and members[-1] > 10


def test_a_group_and_its_members_are_mesa_agents():
    model = DiplomacyModel(with_groups(({**SOCIETY, "name": "Friends of Bland",
                                         "symbols": {"cuisine": "dumplings"}},)))
    (group,) = model.groups
    assert (group.name, group.home, group.partner, group.binational) == (
        "Friends of Bland", "Aland", "Bland", False)
    assert group.symbols == {"cuisine": "dumplings"} and group.sponsor is None
    assert len(group.members) == group.size == 60
    member = model.citizens[int(group.members[0])]
    assert member.groups == [0] and member.country == "Aland"


def test_binational_gatherings_teach_the_partner_s_symbols():
    only_groups = {**ALL_OFF, "channels.groups.enabled": True, "channels.groups.showcase": 0.0,
                   "channels.groups.learning": 1.0, "groups.leave": 0.0}
    model = DiplomacyModel(with_groups(({**SOCIETY, "binational": True},), **only_groups))
    start = familiarity(model.symbols, model.known, model.prototypes, model.starts,
                        model.sizes)
    for _ in range(10):
        model.step()
    members = model.groups[0].members
    aland_members = members[model.home[members] == 0]
    knows_bland = (model.known[:, 1] != 0)
    assert knows_bland[aland_members].mean() > 0.5  # members learned Bland's symbols
    others = np.setdiff1d(np.arange(model.sizes[0]), aland_members)
    assert not knows_bland[others].any()  # gatherings teach members only
    end = familiarity(model.symbols, model.known, model.prototypes, model.starts, model.sizes)
    assert end[0, 1] > start[0, 1] and end[1, 0] > start[1, 0]
    shift = model.recorder.shift[..., GROUPS]
    assert shift[0, 1, PEOPLE] > 0 and shift[1, 0, PEOPLE] > 0  # learning is pleasant


def test_showcases_show_the_group_s_symbols_to_neighbours_outside_it():
    only_showcases = {**ALL_OFF, "channels.groups.enabled": True, "channels.groups.showcase": 1.0,
                      "channels.groups.learning": 1.0, "groups.leave": 0.0, "groups.join": 0.0}
    model = DiplomacyModel(with_groups(**only_showcases))
    for _ in range(10):
        model.step()
    members = model.groups[0].members
    knows_bland = model.known[:, 1] != 0
    outside = np.setdiff1d(np.arange(model.sizes[0]), members)
    assert knows_bland[outside].sum() > 10 and not knows_bland[members].any()
    assert model.recorder.counts[GROUPS] > 0


@pytest.mark.parametrize("binational", [False, True])
def test_national_groups_whose_showcases_reach_no_foreigner_change_nothing_across_borders(
        binational):
    """The channel's reach: with no cross-border tie, a national group's activities touch
    its own country's views only; the other countries' views stay bit-identical to a
    world without it. A binational group does reach across (the test has teeth)."""
    closed = {**ALL_OFF, "channels.groups.enabled": True, "network.cross_border": 0.0,
              "channels.groups.showcase": 0.5, "channels.groups.learning": 0.5}
    groups = [{**SOCIETY, "binational": binational},
              {"home": "Bland", "partner": "Cland", "size": 40, "activity": 1.0},
              {"home": "Cland", "size": 30, "activity": 1.0}]
    with_them = run_replicate(with_groups(groups, **closed), 0)
    without = run_replicate(with_groups((), **closed), 0)
    foreign = with_them.query("metric == 'shift_by_channel' and channel == 'groups'")
    moved = foreign[foreign["value"] != 0]
    assert set(zip(moved["observer"], moved["target"], strict=True)) == (
        {("Aland", "Bland"), ("Bland", "Aland"), ("Bland", "Cland")} if binational
        else {("Aland", "Bland"), ("Bland", "Cland")})

    def views(df, observer, target):
        return df.query("metric == 'image_people' and observer == @observer "
                        "and target == @target")["value"].values

    for target in ("Aland", "Bland"):  # Cland's own group has no partner: it moves nothing
        assert np.array_equal(views(with_them, "Cland", target), views(without, "Cland", target))
    same = np.array_equal(views(with_them, "Bland", "Aland"), views(without, "Bland", "Aland"))
    assert same != binational  # only Aland's binational group has Bland members


def test_groups_draw_only_from_their_own_stream():
    """Groups whose channel is off leave every other channel's draws as they were."""
    off = run_replicate(with_groups(**{"channels.groups.enabled": False,
                                       "groups.per_country": 2}), 0)
    none = run_replicate(small(), 0)
    shared = none["metric"].cat.categories.tolist()
    off = off[off["metric"].isin(shared) & (off["channel"] != "groups")]
    assert np.array_equal(off["value"].values, none["value"].values)


def test_a_group_settles_where_joining_balances_leaving():
    """docs/model.md: each citizen i of the group's country joins at rate r_i = size · join ·
    chance_i / N and leaves at rate leave, so the group settles near
    M* = sum_i r_i / (r_i + leave)."""
    quiet = {**ALL_OFF, "channels.groups.enabled": True, "scenario.steps": 600,
             "groups.join": 0.2, "groups.leave": 0.02, "groups.leave_below": -1.0,
             "population.openness_sd": 0.0}
    scenario = with_groups(({"home": "Aland", "partner": "Bland", "size": 50,
                             "activity": 0.0},), **quiet)
    model = DiplomacyModel(scenario)
    aland = slice(model.starts[0], model.starts[0] + model.sizes[0])
    chance = model.openness[aland] * (model.images[aland, PEOPLE, 1] + 1) / 2
    rate = 50 * 0.2 * chance / model.sizes[0]
    expected = (rate / (rate + 0.02)).sum()
    model.run_to_end()
    members = model.timeseries().query("metric == 'group_members' and observer == 'Aland' "
                                       "and target == 'Bland' and step >= 200")["value"]
    assert abs(members.mean() / expected - 1) < 0.05
