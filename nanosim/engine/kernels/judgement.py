"""The update rules: social judgement of a message, the experience rule, and what a
change does to the ledger.

Every channel's message to a citizen goes through :func:`deliver_to` (talk applies the
same rule in its own branch-free loop), and every experience through :func:`experience`;
both record through :func:`_record`, so a change, its spillover to the other image and
its bookkeeping live here once. Symbols (Axelrod's culture) change through
:func:`set_symbol`, which keeps the ledger's counts of symbols held; the foreign symbols
a citizen knows (``known``, a bit per feature) through :func:`know`; both keep the
ledger's count of the symbols known and not held.
"""

import numpy as np

from nanosim.engine.kernels import PEOPLE, STATE, helper
from nanosim.engine.kernels.bundles import (
    SUM_FAV,
    SUM_FAV_SQUARED,
    SUM_FAVOURABLE,
    SUM_FAVOURABLE_PEOPLE,
    SUM_FAVOURABLE_STATE,
    SUM_PEOPLE,
    SUM_STATE,
)
from nanosim.engine.kernels.rng import uniform


@helper
def judge(x, v, mu, openness, accept, reject, boomerang):
    """Social judgement: assimilate within ``accept``, contrast beyond ``reject``."""
    d = v - x
    ad = abs(d)
    if ad <= accept:
        x = x + mu * openness * d
    elif ad >= reject:
        x = x - mu * boomerang * d
    else:
        return x
    return min(1.0, max(-1.0, x))


@helper
def deliver_to(img, ledger, lat, d, open_i, i, which, c, v, mu, code):
    """A message of valence v about country c reaches citizen i (of country d, openness
    ``open_i``), weighing ``mu``; the ledger records every change under ``code``.

    ``lat`` gives the latitudes, boomerang and spillover (its own ``mu`` is not read: a
    channel may weigh each message apart).
    """
    ledger.counts[code] += 1
    x = img[i, which, c]
    x2 = judge(x, v, mu, open_i, lat.accept, lat.reject, lat.boomerang)
    _record(img, ledger, lat.spillover, d, i, which, c, x, x2, code)


@helper
def experience(img, ledger, spillover, d, open_i, i, which, c, pleasant, mu, negativity, code):
    """Citizen i (of country d, openness ``open_i``) has a pleasant or unpleasant
    experience of country c, weighing ``mu``; recorded as :func:`deliver_to` records.

    It moves the image x in its own direction, never against it (MODEL.md 3.2)::

        pleasant:   x + mu * open_i * (1 - x)
        unpleasant: x - mu * negativity * open_i * (1 + x)
    """
    ledger.counts[code] += 1
    x = img[i, which, c]
    if pleasant:
        x2 = min(1.0, x + mu * open_i * (1.0 - x))
    else:
        x2 = max(-1.0, x - mu * negativity * open_i * (1.0 + x))
    _record(img, ledger, spillover, d, i, which, c, x, x2, code)


@helper
def experience_of(img, ledger, spillover, d, open_i, i, which, c, pleasant, mu, negativity, code,
                  paid, credibility):
    """:func:`experience`, of a voluntary activity or, where ``paid``, of a sponsored one.

    A sponsored experience is detected with chance ``credibility.detect`` (a draw from the
    detection stream, made only where 0 < detect < 1); a detected one counts with weight
    ``credibility.weight``: its mu times the weight, or below 0 an unpleasant experience
    with mu times -weight (persuasion knowledge, Friestad & Wright 1994). It is recorded
    under ``code + ledger.sponsored``, so the ledger keeps the sponsored part apart.
    """
    if paid:
        detect, weight = credibility.detect, credibility.weight
        if detect >= 1.0 or (detect > 0.0 and uniform(credibility.state) < detect):
            if weight < 0.0:
                pleasant, mu = False, -weight * mu
            else:
                mu = weight * mu
        code = code + ledger.sponsored
    experience(img, ledger, spillover, d, open_i, i, which, c, pleasant, mu, negativity, code)


@helper
def _record(img, ledger, spillover, d, i, which, c, x, x2, code):
    """Image ``which`` of c held by citizen i (of country d) goes from x to x2: store it,
    spill it to the other image, and record both under ``code``."""
    delta = x2 - x
    if delta != 0.0:
        shift = ledger.shift
        img[i, which, c] = x2
        shift[d, c, which, code] += delta
        other = 1 - which
        y = img[i, other, c]
        y2 = y
        if spillover > 0.0:
            y2 = spilled(y, delta, spillover)
            img[i, other, c] = y2
            shift[d, c, other, code] += y2 - y
        if ledger.sums.shape[0] > 0:
            if which == PEOPLE:
                track_change(ledger.sums, ledger.state_weight, d, c, x, y, x2, y2)
            else:
                track_change(ledger.sums, ledger.state_weight, d, c, y, x, y2, x2)


