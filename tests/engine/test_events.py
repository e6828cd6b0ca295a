"""Scheduled events: the registry covers every kind, and each kind does what it says."""

import numpy as np
import pytest

from nanosim import DiplomacyModel
from nanosim.engine.events import BY_KIND, EVENTS, EventKind
from nanosim.scenario import EVENT_KINDS
from tests.conftest import ALL_OFF, SMALL, small

QUIET = SMALL[:SMALL.index("[channels.campaign]")]  # no standing campaign, no events
ALAND, BLAND, CLAND = 0, 1, 2


def model_with(*events, **overrides) -> DiplomacyModel:
    """The small scenario with every channel off (but what ``overrides`` turns on)."""
    settings = {**ALL_OFF, **{k.replace("__", "."): v for k, v in overrides.items()},
                "events": list(events)}
    return DiplomacyModel(small(settings, text=QUIET), citizen_agents=False)


def steps(model, n):
    for _ in range(n):
        model.step()


def mean_image(model, observer, which, target) -> float:
    return model.images[model.home == observer, which, target].mean()


def cross_border_ties(graph, home) -> int:
    source = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    return int((home[source] != home[graph.indices]).sum()) // 2


# --- the registry ---------------------------------------------------------------------


def test_every_event_kind_of_the_schema_has_one_handler():
    assert set(BY_KIND) == set(EVENT_KINDS)
    assert len(EVENTS) == len(BY_KIND)  # one handler per kind
    assert all(isinstance(handler, EventKind) for handler in EVENTS)


@pytest.mark.parametrize("handler", [h for h in EVENTS if h.slider], ids=lambda h: h.kind)
def test_a_slider_names_a_setting_of_its_kind(handler):
    assert handler.slider in EVENT_KINDS[handler.kind].model_fields


def test_an_event_in_words():
    s = small()
    assert BY_KIND["incident"].title(s.events[0]) == "the Aland / Bland incident at step 10"


# --- each kind ------------------------------------------------------------------------


def test_an_incident_drops_relations_makes_bad_news_boosts_media_then_repairs():
    incident = dict(kind="incident", step=2, between=["Aland", "Bland"], severity=0.5,
                    duration=3, recovery=0.5)
    model = model_with(incident, channels__events__enabled=True)
    steps(model, 2)
    aland, cland = mean_image(model, ALAND, 1, BLAND), mean_image(model, CLAND, 1, BLAND)
    assert model.relations[ALAND, BLAND] == 0.3
    model.step()  # step 2: it happens
    assert model.relations[ALAND, BLAND] == pytest.approx(-0.2)
    assert model.relations[BLAND, ALAND] == pytest.approx(-0.5)
    assert mean_image(model, ALAND, 1, BLAND) < aland - 0.05  # the news, of the state
    assert mean_image(model, CLAND, 1, BLAND) == cland  # reaches only the two publics
    np.testing.assert_allclose(model.media_reach, [0.225, 0.225, 0.15])
    steps(model, 2)  # steps 3 and 4: still under way, nothing repaired yet
    np.testing.assert_allclose(model.media_reach, [0.225, 0.225, 0.15])
    assert model.relations[ALAND, BLAND] == pytest.approx(-0.2)
    model.step()  # step 5: over; half of the remaining drop is repaired
    np.testing.assert_allclose(model.media_reach, [0.15, 0.15, 0.15])
    assert model.relations[ALAND, BLAND] == pytest.approx(0.05)
    assert model.relations[BLAND, ALAND] == pytest.approx(-0.25)


def test_after_overlapping_incidents_repair_aims_at_the_level_before_the_first():
    first = dict(kind="incident", step=1, between=["Aland", "Bland"], severity=0.5,
                 duration=1, recovery=1.0)
    second = first | dict(step=2, between=["Bland", "Aland"], duration=3)
    model = model_with(first, second)
    steps(model, 3)
    assert model.relations[ALAND, BLAND] == pytest.approx(-0.7)
    steps(model, 2)  # the first is long over, the second not yet
    assert model.relations[ALAND, BLAND] == pytest.approx(-0.7)
    model.step()
    assert model.relations[ALAND, BLAND] == pytest.approx(0.3)
    assert model.relations[BLAND, ALAND] == pytest.approx(0.0)


