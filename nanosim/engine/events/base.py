"""What an event kind is: the interface every handler in the registry implements."""

from __future__ import annotations


class EventKind:
    """How one kind of scheduled event (``[[events]]`` with ``kind = ...``) acts on a model.

    Each step, every event starting that step is begun, in the scenario's order; then
    each kind, in the registry's order, applies the effects of its events under way.
    A kind whose effects last sets them afresh every step from the model's base values,
    so that an event's effects end with it.
    """

    kind: str = ""  # the scenario's name of the kind
    slider: str | None = None  # a setting of it the live dashboard offers as a slider

    def new_memory(self):
        """What the kind keeps across the steps of one model (``model.event_memory[kind]``)."""
        return None

    def begin(self, model, event) -> None:
        """What the event does once, at its step."""

    def during(self, model, events: list) -> None:
        """What this kind's events under way (possibly none) do this step."""

    def title(self, event) -> str:
        """The event in words: 'the Aland / Bland incident at step 10'."""
        where = " / ".join(event.between) if hasattr(event, "between") else event.country
        return f"the {where} {self.kind.replace('_', ' ')} at step {event.step}"


def under_way(model, kind: str) -> list:
    """The scenario's events of ``kind`` under way at the model's step, in its order (an
    event without a duration lasts its one step)."""
    t = model.t
    return [e for e in model.scenario.events
            if e.kind == kind and e.step <= t < e.step + getattr(e, "duration", 1)]


def pair(model, event) -> tuple[int, int]:
    """The two countries of an event between two (``between``), as indices."""
    a, b = (model.scenario.country_index(name) for name in event.between)
    return a, b
