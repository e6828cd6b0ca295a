"""DiplomacyModel: the Mesa model of nano power diplomacy versus high politics.

The model builds its world in ``__init__`` (:mod:`nanosim.engine.world`), runs the
scenario's burn-in, and advances one day per ``step()`` in the order of docs/model.md:
events (:mod:`nanosim.engine.events`), high politics (relations, state media,
campaigns), nano diplomacy (contact, social media, talk), anchoring, then metrics.
State lives in arrays owned by the model (struct of arrays); citizens and states are
Mesa agents that view one row.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import mesa
import numpy as np

from nanosim.engine.agents import Citizen, Group, State
from nanosim.engine.channels import step_channels
from nanosim.engine.events import apply_events, new_memory
from nanosim.engine.events.campaign import CAMPAIGN
from nanosim.engine.events.sponsorship import SPONSORSHIP
from nanosim.engine.groups import build_groups
from nanosim.engine.kernels import measures
from nanosim.engine.metrics import Recorder
from nanosim.engine.state import StateArray
from nanosim.engine.world import build_world
from nanosim.errors import NanosimError
from nanosim.scenario import Scenario, as_scenario, check_whole

CITIZEN_AGENTS_UP_TO = 100_000


def replicate_seed(seed: int, replicate: int) -> np.random.SeedSequence:
    """Replicate r's stream: the same whether it runs alone or among many."""
    return np.random.SeedSequence(seed, spawn_key=(replicate,))


