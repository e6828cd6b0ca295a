"""Anchoring: every image relaxes each day toward the citizen's disposition.

``x <- x + lambda * (disposition - x)`` for both images of every country, own and
foreign, with ``lambda = perception.anchoring`` and the dispositions the initial images
(``model.dispositions``): Friedkin & Johnsen's (1990) anchored opinions, which keep a
world without events where it is instead of drifting to consensus. No spillover (each
image has its own anchor) and no messages (its count stays 0). It runs after every
other channel, so it is neither nano diplomacy nor high politics: the ledger credits
it to itself, and the per-channel shifts still add up to the total shift.
"""

import numpy as np
from numba import njit

from nanosim.engine.channels.channel import Channel
from nanosim.engine.kernels import PEOPLE, STATE
from nanosim.engine.kernels.bundles import (
    N_SUMS,
    SUM_FAV,
    SUM_FAV_SQUARED,
    SUM_FAVOURABLE,
    SUM_FAVOURABLE_PEOPLE,
    SUM_FAVOURABLE_STATE,
    SUM_PEOPLE,
    SUM_STATE,
)

CODE = 6


def step(model, ledger) -> None:
    """This step's anchoring (``perception.anchoring``)."""
    rate = model.scenario.perception.anchoring
    if rate == 0:
        return
    _anchor(model.images, model.dispositions, model.starts, model.sizes, ledger, rate)


def reported(scenario) -> bool:
    """Whether a run has rows for anchoring: only where it is on."""
    return scenario.perception.anchoring > 0


@njit(cache=True)
def _anchor(img, dispositions, starts, sizes, ledger, rate):
    """Move every image ``rate`` of the way to its disposition, crediting the change.

    Where the ledger keeps the running sums, they are set afresh from the new images in
    the same pass, summed in the order of :func:`.measures.image_moments` (so exactly its
    values): cheaper than following a change to every image one by one.
    """
    shift, sums, w = ledger.shift, ledger.sums, ledger.state_weight
    track = sums.shape[0] > 0
    n_targets = img.shape[2]
    moved = np.zeros((2, n_targets))
    acc = np.zeros((N_SUMS, n_targets))
    for d in range(starts.shape[0]):
        moved[:] = 0.0
        acc[:] = 0.0
        for i in range(starts[d], starts[d] + sizes[d]):
            for which in range(2):
                for c in range(n_targets):
                    x = img[i, which, c]
                    x2 = x + rate * (dispositions[i, which, c] - x)
                    img[i, which, c] = x2
                    moved[which, c] += x2 - x
            if track:
                for c in range(n_targets):
                    p = img[i, PEOPLE, c]
                    st = img[i, STATE, c]
                    f = w * st + (1.0 - w) * p
                    acc[SUM_FAV, c] += f
                    acc[SUM_FAV_SQUARED, c] += f * f
                    acc[SUM_PEOPLE, c] += p
                    acc[SUM_STATE, c] += st
                    acc[SUM_FAVOURABLE, c] += 1.0 if f > 0.0 else 0.0
                    acc[SUM_FAVOURABLE_PEOPLE, c] += 1.0 if p > 0.0 else 0.0
                    acc[SUM_FAVOURABLE_STATE, c] += 1.0 if st > 0.0 else 0.0
        for c in range(n_targets):
            for which in range(2):
                shift[d, c, which, CODE] += moved[which, c]
            if track:
                for k in range(N_SUMS):
                    sums[d, c, k] = acc[k, c]


CHANNEL = Channel("anchoring", "other", "perception.anchoring", step, CODE, "#999999",
                  reported)
