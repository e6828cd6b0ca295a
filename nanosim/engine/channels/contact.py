"""Direct contact (nano diplomacy): citizens meet a social neighbour, share symbols, judge.

A meeting across a border is a message about the other's country to each side,
positive with chance ``positivity``; any meeting may pass on a symbol (Axelrod). With
the experience rule it is instead an experience of the other's people for each side,
the more often pleasant the more the two know of each other's culture, and under
``culture.mode = "repertoire"`` each side may learn a national symbol of the other's
(itself a pleasant experience) while own symbols pass only within a country. A
meeting over a tie of an exchange programme a state pays for is a sponsored experience.
"""

import numpy as np
from numba import njit

from nanosim.engine.channels.channel import (
    Channel,
    activations,
    citizens,
    credibility,
    experiences,
    latitudes,
)
from nanosim.engine.kernels import PEOPLE, helper
from nanosim.engine.kernels.bundles import NO_KNOWN, NO_PROTOTYPES
from nanosim.engine.kernels.judgement import (
    copy_differing,
    deliver_to,
    meet_across,
    similarity_count,
)
from nanosim.engine.kernels.memory import (
    BLOCK,
    country_of,
    pick_pairs,
    prefetch,
    prefetch_images,
)
from nanosim.engine.kernels.rng import fill_uniform, uniform
from nanosim.engine.sponsorship import NO_TIES, paid_ties

CODE = 0
DRAWS = 6  # who, which neighbour, share?, which feature, i's and j's meeting positive?
RULE_DRAWS = 8  # with the experience rule, then: does i learn (and which symbol)? j?


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
    rule = experiences(model, ch)
    if rule is not None:
        rule = (rule, ch.positivity_min, ch.positivity_max, ch.learning, paid_ties(model),
                credibility(model))
    _meet(model.rng_state, n, (g.indptr, g.indices, g.well_mixed), citizens(model), ledger,
          latitudes(model, ch), ch.symbol_sharing, ch.valence, ch.positivity,
          ch.negative_valence, ch.negative_weight, rule)


def pair_meetings(model, ledger, src: np.ndarray, dst: np.ndarray, chance: float,
                  paid: bool = False) -> None:
    """Each pair (src[k], dst[k]) of citizens of two countries meets with ``chance``, in
    random order: an experience for each side as in a cross-border meeting (needs the
    experience rule), sponsored where ``paid``. An exchange programme's hosts and guests
    meet this way."""
    ch = model.scenario.channels.contact
    rule = (experiences(model, ch), ch.positivity_min, ch.positivity_max, ch.learning, NO_TIES,
            credibility(model))
    _meet_pairs(model.rng_state, src, dst, chance, citizens(model), ledger, rule, paid)


@njit(cache=True)
def _meet_pairs(s, src, dst, chance, citizens, ledger, rule, paid):
    """The pairs meet with ``chance`` each, in a random order (a Fisher-Yates shuffle
    from the stream); each meeting draws :data:`RULE_DRAWS` uniforms."""
    exp, positivity_min, positivity_max, learning, _, cred = rule
    n = src.shape[0]
    order = np.arange(n)
    for k in range(n - 1, 0, -1):
        m = int(uniform(s) * (k + 1))
        order[k], order[m] = order[m], order[k]
    u = np.empty(RULE_DRAWS)
    starts = citizens.starts
    for k in range(n):
        fill_uniform(s, u, RULE_DRAWS)
        if u[0] >= chance:
            continue
        i, j = src[order[k]], dst[order[k]]
        meet_across(u[4], u[5], u[6], u[7], i, j, country_of(i, starts), country_of(j, starts),
                    citizens, ledger, exp, positivity_min, positivity_max, learning, CODE, paid,
                    cred)


