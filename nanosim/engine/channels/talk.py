"""Peer talk (nano diplomacy): Deffuant bounded confidence between social neighbours.

A random citizen talks with a random neighbour about a random foreign country; where
their images of it lie within ``epsilon`` both move toward each other by ``mu``
(times openness). The hottest loop of the model, so it has two compiled forms: on the
CSR graph and, for graphs that outgrow the cache, on one-line rows with three blocks
in flight (``network.Graph.rows``); both give the same results to the last bit.
"""

import numpy as np
from numba import njit

from nanosim.engine.channels.channel import Channel, activations, citizens
from nanosim.engine.kernels import PEOPLE, STATE, helper
from nanosim.engine.kernels.bundles import Latitudes
from nanosim.engine.kernels.judgement import spilled, track_change
from nanosim.engine.kernels.memory import (
    country_of,
    other_country,
    pick_neighbours,
    pick_neighbours_on_rows,
    pick_talkers,
    pick_talkers_on_rows,
    prefetch,
)
from nanosim.engine.kernels.rng import fill_uniform

CODE = 2
DRAWS = 3  # who, which neighbour, which country
BLOCK = 32  # talk's blocks: measured faster at 10^6 citizens (talk draws no inner streams)
ROWS_BLOCK = 8  # talk's blocks on one-line rows, three in flight (measured fastest at 10^6)


def step(model, ledger) -> None:
    """This step's talk (``channels.talk``)."""
    ch = model.scenario.channels.talk
    if not ch.enabled or ch.rate == 0:
        return
    talks(model, ledger, activations(model, model.n_citizens, ch.rate))


def talks(model, ledger, n: int) -> None:
    """``n`` talks, each of a random citizen with a random neighbour on ``model.graph``."""
    ch, p = model.scenario.channels.talk, model.scenario.perception
    lat = Latitudes(ch.mu, np.inf, np.inf, p.boomerang, p.spillover)
    people, state = "people" in ch.images, "state" in ch.images
    g = model.graph
    if g.rows.shape[0]:
        _talk_on_rows(model.rng_state, n, (g.indptr, g.indices, g.rows), citizens(model), ledger,
                      lat, ch.epsilon, people, state)
    else:
        _talk(model.rng_state, n, (g.indptr, g.indices, g.well_mixed), citizens(model), ledger,
              lat, ch.epsilon, people, state)


@njit(cache=True)
def _talk(s, activations, graph, citizens, ledger, lat, epsilon, talk_people, talk_state):
    """``activations`` talks on ``graph`` (indptr, indices, well_mixed), in blocks.

    Each block first fetches the talkers' rows, then the graph's, then the listeners',
    and then they talk (:func:`_talk_block`).
    """
    indptr, indices, well_mixed = graph
    starts, img, openness = citizens.starts, citizens.images, citizens.openness
    n = img.shape[0]
    n_countries = starts.shape[0]
    draws = DRAWS if n_countries > 2 else DRAWS - 1  # else the topic is given
    u = np.empty(DRAWS * BLOCK)
    ii = np.empty(BLOCK, np.int64)
    jj = np.empty(BLOCK, np.int64)
    cc = np.empty(BLOCK, np.int64)
    first_image = PEOPLE if talk_people else STATE
    last_image = STATE if talk_state else PEOPLE
    heard = 0.0
    for first in range(0, activations, BLOCK):
        m = min(BLOCK, activations - first)
        fill_uniform(s, u, draws * m)
        pick_talkers(u, draws, m, n, indptr, well_mixed, ii)
        for k in range(m):
            i = ii[k]
            own = country_of(i, starts)
            c = other_country(u[k * draws + 2], own, n_countries) if draws == DRAWS \
                else n_countries - 1 - own  # the other of two, or the only one
            cc[k] = c
            prefetch(img, (i, first_image, c))
            prefetch(openness, (i,))
        pick_neighbours(u, draws, m, n, indptr, indices, well_mixed, ii, jj)
        for k in range(m):
            if jj[k] >= 0:
                prefetch(img, (jj[k], first_image, cc[k]))
                prefetch(openness, (jj[k],))
        # two copies of the block, compiled apart: the code for spillover and sums slows
        # the talk even where it does not run
        if lat.spillover > 0.0 or ledger.sums.shape[0] > 0:
            heard += _talk_block(m, ii, jj, cc, citizens, ledger, lat, epsilon, first_image,
                                 last_image, True)
        else:
            heard += _talk_block(m, ii, jj, cc, citizens, ledger, lat, epsilon, first_image,
                                 last_image, False)
    ledger.counts[CODE] += 2 * int(heard)


