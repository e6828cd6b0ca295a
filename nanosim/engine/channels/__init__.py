"""The channels: every way perceptions change, one module each, in one registry.

A channel module holds its adapter (``step(model, ledger)``: reads the scenario and
the model, calls the kernel) and its private ``@njit`` kernel, and registers itself
with a :class:`Channel` (its name, group, settings section, colour and ledger code).
Everything else that lists channels (the results table, figures, dashboard, docs
checks) reads :data:`CHANNELS` or :data:`LEDGER`.

Two orders, both fixed:

- :data:`CHANNELS` is the **step order** (docs/model.md, section "A step"): the news
  of events first (sent by the event handlers, which run before any channel), then
  high politics (relations, state media, campaigns), then nano diplomacy (contact,
  social media, groups, talk), then what the day does to everyone: anchoring toward the
  dispositions, then forgetting. Changing it changes every result.
- :data:`LEDGER` orders the channels that record changes by their ``code``: the
  categories of the ``channel`` column in stored tables. It is **append-only**: a new
  channel takes the next free code, and no code ever changes, so tables written
  before keep their meaning. The codes follow the order in which the channels came,
  which is why they differ from the step order.
"""

from nanosim.engine.channels import (
    anchoring,
    campaign,
    contact,
    events,
    forgetting,
    groups,
    relations,
    social_media,
    state_media,
    talk,
)
from nanosim.engine.channels.channel import Channel

__all__ = ["CHANNELS", "LEDGER", "Channel", "by_name", "reported", "step_channels"]

CHANNELS: tuple[Channel, ...] = (
    events.CHANNEL,
    relations.CHANNEL,
    state_media.CHANNEL,
    campaign.CHANNEL,
    contact.CHANNEL,
    social_media.CHANNEL,
    groups.CHANNEL,
    talk.CHANNEL,
    anchoring.CHANNEL,
    forgetting.CHANNEL,
)

LEDGER: tuple[Channel, ...] = tuple(sorted((c for c in CHANNELS if c.code is not None),
                                           key=lambda c: c.code))
if [c.code for c in LEDGER] != list(range(len(LEDGER))):
    raise ImportError(f"channel codes must be 0, 1, 2, ... without gaps or repeats: "
                      f"{[(c.name, c.code) for c in LEDGER]}")


def by_name(name: str) -> Channel:
    """The registered channel called ``name``."""
    for channel in CHANNELS:
        if channel.name == name:
            return channel
    raise KeyError(name)


def reported(scenario) -> tuple[Channel, ...]:
    """The ledger channels a run of ``scenario`` has rows for, in ledger order."""
    return tuple(c for c in LEDGER if c.reported(scenario))


def step_channels(model, ledger) -> None:
    """Run the registered channels of one step, in step order, into ``ledger``."""
    for channel in CHANNELS:
        if channel.step is not None:
            channel.step(model, ledger)
