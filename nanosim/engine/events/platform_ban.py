"""Platform bans: a country's citizens are cut off from social media for a while."""

from __future__ import annotations

import numpy as np

from nanosim.engine.events.base import EventKind


class PlatformBan(EventKind):
    """While it lasts, the country's citizens neither post nor see posts
    (``model.banned``, read by the social media channel)."""

    kind = "platform_ban"

    def during(self, model, events: list) -> None:
        model.banned = np.zeros(model.n_countries, dtype=bool)
        for e in events:
            model.banned[model.scenario.country_index(e.country)] = True


PLATFORM_BAN = PlatformBan()
