"""Plain-Python reference of the update rule and channels, for checking the kernels.

Written for clarity, not speed: the same rules as nanosim.engine.channels, drawing the
same random numbers in the same order from a pure-Python xoshiro256**.
"""

import math

from nanosim.engine.channels import LEDGER, by_name

MASK = (1 << 64) - 1
PEOPLE, STATE = 0, 1
CONTACT, TALK = by_name("contact").code, by_name("talk").code  # their ledger codes


class Xoshiro:
    """xoshiro256** on Python integers."""

    def __init__(self, words):
        self.s = [int(w) & MASK for w in words]

    def next(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK  # noqa: E731
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform(self):
        return (self.next() >> 11) * (1.0 / 9007199254740992.0)

    def randint(self, n):
        return int(self.uniform() * n)


def judge(x, v, mu, openness, accept, reject, boomerang):
    d = v - x
    if abs(d) <= accept:
        x = x + mu * openness * d
    elif abs(d) >= reject:
        x = x - mu * boomerang * d
    else:
        return x
    return min(1.0, max(-1.0, x))


class World:
    """Citizens' images, symbols and the per-channel bookkeeping, as plain lists."""

    def __init__(self, img, home, symbols, openness, n_countries):
        self.img = [[list(row) for row in citizen] for citizen in img]
        self.home = list(home)
        self.symbols = [list(s) for s in symbols]
        self.openness = list(openness)
        self.shift = {}
        self.counts = [0] * len(LEDGER)
        self.n_countries = n_countries

    def deliver(self, i, which, c, v, mu, accept, reject, boomerang, spillover, channel):
        self.counts[channel] += 1
        x = self.img[i][which][c]
        x2 = judge(x, v, mu, self.openness[i], accept, reject, boomerang)
        if x2 != x:
            self.img[i][which][c] = x2
            self._add(i, c, which, channel, x2 - x)
            if spillover > 0:
                other = 1 - which
                y = self.img[i][other][c]
                y2 = min(1.0, max(-1.0, y + spillover * (x2 - x)))
                self.img[i][other][c] = y2
                self._add(i, c, other, channel, y2 - y)

    def _add(self, i, c, which, channel, delta):
        key = (self.home[i], c, which, channel)
        self.shift[key] = self.shift.get(key, 0.0) + delta


def neighbour(u, i, adjacency):
    nbrs = adjacency[i]
    if not nbrs:
        return -1
    return nbrs[int(u * len(nbrs))]


def other_country(u, home_c, n_countries):
    if n_countries < 2:
        return home_c
    c = int(u * (n_countries - 1))
    return c + 1 if c >= home_c else c


def talk(rng, world, activations, adjacency, epsilon, mu, people, state, boomerang, spillover):
    """Each activation draws three uniforms: who, which neighbour, which country; or two
    where the country is given (the other of two countries, or the only one)."""
    n = len(world.home)
    for _ in range(activations):
        u_who, u_neighbour = rng.uniform(), rng.uniform()
        u_country = rng.uniform() if world.n_countries > 2 else 0.0
        i = int(u_who * n)
        j = neighbour(u_neighbour, i, adjacency)
        if j < 0:
            continue
        c = other_country(u_country, world.home[i], world.n_countries)
        for which, on in ((PEOPLE, people), (STATE, state)):
            if not on:
                continue
            xi, xj = world.img[i][which][c], world.img[j][which][c]
            if abs(xi - xj) < epsilon:
                world.deliver(i, which, c, xj, mu, math.inf, math.inf, boomerang, spillover, TALK)
                world.deliver(j, which, c, xi, mu, math.inf, math.inf, boomerang, spillover, TALK)


def contact(rng, world, activations, adjacency, sharing, valence, positivity, neg_valence,
            neg_weight, mu, accept, reject, boomerang, spillover):
    """Each activation draws exactly six uniforms: who, which neighbour, share?, which
    feature, and whether each side's meeting is positive."""
    n = len(world.home)
    n_features = len(world.symbols[0])
    for _ in range(activations):
        u = [rng.uniform() for _ in range(6)]
        i = int(u[0] * n)
        j = neighbour(u[1], i, adjacency)
        if j < 0:
            continue
        si, sj = world.symbols[i], world.symbols[j]
        if sharing:
            same = sum(a == b for a, b in zip(si, sj, strict=True))
            if 0 < same < n_features and u[2] < same / n_features:
                differing = [f for f in range(n_features) if si[f] != sj[f]]
                f = differing[int(u[3] * len(differing))]
                si[f] = sj[f]
        if world.home[i] != world.home[j]:
            for (a, b), u_positive in (((i, j), u[4]), ((j, i), u[5])):
                if u_positive < positivity:
                    v, m = valence, mu
                else:
                    v, m = neg_valence, min(1.0, mu * neg_weight)
                world.deliver(a, PEOPLE, world.home[b], v, m, accept, reject, boomerang,
                              spillover, CONTACT)
