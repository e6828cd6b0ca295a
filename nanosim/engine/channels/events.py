"""The news of events (high politics): an official event between two states reaches both publics.

The event handlers send it (:func:`send_news`) when an incident, summit or treaty
happens, at the start of the step, before every registered channel; so this channel
has no step of its own. Its changes are not followed by the ledger's running sums,
which are rescanned when next read.
"""

import numpy as np
from numba import njit

from nanosim.engine.channels.channel import Channel, citizens
from nanosim.engine.kernels import STATE
from nanosim.engine.kernels.bundles import Latitudes
from nanosim.engine.kernels.judgement import deliver_to
from nanosim.engine.kernels.rng import uniform

CODE = 5


def send_news(model, a: int, b: int, valence: float) -> None:
    """An official event of ``valence`` between states a and b: the news reaches a share
    ``channels.events.reach`` of each one's citizens, about the other's state."""
    reach = model.scenario.channels.events.reach
    tell_public(model, a, b, valence, reach)
    tell_public(model, b, a, valence, reach)


def tell_public(model, home: int, other: int, valence: float, reach: float) -> None:
    """News of ``valence`` about ``other``'s state reaches a share ``reach`` of ``home``'s
    citizens."""
    news = model.scenario.channels.events
    if not news.enabled:
        return
    p = model.scenario.perception
    lat = Latitudes(news.mu, np.inf, np.inf, p.boomerang, p.spillover)
    _broadcast(model.rng_state, citizens(model), model.recorder.untracked_ledger(), lat, home,
               other, valence, reach)


@njit(cache=True)
def _broadcast(s, citizens, ledger, lat, home, other, valence, reach):
    """Each citizen of ``home`` hears, with probability ``reach``, news of ``valence``
    about ``other``'s state."""
    start = citizens.starts[home]
    img, openness = citizens.images, citizens.openness
    for i in range(start, start + citizens.sizes[home]):
        if uniform(s) < reach:
            deliver_to(img, ledger, lat, home, openness[i], i, STATE, other, valence, lat.mu,
                       CODE)


CHANNEL = Channel("events", "high_politics", "channels.events", None, CODE, "#e6ab02")
