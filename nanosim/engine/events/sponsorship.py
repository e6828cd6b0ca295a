"""Sponsorship events: a state starts paying for nano diplomacy, for a while."""

from __future__ import annotations

from nanosim.engine.events.base import EventKind, under_way


class Sponsorship(EventKind):
    """While it lasts, what it pays for is sponsored: the channels read :meth:`running`
    each step (``model.sponsorships``), as they read the standing ``[[sponsorship]]``."""

    kind = "sponsorship"

    def title(self, event) -> str:
        return f"the {event.sponsor} sponsorship of {event.programme} at step {event.step}"

    def running(self, model) -> list:
        """The sponsorships of this step: the standing ones, then the events under way."""
        return list(model.scenario.sponsorship) + under_way(model, self.kind)


SPONSORSHIP = Sponsorship()