@njit(cache=True)
def _meet(s, activations, graph, citizens, ledger, lat, symbol_sharing, valence, positivity,
          negative_valence, negative_weight, rule):
    """``activations`` random citizens each meet a random neighbour on ``graph``
    (indptr, indices, well_mixed).

    ``rule``: None (meetings are messages of ``valence`` or ``negative_valence``), or the
    experience rule (``bundles.Experiences``, positivity_min, positivity_max, learning, the
    paid ties as sorted keys ``i * n + j`` of :func:`~nanosim.engine.sponsorship.paid_ties`,
    ``bundles.Credibility``).
    Compiled apart for each: the messages' path draws :data:`DRAWS` uniforms per meeting,
    the experiences' path :data:`RULE_DRAWS`.
    """
    indptr, indices, well_mixed = graph
    starts, img, openness, symbols = (citizens.starts, citizens.images, citizens.openness,
                                      citizens.symbols)
    mu = lat.mu
    n = img.shape[0]
    n_features = symbols.shape[1]
    draws, repertoire = DRAWS, False
    known, prototypes = NO_KNOWN, NO_PROTOTYPES
    if rule is not None:
        draws, repertoire = RULE_DRAWS, rule[0].known.shape[0] > 0
        known, prototypes = rule[0].known, rule[0].prototypes
    u = np.empty(draws * BLOCK)
    ii = np.empty(BLOCK, np.int64)
    jj = np.empty(BLOCK, np.int64)
    hi_ = np.empty(BLOCK, np.int64)
    hj_ = np.empty(BLOCK, np.int64)
    negative_mu = min(1.0, mu * negative_weight)
    for first in range(0, activations, BLOCK):
        m = min(BLOCK, activations - first)
        fill_uniform(s, u, draws * m)
        pick_pairs(u, draws, m, n, indptr, indices, well_mixed, ii, jj)
        for k in range(m):
            i, j = ii[k], jj[k]
            if j < 0:
                continue
            if symbol_sharing or rule is not None:
                prefetch(symbols, (i, 0))
                prefetch(symbols, (j, 0))
            di, dj = country_of(i, starts), country_of(j, starts)
            hi_[k], hj_[k] = di, dj
            if di != dj:
                prefetch_images(img, i, dj)
                prefetch_images(img, j, di)
                prefetch(openness, (i,))
                prefetch(openness, (j,))
                if rule is not None:
                    if repertoire:
                        prefetch(known, (i, dj))
                        prefetch(known, (j, di))
        for k in range(m):
            i, j = ii[k], jj[k]
            if j < 0:
                continue
            r = k * draws
            di, dj = hi_[k], hj_[k]
            if symbol_sharing and (di == dj or not repertoire):
                same = similarity_count(symbols, i, j)
                if 0 < same < n_features and u[r + 2] < same / n_features:
                    copy_differing(u[r + 3], symbols, ledger, di, i, j, same, known,
                                   prototypes)
            if di != dj:
                if rule is not None:
                    _experience_both(u, r, i, j, di, dj, citizens, ledger, rule)
                    continue
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


@helper
def _experience_both(u, r, i, j, di, dj, citizens, ledger, rule):
    """i (of country di) and j (of dj) meet across a border: :func:`meet_across`, sponsored
    where their tie is one a sponsorship pays for."""
    exp, positivity_min, positivity_max, learning, ties, cred = rule
    paid = ties.shape[0] > 0 and is_tie(ties, i, j, citizens.images.shape[0])
    meet_across(u[r + 4], u[r + 5], u[r + 6], u[r + 7], i, j, di, dj, citizens, ledger, exp,
                positivity_min, positivity_max, learning, CODE, paid, cred)


@helper
def is_tie(keys, i, j, n):
    """Whether i--j is among the ties ``keys`` (sorted, ``i * n + j`` both ways)."""
    key = i * n + j
    k = np.searchsorted(keys, key)
    return k < keys.shape[0] and keys[k] == key


CHANNEL = Channel("contact", "nano", "channels.contact", step, CODE, "#1b9e77")
