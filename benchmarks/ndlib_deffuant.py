"""Deffuant bounded confidence in ndlib: ``AlgorithmicBiasModel`` with gamma = 0.

With gamma = 0 the algorithmic bias is off: the second person is a uniformly
random neighbour, and a pair closer than ``epsilon`` both move to their average
(mu = 0.5, fixed in ndlib). ndlib's ``iteration()`` performs N pairwise
interactions (its loop ``for i in range(0, n)``), except the very first call,
which only reports the initial state and performs none.
"""

from __future__ import annotations

import random

import ndlib.models.ModelConfig as mc
import networkx as nx
import numpy as np
from ndlib.models.opinions import AlgorithmicBiasModel

MU = 0.5  # ndlib's fixed convergence parameter (pairs move to their average)


def build(n: int, degree: int = 10, rewire: float = 0.1, epsilon: float = 0.2, seed: int = 1):
    """An AlgorithmicBiasModel on a Watts–Strogatz graph, past its interaction-free iteration 0."""
    random.seed(seed)
    np.random.seed(seed)
    graph = nx.watts_strogatz_graph(n, degree, rewire, seed=seed)
    model = AlgorithmicBiasModel(graph, seed=seed)
    config = mc.Configuration()
    config.add_model_parameter("epsilon", epsilon)
    config.add_model_parameter("gamma", 0)
    model.set_initial_status(config)
    model.iteration(node_status=False)  # iteration 0: reports the initial state, no interactions
    return model


def interactions_per_iteration(model) -> int:
    """Pairwise interactions one later ``iteration()`` performs: one per node."""
    return model.graph.number_of_nodes()


def run(model, iterations: int) -> None:
    for _ in range(iterations):
        model.iteration(node_status=False)


def opinions(model) -> np.ndarray:
    return np.array(list(model.status.values()), dtype=float)