@helper
def spilled(y, delta, spillover):
    """The other image y after a change of ``delta`` spills over to it."""
    return min(1.0, max(-1.0, y + spillover * delta))


@helper
def track_change(sums, w, d, c, p0, s0, p1, s1):
    """Update the running sums of observer d about c for a change (p0, s0) -> (p1, s1)."""
    f0 = w * s0 + (1.0 - w) * p0
    f1 = w * s1 + (1.0 - w) * p1
    sums[d, c, SUM_FAV] += f1 - f0
    sums[d, c, SUM_FAV_SQUARED] += f1 * f1 - f0 * f0
    sums[d, c, SUM_PEOPLE] += p1 - p0
    sums[d, c, SUM_STATE] += s1 - s0
    sums[d, c, SUM_FAVOURABLE] += (1.0 if f1 > 0.0 else 0.0) - (1.0 if f0 > 0.0 else 0.0)
    sums[d, c, SUM_FAVOURABLE_PEOPLE] += (1.0 if p1 > 0.0 else 0.0) - (1.0 if p0 > 0.0 else 0.0)
    sums[d, c, SUM_FAVOURABLE_STATE] += (1.0 if s1 > 0.0 else 0.0) - (1.0 if s0 > 0.0 else 0.0)


@helper
def favourability(img, i, c, state_weight):
    """Citizen i's favourability toward country c: its two images, weighted."""
    return state_weight * img[i, STATE, c] + (1.0 - state_weight) * img[i, PEOPLE, c]


@helper
def similarity_count(symbols, i, j):
    """On how many features citizens i and j hold the same symbol."""
    same = 0
    for f in range(symbols.shape[1]):
        if symbols[i, f] == symbols[j, f]:
            same += 1
    return same


@helper
def set_symbol(symbols, ledger, d, i, f, symbol, known, prototypes):
    """Citizen i (of country d) takes ``symbol`` on feature f. The ledger's ``held`` and
    ``known_only`` (where kept) follow: a national symbol i knows on f leaves the
    known-only count when i comes to hold it, and joins it when i stops holding it."""
    held, known_only = ledger.held, ledger.known_only
    old = symbols[i, f]
    if held.shape[0] > 0:
        held[d, f, old] -= 1
        held[d, f, symbol] += 1
    if known_only.shape[0] > 0:
        for c in range(known_only.shape[1]):
            if (known[i, c] >> f) & 1:
                q = prototypes[c, f]
                known_only[d, c] += int(old == q) - int(symbol == q)
    symbols[i, f] = symbol


@helper
def copy_differing(u, symbols, ledger, d, i, j, same, known, prototypes):
    """i (of country d) takes j's symbol on one feature where they differ, chosen by ``u``."""
    k = int(u * (symbols.shape[1] - same))
    for f in range(symbols.shape[1]):
        if symbols[i, f] != symbols[j, f]:
            if k == 0:
                set_symbol(symbols, ledger, d, i, f, symbols[j, f], known, prototypes)
                return
            k -= 1


@helper
def know(known, ledger, d, i, c, f):
    """Citizen i (of country d) comes to know c's national symbol on feature f, which it
    neither held nor knew; the ledger's ``known_only`` (where kept) counts it."""
    known[i, c] |= np.uint32(1 << f)
    if ledger.known_only.shape[0] > 0:
        ledger.known_only[d, c] += 1


@helper
def familiarity_count(symbols, known, prototypes, i, c):
    """On how many features citizen i holds or knows country c's national symbol."""
    bits = known[i, c] if known.shape[0] > 0 else 0
    count = 0
    for f in range(symbols.shape[1]):
        if symbols[i, f] == prototypes[c, f] or (bits >> f) & 1:
            count += 1
    return count


@helper
def learn(u, symbols, known, prototypes, ledger, d, i, c):
    """Citizen i (of country d) learns one of country c's national symbols it neither holds
    nor knows, chosen by the uniform ``u``; False when it has them all."""
    n_features = symbols.shape[1]
    unknown = n_features - familiarity_count(symbols, known, prototypes, i, c)
    if unknown == 0:
        return False
    k = int(u * unknown)
    bits = known[i, c]
    for f in range(n_features):
        if symbols[i, f] != prototypes[c, f] and not (bits >> f) & 1:
            if k == 0:
                know(known, ledger, d, i, c, f)
                return True
            k -= 1
    return False


