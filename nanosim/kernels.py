"""Compiled kernels: the update rule and every channel's interactions, one at a time.

Pure ``@njit`` functions over arrays. Python decides what happens in a step; these
functions compute it. Randomness comes from an explicit xoshiro256** state (four
uint64 words) passed in, so a run depends only on its seed.

Array conventions: ``img[i, which, c]`` is citizen i's image of country c
(``which`` 0 = people, 1 = state); ``home[i]`` is i's country; citizens are sorted
by country; ``shift[d, c, which, channel]`` accumulates every change made to
images held by country d's citizens of country c, by channel; ``counts[channel]``
counts messages delivered.
"""

import numpy as np
from numba import njit

PEOPLE, STATE = 0, 1
CHANNELS = ("contact", "social_media", "talk", "state_media", "campaign", "events")
CONTACT, SOCIAL_MEDIA, TALK, STATE_MEDIA, CAMPAIGN, EVENTS = range(6)


# --- random numbers (xoshiro256**) ---------------------------------------------


@njit(inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(inline="always")
def next_u64(s):
    """Advance the xoshiro256** state ``s`` (uint64[4]) and return 64 random bits."""
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@njit(inline="always")
def uniform(s):
    """A float in [0, 1)."""
    return float(next_u64(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(inline="always")
def randint(s, n):
    """An int in [0, n)."""
    return int(uniform(s) * n)


@njit
def normal(s):
    """A standard normal draw (Box–Muller)."""
    u1 = 1.0 - uniform(s)
    u2 = uniform(s)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@njit
def stochastic_round(s, x):
    """floor(x) plus one with probability frac(x): an unbiased whole number."""
    k = int(np.floor(x))
    return k + (1 if uniform(s) < x - k else 0)


# --- the one update rule ------------------------------------------------------------


@njit(inline="always")
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


@njit(inline="always")
def deliver(img, shift, counts, home, openness, i, which, c, v, mu, accept, reject,
            boomerang, spillover, channel):
    """A message about country c reaches citizen i; record every change it makes."""
    counts[channel] += 1
    x = img[i, which, c]
    x2 = judge(x, v, mu, openness[i], accept, reject, boomerang)
    delta = x2 - x
    if delta != 0.0:
        d = home[i]
        img[i, which, c] = x2
        shift[d, c, which, channel] += delta
        if spillover > 0.0:
            other = 1 - which
            y = img[i, other, c]
            y2 = min(1.0, max(-1.0, y + spillover * delta))
            img[i, other, c] = y2
            shift[d, c, other, channel] += y2 - y


@njit(inline="always")
def random_neighbour(s, i, n, indptr, indices, well_mixed):
    """A uniformly random neighbour of i, or -1 if it has none."""
    if well_mixed:
        if n < 2:
            return -1
        j = randint(s, n - 1)
        return j + 1 if j >= i else j
    start = indptr[i]
    deg = indptr[i + 1] - start
    if deg == 0:
        return -1
    return indices[start + randint(s, deg)]


@njit(inline="always")
def similarity_count(symbols, i, j):
    same = 0
    for f in range(symbols.shape[1]):
        if symbols[i, f] == symbols[j, f]:
            same += 1
    return same


@njit(inline="always")
def copy_random_differing(s, symbols, i, j, same):
    """i takes j's symbol on one random feature where they differ."""
    k = randint(s, symbols.shape[1] - same)
    for f in range(symbols.shape[1]):
        if symbols[i, f] != symbols[j, f]:
            if k == 0:
                symbols[i, f] = symbols[j, f]
                return
            k -= 1


@njit(inline="always")
def random_other_country(s, home_c, n_countries):
    """A random country other than home_c (home_c itself if it is the only one)."""
    if n_countries < 2:
        return home_c
    c = randint(s, n_countries - 1)
    return c + 1 if c >= home_c else c


# --- channels -------------------------------------------------------------------------


@njit(cache=True)
def contact_step(s, activations, indptr, indices, well_mixed, home, symbols, img, openness,
                 shift, counts, symbol_sharing, valence, positivity, negative_valence,
                 negative_weight, mu, accept, reject, boomerang, spillover):
    """Direct contact: random citizens meet a random neighbour, share symbols, judge."""
    n = home.shape[0]
    n_features = symbols.shape[1]
    for _ in range(activations):
        i = randint(s, n)
        j = random_neighbour(s, i, n, indptr, indices, well_mixed)
        if j < 0:
            continue
        if symbol_sharing:
            same = similarity_count(symbols, i, j)
            if 0 < same < n_features and uniform(s) < same / n_features:
                copy_random_differing(s, symbols, i, j, same)
        if home[i] != home[j]:
            for a, b in ((i, j), (j, i)):
                if uniform(s) < positivity:
                    v, m = valence, mu
                else:
                    v, m = negative_valence, min(1.0, mu * negative_weight)
                deliver(img, shift, counts, home, openness, a, PEOPLE, home[b], v, m, accept,
                        reject, boomerang, spillover, CONTACT)


@njit(cache=True)
def talk_step(s, activations, indptr, indices, well_mixed, home, n_countries, img, openness,
              shift, counts, epsilon, mu, talk_people, talk_state, boomerang, spillover):
    """Peer talk: Deffuant bounded confidence about a random (foreign) country."""
    n = home.shape[0]
    for _ in range(activations):
        i = randint(s, n)
        j = random_neighbour(s, i, n, indptr, indices, well_mixed)
        if j < 0:
            continue
        c = random_other_country(s, home[i], n_countries)
        for which in range(2):
            if (which == PEOPLE and not talk_people) or (which == STATE and not talk_state):
                continue
            xi = img[i, which, c]
            xj = img[j, which, c]
            if abs(xi - xj) < epsilon:
                deliver(img, shift, counts, home, openness, i, which, c, xj, mu, np.inf, np.inf,
                        boomerang, spillover, TALK)
                deliver(img, shift, counts, home, openness, j, which, c, xi, mu, np.inf, np.inf,
                        boomerang, spillover, TALK)


@njit(inline="always")
def favourability(img, i, c, state_weight):
    return state_weight * img[i, STATE, c] + (1.0 - state_weight) * img[i, PEOPLE, c]


@njit(cache=True)
def social_media_step(s, activations, posters, post_prob, f_indptr, f_indices, can_see, home,
                      n_countries, symbols, img, openness, shift, counts, appeal, noise,
                      see_prob, hostility, adoption, state_weight, mu, accept, reject,
                      boomerang, spillover):
    """Posts: a poster's symbol and country reach followers; foreign ones judge and adopt.

    ``activations`` draws are made among ``posters``; each posts with probability
    ``post_prob[home]`` (thinning), so per-country rates can differ. A follower sees
    a post with probability ``see_prob``.
    """
    n_posters = posters.shape[0]
    n_features = symbols.shape[1]
    if n_posters == 0:
        return
    for _ in range(activations):
        p = posters[randint(s, n_posters)]
        hp = home[p]
        if uniform(s) >= post_prob[hp]:
            continue
        hostile = n_countries > 1 and uniform(s) < hostility
        if hostile:
            t = -1
            worst = np.inf
            for c in range(n_countries):
                if c != hp:
                    f = favourability(img, p, c, state_weight)
                    if f < worst:
                        worst, t = f, c
            v = worst
        else:
            t = hp
            v = min(1.0, max(-1.0, appeal[hp] + noise * normal(s)))
        feature = randint(s, n_features)
        symbol = symbols[p, feature]
        for k in range(f_indptr[p], f_indptr[p + 1]):
            q = f_indices[k]
            if not can_see[q] or uniform(s) >= see_prob:
                continue
            if home[q] == t:
                continue  # posts speak to foreigners about the poster's (or a hated) country
            deliver(img, shift, counts, home, openness, q, PEOPLE, t, v, mu, accept, reject,
                    boomerang, spillover, SOCIAL_MEDIA)
            if not hostile and adoption > 0.0 and symbols[q, feature] != symbol:
                same = similarity_count(symbols, p, q)
                if uniform(s) < adoption * same / n_features:
                    symbols[q, feature] = symbol


@njit(cache=True)
def state_media_step(s, starts, sizes, reach, relations, home, trust, img, openness, shift,
                     counts, mu, accept, reject, boomerang, spillover):
    """State media: each state frames other states for its own citizens (valence = stance)."""
    n_countries = starts.shape[0]
    if n_countries < 2:
        return
    for c in range(n_countries):
        if sizes[c] == 0:
            continue
        for _ in range(stochastic_round(s, sizes[c] * reach[c])):
            i = starts[c] + randint(s, sizes[c])
            d = random_other_country(s, c, n_countries)
            deliver(img, shift, counts, home, openness, i, STATE, d, relations[c, d],
                    mu * trust[i], accept, reject, boomerang, spillover, STATE_MEDIA)


@njit(cache=True)
def campaign_step(s, start, size, reach, country, which, valence, home, img, openness, shift,
                  counts, mu, accept, reject, boomerang, spillover):
    """A public-diplomacy campaign messages random citizens of one target country."""
    if size == 0:
        return
    for _ in range(stochastic_round(s, size * reach)):
        i = start + randint(s, size)
        deliver(img, shift, counts, home, openness, i, which, country, valence, mu, accept,
                reject, boomerang, spillover, CAMPAIGN)


@njit(cache=True)
def broadcast(s, start, size, reach, which, country, valence, home, img, openness, shift,
              counts, mu, boomerang, spillover, channel):
    """News of an event reaches each citizen of a block with probability ``reach``."""
    for i in range(start, start + size):
        if uniform(s) < reach:
            deliver(img, shift, counts, home, openness, i, which, country, valence, mu, np.inf,
                    np.inf, boomerang, spillover, channel)


# --- measures ------------------------------------------------------------------------


@njit(cache=True)
def image_moments(img, starts, sizes, state_weight):
    """Per observer d and target c: sums of favourability, its square, and favourable counts.

    Returns ``sums[d, c, k]`` with k = 0 fav, 1 fav^2, 2 people, 3 state, 4 fav > 0,
    5 people > 0, 6 state > 0.
    """
    n_countries = starts.shape[0]
    out = np.zeros((n_countries, img.shape[2], 7))
    for d in range(n_countries):
        for i in range(starts[d], starts[d] + sizes[d]):
            for c in range(img.shape[2]):
                p = img[i, PEOPLE, c]
                st = img[i, STATE, c]
                f = state_weight * st + (1.0 - state_weight) * p
                out[d, c, 0] += f
                out[d, c, 1] += f * f
                out[d, c, 2] += p
                out[d, c, 3] += st
                if f > 0.0:
                    out[d, c, 4] += 1.0
                if p > 0.0:
                    out[d, c, 5] += 1.0
                if st > 0.0:
                    out[d, c, 6] += 1.0
    return out


@njit(cache=True)
def symbol_counts(symbols, home, owner_ptr, owner_list, prototypes, traits, n_countries):
    """counts[d, c]: features of d's citizens holding c's national symbol where d's differs."""
    out = np.zeros((n_countries, n_countries))
    n_features = symbols.shape[1]
    for i in range(symbols.shape[0]):
        d = home[i]
        for f in range(n_features):
            sym = symbols[i, f]
            if sym == prototypes[d, f]:
                continue
            slot = f * traits + sym
            for k in range(owner_ptr[slot], owner_ptr[slot + 1]):
                out[d, owner_list[k]] += 1.0
    return out


@njit(cache=True)
def can_share_symbols(indptr, indices, symbols):
    """True while some neighbouring pair has similarity strictly between 0 and 1."""
    n_features = symbols.shape[1]
    for i in range(indptr.shape[0] - 1):
        for k in range(indptr[i], indptr[i + 1]):
            same = similarity_count(symbols, i, indices[k])
            if 0 < same < n_features:
                return True
    return False


@njit(cache=True)
def cultural_regions(indptr, indices, symbols):
    """Number of connected sets of citizens with identical symbol vectors."""
    n = indptr.shape[0] - 1
    n_features = symbols.shape[1]
    label = -np.ones(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    regions = 0
    for root in range(n):
        if label[root] >= 0:
            continue
        label[root] = regions
        top = 0
        stack[top] = root
        top += 1
        while top > 0:
            top -= 1
            i = stack[top]
            for k in range(indptr[i], indptr[i + 1]):
                j = indices[k]
                if label[j] < 0 and similarity_count(symbols, i, j) == n_features:
                    label[j] = regions
                    stack[top] = j
                    top += 1
        regions += 1
    return regions
