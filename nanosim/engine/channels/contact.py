"""Direct contact (nano diplomacy): citizens meet a social neighbour, share symbols, judge.

A meeting across a border is a message about the other's country to each side,
positive with chance ``positivity``; any meeting may pass on a symbol (Axelrod).
"""

import numpy as np
from numba import njit

from nanosim.engine.channels.channel import Channel, activations, citizens, latitudes
from nanosim.engine.kernels import PEOPLE
from nanosim.engine.kernels.judgement import copy_differing, deliver_to, similarity_count
from nanosim.engine.kernels.memory import (
    BLOCK,
    country_of,
    pick_pairs,
    prefetch,
    prefetch_images,
)
from nanosim.engine.kernels.rng import fill_uniform

CODE = 0
DRAWS = 6  # who, which neighbour, share?, which feature, i's and j's meeting positive?


def step(model, ledger) -> None:
    """This step's meetings (``channels.contact``)."""
    ch = model.scenario.channels.contact
    if not ch.enabled or ch.rate == 0:
        return
    meetings(model, ledger, activations(model, model.n_citizens, ch.rate))


def meetings(model, ledger, n: int) -> None:
    """``n`` meetings, each of a random citizen with a random neighbour on ``model.graph``."""
    ch = model.scenario.channels.contact
    g = model.graph
    _meet(model.rng_state, n, (g.indptr, g.indices, g.well_mixed), citizens(model), ledger,
          latitudes(model, ch), ch.symbol_sharing, ch.valence, ch.positivity,
          ch.negative_valence, ch.negative_weight)


@njit(cache=True)
def _meet(s, activations, graph, citizens, ledger, lat, symbol_sharing, valence, positivity,
          negative_valence, negative_weight):
    """``activations`` random citizens each meet a random neighbour on ``graph``
    (indptr, indices, well_mixed)."""
    indptr, indices, well_mixed = graph
    starts, img, openness, symbols = (citizens.starts, citizens.images, citizens.openness,
                                      citizens.symbols)
    held = ledger.held
    mu = lat.mu
    n = img.shape[0]
    n_features = symbols.shape[1]
    u = np.empty(DRAWS * BLOCK)
    ii = np.empty(BLOCK, np.int64)
    jj = np.empty(BLOCK, np.int64)
    hi_ = np.empty(BLOCK, np.int64)
    hj_ = np.empty(BLOCK, np.int64)
    negative_mu = min(1.0, mu * negative_weight)
    for first in range(0, activations, BLOCK):
        m = min(BLOCK, activations - first)
        fill_uniform(s, u, DRAWS * m)
        pick_pairs(u, DRAWS, m, n, indptr, indices, well_mixed, ii, jj)
        for k in range(m):
            i, j = ii[k], jj[k]
            if j < 0:
                continue
            if symbol_sharing:
                prefetch(symbols, (i, 0))
                prefetch(symbols, (j, 0))
            di, dj = country_of(i, starts), country_of(j, starts)
            hi_[k], hj_[k] = di, dj
            if di != dj:
                prefetch_images(img, i, dj)
                prefetch_images(img, j, di)
                prefetch(openness, (i,))
                prefetch(openness, (j,))
        for k in range(m):
            i, j = ii[k], jj[k]
            if j < 0:
                continue
            r = k * DRAWS
            di, dj = hi_[k], hj_[k]
            if symbol_sharing:
                same = similarity_count(symbols, i, j)
                if 0 < same < n_features and u[r + 2] < same / n_features:
                    copy_differing(u[r + 3], symbols, held, di, i, j, same)
            if di != dj:
                if u[r + 4] < positivity:
                    v, w = valence, mu
                else:
                    v, w = negative_valence, negative_mu
                deliver_to(img, ledger, lat, di, openness[i], i, PEOPLE, dj, v, w, CODE)
                if u[r + 5] < positivity:
                    v, w = valence, mu
                else:
                    v, w = negative_valence, negative_mu
                deliver_to(img, ledger, lat, dj, openness[j], j, PEOPLE, di, v, w, CODE)


CHANNEL = Channel("contact", "nano", "channels.contact", step, CODE, "#1b9e77")
