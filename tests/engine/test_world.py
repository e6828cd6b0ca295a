"""The built world: what build_world draws from a scenario, and the model built from it."""

import numpy as np
import pytest

from nanosim import DiplomacyModel, load_scenario
from nanosim.engine.model import replicate_seed
from nanosim.engine.world import World, build_world
from tests.conftest import small

NETWORK_FIELDS = ("home", "sizes", "starts", "base_graph", "online", "followers")
START_FIELDS = ("openness", "trust", "prototypes", "symbols", "images")


def world(scenario, net_seed=1, init_seed=2) -> World:
    return build_world(scenario, np.random.default_rng(net_seed),
                       np.random.default_rng(init_seed))


def same(a, b) -> bool:
    if hasattr(a, "indptr"):  # a graph
        return np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    return np.array_equal(a, b)


def test_a_model_holds_the_world_it_built(small_scenario):
    model = DiplomacyModel(small_scenario, citizen_agents=False)
    seeds = replicate_seed(small_scenario.run.seed, 0).spawn(4)
    built = build_world(small_scenario, np.random.default_rng(seeds[1]),
                        np.random.default_rng(seeds[2]))
    for name, value in vars(built).items():
        mine = getattr(model, name)
        assert mine == value if isinstance(value, int | list) else same(mine, value), name


def test_the_same_streams_give_the_same_world_and_the_streams_are_apart(small_scenario):
    first, again = world(small_scenario), world(small_scenario)
    other_starts = world(small_scenario, init_seed=5)
    other_network = world(small_scenario, net_seed=5)
    for name in NETWORK_FIELDS + START_FIELDS:
        assert same(getattr(first, name), getattr(again, name)), name
    for name in NETWORK_FIELDS:  # the starting views are drawn from a stream of their own
        assert same(getattr(first, name), getattr(other_starts, name)), name
    assert not same(first.images, other_starts.images)
    assert not same(first.base_graph, other_network.base_graph)
    assert same(first.images, other_network.images)


def test_citizens_are_grouped_by_country_in_shares(small_scenario):
    w = world(small_scenario)
    assert w.n_countries == 3 and w.n_citizens == 600
    assert w.sizes.tolist() == [300, 180, 120] and w.starts.tolist() == [0, 300, 480]
    assert w.home.tolist() == [0] * 300 + [1] * 180 + [2] * 120
    assert w.graph is w.base_graph and w.node_ids is None


def test_a_file_network_groups_its_nodes_by_country_in_file_order(tmp_path):
    countries = ["Bland", "Aland", "Bland", "Aland", "Aland"]
    (tmp_path / "nodes.csv").write_text("id,country\n" + "".join(
        f"{10 + i},{c}\n" for i, c in enumerate(countries)))
    (tmp_path / "edges.csv").write_text("source,target\n10,11\n11,12\n12,13\n13,14\n")
    (tmp_path / "net.toml").write_text(
        '[[country]]\nname = "Aland"\nshare = 0.5\n[[country]]\nname = "Bland"\n'
        'share = 0.5\n[network]\nkind = "file"\nedges = "edges.csv"\nnodes = "nodes.csv"\n')
    w = world(load_scenario(tmp_path / "net.toml"))
    assert w.node_ids.tolist() == [11, 13, 14, 10, 12]
    assert w.home.tolist() == [0, 0, 0, 1, 1] and w.sizes.tolist() == [3, 2]
    assert w.starts.tolist() == [0, 3] and w.graph.n_edges == 4


def test_national_symbols_are_numbered_by_name_and_held_by_their_citizens():
    w = world(small({"culture.diversity": 0.0}))
    cuisine = w.symbol_names[0]
    assert cuisine == {0: "dumplings", 1: "herring"}  # named symbols first, by name
    assert w.prototypes[0, 0] == 1 and w.prototypes[1, 0] == 0
    assert w.prototypes[2, 0] >= 2  # Cland names no cuisine: an unused number
    np.testing.assert_array_equal(w.symbols, w.prototypes[w.home])


def test_starting_images_sit_at_the_scenarios_means_without_spread():
    w = world(small({"perception.initial_sd": 0.0, "perception.own_image": 0.6}))
    aland = w.images[: w.sizes[0]]
    assert (aland[:, 0, 1] == 0.2).all() and (aland[:, 1, 1] == 0.0).all()  # of Bland
    assert (aland[:, :, 0] == 0.6).all()  # their own country
    assert (aland[:, :, 2] == 0.0).all()  # Cland: the default image


def test_relations_media_and_appeal_start_as_the_scenario_sets_them(small_scenario):
    w = world(small_scenario)
    expected = np.eye(3)
    expected[0, 1] = 0.3
    np.testing.assert_array_equal(w.relations, expected)
    assert w.appeal.tolist() == [0.6, 0.4, 0.3] and w.appeal is not w.base_appeal
    assert w.media_reach.tolist() == w.base_media_reach.tolist() == [0.15] * 3
    assert w.post_multiplier.tolist() == [1.0] * 3 and not w.banned.any()


def test_affinity_weighs_cross_border_ties_both_ways():
    w = world(small({"network.affinity": {"Aland-Cland": 0.25}}))
    assert w.affinity[0, 2] == w.affinity[2, 0] == 0.25 and w.affinity[0, 1] == 1.0


@pytest.mark.parametrize("sd", [0.0, 0.1])
def test_openness_and_trust_lie_in_0_to_1(sd):
    w = world(small({"population.openness_sd": sd}))
    for values in (w.openness, w.trust):
        assert values.shape == (600,) and values.min() >= 0 and values.max() <= 1