@njit(cache=True)
def _talk_on_rows(s, activations, graph, citizens, ledger, lat, epsilon, talk_people,
                  talk_state):
    """:func:`_talk` on a large graph's one-line rows (``graph``: indptr, indices, rows),
    three blocks in flight.

    While block b talks, block b + 1's listeners and block b + 2's talkers are being
    fetched, so the talk's arithmetic overlaps the waiting for memory. Blocks are still
    drawn, resolved and applied in order: the results are :func:`_talk`'s, exactly.
    """
    indptr, indices, rows = graph
    starts, img, openness = citizens.starts, citizens.images, citizens.openness
    n = img.shape[0]
    n_countries = starts.shape[0]
    draws = DRAWS if n_countries > 2 else DRAWS - 1  # else the topic is given
    depth, size = 3, ROWS_BLOCK
    u = np.empty((depth, DRAWS * size))
    ii = np.empty((depth, size), np.int64)
    jj = np.empty((depth, size), np.int64)
    cc = np.empty((depth, size), np.int64)
    sizes = np.zeros(depth, np.int64)
    first_image = PEOPLE if talk_people else STATE
    last_image = STATE if talk_state else PEOPLE
    extras = lat.spillover > 0.0 or ledger.sums.shape[0] > 0
    heard = 0.0
    blocks = (activations + size - 1) // size
    for b in range(blocks + depth - 1):
        if b < blocks:  # block b: who talks, about which country
            k = b % depth
            m = sizes[k] = min(size, activations - b * size)
            uk, ik, ck = u[k], ii[k], cc[k]
            fill_uniform(s, uk, draws * m)
            pick_talkers_on_rows(uk, draws, m, n, rows, ik)
            for t in range(m):
                i = ik[t]
                own = country_of(i, starts)
                c = other_country(uk[t * draws + 2], own, n_countries) \
                    if draws == DRAWS else n_countries - 1 - own
                ck[t] = c
                prefetch(img, (i, first_image, c))
                prefetch(openness, (i,))
        if 0 <= b - 1 < blocks:  # block b - 1: to whom
            k = (b - 1) % depth
            ik, jk, ck = ii[k], jj[k], cc[k]
            pick_neighbours_on_rows(u[k], draws, sizes[k], indptr, indices, rows, ik, jk)
            for t in range(sizes[k]):
                if jk[t] >= 0:
                    prefetch(img, (jk[t], first_image, ck[t]))
                    prefetch(openness, (jk[t],))
        if b >= 2:  # block b - 2: they talk (as in _talk, compiled twice)
            k = (b - 2) % depth
            if extras:
                heard += _talk_block(sizes[k], ii[k], jj[k], cc[k], citizens, ledger, lat,
                                     epsilon, first_image, last_image, True)
            else:
                heard += _talk_block(sizes[k], ii[k], jj[k], cc[k], citizens, ledger, lat,
                                     epsilon, first_image, last_image, False)
    ledger.counts[CODE] += 2 * int(heard)


@helper
def _talk_block(m, ii, jj, cc, citizens, ledger, lat, epsilon, first_image, last_image,
                extras):
    """The talk of one block's pairs: the messages judged (both ways), as a float.

    ``extras``: apply spillover and keep the ledger's sums (if any); else neither.

    Branch-free on the images: a pair beyond ``epsilon`` moves by zero, so the
    unpredictable comparison costs no mispredicted branches (and neither does counting
    it, as a float).
    """
    starts, img, openness = citizens.starts, citizens.images, citizens.openness
    shift, sums, state_weight = ledger.shift, ledger.sums, ledger.state_weight
    mu, spillover = lat.mu, lat.spillover
    heard = 0.0
    track = extras and sums.shape[0] > 0
    for k in range(m):
        i, j = ii[k], jj[k]
        if j < 0:
            continue
        c = cc[k]
        di, dj = country_of(i, starts), country_of(j, starts)
        oi, oj = openness[i], openness[j]
        for which in range(first_image, last_image + 1):
            xi = img[i, which, c]
            xj = img[j, which, c]
            d = xj - xi
            near = 1.0 if abs(d) < epsilon else 0.0
            heard += near
            xi2 = min(1.0, max(-1.0, xi + near * mu * oi * d))
            xj2 = min(1.0, max(-1.0, xj - near * mu * oj * d))
            img[i, which, c] = xi2
            img[j, which, c] = xj2
            shift[di, c, which, CODE] += xi2 - xi
            shift[dj, c, which, CODE] += xj2 - xj
            if extras:  # as judgement.deliver_to does, for both (by zero if apart)
                other = 1 - which
                yi = img[i, other, c]
                yj = img[j, other, c]
                yi2 = spilled(yi, xi2 - xi, spillover)
                yj2 = spilled(yj, xj2 - xj, spillover)
                img[i, other, c] = yi2
                img[j, other, c] = yj2
                shift[di, c, other, CODE] += yi2 - yi
                shift[dj, c, other, CODE] += yj2 - yj
                if track and which == PEOPLE:
                    track_change(sums, state_weight, di, c, xi, yi, xi2, yi2)
                    track_change(sums, state_weight, dj, c, xj, yj, xj2, yj2)
                elif track:
                    track_change(sums, state_weight, di, c, yi, xi, yi2, xi2)
                    track_change(sums, state_weight, dj, c, yj, xj, yj2, xj2)
    return heard


CHANNEL = Channel("talk", "nano", "channels.talk", step, CODE, "#a6d854")
