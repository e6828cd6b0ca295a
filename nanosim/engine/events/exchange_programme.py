"""Exchange programmes: temporary cross-border ties in the social graph."""

from __future__ import annotations

import numpy as np

from nanosim.engine import network
from nanosim.engine.events.base import EventKind, pair


class ExchangeProgramme(EventKind):
    """While it lasts, ``ties`` random ties between citizens of the two countries join the
    social graph (``model.graph``: the built graph plus the ties of every programme under
    way), so contact and talk cross the border more often. ``model.exchange_ties`` holds
    each programme's ties (its two countries and the tie keys of
    :func:`~nanosim.engine.network.tie_keys`), for a sponsorship paying for them.

    The graph is rebuilt only when the programmes under way change (its memory: which
    ones they are). A programme's ties are drawn from a stream of its own (seed,
    replicate, start step), so they do not depend on what else ran before.
    """

    kind = "exchange_programme"

    def new_memory(self) -> tuple:
        return ()

    def during(self, model, events: list) -> None:
        active = tuple(id(e) for e in events)
        if active == model.event_memory[self.kind]:
            return
        model.event_memory[self.kind] = active
        graph = model.base_graph
        ties = []
        for e in events:
            a, b = pair(model, e)
            rng = np.random.default_rng([model.root_seed, model.replicate, e.step])
            src, dst = network.exchange_ties(model.home, a, b, e.ties, rng)
            graph = network.with_extra_ties(graph, src, dst)
            ties.append((a, b, network.tie_keys(model.n_citizens, src, dst)))
        model.graph = graph
        model.exchange_ties = tuple(ties)


EXCHANGE_PROGRAMME = ExchangeProgramme()