class DiplomacyModel(mesa.Model):
    """Citizens and states of several countries exchanging messages through channels.

    Args:
        scenario: a validated :class:`~nanosim.scenario.Scenario`, or a scenario file.
        replicate: which replicate stream of the scenario seed to use.
        seed: overrides ``scenario.seed``.
        citizen_agents: create one Mesa agent per citizen (default: up to 100,000
            citizens; the arrays are the state either way).
        progress: called after each burn-in day with its (negative) day number, -burn_in
            + 1 .. 0, e.g. to check for a cancel.
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
            changed = [key for key in ("country", "population", "culture", "network", "group",
                                       "groups")
                       if getattr(value, key, None) != getattr(old, key)]
            if changed:
                raise NanosimError(f"model.scenario: a built model keeps its {', '.join(changed)}"
                                   " (its arrays, networks and groups were made from them); "
                                   "change channels, perception or events, or build a new "
                                   "DiplomacyModel")
            if value.has_sponsorship and not self.recorder.keeps_sponsored:
                raise NanosimError("model.scenario: sponsorship needs the sponsored part of the "
                                   "ledger, kept only by a model built with a sponsorship; "
                                   "build a new DiplomacyModel")
            if value.perception.anchoring > 0 and self.dispositions is None:
                raise NanosimError("model.scenario: perception.anchoring needs the "
                                   "dispositions, kept only by a model built with anchoring "
                                   "above 0; build a new DiplomacyModel")
        self._scenario = value

    def __init__(self, scenario: Scenario | str, replicate: int = 0, *, seed: int | None = None,
                 citizen_agents: bool | None = None,
                 progress: Callable[[int], None] | None = None):
        scenario = as_scenario(scenario)
        replicate = check_whole("DiplomacyModel", "replicate", replicate, 0)
        root = (scenario.run.seed if seed is None
                else check_whole("DiplomacyModel", "seed", seed, 0))
        self.root_seed = root
        # Mesa, the networks, the starts, the channels; then the groups (built, and their
        # days) and the detection of sponsorship, each apart so that without them the
        # other draws stay as they were
        streams = replicate_seed(root, replicate).spawn(7)
        super().__init__(rng=int(streams[0].generate_state(1)[0]))
        self.scenario = scenario
        self.replicate = replicate
        self.t = 0
        self.country_names = scenario.country_names
        world = build_world(scenario, np.random.default_rng(streams[1]),
                            np.random.default_rng(streams[2]))
        for name, value in vars(world).items():  # model.home, model.graph, model.images ...
            setattr(self, name, value)
        self.rng_state = streams[3].generate_state(4, np.uint64)
        self.group_names, self.memberships = build_groups(
            scenario, world, np.random.default_rng(streams[4]))
        self.group_rng_state = streams[5].generate_state(4, np.uint64)
        self.detect_rng_state = streams[6].generate_state(4, np.uint64)
        self.event_memory = new_memory()  # what event kinds keep across steps
        if citizen_agents is None:
            citizen_agents = self.n_citizens <= CITIZEN_AGENTS_UP_TO
        for c in range(self.n_countries):
            State(self, c)
        if citizen_agents:
            for i in range(self.n_citizens):
                Citizen(self, i)
        for g in range(self.memberships.n_groups):
            Group(self, g)
        self.recorder = Recorder(self)
        if scenario.run.burn_in:
            self._burn_in(scenario.run.burn_in, progress)
        self.recorder.record(0)

    def _burn_in(self, days: int, progress: Callable[[int], None] | None) -> None:
        """Run ``days`` steps before day 0: the channels on the scenario's structure, no
        events, nothing recorded; then start the ledger afresh, so that day 0 is the
        burned-in state and every shift is counted from it.

        Events do not run (a treatment starts at day 0 as an event), so under common
        random numbers a scenario and its event-free twin are identical at day 0.
        """
        scenario = self._scenario
        self._scenario = scenario.model_copy(update={"events": []})
        for day in range(1 - days, 1):
            step_channels(self, self.recorder.unrecorded_ledger())
            if progress is not None:
                progress(day)
        self._scenario = scenario
        self.recorder = Recorder(self)

    def restart(self, scenario: Scenario) -> None:
        """Take ``scenario`` at day 0, keeping this model's burned-in state: for a model
        just built from a twin of ``scenario`` that differs only in its events and in how
        long and how often it records (see :mod:`nanosim.engine.burned_in`)."""
        if self.t:
            raise NanosimError(f"model.restart: the model is at day {self.t}; only a model at "
                               "day 0 can take another scenario")
        self._scenario = as_scenario(scenario)
        self.running = True
        self.recorder = Recorder(self)
        self.recorder.record(0)

    # --- agents and campaigns --------------------------------------------------------

    @property
    def citizens(self) -> mesa.agent.AgentSet:
        """The Citizen agents (empty when the model has none: the arrays are the citizens)."""
        found = self.agents_by_type.get(Citizen)
        return found if found is not None else mesa.agent.AgentSet([], random=self.random)

    @property
    def states(self) -> mesa.agent.AgentSet:
        """The State agents, one per country."""
        return self.agents_by_type[State]

    @property
    def groups(self) -> mesa.agent.AgentSet:
        """The Group agents, one per small group (empty in a scenario without groups)."""
        found = self.agents_by_type.get(Group)
        return found if found is not None else mesa.agent.AgentSet([], random=self.random)

    @property
    def sponsorships(self) -> list:
        """The sponsorships running this step: the standing ones (``[[sponsorship]]``), then
        the sponsorship events under way."""
        return SPONSORSHIP.running(self)

    @property
    def campaigns(self) -> list:
        """The public-diplomacy campaigns running this step: the standing one
        (``channels.campaign``), then the campaign events under way."""
        return CAMPAIGN.running(self)

    # --- stepping -----------------------------------------------------------------------

    def step(self):
        """Advance one day: events, the channels in order (high politics, then nano
        diplomacy), then metrics.

        After the last step (``scenario.steps``) a step does nothing but warn; give the
        model a scenario with more steps to go on.
        """
        s = self.scenario
        if self.t >= s.run.steps:
            warnings.warn(f"the run ended at step {self.t} (scenario.steps); this step does "
                          "nothing (raise scenario.steps to go on)", RuntimeWarning, stacklevel=2)
            self.running = False
            return
        apply_events(self)
        step_channels(self, self.recorder.ledger_for_step(self.t + 1))
        # record
        self.t += 1
        steps = s.run.steps
        if self.t % s.run.record_every == 0 or self.t == steps:
            self.recorder.record(self.t)
            if s.run.stop_when_absorbed and not self.can_share_symbols():
                self.running = False
                if self.recorder.times[-1] != self.t:
                    self.recorder.record(self.t)
        if self.t >= steps:
            self.running = False

    def run_to_end(self, progress=None):
        """Step until the last step (or absorption); ``progress(t)`` is called each step.

        Mesa's ``run_model()`` does the same without the progress calls.
        """
        while self.running and self.t < self.scenario.run.steps:
            self.step()
            if progress is not None:
                progress(self.t)

    # --- measures -----------------------------------------------------------------------

    def can_share_symbols(self) -> bool:
        """Whether any neighbouring pair can still share a symbol (Axelrod not absorbed)."""
        g = self.graph
        if g.well_mixed:  # everyone meets everyone: look at the distinct cultures only
            cultures = np.unique(self.symbols, axis=0)
            same = (cultures[:, None, :] == cultures[None, :, :]).sum(axis=2)
            np.fill_diagonal(same, 0)
            return bool(((same > 0) & (same < cultures.shape[1])).any())
        return bool(measures.can_share_symbols(g.indptr, g.indices, self.symbols))

    def timeseries(self):
        """The tidy results table of this run so far (see docs/outputs.md)."""
        return self.recorder.table()
