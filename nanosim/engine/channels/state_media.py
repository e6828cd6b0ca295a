"""State media (high politics): each state frames other states for its own citizens.

The message's valence is the state's official stance toward the country it frames
(``model.relations``), its weight ``mu`` times the listener's trust in its own state.
"""

import numpy as np
from numba import njit

from nanosim.engine.channels.channel import Channel, citizens, latitudes
from nanosim.engine.kernels import STATE
from nanosim.engine.kernels.judgement import deliver_to
from nanosim.engine.kernels.memory import BLOCK, other_country, prefetch, prefetch_images
from nanosim.engine.kernels.rng import fill_uniform, stochastic_round

CODE = 3


def step(model, ledger) -> None:
    """This step's state media (``channels.state_media``)."""
    ch = model.scenario.channels.state_media
    if not ch.enabled:
        return
    _frame(model.rng_state, citizens(model), ledger, latitudes(model, ch), model.media_reach,
           model.relations)


@njit(cache=True)
def _frame(s, citizens, ledger, lat, reach, relations):
    """Each state c reaches a share ``reach[c]`` of its citizens, each about a random
    other country d, with valence ``relations[c, d]``."""
    starts, sizes, img, openness, trust = (citizens.starts, citizens.sizes, citizens.images,
                                           citizens.openness, citizens.trust)
    n_countries = starts.shape[0]
    if n_countries < 2:
        return
    u = np.empty(2 * BLOCK)
    ii = np.empty(BLOCK, np.int64)
    dd = np.empty(BLOCK, np.int64)
    for c in range(n_countries):
        if sizes[c] == 0:
            continue
        total = stochastic_round(s, sizes[c] * reach[c])
        for first in range(0, total, BLOCK):
            m = min(BLOCK, total - first)
            fill_uniform(s, u, 2 * m)
            for k in range(m):
                i = starts[c] + int(u[2 * k] * sizes[c])
                d = other_country(u[2 * k + 1], c, n_countries)
                ii[k], dd[k] = i, d
                prefetch_images(img, i, d)
                prefetch(openness, (i,))
                prefetch(trust, (i,))
            for k in range(m):
                i, d = ii[k], dd[k]
                deliver_to(img, ledger, lat, c, openness[i], i, STATE, d, relations[c, d],
                           lat.mu * trust[i], CODE)


CHANNEL = Channel("state_media", "high_politics", "channels.state_media", step, CODE, "#d95f02")
