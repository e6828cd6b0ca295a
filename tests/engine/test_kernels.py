"""The channels and their compiled kernels against a plain-Python reference, on tiny
inputs, same random draws; and the shared kernels (random numbers, judgement, measures)."""

import math
from types import SimpleNamespace as ns

import numpy as np
import pytest

from nanosim.engine import network
from nanosim.engine.channels import LEDGER, by_name, contact, social_media, state_media, talk
from nanosim.engine.kernels import PEOPLE, STATE
from nanosim.engine.kernels.bundles import NO_HELD, NO_KNOWN_ONLY, NO_SUMS, Ledger
from nanosim.engine.kernels.judgement import judge
from nanosim.engine.kernels.measures import (
    can_share_symbols,
    cultural_regions,
    image_moments,
    symbol_counts,
    symbol_holdings,
)
from nanosim.engine.kernels.rng import next_u64
from tests import reference as ref

STATE_MEDIA = by_name("state_media").code
CODES = len(LEDGER)  # channels in the ledger


def tiny_world(seed=1, n=12, n_countries=3, n_features=4, traits=3):
    rng = np.random.default_rng(seed)
    home = np.sort(rng.integers(0, n_countries, n)).astype(np.int32)
    img = rng.uniform(-1, 1, (n, 2, n_countries))
    symbols = rng.integers(0, traits, (n, n_features)).astype(np.int16)
    openness = rng.uniform(0.3, 1.0, n)
    src = rng.integers(0, n, 40)
    dst = rng.integers(0, n, 40)
    adjacency = [sorted({int(d) for s, d in zip(src, dst, strict=True) if s == i and d != i}
                        | {int(s) for s, d in zip(src, dst, strict=True) if d == i and s != i})
                 for i in range(n)]
    indptr = np.concatenate([[0], np.cumsum([len(a) for a in adjacency])]).astype(np.int64)
    indices = np.array([j for a in adjacency for j in a], dtype=np.int32)
    return home, img, symbols, openness, adjacency, indptr, indices


def starts_of(home, n_countries):
    """First citizen of each country (citizens sorted by country)."""
    return np.searchsorted(home, np.arange(n_countries)).astype(np.int64)


class StandIn:
    """What a channel reads from a DiplomacyModel, for a tiny world built by hand.

    ``channels`` and ``perception`` hold the scenario settings the channels read; the
    rest (arrays, graphs, the random state) are set as keyword arguments.
    """

    def __init__(self, home, img, symbols, openness, n_countries, seed, graph=None,
                 channels=None, perception=None, **arrays):
        self.home, self.images, self.symbols, self.openness = home, img, symbols, openness
        self.n_citizens = len(home)
        self.starts = starts_of(home, n_countries)
        self.sizes = np.bincount(home, minlength=n_countries).astype(np.int64)
        self.trust = np.ones(len(home))
        self.rng_state = np.array(seed, dtype=np.uint64)
        self.graph = graph
        perception = perception or ns(boomerang=0.5, spillover=0.0)
        perception.__dict__.setdefault("experience_rule", False)  # messages, unless told
        self.scenario = ns(channels=ns(**(channels or {})), perception=perception)
        self.__dict__.update(arrays)


def csr(indptr, indices, rows=None):
    """A social graph as the channels read it (``rows``: its one-line rows, or none)."""
    return ns(indptr=indptr, indices=indices, well_mixed=False,
              rows=np.empty((0, network.ROW_WIDTH), np.int32) if rows is None else rows)


def ledger(shift, counts, sums=NO_SUMS, held=NO_HELD, state_weight=0.5):
    return Ledger(shift, counts, sums, held, NO_KNOWN_ONLY, state_weight)


def shift_dict(shift):
    return {k: v for k, v in np.ndenumerate(shift) if v != 0.0}


@pytest.mark.parametrize(("x", "v", "accept", "reject", "expected"), [
    (0.0, 0.5, 1.0, math.inf, 0.25),      # assimilation: x + mu * openness * d
    (0.0, 0.5, 0.2, math.inf, 0.0),       # between the latitudes: no change
    (0.0, 0.9, 0.2, 0.5, -0.45),          # contrast: x - mu * boomerang * d
    (0.9, 1.0, 2.0, math.inf, 0.95),
    (-0.9, 1.0, 0.1, 0.5, -1.0),          # clipped at -1
])
def test_judge_follows_social_judgement(x, v, accept, reject, expected):
    assert judge(x, v, 0.5, 1.0, accept, reject, 1.0) == pytest.approx(expected)


def test_random_stream_matches_reference_xoshiro():
    state = np.array([1, 2, 3, 4], dtype=np.uint64)
    py = ref.Xoshiro([1, 2, 3, 4])
    assert [int(next_u64(state)) for _ in range(5)] == [py.next() for _ in range(5)]


