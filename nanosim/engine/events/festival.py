"""Festivals: a country's culture goes viral for a while."""

from __future__ import annotations

import numpy as np

from nanosim.engine.events.base import EventKind


class Festival(EventKind):
    """While it lasts, the country's appeal rises by ``boost`` (to at most 1) and its
    citizens post ``multiplier`` times as often; overlapping festivals add up."""

    kind = "festival"

    def during(self, model, events: list) -> None:
        model.appeal = model.base_appeal.copy()
        model.post_multiplier = np.ones(model.n_countries)
        for e in events:
            c = model.scenario.country_index(e.country)
            model.appeal[c] = min(1.0, model.appeal[c] + e.boost)
            model.post_multiplier[c] *= e.multiplier


FESTIVAL = Festival()