@pytest.mark.parametrize("kind", ["summit", "treaty"])
def test_a_summit_or_treaty_raises_relations_and_makes_good_news(kind):
    accord = dict(kind=kind, step=1, between=["Aland", "Bland"], strength=0.4)
    model = model_with(accord, channels__events__enabled=True)
    model.step()
    before = mean_image(model, BLAND, 1, ALAND)
    model.step()
    assert model.relations[ALAND, BLAND] == pytest.approx(0.7)
    assert model.relations[BLAND, ALAND] == pytest.approx(0.4)
    assert mean_image(model, BLAND, 1, ALAND) > before + 0.05


def test_without_news_an_official_event_moves_relations_but_no_citizen():
    model = model_with(dict(kind="summit", step=0, between=["Aland", "Bland"], strength=0.4))
    images = model.images.copy()
    model.step()
    assert model.relations[ALAND, BLAND] == pytest.approx(0.7)
    np.testing.assert_array_equal(model.images, images)
    assert model.recorder.counts.sum() == 0


def test_a_festival_raises_appeal_and_posting_while_it_lasts():
    festival = dict(kind="festival", step=1, country="Bland", boost=0.3, multiplier=3.0,
                    duration=2)
    model = model_with(festival, festival | dict(step=2, boost=0.5))
    model.step()
    assert model.appeal.tolist() == [0.6, 0.4, 0.3]
    model.step()
    assert model.appeal[BLAND] == pytest.approx(0.7)
    assert model.post_multiplier.tolist() == [1.0, 3.0, 1.0]
    model.step()  # two festivals under way: they add up (appeal at most 1)
    assert model.appeal[BLAND] == 1.0 and model.post_multiplier[BLAND] == 9.0
    steps(model, 2)
    assert model.appeal.tolist() == [0.6, 0.4, 0.3]
    assert model.post_multiplier.tolist() == [1.0, 1.0, 1.0]


def test_a_platform_ban_stops_posts_while_it_lasts():
    bans = [dict(kind="platform_ban", step=2, country=c, duration=3)
            for c in ("Aland", "Bland", "Cland")]
    model = model_with(*bans, channels__social_media__enabled=True, network__online_share=1.0)
    posts = []
    for _ in range(7):
        before = model.recorder.counts.sum()
        model.step()
        posts.append(model.recorder.counts.sum() - before)
        assert model.banned.all() == (2 <= model.t - 1 < 5)
    assert posts[2:5] == [0, 0, 0] and all(p > 0 for p in posts[:2] + posts[5:])


def test_exchange_ties_appear_for_the_programme_and_go_after():
    programme = dict(kind="exchange_programme", step=1, between=["Aland", "Cland"], ties=50,
                     duration=2)
    model = model_with(programme, network__cross_border=0.0)
    built = model.graph
    assert cross_border_ties(built, model.home) == 0
    steps(model, 2)
    assert cross_border_ties(model.graph, model.home) == 50
    assert model.graph.n_edges == built.n_edges + 50
    source = np.repeat(np.arange(model.graph.n), np.diff(model.graph.indptr))
    crossing = model.home[source] != model.home[model.graph.indices]
    assert set(model.home[source[crossing]]) == {ALAND, CLAND}
    model.step()  # step 2: its last
    assert cross_border_ties(model.graph, model.home) == 50
    model.step()
    assert model.graph is built


def test_a_campaign_runs_while_it_lasts_after_the_standing_one():
    campaign = dict(kind="campaign", step=1, country="Cland", targets=["Aland"], reach=0.5,
                    valence=0.8, mu=0.2, accept=2.0, reject=float("inf"), duration=2)
    model = model_with(campaign)
    assert model.campaigns == []
    model.step()
    before = mean_image(model, ALAND, 1, CLAND), mean_image(model, BLAND, 1, CLAND)
    model.step()
    assert [c.country for c in model.campaigns] == ["Cland"]
    assert mean_image(model, ALAND, 1, CLAND) > before[0] + 0.02
    assert mean_image(model, BLAND, 1, CLAND) == before[1]
    model.step()
    assert model.campaigns == []
    standing = DiplomacyModel(small({"events": [campaign]}), citizen_agents=False)
    standing.t = 1
    assert [c.reach for c in standing.campaigns] == [0.05, 0.5]  # the standing one first