@pytest.mark.parametrize(("people", "state", "spillover", "countries"), [
    (True, True, 0.2, 3),  # talk with spillover
    (True, False, 0.0, 3),  # and without (a copy of the loop compiled apart)
    (False, True, 0.0, 3),
    (True, True, 0.2, 2),  # the topic is the other country: no draw for it
    (True, False, 0.0, 1),  # ... or the only one
])
def test_talk_kernel_matches_reference(people, state, spillover, countries):
    home, img, symbols, openness, adjacency, indptr, indices = tiny_world(n_countries=countries)
    world = ref.World(img, home, symbols, openness, countries)
    shift = np.zeros((countries, countries, 2, CODES))
    counts = np.zeros(CODES, dtype=np.int64)
    images = [name for name, on in (("people", people), ("state", state)) if on]
    model = StandIn(home, img, symbols, openness, countries, [11, 22, 33, 44],
                    csr(indptr, indices), {"talk": ns(epsilon=0.8, mu=0.3, images=images)},
                    ns(boomerang=0.5, spillover=spillover))
    talk.talks(model, ledger(shift, counts), 200)
    ref.talk(ref.Xoshiro([11, 22, 33, 44]), world, 200, adjacency, 0.8, 0.3, people, state,
             0.5, spillover)
    np.testing.assert_allclose(img, np.array(world.img), atol=1e-12)
    assert counts.tolist() == world.counts and counts.sum() > 0
    assert shift_dict(shift).keys() == {k for k, v in world.shift.items() if v != 0.0}
    for key, value in world.shift.items():
        assert shift[key] == pytest.approx(value, abs=1e-12)


def contact_settings(sharing, valence, positivity, negative_valence, negative_weight, mu,
                     accept, reject):
    return ns(symbol_sharing=sharing, valence=valence, positivity=positivity,
              negative_valence=negative_valence, negative_weight=negative_weight, mu=mu,
              accept=accept, reject=reject)


def test_contact_kernel_matches_reference():
    home, img, symbols, openness, adjacency, indptr, indices = tiny_world(seed=5)
    world = ref.World(img, home, symbols, openness, 3)
    shift, counts = np.zeros((3, 3, 2, CODES)), np.zeros(CODES, dtype=np.int64)
    args = (True, 0.6, 0.7, -0.6, 2.0, 0.1, 1.5, 1.8, 0.5, 0.2)
    model = StandIn(home, img, symbols, openness, 3, [5, 6, 7, 8], csr(indptr, indices),
                    {"contact": contact_settings(*args[:8])},
                    ns(boomerang=args[8], spillover=args[9]))
    contact.meetings(model, ledger(shift, counts), 300)
    ref.contact(ref.Xoshiro([5, 6, 7, 8]), world, 300, adjacency, *args)
    np.testing.assert_allclose(img, np.array(world.img), atol=1e-12)
    assert symbols.tolist() == world.symbols
    assert counts.tolist() == world.counts
    assert shift_dict(shift).keys() == world.shift.keys()


@pytest.mark.parametrize("spillover", [0.2, 0.0])
def test_talk_on_rows_is_talk_on_the_csr_graph(spillover):
    """One-line rows and three blocks in flight only overlap memory reads: the same pairs
    talk in the same order, to the last bit."""
    home, img, symbols, openness, _, _, _ = tiny_world(seed=3, n=60)
    ring = np.arange(60)
    hub = np.full(40, 7)  # one citizen too connected for a row, one with no one at all
    src, dst = np.concatenate([ring, hub]), np.concatenate([(ring + 1) % 60, ring[10:50]])
    keep = (src != 59) & (dst != 59)
    g = network.from_edges(60, src[keep], dst[keep])
    assert g.degree().max() >= network.ROW_WIDTH and g.degree().min() == 0
    runs = []
    for graph in (csr(g.indptr, g.indices),
                  csr(g.indptr, g.indices, network.padded_rows(g.indptr, g.indices))):
        out = [img.copy(), np.zeros((3, 3, 2, CODES)), np.zeros(CODES, np.int64)]
        model = StandIn(home, out[0], symbols, openness, 3, [3, 1, 4, 1], graph,
                        {"talk": ns(epsilon=0.8, mu=0.3, images=["people", "state"])},
                        ns(boomerang=0.5, spillover=spillover))
        talk.talks(model, ledger(out[1], out[2]), 2999)
        runs.append(out + [model.rng_state])
    for on_csr, on_rows in zip(*runs, strict=True):
        assert np.array_equal(on_csr, on_rows)
    assert runs[0][2].sum() > 0


def test_a_message_records_every_change_by_channel():
    """One state media message: the state image moves, spills onto the people image, and
    the ledger records both changes and the message under the channel's code."""
    img = np.zeros((1, 2, 2))
    shift, counts = np.zeros((1, 2, 2, CODES)), np.zeros(CODES, dtype=np.int64)
    home, openness = np.zeros(1, dtype=np.int32), np.ones(1)
    model = StandIn(home, img, np.zeros((1, 1), np.int16), openness, 2, [1, 2, 3, 4],
                    channels={"state_media": ns(enabled=True, mu=0.5, accept=2.0,
                                                reject=np.inf)},
                    perception=ns(boomerang=0.5, spillover=0.2),
                    media_reach=np.ones(2), relations=np.array([[1.0, -1.0], [-1.0, 1.0]]))
    state_media.step(model, ledger(shift, counts))
    assert img[0, STATE, 1] == pytest.approx(-0.5)
    assert img[0, PEOPLE, 1] == pytest.approx(-0.1)  # spillover 0.2 of the change
    assert shift[0, 1, STATE, STATE_MEDIA] == pytest.approx(-0.5)
    assert shift[0, 1, PEOPLE, STATE_MEDIA] == pytest.approx(-0.1)
    assert counts[STATE_MEDIA] == 1


