"""Open borders: cross-border ties that grow over a while and stay (structural change)."""

from __future__ import annotations

import numpy as np

from nanosim.engine import network
from nanosim.engine.events.base import EventKind, pair


class OpenBorders(EventKind):
    """While it runs, each day adds its batch of random ties between citizens of the two
    countries to the social graph, for good: to the built graph (``model.base_graph``,
    which exchange programmes add their ties to) and to the graph of the day.

    Each day's ties come from a stream of their own (seed, replicate, start step, day),
    so they do not depend on what else ran before. No slider on the live dashboard:
    its sliders run 0..1 and ``ties`` must stay above 0.
    """

    kind = "open_borders"

    def during(self, model, events: list) -> None:
        for e in events:
            a, b = pair(model, e)
            day = model.t - e.step
            batch = e.ties_on_day(e.total_ties(model.scenario, model.sizes), day)
            rng = np.random.default_rng([model.root_seed, model.replicate, e.step, day])
            src, dst = network.exchange_ties(model.home, a, b, batch, rng)
            opened = network.with_extra_ties(model.base_graph, src, dst)
            if model.graph is not model.base_graph:  # an exchange programme's ties too
                model.graph = network.with_extra_ties(model.graph, src, dst)
            else:
                model.graph = opened
            model.base_graph = opened


OPEN_BORDERS = OpenBorders()
