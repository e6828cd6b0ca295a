"""The world of a scenario: citizens, their networks and starting views, and the states.

:func:`build_world` draws everything a :class:`~nanosim.engine.model.DiplomacyModel`
starts from, with two random streams: ``net_rng`` for who lives where and who knows
whom (the social graph, who is online, the followers), ``init_rng`` for what everyone
starts with (openness, trust, symbols, images). The draws happen in a fixed order, so
a seed gives the same world every time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanosim.engine import network
from nanosim.scenario import Scenario, affinity_pair, check_sizes, split_population


@dataclass
class World:
    """A built world: arrays indexed by citizen (rows of ``home``) or by country."""

    n_countries: int
    n_citizens: int
    home: np.ndarray  # each citizen's country (int32), citizens grouped by country
    sizes: np.ndarray  # citizens per country
    starts: np.ndarray  # first citizen of each country
    node_ids: np.ndarray | None  # a file network's node ids, in citizen order
    affinity: np.ndarray  # [country, country] weight of cross-border ties
    base_graph: network.Graph  # the social graph as built
    graph: network.Graph  # the social graph of the day (exchange ties come and go)
    online: np.ndarray  # who is on social media
    followers: network.Graph  # who sees whose posts
    openness: np.ndarray  # receptiveness to messages, 0..1
    trust: np.ndarray  # trust in the own government, 0..1
    prototypes: np.ndarray  # [country, feature] the national symbol numbers
    symbol_names: list[dict[int, str]]  # per feature: symbol number -> name
    symbols: np.ndarray  # [citizen, feature] symbol numbers
    known: np.ndarray  # [citizen, country] bit f: knows c's national symbol on feature f
    images: np.ndarray  # [citizen, image, country] views, -1..1
    dispositions: np.ndarray | None  # the starting images, where anchoring pulls back to them
    relations: np.ndarray  # [state, country] official stances, -1..1
    responsiveness: np.ndarray  # per state: weight of own public opinion
    base_media_reach: np.ndarray  # per state, as the scenario sets it
    media_reach: np.ndarray  # per state today (incidents intensify it)
    base_appeal: np.ndarray  # per country, as the scenario sets it
    appeal: np.ndarray  # per country today (festivals raise it)
    post_multiplier: np.ndarray  # per country today (festivals raise it)
    banned: np.ndarray  # per country: social media banned today
    exchange_ties: tuple = ()  # (a, b, tie keys) of each exchange programme under way


def build_world(s: Scenario, net_rng: np.random.Generator,
                init_rng: np.random.Generator) -> World:
    """The world of scenario ``s``, drawn from the two streams (networks, then starts)."""
    net = s.network
    n_countries = len(s.country)
    affinity = affinity_matrix(s)
    node_ids = None
    if net.kind == "file":
        node_ids, home, graph = network.read_edge_list(*network.edge_list_files(s),
                                                       s.country_names)
        home = home.astype(np.int32)
        sizes = np.bincount(home, minlength=n_countries)
        check_sizes(s, sizes)
    else:
        sizes = split_population(s.population.size, [c.share for c in s.country])
        home = np.repeat(np.arange(n_countries, dtype=np.int32), sizes)
        graph = social_graph(s, home, affinity, net_rng)
    n = home.shape[0]
    sizes = sizes.astype(np.int64)
    online = net_rng.random(n) < net.online_share
    followers = network.followers(home, online, net.follows, net.online_cross_border, affinity,
                                  net_rng)
    pop = s.population
    openness = np.clip(init_rng.normal(pop.openness, pop.openness_sd, n), 0, 1)
    if pop.openness_sd == 0:  # everyone alike: one shared number (a read-only view),
        openness = np.broadcast_to(openness[:1].copy(), (n,))  # read from cache
    trust_mean = np.array([c.state.trust for c in s.country])[home]
    trust_sd = np.array([c.state.trust_sd for c in s.country])[home]
    trust = np.clip(trust_mean + trust_sd * init_rng.standard_normal(n), 0, 1)
    prototypes, symbol_names, symbols = culture(s, home, init_rng)
    start_images = images(s, home, init_rng)
    media_reach = np.array([c.state.media_reach for c in s.country])
    appeal = np.array([c.appeal for c in s.country])
    return World(
        n_countries=n_countries, n_citizens=n, home=home, sizes=sizes,
        starts=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64),
        node_ids=node_ids, affinity=affinity, base_graph=graph, graph=graph, online=online,
        followers=followers, openness=openness, trust=trust, prototypes=prototypes,
        symbol_names=symbol_names, symbols=symbols, known=repertoire(s, n), images=start_images,
        dispositions=start_images.copy(order="K") if s.perception.anchoring > 0 else None,
        relations=relations(s),
        responsiveness=np.array([c.state.responsiveness for c in s.country]),
        base_media_reach=media_reach, media_reach=media_reach.copy(),
        base_appeal=appeal, appeal=appeal.copy(), post_multiplier=np.ones(n_countries),
        banned=np.zeros(n_countries, dtype=bool))


def affinity_matrix(s: Scenario) -> np.ndarray:
    """[country, country] weight of cross-border ties: 1, or as ``network.affinity`` says."""
    affinity = np.ones((len(s.country), len(s.country)))
    for pair, w in s.network.affinity.items():
        a, b = (s.country_index(x) for x in affinity_pair(pair, s.country_names, s.source))
        affinity[a, b] = affinity[b, a] = w
    return affinity


def social_graph(s: Scenario, home: np.ndarray, affinity: np.ndarray,
                 rng: np.random.Generator) -> network.Graph:
    """The generated social graph of ``network.kind`` over citizens living at ``home``."""
    net, n = s.network, home.shape[0]
    if net.kind == "homophilous":
        return network.homophilous(home, net.degree, net.rewire, net.cross_border, affinity,
                                   rng)
    if net.kind == "lattice":
        return network.lattice(n, *network.lattice_shape(n, net.width), net.neighbourhood,
                               net.torus)
    if net.kind == "complete":
        return network.complete(n)
    if net.kind == "erdos_renyi":
        return network.erdos_renyi(n, net.degree, rng)
    return network.barabasi_albert(n, net.degree, rng)


def culture(s: Scenario, home: np.ndarray, rng: np.random.Generator
            ) -> tuple[np.ndarray, list[dict[int, str]], np.ndarray]:
    """Each country's national symbols, their names, and each citizen's symbols.

    Named symbols get the lowest numbers of their feature; a country without one gets an
    unused number at random. A share ``culture.diversity`` of citizens' symbols are
    redrawn at random.
    """
    features, q = s.culture.features, s.culture.traits
    prototypes = np.zeros((len(s.country), len(features)), dtype=np.int16)
    symbol_names: list[dict[int, str]] = []
    for f, feat in enumerate(features):
        names = sorted({c.symbols[feat] for c in s.country if feat in c.symbols})
        ids = {name: k for k, name in enumerate(names)}
        unused = list(range(len(names), q))
        rng.shuffle(unused)
        for c, country in enumerate(s.country):
            if feat in country.symbols:
                prototypes[c, f] = ids[country.symbols[feat]]
            elif unused:
                prototypes[c, f] = unused.pop()
            else:
                prototypes[c, f] = rng.integers(q)
        symbol_names.append({v: k for k, v in ids.items()})
    symbols = prototypes[home]
    redraw = rng.random(symbols.shape) < s.culture.diversity
    symbols[redraw] = rng.integers(0, q, int(redraw.sum()), dtype=np.int16)
    return prototypes, symbol_names, np.ascontiguousarray(symbols)


def repertoire(s: Scenario, n: int) -> np.ndarray:
    """[citizen, country] the foreign national symbols each citizen knows, as bits over
    features (none at first); under ``culture.mode = "axelrod"`` no citizen rows at all,
    so that nothing pays for a repertoire it does not keep."""
    rows = n if s.culture.mode == "repertoire" else 0
    return np.zeros((rows, len(s.country)), np.uint32)


def images(s: Scenario, home: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """[citizen, image, country] starting views: around each country's initial views
    (or uniform on -1..1), clipped, stored as :func:`image_storage` lays them out."""
    p, n, n_countries = s.perception, home.shape[0], len(s.country)
    means = np.full((n_countries, 2, n_countries), p.default_image)
    for d, country in enumerate(s.country):
        for which, table in enumerate((country.initial.people, country.initial.state)):
            for other, v in table.items():
                means[d, which, s.country_index(other)] = v
        means[d, :, d] = p.own_image
    if p.initial_distribution == "uniform":
        drawn = rng.uniform(-1.0, 1.0, (n, 2, n_countries))
    else:
        drawn = means[home] + p.initial_sd * rng.standard_normal((n, 2, n_countries))
    stored = image_storage(n, n_countries, p.spillover)
    np.clip(drawn, -1.0, 1.0, out=stored)
    return stored


def image_storage(n: int, n_countries: int, spillover: float) -> np.ndarray:
    """An empty images array, indexed [citizen, image, country], laid out in memory so
    that what one message touches shares cache lines.

    A change to one image of a country spills to the other (``spillover > 0``): the two
    are stored side by side. Otherwise a message touches one image, and each image of
    each country is one contiguous vector over citizens.
    """
    if spillover > 0.0:
        return np.empty((n, n_countries, 2)).transpose(0, 2, 1)
    return np.empty((n_countries, 2, n)).transpose(2, 1, 0)


def relations(s: Scenario) -> np.ndarray:
    """[state, country] official stances: 1 toward the own country, else as set (or 0)."""
    rel = np.eye(len(s.country))
    for a, c in enumerate(s.country):
        for other, v in c.relations.items():
            rel[a, s.country_index(other)] = v
    return rel
