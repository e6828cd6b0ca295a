"""A unilateral act: one state's sustained act that other publics condemn (a war).

Unlike an incident it is one-sided: only the observers' states turn against the actor
and only the observers' publics hear of it, day after day while it lasts; the actor's
relations and public are untouched. Afterwards diplomacy repairs the observers'
relations toward the actor, as after an incident.
"""

from __future__ import annotations

import numpy as np

from nanosim.engine.channels.events import tell_public
from nanosim.engine.events.base import EventKind


class UnilateralAct(EventKind):
    """Its memory holds, per (observer, actor), the relations to repair toward (the level
    before the first of overlapping acts), the step repair starts and its rate."""

    kind = "unilateral_act"
    slider = "severity"

    def new_memory(self) -> dict[tuple[int, int], tuple[float, int, float]]:
        return {}

    def begin(self, model, event) -> None:
        actor = model.scenario.country_index(event.actor)
        repairs = model.event_memory[self.kind]
        reach = model.scenario.channels.events.reach
        for name in event.observers:
            o = model.scenario.country_index(name)
            level = repairs[(o, actor)][0] if (o, actor) in repairs else model.relations[o, actor]
            repairs[(o, actor)] = (level, event.step + event.duration, event.recovery)
            model.relations[o, actor] = np.clip(model.relations[o, actor] - event.severity, -1, 1)
            tell_public(model, o, actor, -event.severity, reach)

    def during(self, model, events: list) -> None:
        r = model.relations
        for (o, actor), (level, end, rate) in model.event_memory[self.kind].items():
            if model.t >= end and rate > 0:
                r[o, actor] += rate * max(0.0, level - r[o, actor])
        for e in events:
            if model.t == e.step:  # the first day's news reached everyone it could
                continue
            actor = model.scenario.country_index(e.actor)
            for name in e.observers:
                tell_public(model, model.scenario.country_index(name), actor, -e.severity,
                            e.daily_reach)

    def title(self, event) -> str:
        return f"{event.actor}'s unilateral act at step {event.step}"


UNILATERAL_ACT = UnilateralAct()