@helper
def meet_across(u_i, u_j, u_learn_i, u_learn_j, i, j, di, dj, citizens, ledger, exp,
                positivity_min, positivity_max, learning, code, paid, credibility):
    """i (of country di) and j (of dj) meet across a border: for each an experience of
    the other's people, pleasant with chance ``positivity_min + (positivity_max -
    positivity_min) * s`` (s: how much of each other's national symbols the two hold or
    know, on average); then, with a repertoire, each learns with chance ``learning``
    one national symbol of the other's country, a pleasant experience too. Recorded
    under ``code``; sponsored experiences where ``paid``."""
    img, openness, symbols = citizens.images, citizens.openness, citizens.symbols
    known, prototypes = exp.known, exp.prototypes
    shared = (familiarity_count(symbols, known, prototypes, i, dj)
              + familiarity_count(symbols, known, prototypes, j, di))
    p = positivity_min + (positivity_max - positivity_min) * shared / (2 * symbols.shape[1])
    mu, w_neg, spill = exp.mu, exp.negativity, exp.spillover
    experience_of(img, ledger, spill, di, openness[i], i, PEOPLE, dj, u_i < p, mu, w_neg, code,
                  paid, credibility)
    experience_of(img, ledger, spill, dj, openness[j], j, PEOPLE, di, u_j < p, mu, w_neg, code,
                  paid, credibility)
    if known.shape[0] > 0 and learning > 0.0:
        if u_learn_i < learning and learn(u_learn_i / learning, symbols, known, prototypes,
                                          ledger, di, i, dj):
            experience_of(img, ledger, spill, di, openness[i], i, PEOPLE, dj, True, mu, w_neg,
                          code, paid, credibility)
        if u_learn_j < learning and learn(u_learn_j / learning, symbols, known, prototypes,
                                          ledger, dj, j, di):
            experience_of(img, ledger, spill, dj, openness[j], j, PEOPLE, di, True, mu, w_neg,
                          code, paid, credibility)


@helper
def learn_from(u, symbols, known, prototypes, ledger, d, i, j, c):
    """Citizen i (of country d) learns from j one of country c's national symbols that j
    holds or knows and i neither holds nor knows, chosen by the uniform ``u``; False when
    there is none."""
    n_features = symbols.shape[1]
    bits_i, bits_j = known[i, c], known[j, c]
    count = 0
    for f in range(n_features):
        q = prototypes[c, f]
        if ((symbols[j, f] == q or (bits_j >> f) & 1)
                and symbols[i, f] != q and not (bits_i >> f) & 1):
            count += 1
    if count == 0:
        return False
    k = int(u * count)
    for f in range(n_features):
        q = prototypes[c, f]
        if ((symbols[j, f] == q or (bits_j >> f) & 1)
                and symbols[i, f] != q and not (bits_i >> f) & 1):
            if k == 0:
                know(known, ledger, d, i, c, f)
                return True
            k -= 1
    return False


@helper
def see_symbol(u_pleasant, u_learn, q, dq, c, f, citizens, ledger, appeal, learning, exp,
               recognition, code, paid, credibility):
    """Citizen q (of country dq) sees country c's national symbol on feature f (in a post, at
    a showcase): an experience of c's people (MODEL.md 3.4).

    Recognised (q holds or knows it): pleasant with chance ``recognition``, else unpleasant.
    Novel: pleasant with chance openness times ``appeal`` (below 0 as 0), else no experience
    at all; then, with a repertoire, learned with chance ``learning``, itself a pleasant
    experience. Returns True where a novel symbol was pleasant and there is no repertoire to
    learn it into (the caller may let q take it as a trait instead).
    """
    img, openness, symbols = citizens.images, citizens.openness, citizens.symbols
    known = exp.known
    repertoire = known.shape[0] > 0
    mu, w_neg, spill = exp.mu, exp.negativity, exp.spillover
    o = openness[q]
    if symbols[q, f] == exp.prototypes[c, f] or (repertoire and (known[q, c] >> f) & 1):
        experience_of(img, ledger, spill, dq, o, q, PEOPLE, c, u_pleasant < recognition, mu,
                      w_neg, code, paid, credibility)
        return False
    if u_pleasant >= o * max(0.0, appeal):
        return False
    experience_of(img, ledger, spill, dq, o, q, PEOPLE, c, True, mu, w_neg, code, paid,
                  credibility)
    if not repertoire:
        return True
    if u_learn < learning:
        know(known, ledger, dq, q, c, f)
        experience_of(img, ledger, spill, dq, o, q, PEOPLE, c, True, mu, w_neg, code, paid,
                      credibility)
    return False