def test_cultural_regions_counts_connected_identical_cultures():
    # a path 0-1-2-3: cultures A A B A -> regions {0,1}, {2}, {3}
    indptr = np.array([0, 1, 3, 5, 6])
    indices = np.array([1, 0, 2, 1, 3, 2], dtype=np.int32)
    symbols = np.array([[0, 0], [0, 0], [1, 0], [0, 0]], dtype=np.int16)
    assert cultural_regions(indptr, indices, symbols) == 3
    assert can_share_symbols(indptr, indices, symbols)  # 1-2 share one feature of two
    symbols[2] = [1, 1]
    assert not can_share_symbols(indptr, indices, symbols)


def test_channel_kernels_keep_the_running_sums_exact():
    home, img, symbols, openness, adjacency, indptr, indices = tiny_world(seed=7, n=30)
    starts = starts_of(home, 3)
    sizes = np.bincount(home, minlength=3).astype(np.int64)
    sums = image_moments(img, starts, sizes, 0.3)
    held = symbol_holdings(symbols, starts, sizes, 3)
    symbols_before = symbols.copy()
    shift, counts = np.zeros((3, 3, 2, CODES)), np.zeros(CODES, dtype=np.int64)
    everyone = np.ones(len(home), dtype=np.bool_)
    model = StandIn(
        home, img, symbols, openness, 3, [9, 8, 7, 6], csr(indptr, indices),
        {"talk": ns(epsilon=0.8, mu=0.3, images=["people", "state"]),
         "contact": contact_settings(True, 0.6, 0.7, -0.6, 2.0, 0.1, 1.5, 1.8),
         "social_media": ns(enabled=True, post_rate=1.0, reach=8.0, noise=0.2, hostility=0.1,
                            adoption=0.9, mu=0.3, accept=2.0, reject=np.inf),
         "state_media": ns(enabled=True, mu=0.2, accept=2.0, reject=np.inf)},
        ns(boomerang=0.5, spillover=0.2),
        online=everyone, banned=np.zeros(3, dtype=bool), post_multiplier=np.ones(3),
        followers=csr(indptr, indices), appeal=np.full(3, 0.4), media_reach=np.full(3, 0.5),
        relations=np.full((3, 3), -0.4))
    model.trust = openness
    model.scenario.network = ns(follows=10.0)
    book = ledger(shift, counts, sums, held, state_weight=0.3)
    talk.talks(model, book, 500)
    contact.meetings(model, book, 500)
    social_media.step(model, book)
    state_media.step(model, book)
    assert counts.sum() > 100
    np.testing.assert_allclose(sums, image_moments(img, starts, sizes, 0.3), atol=1e-9)
    assert (symbols != symbols_before).sum() > 5
    assert np.array_equal(held, symbol_holdings(symbols, starts, sizes, 3))


def test_symbol_counts_count_foreign_national_symbols_held():
    # two countries with national symbols (0, 0) and (1, 2) on two features
    prototypes = np.array([[0, 0], [1, 2]], dtype=np.int16)
    symbols = np.array([[0, 0], [1, 0], [1, 2],   # country 0: one of 1's symbols, then two
                        [1, 2], [0, 2]], dtype=np.int16)  # country 1: one of 0's symbols
    starts, sizes = np.array([0, 3]), np.array([3, 2])
    held = symbol_holdings(symbols, starts, sizes, 3)
    assert held[0, 0].tolist() == [1, 2, 0] and held[1, 1].tolist() == [0, 0, 2]
    assert symbol_counts(held, prototypes).tolist() == [[0, 3], [1, 0]]


def test_every_helper_of_the_kernels_is_compiled_without_reference_counting():
    """A compiled function that is not cached is a helper the kernels call in their inner
    loops; compiled with reference counting, each call costs atomic operations per array
    passed and is not inlined (``kernels.helper``)."""
    import importlib
    import pkgutil

    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    from nanosim.engine import channels, kernels

    helpers = {}
    for package in (kernels, channels):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            helpers.update({f"{module.__name__}.{name}": f for name, f in vars(module).items()
                            if isinstance(f, CPUDispatcher) and f.__module__ == module.__name__
                            and isinstance(f._cache, NullCache)})
    assert "nanosim.engine.kernels.judgement.deliver_to" in helpers
    counted = [name for name, f in helpers.items() if f.targetoptions.get("_nrt") is not False]
    assert counted == []
