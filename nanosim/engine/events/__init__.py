"""Scheduled events (``[[events]]``): one handler per kind, in an ordered registry.

Each step :func:`apply_events` begins the events starting then, in the scenario's
order, then lets every kind, in the order of :data:`EVENTS`, apply the effects of its
events under way. A new kind is a module here holding an :class:`EventKind`, plus its
line in :data:`EVENTS` (and its schema in ``nanosim.scenario``).
"""

from __future__ import annotations

from nanosim.engine.events.base import EventKind, under_way
from nanosim.engine.events.campaign import CAMPAIGN
from nanosim.engine.events.exchange_programme import EXCHANGE_PROGRAMME
from nanosim.engine.events.festival import FESTIVAL
from nanosim.engine.events.official import INCIDENT, SUMMIT, TREATY
from nanosim.engine.events.open_borders import OPEN_BORDERS
from nanosim.engine.events.platform_ban import PLATFORM_BAN
from nanosim.engine.events.sponsorship import SPONSORSHIP
from nanosim.engine.events.unilateral_act import UNILATERAL_ACT

# the order in which the kinds apply the effects of their events under way, each step
EVENTS: tuple[EventKind, ...] = (INCIDENT, UNILATERAL_ACT, SUMMIT, TREATY, FESTIVAL,
                                 PLATFORM_BAN, EXCHANGE_PROGRAMME, OPEN_BORDERS, CAMPAIGN,
                                 SPONSORSHIP)
BY_KIND: dict[str, EventKind] = {handler.kind: handler for handler in EVENTS}

__all__ = ["BY_KIND", "EVENTS", "EventKind", "apply_events", "new_memory", "under_way"]


def new_memory() -> dict:
    """A new model's memory of events, per kind (``model.event_memory``)."""
    return {handler.kind: handler.new_memory() for handler in EVENTS}


def apply_events(model) -> None:
    """This step's events: those starting now begin, then every kind applies those under
    way. With nothing scheduled, what the build set stands."""
    scheduled = model.scenario.events
    if not scheduled:
        return
    for event in scheduled:
        if event.step == model.t:
            BY_KIND[event.kind].begin(model, event)
    for handler in EVENTS:
        handler.during(model, under_way(model, handler.kind))
