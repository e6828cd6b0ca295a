"""Official events between two states: incidents, summits and treaties.

Each moves the pair's relations at once and makes news that reaches both publics (the
``events`` channel); an incident also intensifies both states' media while it lasts and
leaves relations to be repaired once it is over.
"""

from __future__ import annotations

import numpy as np

from nanosim.engine.channels.events import send_news
from nanosim.engine.events.base import EventKind, pair


def shock(model, a: int, b: int, valence: float) -> None:
    """Relations between states a and b move by ``valence``; the news reaches both publics
    as a message about the other state."""
    r = model.relations
    r[a, b] = np.clip(r[a, b] + valence, -1, 1)
    r[b, a] = np.clip(r[b, a] + valence, -1, 1)
    send_news(model, a, b, valence)


class Incident(EventKind):
    """A crisis: relations drop by ``severity`` and bad news spreads; both states' media
    reach grows while it lasts; once it is over, diplomacy repairs relations.

    Its memory holds, per pair of states, the relations to repair toward (the level
    before the first of overlapping incidents), the step repair starts and its rate.
    """

    kind = "incident"
    slider = "severity"

    def new_memory(self) -> dict[tuple[int, int], tuple[float, float, int, float]]:
        return {}

    def begin(self, model, event) -> None:
        a, b = pair(model, event)
        key = (min(a, b), max(a, b))
        repairs = model.event_memory[self.kind]
        level_ab, level_ba = model.relations[key[0], key[1]], model.relations[key[1], key[0]]
        if key in repairs:  # an incident before this one: the level before that stands
            level_ab, level_ba = repairs[key][:2]
        repairs[key] = (level_ab, level_ba, event.step + event.duration, event.recovery)
        shock(model, a, b, -event.severity)

    def during(self, model, events: list) -> None:
        r = model.relations
        for (a, b), (level_ab, level_ba, end, rate) in model.event_memory[self.kind].items():
            if model.t < end or rate == 0:
                continue
            r[a, b] += rate * max(0.0, level_ab - r[a, b])  # a share of the remaining drop,
            r[b, a] += rate * max(0.0, level_ba - r[b, a])  # never beyond the level before
        boost = model.scenario.channels.events.media_boost
        model.media_reach = model.base_media_reach.copy()
        for e in events:
            for c in pair(model, e):
                model.media_reach[c] = min(1.0, model.media_reach[c] * (1 + boost * e.severity))


class Accord(EventKind):
    """A summit or a treaty: relations rise by ``strength`` and good news spreads."""

    def __init__(self, kind: str):
        self.kind = kind

    def begin(self, model, event) -> None:
        shock(model, *pair(model, event), event.strength)


INCIDENT = Incident()
SUMMIT = Accord("summit")
TREATY = Accord("treaty")
