"""Deffuant bounded confidence written the way a Mesa user would: one agent per person.

The peer for the special-case benchmark. It follows Mesa's own network example
(``mesa/examples/basic/virus_on_network``): a networkx graph in a
:class:`mesa.discrete_space.Network`, one :class:`~mesa.discrete_space.FixedAgent`
per node, and ``agents.shuffle_do("step")`` each step. In its step an agent picks a
random neighbour; if their opinions (on [0, 1]) differ by less than ``epsilon``
both move ``mu`` of the way toward each other. One agent step is one pairwise
interaction, so a step is N interactions.
"""

from __future__ import annotations

import mesa
import networkx as nx
from mesa.discrete_space import FixedAgent, Network


class Person(FixedAgent):
    """One person with an opinion in [0, 1], living on a node of the social network."""

    def __init__(self, model: DeffuantModel, cell, opinion: float):
        super().__init__(model)
        self.cell = cell
        self.opinion = opinion

    def step(self):
        other = self.cell.neighborhood.select_random_agent(default=None)
        if other is None:
            return
        diff = other.opinion - self.opinion
        if abs(diff) < self.model.epsilon:
            self.opinion += self.model.mu * diff
            other.opinion -= self.model.mu * diff


class DeffuantModel(mesa.Model):
    """N people on a Watts–Strogatz graph talking pairwise (Deffuant et al. 2000)."""

    def __init__(self, n: int = 1000, degree: int = 10, rewire: float = 0.1,
                 epsilon: float = 0.2, mu: float = 0.5, rng: int | None = None):
        super().__init__(rng=rng)
        self.epsilon = epsilon
        self.mu = mu
        graph = nx.watts_strogatz_graph(n, degree, rewire, seed=self.random.randrange(2**32))
        self.grid = Network(graph, capacity=1, random=self.random, layout=None)
        for cell in self.grid.all_cells:
            Person(self, cell, self.random.random())

    def step(self):
        self.agents.shuffle_do("step")

    def opinions(self) -> list[float]:
        return [a.opinion for a in self.agents]
