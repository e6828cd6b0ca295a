"""DiplomacyModel: the Mesa model of nano power diplomacy versus high politics.

The model builds its world in ``__init__`` and advances one day per ``step()``.
State lives in arrays owned by the model (struct of arrays); citizens and states
are Mesa agents that view one row. Each step runs the channels in the order of
docs/model.md: events, high politics (relations, state media, campaigns), nano
diplomacy (contact, social media, talk), then metrics.
"""

from __future__ import annotations

import numbers
import warnings

import mesa
import numpy as np

from nanosim.engine import network
from nanosim.engine.agents import Citizen, State
from nanosim.engine.channels import events, step_channels
from nanosim.engine.kernels.measures import can_share_symbols
from nanosim.engine.metrics import Recorder
from nanosim.errors import NanosimError
from nanosim.scenario import (
    Scenario,
    affinity_pair,
    as_scenario,
    check_exchange_ties,
    check_whole,
    split_population,
)

CITIZEN_AGENTS_UP_TO = 100_000


def replicate_seed(seed: int, replicate: int) -> np.random.SeedSequence:
    """Replicate r's stream: the same whether it runs alone or among many."""
    return np.random.SeedSequence(seed, spawn_key=(replicate,))


def _image_storage(n: int, n_countries: int, spillover: float) -> np.ndarray:
    """An empty images array, indexed [citizen, image, country], laid out in memory so
    that what one message touches shares cache lines.

    A change to one image of a country spills to the other (``spillover > 0``): the two
    are stored side by side. Otherwise a message touches one image, and each image of
    each country is one contiguous vector over citizens.
    """
    if spillover > 0.0:
        return np.empty((n, n_countries, 2)).transpose(0, 2, 1)
    return np.empty((n_countries, 2, n)).transpose(2, 1, 0)


class StateArray:
    """A model array a user may replace (``model.openness = values``): a replacement of
    the wrong shape or out of range is refused in one line, and the metrics rescan it.

    ``shape(model)`` gives the shape required, ``low``/``high`` (or ``high(model)``) the
    range allowed; a single number stands for every row of a one-dimensional array.
    """

    def __init__(self, dtype, shape, low, high, what: str):
        self.dtype, self.shape, self.low, self.high, self.what = dtype, shape, low, high, what

    def __set_name__(self, owner, name):
        self.name, self.slot = name, "_" + name

    def __get__(self, model, owner=None):
        return self if model is None else getattr(model, self.slot)

    def __set__(self, model, value):
        if self.slot in model.__dict__:  # a replacement, not the model's own first one
            value = self._checked(model, value)
            model.recorder.invalidate()
        model.__dict__[self.slot] = value

    def _checked(self, model, value) -> np.ndarray:
        shape = self.shape(model)
        where = f"model.{self.name}"
        if isinstance(value, numbers.Number) and len(shape) == 1:
            value = np.broadcast_to(np.asarray(value, self.dtype), shape)
        try:
            array = np.asarray(value)
            if array.dtype != self.dtype:
                array = array.astype(self.dtype, casting="same_kind")
        except (TypeError, ValueError):
            raise NanosimError(f"{where}: must be {self.what} (got {type(value).__name__})"
                               ) from None
        if array.shape != shape:
            raise NanosimError(f"{where}: must have shape {shape}, {self.what} (got "
                               f"{array.shape})")
        high = self.high(model) if callable(self.high) else self.high
        if array.size and (array.min() < self.low or array.max() > high):
            raise NanosimError(f"{where}: values must lie in {self.low}..{high} (got "
                               f"{array.min()}..{array.max()})")
        if self.name in ("images", "symbols", "relations") and not array.flags.writeable:
            array = array.copy()  # the kernels write into these
        return array


