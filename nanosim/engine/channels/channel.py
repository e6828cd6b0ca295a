"""What a channel is (:class:`Channel`), and what every channel's adapter reads from a model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from nanosim.engine.kernels.bundles import Citizens, Credibility, Experiences, Latitudes, Ledger
from nanosim.engine.kernels.rng import stochastic_round

Group = Literal["nano", "high_politics", "other"]


def always(scenario) -> bool:
    """A channel every run reports (:attr:`Channel.reported`)."""
    return True


@dataclass(frozen=True)
class Channel:
    """One way perceptions change, registered in :data:`nanosim.engine.channels.CHANNELS`.

    Attributes:
        name: its name in the results (the tidy table's ``channel``) and the docs.
        group: ``"nano"`` (citizens to citizens), ``"high_politics"`` (states) or ``"other"``.
        settings: the scenario section it reads, as a dotted path (``"channels.contact"``).
        step: ``step(model, ledger)`` runs it for one step, recording into ``ledger``;
            None where the messages are sent by someone else (the news of events, sent by
            the event handlers).
        code: its code in the ledger and in stored tables; None where it records no
            change to images (official relations).
        colour: its colour in figures and the dashboard (every channel with a code).
        reported: ``reported(scenario)``: whether a run of the scenario has rows for it in
            its results (an opt-in channel has rows only where it is on, so the results
            of a scenario that does not use it do not depend on its existence).
    """

    name: str
    group: Group
    settings: str
    step: Callable[[object, Ledger], None] | None
    code: int | None = None
    colour: str | None = None
    reported: Callable[[object], bool] = always


def citizens(model) -> Citizens:
    """The model's citizen arrays as the kernels take them (read afresh: a user may
    replace any of them between steps)."""
    return Citizens(model.starts, model.sizes, model.images, model.openness, model.trust,
                    model.symbols)


def latitudes(model, settings) -> Latitudes:
    """A channel's latitudes: ``mu``, ``accept`` and ``reject`` from its ``settings``,
    boomerang and spillover from the scenario's perception."""
    p = model.scenario.perception
    return Latitudes(settings.mu, settings.accept, settings.reject, p.boomerang, p.spillover)


def experiences(model, settings) -> Experiences | None:
    """A channel's experience rule (its ``mu``, the scenario's negativity and spillover,
    the national symbols and who knows them), or None where the scenario does not use it."""
    p = model.scenario.perception
    if not p.experience_rule:
        return None
    return Experiences(settings.mu, p.negativity, p.spillover, model.prototypes, model.known)


def credibility(model) -> Credibility:
    """How recipients see through sponsored experiences (``[credibility]``), with the
    model's detection stream."""
    c = model.scenario.credibility
    return Credibility(c.detect, c.weight, model.detect_rng_state)


def activations(model, n: int, rate: float) -> int:
    """How many interactions a channel makes this step (mean n * rate): one draw."""
    return stochastic_round(model.rng_state, n * rate)
