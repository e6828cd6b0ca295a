"""Public-diplomacy campaigns (high politics): a state messages foreign publics about itself.

The standing campaign (``channels.campaign``) and every running ``campaign`` event each
message a share ``reach`` of each target country's citizens per step.
"""

import numpy as np
from numba import njit

from nanosim.engine.channels.channel import Channel, citizens, latitudes
from nanosim.engine.kernels import PEOPLE, STATE
from nanosim.engine.kernels.judgement import deliver_to
from nanosim.engine.kernels.memory import BLOCK, prefetch, prefetch_images
from nanosim.engine.kernels.rng import fill_uniform, stochastic_round

CODE = 4


def step(model, ledger) -> None:
    """This step's campaigns: the standing one (``channels.campaign``), then the events'."""
    s = model.scenario
    for camp in model.campaigns:
        source = s.country_index(camp.country)
        which = PEOPLE if camp.image == "people" else STATE
        for target in camp.targets:
            _message(model.rng_state, citizens(model), ledger, latitudes(model, camp),
                     s.country_index(target), source, which, camp.valence, camp.reach)


@njit(cache=True)
def _message(s, citizens, ledger, lat, target, country, which, valence, reach):
    """Random citizens of ``target`` (mean share ``reach``) hear ``valence`` about
    ``country``'s image ``which``."""
    start, size = citizens.starts[target], citizens.sizes[target]
    img, openness = citizens.images, citizens.openness
    if size == 0:
        return
    u = np.empty(BLOCK)
    ii = np.empty(BLOCK, np.int64)
    total = stochastic_round(s, size * reach)
    for first in range(0, total, BLOCK):
        m = min(BLOCK, total - first)
        fill_uniform(s, u, m)
        for k in range(m):
            ii[k] = start + int(u[k] * size)
            prefetch_images(img, ii[k], country)
            prefetch(openness, (ii[k],))
        for k in range(m):
            i = ii[k]
            deliver_to(img, ledger, lat, target, openness[i], i, which, country, valence,
                       lat.mu, CODE)


CHANNEL = Channel("campaign", "high_politics", "channels.campaign", step, CODE, "#e7298a")