class DiplomacyModel(mesa.Model):
    """Citizens and states of several countries exchanging messages through channels.

    Args:
        scenario: a validated :class:`~nanosim.scenario.Scenario`, or a scenario file.
        replicate: which replicate stream of the scenario seed to use.
        seed: overrides ``scenario.seed``.
        citizen_agents: create one Mesa agent per citizen (default: up to 100,000
            citizens; the arrays are the state either way).
    """

    images = StateArray(np.float64, lambda m: (m.n_citizens, 2, m.n_countries), -1.0, 1.0,
                        "[citizen, image, country] views in -1..1")
    openness = StateArray(np.float64, lambda m: (m.n_citizens,), 0.0, 1.0,
                          "one receptiveness per citizen in 0..1")
    trust = StateArray(np.float64, lambda m: (m.n_citizens,), 0.0, 1.0,
                       "one trust in the own government per citizen in 0..1")
    online = StateArray(np.bool_, lambda m: (m.n_citizens,), False, True,
                        "one true/false per citizen")
    symbols = StateArray(np.int16, lambda m: (m.n_citizens, len(m.scenario.culture.features)),
                         0, lambda m: m.scenario.culture.traits - 1,
                         "[citizen, feature] symbol numbers")
    relations = StateArray(np.float64, lambda m: (m.n_countries, m.n_countries), -1.0, 1.0,
                           "[state, country] official stances in -1..1")

    @property
    def scenario(self) -> Scenario:
        """The nanosim scenario this model runs (takes the place of Mesa's own)."""
        return self._scenario

    @scenario.setter
    def scenario(self, value) -> None:
        if "n_citizens" in self.__dict__:  # built: what the arrays were made from stays
            old = self._scenario
            changed = [key for key in ("country", "population", "culture", "network")
                       if getattr(value, key, None) != getattr(old, key)]
            if changed:
                raise NanosimError(f"model.scenario: a built model keeps its {', '.join(changed)}"
                                   " (its arrays and networks were made from them); change "
                                   "channels, perception or events, or build a new "
                                   "DiplomacyModel")
        self._scenario = value

    def __init__(self, scenario: Scenario | str, replicate: int = 0, *, seed: int | None = None,
                 citizen_agents: bool | None = None):
        scenario = as_scenario(scenario)
        replicate = check_whole("DiplomacyModel", "replicate", replicate, 0)
        root = scenario.scenario.seed if seed is None else check_whole("DiplomacyModel", "seed",
                                                                       seed, 0)
        self.root_seed = root
        streams = replicate_seed(root, replicate).spawn(4)
        super().__init__(rng=int(streams[0].generate_state(1)[0]))
        self.scenario = scenario
        self.replicate = replicate
        self.t = 0
        self.country_names = scenario.country_names
        self._build_world(np.random.default_rng(streams[1]), np.random.default_rng(streams[2]))
        self.rng_state = streams[3].generate_state(4, np.uint64)
        self.event_rng = np.random.default_rng(streams[3].spawn(1)[0])
        self._exchange_active: tuple = ()
        self._repairs: dict[tuple[int, int], tuple[float, float, int, float]] = {}
        if citizen_agents is None:
            citizen_agents = self.n_citizens <= CITIZEN_AGENTS_UP_TO
        for c in range(self.n_countries):
            State(self, c)
        if citizen_agents:
            for i in range(self.n_citizens):
                Citizen(self, i)
        self.recorder = Recorder(self)
        self.recorder.record(0)

    # --- building ---------------------------------------------------------------------

    def _build_world(self, net_rng: np.random.Generator, init_rng: np.random.Generator):
        s = self.scenario
        net = s.network
        n_countries = len(s.country)
        self.n_countries = n_countries
        affinity = np.ones((n_countries, n_countries))
        for pair, w in net.affinity.items():
            a, b = (s.country_index(x) for x in affinity_pair(pair, s.country_names, s.source))
            affinity[a, b] = affinity[b, a] = w
        if net.kind == "file":
            self.node_ids, self.home, self.graph = network.read_edge_list(
                *network.edge_list_files(s), self.country_names)
            self.home = self.home.astype(np.int32)
            sizes = np.bincount(self.home, minlength=n_countries)
            check_exchange_ties(s, sizes)
        else:
            sizes = split_population(s.population.size, [c.share for c in s.country])
            self.home = np.repeat(np.arange(n_countries, dtype=np.int32), sizes)
            self.graph = self._social_graph(net, affinity, net_rng)
        n = self.home.shape[0]
        self.n_citizens = n
        self.sizes = sizes.astype(np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)
        self.base_graph = self.graph
        self.affinity = affinity

        self.online = net_rng.random(n) < net.online_share
        self.followers = network.followers(self.home, self.online, net.follows,
                                           net.online_cross_border, affinity, net_rng)
        pop = s.population
        openness = np.clip(init_rng.normal(pop.openness, pop.openness_sd, n), 0, 1)
        if pop.openness_sd == 0:  # everyone alike: one shared number (a read-only view),
            openness = np.broadcast_to(openness[:1].copy(), (n,))  # read from cache
        self.openness = openness
        trust_mean = np.array([c.state.trust for c in s.country])[self.home]
        trust_sd = np.array([c.state.trust_sd for c in s.country])[self.home]
        self.trust = np.clip(trust_mean + trust_sd * init_rng.standard_normal(n), 0, 1)
        self._build_culture(init_rng)
        self._build_images(init_rng)

        self.relations = np.eye(n_countries)
        for a, c in enumerate(s.country):
            for other, v in c.relations.items():
                self.relations[a, s.country_index(other)] = v
        self.responsiveness = np.array([c.state.responsiveness for c in s.country])
        self.base_media_reach = np.array([c.state.media_reach for c in s.country])
        self.media_reach = self.base_media_reach.copy()
        self.base_appeal = np.array([c.appeal for c in s.country])
        self.appeal = self.base_appeal.copy()
        self.post_multiplier = np.ones(n_countries)
        self.banned = np.zeros(n_countries, dtype=bool)

    def _social_graph(self, net, affinity, rng) -> network.Graph:
        n = self.home.shape[0]
        if net.kind == "homophilous":
            return network.homophilous(self.home, net.degree, net.rewire, net.cross_border,
                                       affinity, rng)
        if net.kind == "lattice":
            width = net.width or int(np.sqrt(n))
            return network.lattice(n, width, n // width, net.neighbourhood, net.torus)
        if net.kind == "complete":
            return network.complete(n)
        if net.kind == "erdos_renyi":
            return network.erdos_renyi(n, net.degree, rng)
        return network.barabasi_albert(n, net.degree, rng)

    def _build_culture(self, rng: np.random.Generator):
        s = self.scenario
        features, q = s.culture.features, s.culture.traits
        proto = np.zeros((self.n_countries, len(features)), dtype=np.int16)
        self.symbol_names: list[dict[int, str]] = []
        for f, feat in enumerate(features):
            names = sorted({c.symbols[feat] for c in s.country if feat in c.symbols})
            ids = {name: k for k, name in enumerate(names)}
            unused = list(range(len(names), q))
            rng.shuffle(unused)
            for c, country in enumerate(s.country):
                if feat in country.symbols:
                    proto[c, f] = ids[country.symbols[feat]]
                elif unused:
                    proto[c, f] = unused.pop()
                else:
                    proto[c, f] = rng.integers(q)
            self.symbol_names.append({v: k for k, v in ids.items()})
        self.prototypes = proto
        symbols = proto[self.home]
        redraw = rng.random(symbols.shape) < s.culture.diversity
        symbols[redraw] = rng.integers(0, q, int(redraw.sum()), dtype=np.int16)
        self.symbols = np.ascontiguousarray(symbols)

    def _build_images(self, rng: np.random.Generator):
        s = self.scenario
        p, n, n_countries = s.perception, self.n_citizens, self.n_countries
        means = np.full((n_countries, 2, n_countries), p.default_image)
        for d, country in enumerate(s.country):
            for which, table in enumerate((country.initial.people, country.initial.state)):
                for other, v in table.items():
                    means[d, which, s.country_index(other)] = v
            means[d, :, d] = p.own_image
        if p.initial_distribution == "uniform":
            images = rng.uniform(-1.0, 1.0, (n, 2, n_countries))
        else:
            images = means[self.home] + p.initial_sd * rng.standard_normal((n, 2, n_countries))
        self.images = _image_storage(n, n_countries, p.spillover)
        np.clip(images, -1.0, 1.0, out=self.images)

    # --- stepping -----------------------------------------------------------------

    @property
    def citizens(self) -> mesa.agent.AgentSet:
        """The Citizen agents (empty when the model has none: the arrays are the citizens)."""
        found = self.agents_by_type.get(Citizen)
        return found if found is not None else mesa.agent.AgentSet([], random=self.random)

    @property
    def states(self) -> mesa.agent.AgentSet:
        """The State agents, one per country."""
        return self.agents_by_type[State]

    def step(self):
        """Advance one day: events, high politics, nano diplomacy, then metrics.

        After the last step (``scenario.steps``) a step does nothing but warn; give the
        model a scenario with more steps to go on.
        """
        s = self.scenario
        if self.t >= s.scenario.steps:
            warnings.warn(f"the run ended at step {self.t} (scenario.steps); this step does "
                          "nothing (raise scenario.steps to go on)", RuntimeWarning, stacklevel=2)
            self.running = False
            return
        self._apply_events()
        step_channels(self)
        self.t += 1
        steps = s.scenario.steps
        if self.t % s.scenario.record_every == 0 or self.t == steps:
            self.recorder.record(self.t)
            if s.scenario.stop_when_absorbed and not self.can_share_symbols():
                self.running = False
                if self.recorder.times[-1] != self.t:
                    self.recorder.record(self.t)
        if self.t >= steps:
            self.running = False

    def run_to_end(self, progress=None):
        """Step until the last step (or absorption); ``progress(t)`` is called each step.

        Mesa's ``run_model()`` does the same without the progress calls.
        """
        while self.running and self.t < self.scenario.scenario.steps:
            self.step()
            if progress is not None:
                progress(self.t)

    # --- events -----------------------------------------------------------------------

    def active_events(self, kind: str) -> list:
        """The scenario's events of ``kind`` running during this step."""
        return [e for e in self.scenario.events
                if e.kind == kind and e.step <= self.t < e.step + getattr(e, "duration", 1)]

    def _apply_events(self):
        s, t = self.scenario, self.t
        if not s.events:  # nothing scheduled: what the build set stands
            return
        idx = s.country_index
        for e in s.events:
            if e.step != t:
                continue
            if e.kind == "incident":
                a, b = idx(e.between[0]), idx(e.between[1])
                self._remember_relations(a, b, e.step + e.duration, e.recovery)
                self._shock(a, b, -e.severity)
            elif e.kind in ("summit", "treaty"):
                self._shock(idx(e.between[0]), idx(e.between[1]), e.strength)
        self._repair_relations()
        boost = s.channels.events.media_boost
        self.media_reach = self.base_media_reach.copy()
        for e in self.active_events("incident"):
            for name in e.between:
                c = idx(name)
                self.media_reach[c] = min(1.0, self.media_reach[c] * (1 + boost * e.severity))
        self.appeal = self.base_appeal.copy()
        self.post_multiplier = np.ones(self.n_countries)
        for e in self.active_events("festival"):
            c = idx(e.country)
            self.appeal[c] = min(1.0, self.appeal[c] + e.boost)
            self.post_multiplier[c] *= e.multiplier
        self.banned = np.zeros(self.n_countries, dtype=bool)
        for e in self.active_events("platform_ban"):
            self.banned[idx(e.country)] = True
        self._update_exchange_ties()

    def _shock(self, a: int, b: int, valence: float):
        """An official event between a and b: relations move, the news reaches both publics."""
        r = self.relations
        r[a, b] = np.clip(r[a, b] + valence, -1, 1)
        r[b, a] = np.clip(r[b, a] + valence, -1, 1)
        events.send_news(self, a, b, valence)

    def _remember_relations(self, a: int, b: int, end: int, rate: float):
        """Before an incident: note the pair's relations, to be repaired toward once it ends.

        A second incident between the same pair keeps the level from before the first.
        """
        key = (min(a, b), max(a, b))
        r = self.relations
        level_ab, level_ba = (r[key[0], key[1]], r[key[1], key[0]])
        if key in self._repairs:
            level_ab, level_ba = self._repairs[key][:2]
        self._repairs[key] = (level_ab, level_ba, end, rate)

    def _repair_relations(self):
        """After an incident ends, diplomacy repairs a share of the remaining drop per step."""
        r = self.relations
        for (a, b), (level_ab, level_ba, end, rate) in self._repairs.items():
            if self.t < end or rate == 0:
                continue
            r[a, b] += rate * max(0.0, level_ab - r[a, b])
            r[b, a] += rate * max(0.0, level_ba - r[b, a])

    def _update_exchange_ties(self):
        active = tuple(id(e) for e in self.active_events("exchange_programme"))
        if active == self._exchange_active:
            return
        self._exchange_active = active
        graph = self.base_graph
        for e in self.active_events("exchange_programme"):
            a, b = (self.scenario.country_index(x) for x in e.between)
            rng = np.random.default_rng([self.root_seed, self.replicate, e.step])
            src, dst = network.exchange_ties(self.home, a, b, e.ties, rng)
            graph = network.with_extra_ties(graph, src, dst)
        self.graph = graph

    # --- measures -----------------------------------------------------------------------

    def can_share_symbols(self) -> bool:
        """Whether any neighbouring pair can still share a symbol (Axelrod not absorbed)."""
        g = self.graph
        if g.well_mixed:  # everyone meets everyone: look at the distinct cultures only
            cultures = np.unique(self.symbols, axis=0)
            same = (cultures[:, None, :] == cultures[None, :, :]).sum(axis=2)
            np.fill_diagonal(same, 0)
            return bool(((same > 0) & (same < cultures.shape[1])).any())
        return bool(can_share_symbols(g.indptr, g.indices, self.symbols))

    def timeseries(self):
        """The tidy results table of this run so far (see docs/outputs.md)."""
        return self.recorder.table()
