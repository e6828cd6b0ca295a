"""Campaign events: a state's public-diplomacy drive for a while."""

from __future__ import annotations

from nanosim.engine.events.base import EventKind, under_way


class Campaign(EventKind):
    """While it lasts, the campaign channel runs it as it runs the standing campaign
    (``channels.campaign``): the channel reads :meth:`running` each step."""

    kind = "campaign"

    def running(self, model) -> list:
        """The campaigns to run this step: the standing one, then the events under way."""
        standing = model.scenario.channels.campaign
        return ([standing] if standing else []) + under_way(model, self.kind)


CAMPAIGN = Campaign()
