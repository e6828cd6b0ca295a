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
from nanosim.engine.kernels import PEOPLE, STATE, helper
from nanosim.engine.kernels.bundles import N_SUMS
from nanosim.engine.kernels.measures import add_moments

CODE = 6


def step(model, ledger) -> None:
    """This step's anchoring (``perception.anchoring``)."""
    rate = model.scenario.perception.anchoring
    if rate == 0:
        return
    img = model.images
    citizens_inner = img.strides[0] == img.itemsize  # each image a vector over citizens
    _anchor(img, model.dispositions, model.starts, model.sizes, ledger, rate, citizens_inner)


def reported(scenario) -> bool:
    """Whether a run has rows for anchoring: only where it is on."""
    return scenario.perception.anchoring > 0


@njit(cache=True)
def _anchor(img, dispositions, starts, sizes, ledger, rate, citizens_inner):
    """Move every image ``rate`` of the way to its disposition, crediting the change.

    A streaming pass in memory order (``citizens_inner``: over citizens for each target,
    as the images are laid out without spillover; else over targets for each citizen).
    Where the ledger keeps the running sums, they are set afresh from the new images in
    the same pass, each summed over citizens in order as :func:`.measures.image_moments`
    sums them (so to its values exactly): cheaper than following every change.
    """
    shift, sums = ledger.shift, ledger.sums
    track = sums.shape[0] > 0
    n_countries, n_targets = starts.shape[0], img.shape[2]
    moved = np.zeros((n_countries, 2, n_targets))
    acc = np.zeros((n_countries, N_SUMS, n_targets))
    if citizens_inner:
        for c in range(n_targets):
            for d in range(n_countries):
                for i in range(starts[d], starts[d] + sizes[d]):
                    _anchor_one(img, dispositions, i, c, rate, ledger.state_weight, moved[d],
                                acc[d], track)
    else:
        for d in range(n_countries):
            for i in range(starts[d], starts[d] + sizes[d]):
                for c in range(n_targets):
                    _anchor_one(img, dispositions, i, c, rate, ledger.state_weight, moved[d],
                                acc[d], track)
    for d in range(n_countries):
        for c in range(n_targets):
            for which in range(2):
                shift[d, c, which, CODE] += moved[d, which, c]
            if track:
                for k in range(N_SUMS):
                    sums[d, c, k] = acc[d, k, c]


@helper
def _anchor_one(img, dispositions, i, c, rate, w, moved, acc, track):
    """Citizen i's two images of c, anchored; their changes into ``moved`` (image x
    target), and with ``track`` their moments into ``acc`` (slot x target)."""
    p0, s0 = img[i, PEOPLE, c], img[i, STATE, c]
    p = p0 + rate * (dispositions[i, PEOPLE, c] - p0)
    st = s0 + rate * (dispositions[i, STATE, c] - s0)
    img[i, PEOPLE, c] = p
    img[i, STATE, c] = st
    moved[PEOPLE, c] += p - p0
    moved[STATE, c] += st - s0
    if track:
        add_moments(acc, c, p, st, w)


CHANNEL = Channel("anchoring", "other", "perception.anchoring", step, CODE, "#999999",
                  reported)
