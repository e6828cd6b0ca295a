"""Measures over all citizens: image sums, symbols held, familiarity, cultural regions.

Full scans, for the Recorder: the channel kernels keep the image sums and the symbol
counts (held, and known only) up to date themselves, so these run only after a change
the kernels did not follow (:meth:`~nanosim.engine.metrics.Recorder.invalidate`) and at
the end of a run.
"""

import numpy as np
from numba import njit

from nanosim.engine.kernels import PEOPLE, STATE, helper
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
from nanosim.engine.kernels.judgement import similarity_count


@helper
def add_moments(acc, c, p, st, w):
    """Add one citizen's people and state images (p, st) of target c to the sums
    ``acc[slot, c]`` (``bundles.SUM_*`` slots; ``w`` the state image's weight)."""
    f = w * st + (1.0 - w) * p
    acc[SUM_FAV, c] += f
    acc[SUM_FAV_SQUARED, c] += f * f
    acc[SUM_PEOPLE, c] += p
    acc[SUM_STATE, c] += st
    acc[SUM_FAVOURABLE, c] += 1.0 if f > 0.0 else 0.0
    acc[SUM_FAVOURABLE_PEOPLE, c] += 1.0 if p > 0.0 else 0.0
    acc[SUM_FAVOURABLE_STATE, c] += 1.0 if st > 0.0 else 0.0


@njit(cache=True)
def image_moments(img, starts, sizes, state_weight):
    """Per observer d and target c: the running sums' slots (``bundles.SUM_*``).

    Returns ``sums[d, c, slot]``: sums of favourability, its square, the two images and
    the counts of favourable views. One streaming pass over the images; the loop over
    targets is innermost and branch-free.
    """
    n_countries = starts.shape[0]
    n_targets = img.shape[2]
    out = np.zeros((n_countries, n_targets, N_SUMS))
    acc = np.zeros((N_SUMS, n_targets))
    w = state_weight
    for d in range(n_countries):
        acc[:] = 0.0
        for i in range(starts[d], starts[d] + sizes[d]):
            people = img[i, PEOPLE]
            state = img[i, STATE]
            for c in range(n_targets):
                add_moments(acc, c, people[c], state[c], w)
        for c in range(n_targets):
            for k in range(N_SUMS):
                out[d, c, k] = acc[k, c]
    return out


@njit(cache=True)
def symbol_holdings(symbols, starts, sizes, traits):
    """held[d, f, q]: how many of country d's citizens hold symbol q on feature f."""
    n_countries, n_features = starts.shape[0], symbols.shape[1]
    held = np.zeros((n_countries, n_features, traits), np.int64)
    for d in range(n_countries):
        for i in range(starts[d], starts[d] + sizes[d]):
            for f in range(n_features):
                held[d, f, symbols[i, f]] += 1
    return held


@njit(cache=True)
def symbol_counts(held, prototypes):
    """counts[d, c]: features of d's citizens holding c's national symbol where d's differs."""
    n_countries, n_features = prototypes.shape
    out = np.zeros((n_countries, n_countries))
    for d in range(n_countries):
        for c in range(n_countries):
            total = 0
            for f in range(n_features):
                q = prototypes[c, f]
                if q != prototypes[d, f]:
                    total += held[d, f, q]
            out[d, c] = total
    return out


def familiarity(symbols, known, prototypes, starts, sizes):
    """[d, c]: mean over d's citizens of the share of c's national symbols (over all
    features) that they hold or know (``known``: bits per citizen and country; no rows:
    none known), by full scans."""
    traits = int(max(symbols.max(initial=0), prototypes.max(initial=0))) + 1
    return familiarity_from(symbol_holdings(symbols, starts, sizes, traits),
                            known_only_counts(symbols, known, prototypes, starts, sizes),
                            prototypes, sizes)


def familiarity_from(held, known_only, prototypes, sizes):
    """Familiarity ([d, c], as :func:`familiarity`) from the counts the Recorder keeps:
    ``held`` (:func:`symbol_holdings`) and ``known_only`` (:func:`known_only_counts`;
    empty: nothing known). Counts are integers, so this is exact."""
    n_features = prototypes.shape[1]
    total = held[:, np.arange(n_features)[None, :], prototypes].sum(axis=2)  # d, c
    if known_only.size:
        total = total + known_only
    return total / (np.maximum(sizes, 1) * n_features)[:, None]


@njit(cache=True)
def known_only_counts(symbols, known, prototypes, starts, sizes):
    """[d, c]: c's national symbols that d's citizens know and do not hold, summed over
    them: one pass over ``known``, which is mostly zeros (empty without a repertoire)."""
    n_countries, n_features = prototypes.shape
    out = np.zeros((n_countries, n_countries), np.int64)
    if known.shape[0] == 0:
        return out
    one = np.uint64(1)
    for d in range(n_countries):
        for i in range(starts[d], starts[d] + sizes[d]):
            any_known = known[i, 0]
            for c in range(1, n_countries):
                any_known |= known[i, c]
            if any_known == 0:  # most citizens: one vectorised test of the row
                continue
            for c in range(n_countries):
                bits = np.uint64(known[i, c])
                if bits == 0:
                    continue
                for f in range(n_features):
                    if symbols[i, f] == prototypes[c, f]:
                        bits &= ~(one << np.uint64(f))  # held: not known only
                out[d, c] += _popcount(bits)
    return out


@helper
def _popcount(x):
    """The bits set in the uint64 ``x`` (SWAR: no loop, no branch)."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


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
    """Number of connected sets of citizens with identical symbol vectors on the graph
    (indptr, indices)."""
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
