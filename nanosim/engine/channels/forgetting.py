"""Forgetting: the foreign symbols a citizen knows fade unless renewed (``culture.forgetting``).

Each day every bit of ``model.known`` (citizen x country x feature) is cleared with
chance ``culture.forgetting`` (MODEL.md 3.3), independently: exactly that, by jumping
from one forgotten slot to the next over geometric gaps, so a day costs draws in
proportion to the slots forgotten rather than to all slots. It changes what citizens
know, never an image directly, so it records nothing in the ledger.
"""

import numpy as np
from numba import njit

from nanosim.engine.channels.channel import Channel
from nanosim.engine.kernels.rng import uniform


def step(model, ledger) -> None:
    """This step's forgetting (``culture.forgetting``, under ``culture.mode = "repertoire"``)."""
    culture = model.scenario.culture
    if culture.forgetting == 0 or model.known.shape[0] == 0:
        return
    forget(model.rng_state, model.known, culture.forgetting, len(culture.features),
           ledger.known_only, model.symbols, model.prototypes, model.home)


@njit(cache=True)
def forget(s, known, rate, n_features, known_only, symbols, prototypes, home):
    """Clear each of the ``n_features`` low bits of every cell of ``known`` with chance
    ``rate``: one uniform per forgotten slot (plus one to end the day). ``known_only``
    (where kept, else empty) loses each symbol forgotten that its citizen did not hold."""
    flat = known.reshape(-1)
    slots = flat.shape[0] * n_features
    if rate >= 1.0:
        flat[:] = 0
        known_only[...] = 0
        return
    n_countries = known.shape[1]
    keeps = known_only.shape[0] > 0
    log_keep = np.log1p(-rate)
    k = -1.0
    while True:
        k += 1.0 + np.floor(np.log(1.0 - uniform(s)) / log_keep)  # slots kept, then one lost
        if k >= slots:
            return
        cell, f = divmod(int(k), n_features)
        bit = np.uint32(1 << f)
        if flat[cell] & bit:
            flat[cell] ^= bit
            if keeps:
                i, c = divmod(cell, n_countries)
                if symbols[i, f] != prototypes[c, f]:
                    known_only[home[i], c] -= 1


CHANNEL = Channel("forgetting", "other", "culture.forgetting", step)
