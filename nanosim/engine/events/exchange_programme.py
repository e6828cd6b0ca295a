"""Exchange programmes: temporary cross-border ties in the social graph, and hosts and
guests who meet every day."""

from __future__ import annotations

import numpy as np

from nanosim.engine import network
from nanosim.engine.channels.contact import pair_meetings
from nanosim.engine.events.base import EventKind, pair
from nanosim.engine.sponsorship import paid_programme


class ExchangeProgramme(EventKind):
    """While it lasts, ``ties`` random ties between citizens of the two countries join the
    social graph (``model.graph``: the built graph plus the ties of every programme under
    way), so contact and talk cross the border more often. ``model.exchange_ties`` holds
    each programme's ties (its two countries and the tie keys of
    :func:`~nanosim.engine.network.tie_keys`), for a sponsorship paying for them.

    With ``meetings`` above 0 each pair of the programme also meets that often a day (a
    guest and their host), an experience for each side as in a cross-border meeting; a
    sponsored one where a sponsorship pays for the programme.

    The graph is rebuilt only when the programmes under way change (its memory: which
    ones they are, and their pairs). A programme's ties are drawn from a stream of its
    own (seed, replicate, start step), so they do not depend on what else ran before.
    """

    kind = "exchange_programme"

    def new_memory(self) -> dict:
        return {"active": (), "pairs": {}}

    def during(self, model, events: list) -> None:
        memory = model.event_memory[self.kind]
        active = tuple(id(e) for e in events)
        if active != memory["active"]:
            memory["active"] = active
            memory["pairs"] = {id(e): self.pairs(model, e) for e in events}
            graph = model.base_graph
            ties = []
            for e in events:
                src, dst = memory["pairs"][id(e)]
                graph = network.with_extra_ties(graph, src, dst)
                ties.append((*pair(model, e), network.tie_keys(model.n_citizens, src, dst)))
            model.graph = graph
            model.exchange_ties = tuple(ties)
        for e in events:
            if e.meetings > 0:
                src, dst = memory["pairs"][id(e)]
                pair_meetings(model, model.recorder.untracked_ledger(), src, dst, e.meetings,
                              paid_programme(model, *pair(model, e)))

    @staticmethod
    def pairs(model, event) -> tuple[np.ndarray, np.ndarray]:
        """The programme's pairs (citizen of the first country, citizen of the second)."""
        a, b = pair(model, event)
        rng = np.random.default_rng([model.root_seed, model.replicate, event.step])
        return network.exchange_ties(model.home, a, b, event.ties, rng)


EXCHANGE_PROGRAMME = ExchangeProgramme()
