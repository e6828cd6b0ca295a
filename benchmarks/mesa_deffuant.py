"""Deffuant bounded confidence written the way a Mesa user would: one agent per person.

The Mesa peers of the special-case benchmark, in two idiomatic forms:

- ``NeighbourListModel``, the fastest: a plain :class:`mesa.Agent` per node holding
  the list of its neighbours (the agents themselves), built once from the networkx
  graph. This is the headline peer.
- ``CellNetworkModel``, after Mesa's own network example
  (``mesa/examples/basic/virus_on_network``): the graph in a
  :class:`mesa.discrete_space.Network`, one :class:`~mesa.discrete_space.FixedAgent`
  per cell, and a random neighbour drawn from the cell's neighbourhood (which Mesa
  builds lazily, on a cell's first use: in the first step).

Both step with ``agents.shuffle_do("step")``. In its step an agent picks a random
neighbour; if their opinions (on [0, 1]) differ by less than ``epsilon`` both move
``mu`` of the way toward each other. One agent step is one pairwise interaction, so
a step is N interactions. Each agent's step spells the rule out, as a Mesa user
writes it, rather than calling a shared helper that would cost the peer a call per
interaction.
"""

from __future__ import annotations

import mesa
import networkx as nx
from mesa.discrete_space import FixedAgent, Network


class Person(mesa.Agent):
    """One person with an opinion in [0, 1] and the list of the people they know."""

    def __init__(self, model: NeighbourListModel, opinion: float):
        super().__init__(model)
        self.opinion = opinion
        self.neighbours: list[Person] = []

    def step(self):
        if not self.neighbours:
            return
        other = self.random.choice(self.neighbours)
        diff = other.opinion - self.opinion
        if abs(diff) < self.model.epsilon:
            self.opinion += self.model.mu * diff
            other.opinion -= self.model.mu * diff


class CellPerson(FixedAgent):
    """One person with an opinion in [0, 1], living on a cell of Mesa's network space."""

    def __init__(self, model: CellNetworkModel, cell, opinion: float):
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
        self.populate(nx.watts_strogatz_graph(n, degree, rewire,
                                              seed=self.random.randrange(2**32)))

    def populate(self, graph: nx.Graph) -> None:
        raise NotImplementedError

    def step(self):
        self.agents.shuffle_do("step")

    def opinions(self) -> list[float]:
        return [a.opinion for a in self.agents]


class NeighbourListModel(DeffuantModel):
    """Agents holding their neighbours in a list: no space, no lookups while stepping."""

    def populate(self, graph: nx.Graph) -> None:
        people = [Person(self, self.random.random()) for _ in graph]
        for node, person in zip(graph, people, strict=True):
            person.neighbours = [people[other] for other in graph.neighbors(node)]


class CellNetworkModel(DeffuantModel):
    """Agents on the cells of a :class:`mesa.discrete_space.Network`."""

    def populate(self, graph: nx.Graph) -> None:
        self.grid = Network(graph, capacity=1, random=self.random, layout=None)
        for cell in self.grid.all_cells:
            CellPerson(self, cell, self.random.random())


MODELS = {"lists": NeighbourListModel, "cells": CellNetworkModel}
