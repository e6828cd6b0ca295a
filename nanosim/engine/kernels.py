"""Compiled kernels: the update rule and every channel's interactions, one at a time.

Pure ``@njit`` functions over arrays. Python decides what happens in a step; these
functions compute it. Randomness comes from an explicit xoshiro256** state (four
uint64 words) passed in, so a run depends only on its seed.

Array conventions: ``img[i, which, c]`` is citizen i's image of country c
(``which`` 0 = people, 1 = state); ``home[i]`` is i's country; citizens are sorted
by country, so ``starts[c]`` (first citizen of each country) gives anyone's country
without a memory lookup; ``shift[d, c, which, channel]`` accumulates every change
made to images held by country d's citizens of country c, by channel;
``counts[channel]`` counts messages delivered.

Speed (docs/performance.md): at a million citizens every interaction touches
memory far from the last one, so the channel kernels work in blocks of ``BLOCK``
activations. Each activation draws a fixed number of uniforms, so the random
stream does not depend on the block size. A block first draws its random
numbers, then resolves who meets whom from the (static) graph, prefetching the
rows it will touch, and only then applies the interactions, one at a time and in
order: random sequential updating, exactly, with the memory latency overlapped.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

PEOPLE, STATE = 0, 1
CHANNELS = ("contact", "social_media", "talk", "state_media", "campaign", "events")
CONTACT, SOCIAL_MEDIA, TALK, STATE_MEDIA, CAMPAIGN, EVENTS = range(6)


# --- random numbers (xoshiro256**) ---------------------------------------------


@njit(inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(inline="always")
def xoshiro_step(s0, s1, s2, s3):
    """One xoshiro256** step on a state held in four locals: 64 random bits, new state."""
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@njit(inline="always")
def unit_float(bits):
    """The top 53 of 64 random bits as a float in [0, 1)."""
    return float(bits >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(inline="always")
def next_u64(s):
    """Advance the xoshiro256** state ``s`` (uint64[4]) and return 64 random bits."""
    result, s[0], s[1], s[2], s[3] = xoshiro_step(s[0], s[1], s[2], s[3])
    return result


@njit(inline="always")
def uniform(s):
    """A float in [0, 1)."""
    return unit_float(next_u64(s))


@njit(inline="always")
def randint(s, n):
    """An int in [0, n)."""
    return int(uniform(s) * n)


@njit(inline="always")
def fill_uniform(s, out, m):
    """``out[:m]`` = the next m uniforms of ``s`` (same numbers as m calls of ``uniform``)."""
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    for k in range(m):
        bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
        out[k] = unit_float(bits)
    s[0], s[1], s[2], s[3] = s0, s1, s2, s3


@njit(inline="always")
def normal_from(u1, u2):
    """A standard normal from two uniforms (Box–Muller)."""
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True)
def normal(s):
    """A standard normal draw (Box–Muller)."""
    u1 = uniform(s)
    return normal_from(u1, uniform(s))


@njit(cache=True)
def stochastic_round(s, x):
    """floor(x) plus one with probability frac(x): an unbiased whole number."""
    k = int(np.floor(x))
    return k + (1 if uniform(s) < x - k else 0)


# --- memory ------------------------------------------------------------------------------

BLOCK = 64  # activations per block (their rows are prefetched together)
NO_SUMS = np.zeros((0, 0, 7))  # pass as a kernel's ``sums`` to keep no running sums
TALK_BLOCK = 32  # talk's blocks: measured faster at 10^6 citizens (talk draws no inner streams)
ROWS_BLOCK = 8  # talk's blocks on one-line rows, three in flight (measured fastest at 10^6)


@intrinsic
def prefetch(typingctx, arr, index):
    """Ask the CPU to start loading ``arr[index]`` (a tuple) into cache; changes nothing else.

    A hint only: it cannot fault, so it is safe for any index.
    """
    if not isinstance(arr, types.Array) or not isinstance(index, types.BaseTuple):
        return None
    if len(index) != arr.ndim:
        return None

    def codegen(context, builder, signature, args):
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        idx = [context.cast(builder, builder.extract_value(args[1], k), idxty[k], types.intp)
               for k in range(aryty.ndim)]
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, idx, wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(arr, index), codegen


@njit(inline="always")
def prefetch_images(img, i, c):
    """Prefetch both of citizen i's images of country c (a change spills to the other)."""
    prefetch(img, (i, PEOPLE, c))
    prefetch(img, (i, STATE, c))


@njit(inline="always")
def country_of(i, starts):
    """The country of citizen i: the last c with ``starts[c] <= i``.

    A branch-free binary search: its loop length depends only on the number of
    countries, so it costs no mispredicted branches.
    """
    lo = 0
    size = starts.shape[0]
    while size > 1:
        half = size >> 1
        lo = lo + half if starts[lo + half] <= i else lo
        size -= half
    return lo


@njit(inline="always")
def pick_pairs(u, stride, m, n, indptr, indices, well_mixed, ii, jj):
    """Activation k of a block: citizen ``ii[k]`` and a random neighbour ``jj[k]`` (-1: none).

    Uses uniforms ``u[k * stride]`` (who) and ``u[k * stride + 1]`` (which neighbour), and
    prefetches the graph rows before reading them.
    """
    pick_talkers(u, stride, m, n, indptr, well_mixed, ii)
    pick_neighbours(u, stride, m, n, indptr, indices, well_mixed, ii, jj)


@njit(inline="always")
def pick_talkers(u, stride, m, n, indptr, well_mixed, ii):
    """The first half of :func:`pick_pairs`: who, and prefetch their graph rows."""
    for k in range(m):
        i = int(u[k * stride] * n)
        ii[k] = i
        if not well_mixed:
            prefetch(indptr, (i,))


@njit(inline="always")
def pick_neighbours(u, stride, m, n, indptr, indices, well_mixed, ii, jj):
    """The second half of :func:`pick_pairs`: a random neighbour of each talker."""
    if well_mixed:
        for k in range(m):
            i = ii[k]
            if n < 2:
                jj[k] = -1
            else:
                j = int(u[k * stride + 1] * (n - 1))
                jj[k] = j + 1 if j >= i else j
        return
    for k in range(m):
        i = ii[k]
        start = indptr[i]
        deg = indptr[i + 1] - start
        if deg == 0:
            jj[k] = -1
        else:
            slot = start + int(u[k * stride + 1] * deg)
            jj[k] = slot
            prefetch(indices, (slot,))
    for k in range(m):
        if jj[k] >= 0:
            jj[k] = indices[jj[k]]


@njit(inline="always")
def pick_talkers_on_rows(u, stride, m, n, rows, ii):
    """:func:`pick_talkers` on a graph's one-line rows (``network.Graph.rows``)."""
    for k in range(m):
        i = int(u[k * stride] * n)
        ii[k] = i
        prefetch(rows, (i, 0))


@njit(inline="always")
def pick_neighbours_on_rows(u, stride, m, indptr, indices, rows, ii, jj):
    """:func:`pick_neighbours` on one-line rows: the same neighbour, one memory read.

    ``rows[i, 0]`` is i's degree and ``rows[i, 1:]`` its first neighbours, in CSR order; a
    citizen with too many for its row (rare, by construction) is read from the CSR arrays.
    """
    width = rows.shape[1]
    for k in range(m):
        i = ii[k]
        deg = rows[i, 0]
        slot = int(u[k * stride + 1] * deg)
        if deg == 0:
            jj[k] = -1
        elif deg < width:
            jj[k] = rows[i, 1 + slot]
        else:
            jj[k] = indices[indptr[i] + slot]


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
    """A message about country c reaches citizen i; record every change it makes.

    Keeps no running image sums (see :func:`deliver_to`).
    """
    deliver_to(img, shift, counts, np.zeros((0, 0, 7)), 0.5, home[i], openness[i], i, which, c,
               v, mu, accept, reject, boomerang, spillover, channel)


@njit(inline="always")
def deliver_to(img, shift, counts, sums, state_weight, d, open_i, i, which, c, v, mu, accept,
               reject, boomerang, spillover, channel):
    """:func:`deliver` to citizen i of country d with openness ``open_i`` (already known).

    ``sums`` (empty for none) are the running per-(observer, target) sums of
    :func:`image_moments`, kept up to date with every change.
    """
    counts[channel] += 1
    x = img[i, which, c]
    x2 = judge(x, v, mu, open_i, accept, reject, boomerang)
    delta = x2 - x
    if delta != 0.0:
        img[i, which, c] = x2
        shift[d, c, which, channel] += delta
        other = 1 - which
        y = img[i, other, c]
        y2 = y
        if spillover > 0.0:
            y2 = spilled(y, delta, spillover)
            img[i, other, c] = y2
            shift[d, c, other, channel] += y2 - y
        if sums.shape[0] > 0:
            if which == PEOPLE:
                track_change(sums, state_weight, d, c, x, y, x2, y2)
            else:
                track_change(sums, state_weight, d, c, y, x, y2, x2)


@njit(inline="always")
def spilled(y, delta, spillover):
    """The other image y after a change of ``delta`` spills over to it."""
    return min(1.0, max(-1.0, y + spillover * delta))


@njit(inline="always")
def track_change(sums, w, d, c, p0, s0, p1, s1):
    """Update the running sums of observer d about c for a change (p0, s0) -> (p1, s1)."""
    f0 = w * s0 + (1.0 - w) * p0
    f1 = w * s1 + (1.0 - w) * p1
    sums[d, c, 0] += f1 - f0
    sums[d, c, 1] += f1 * f1 - f0 * f0
    sums[d, c, 2] += p1 - p0
    sums[d, c, 3] += s1 - s0
    sums[d, c, 4] += (1.0 if f1 > 0.0 else 0.0) - (1.0 if f0 > 0.0 else 0.0)
    sums[d, c, 5] += (1.0 if p1 > 0.0 else 0.0) - (1.0 if p0 > 0.0 else 0.0)
    sums[d, c, 6] += (1.0 if s1 > 0.0 else 0.0) - (1.0 if s0 > 0.0 else 0.0)


@njit(inline="always")
def similarity_count(symbols, i, j):
    same = 0
    for f in range(symbols.shape[1]):
        if symbols[i, f] == symbols[j, f]:
            same += 1
    return same


@njit(inline="always")
def set_symbol(symbols, held, d, i, f, symbol):
    """Citizen i (of country d) takes ``symbol`` on feature f; ``held`` (if any) follows."""
    if held.shape[0] > 0:
        held[d, f, symbols[i, f]] -= 1
        held[d, f, symbol] += 1
    symbols[i, f] = symbol


@njit(inline="always")
def copy_differing(u, symbols, held, d, i, j, same):
    """i (of country d) takes j's symbol on one feature where they differ, chosen by ``u``."""
    k = int(u * (symbols.shape[1] - same))
    for f in range(symbols.shape[1]):
        if symbols[i, f] != symbols[j, f]:
            if k == 0:
                set_symbol(symbols, held, d, i, f, symbols[j, f])
                return
            k -= 1


@njit(inline="always")
def other_country(u, home_c, n_countries):
    """A country other than home_c chosen by the uniform ``u`` (home_c if it is the only one)."""
    if n_countries < 2:
        return home_c
    c = int(u * (n_countries - 1))
    return c + 1 if c >= home_c else c


# --- channels -------------------------------------------------------------------------

CONTACT_DRAWS = 6  # who, which neighbour, share?, which feature, i's and j's meeting positive?
TALK_DRAWS = 3  # who, which neighbour, which country
POST_DRAWS = 6  # which poster, posts?, hostile?, noise (two), which symbol
FOLLOWER_DRAWS = 2  # sees the post?, adopts the symbol?


@njit(cache=True)
def contact_step(s, activations, indptr, indices, well_mixed, starts, symbols, held, img,
                 openness, shift, counts, sums, state_weight, symbol_sharing, valence, positivity,
                 negative_valence, negative_weight, mu, accept, reject, boomerang, spillover):
    """Direct contact: random citizens meet a random neighbour, share symbols, judge."""
    n = img.shape[0]
    n_features = symbols.shape[1]
    u = np.empty(CONTACT_DRAWS * BLOCK)
    ii = np.empty(BLOCK, np.int64)
    jj = np.empty(BLOCK, np.int64)
    hi_ = np.empty(BLOCK, np.int64)
    hj_ = np.empty(BLOCK, np.int64)
    negative_mu = min(1.0, mu * negative_weight)
    for first in range(0, activations, BLOCK):
        m = min(BLOCK, activations - first)
        fill_uniform(s, u, CONTACT_DRAWS * m)
        pick_pairs(u, CONTACT_DRAWS, m, n, indptr, indices, well_mixed, ii, jj)
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
            r = k * CONTACT_DRAWS
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
                deliver_to(img, shift, counts, sums, state_weight, di, openness[i], i, PEOPLE,
                           dj, v, w, accept, reject, boomerang, spillover, CONTACT)
                if u[r + 5] < positivity:
                    v, w = valence, mu
                else:
                    v, w = negative_valence, negative_mu
                deliver_to(img, shift, counts, sums, state_weight, dj, openness[j], j, PEOPLE,
                           di, v, w, accept, reject, boomerang, spillover, CONTACT)


@njit(cache=True)
def talk_step(s, activations, indptr, indices, well_mixed, starts, img, openness, shift,
              counts, sums, state_weight, epsilon, mu, talk_people, talk_state, boomerang,
              spillover):
    """Peer talk: Deffuant bounded confidence about a random (foreign) country.

    Each block first fetches the talkers' rows, then the graph's, then the listeners',
    and then they talk (:func:`talk_block`).
    """
    n = img.shape[0]
    n_countries = starts.shape[0]
    draws = TALK_DRAWS if n_countries > 2 else TALK_DRAWS - 1  # else the topic is given
    u = np.empty(TALK_DRAWS * TALK_BLOCK)
    ii = np.empty(TALK_BLOCK, np.int64)
    jj = np.empty(TALK_BLOCK, np.int64)
    cc = np.empty(TALK_BLOCK, np.int64)
    first_image = PEOPLE if talk_people else STATE
    last_image = STATE if talk_state else PEOPLE
    heard = 0.0
    for first in range(0, activations, TALK_BLOCK):
        m = min(TALK_BLOCK, activations - first)
        fill_uniform(s, u, draws * m)
        pick_talkers(u, draws, m, n, indptr, well_mixed, ii)
        for k in range(m):
            i = ii[k]
            own = country_of(i, starts)
            c = other_country(u[k * draws + 2], own, n_countries) if draws == TALK_DRAWS \
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
        if spillover > 0.0 or sums.shape[0] > 0:
            heard += talk_block(m, ii, jj, cc, starts, img, openness, shift, sums,
                                state_weight, epsilon, mu, first_image, last_image, spillover,
                                True)
        else:
            heard += talk_block(m, ii, jj, cc, starts, img, openness, shift, sums,
                                state_weight, epsilon, mu, first_image, last_image, spillover,
                                False)
    counts[TALK] += 2 * int(heard)


def talk_kernel(graph):
    """The talk kernel for a :class:`~nanosim.engine.network.Graph` and its graph arguments:
    :func:`talk_step_on_rows` where the graph has one-line rows, else :func:`talk_step`."""
    if graph.rows.shape[0]:
        return talk_step_on_rows, (graph.indptr, graph.indices, graph.rows)
    return talk_step, (graph.indptr, graph.indices, graph.well_mixed)


@njit(cache=True)
def talk_step_on_rows(s, activations, indptr, indices, rows, starts, img, openness, shift,
                      counts, sums, state_weight, epsilon, mu, talk_people, talk_state,
                      boomerang, spillover):
    """:func:`talk_step` on a large graph's one-line rows, three blocks in flight.

    While block b talks, block b + 1's listeners and block b + 2's talkers are being
    fetched, so the talk's arithmetic overlaps the waiting for memory. Blocks are still
    drawn, resolved and applied in order: the results are :func:`talk_step`'s, exactly.
    """
    n = img.shape[0]
    n_countries = starts.shape[0]
    draws = TALK_DRAWS if n_countries > 2 else TALK_DRAWS - 1  # else the topic is given
    depth, size = 3, ROWS_BLOCK
    u = np.empty((depth, TALK_DRAWS * size))
    ii = np.empty((depth, size), np.int64)
    jj = np.empty((depth, size), np.int64)
    cc = np.empty((depth, size), np.int64)
    sizes = np.zeros(depth, np.int64)
    first_image = PEOPLE if talk_people else STATE
    last_image = STATE if talk_state else PEOPLE
    extras = spillover > 0.0 or sums.shape[0] > 0
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
                    if draws == TALK_DRAWS else n_countries - 1 - own
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
        if b >= 2:  # block b - 2: they talk (as in talk_step, compiled twice)
            k = (b - 2) % depth
            if extras:
                heard += talk_block(sizes[k], ii[k], jj[k], cc[k], starts, img, openness,
                                    shift, sums, state_weight, epsilon, mu, first_image,
                                    last_image, spillover, True)
            else:
                heard += talk_block(sizes[k], ii[k], jj[k], cc[k], starts, img, openness,
                                    shift, sums, state_weight, epsilon, mu, first_image,
                                    last_image, spillover, False)
    counts[TALK] += 2 * int(heard)


@njit(inline="always")
def talk_block(m, ii, jj, cc, starts, img, openness, shift, sums, state_weight, epsilon, mu,
               first_image, last_image, spillover, extras):
    """The talk of one block's pairs: the messages judged (both ways), as a float.

    ``extras``: apply spillover and keep ``sums`` (if not empty); else neither.

    Branch-free on the images: a pair beyond ``epsilon`` moves by zero, so the
    unpredictable comparison costs no mispredicted branches (and neither does counting
    it, as a float).
    """
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
            shift[di, c, which, TALK] += xi2 - xi
            shift[dj, c, which, TALK] += xj2 - xj
            if extras:  # as deliver_to does, for both (by zero if apart)
                other = 1 - which
                yi = img[i, other, c]
                yj = img[j, other, c]
                yi2 = spilled(yi, xi2 - xi, spillover)
                yj2 = spilled(yj, xj2 - xj, spillover)
                img[i, other, c] = yi2
                img[j, other, c] = yj2
                shift[di, c, other, TALK] += yi2 - yi
                shift[dj, c, other, TALK] += yj2 - yj
                if track and which == PEOPLE:
                    track_change(sums, state_weight, di, c, xi, yi, xi2, yi2)
                    track_change(sums, state_weight, dj, c, xj, yj, xj2, yj2)
                elif track:
                    track_change(sums, state_weight, di, c, yi, xi, yi2, xi2)
                    track_change(sums, state_weight, dj, c, yj, xj, yj2, xj2)
    return heard


@njit(inline="always")
def favourability(img, i, c, state_weight):
    return state_weight * img[i, STATE, c] + (1.0 - state_weight) * img[i, PEOPLE, c]


@njit(cache=True)
def social_media_step(s, activations, posters, post_prob, f_indptr, f_indices, can_see, starts,
                      symbols, held, img, openness, shift, counts, sums, appeal, noise, see_prob,
                      hostility, adoption, state_weight, mu, accept, reject, boomerang,
                      spillover):
    """Posts: a poster's symbol and country reach followers; foreign ones judge and adopt.

    ``activations`` draws are made among ``posters``; each posts with probability
    ``post_prob[home]`` (thinning), so per-country rates can differ. A follower sees
    a post with probability ``see_prob``.
    """
    n_posters = posters.shape[0]
    n_countries = starts.shape[0]
    n_features = symbols.shape[1]
    if n_posters == 0:
        return
    u = np.empty(POST_DRAWS * BLOCK)
    fu = np.empty(FOLLOWER_DRAWS * BLOCK)
    pp = np.empty(BLOCK, np.int64)
    fc = np.empty(BLOCK, np.int64)
    for first in range(0, activations, BLOCK):
        m = min(BLOCK, activations - first)
        fill_uniform(s, u, POST_DRAWS * m)
        for k in range(m):
            pp[k] = int(u[k * POST_DRAWS] * n_posters)
            prefetch(posters, (pp[k],))
        for k in range(m):
            p = posters[pp[k]]
            pp[k] = p
            prefetch(f_indptr, (p,))
            prefetch(symbols, (p, 0))
        for k in range(m):
            prefetch(f_indices, (f_indptr[pp[k]],))
        for k in range(m):
            p = pp[k]
            r = k * POST_DRAWS
            hp = country_of(p, starts)
            if u[r + 1] >= post_prob[hp]:
                continue
            hostile = n_countries > 1 and u[r + 2] < hostility
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
                v = min(1.0, max(-1.0, appeal[hp] + noise * normal_from(u[r + 3], u[r + 4])))
            feature = int(u[r + 5] * n_features)
            symbol = symbols[p, feature]
            adopt = not hostile and adoption > 0.0
            lo, hi = f_indptr[p], f_indptr[p + 1]
            for c0 in range(lo, hi, BLOCK):
                c1 = min(hi, c0 + BLOCK)
                fill_uniform(s, fu, FOLLOWER_DRAWS * (c1 - c0))
                for kk in range(c0, c1):
                    q = f_indices[kk]
                    dq = country_of(q, starts)
                    fc[kk - c0] = dq
                    if dq == t:  # posts speak to foreigners about the poster's (or a hated) country
                        continue
                    prefetch(can_see, (q,))
                    prefetch_images(img, q, t)
                    prefetch(openness, (q,))
                    if adopt:
                        prefetch(symbols, (q, 0))
                for kk in range(c0, c1):
                    q = f_indices[kk]
                    r2 = FOLLOWER_DRAWS * (kk - c0)
                    dq = fc[kk - c0]
                    if dq == t or fu[r2] >= see_prob or not can_see[q]:
                        continue
                    deliver_to(img, shift, counts, sums, state_weight, dq, openness[q], q, PEOPLE,
                               t, v, mu, accept, reject, boomerang, spillover, SOCIAL_MEDIA)
                    if adopt and symbols[q, feature] != symbol:
                        same = similarity_count(symbols, p, q)
                        if fu[r2 + 1] < adoption * same / n_features:
                            set_symbol(symbols, held, dq, q, feature, symbol)


@njit(cache=True)
def state_media_step(s, starts, sizes, reach, relations, trust, img, openness, shift, counts,
                     sums, state_weight, mu, accept, reject, boomerang, spillover):
    """State media: each state frames other states for its own citizens (valence = stance)."""
    n_countries = starts.shape[0]
    if n_countries < 2:
        return
    u = np.empty(2 * BLOCK)
    ii = np.empty(BLOCK, np.int64)
    dd = np.empty(BLOCK, np.int64)
    for c in range(n_countries):
        if sizes[c] == 0:
            continue
        total = stochastic_round(s, sizes[c] * reach[c])
        for first in range(0, total, BLOCK):
            m = min(BLOCK, total - first)
            fill_uniform(s, u, 2 * m)
            for k in range(m):
                i = starts[c] + int(u[2 * k] * sizes[c])
                d = other_country(u[2 * k + 1], c, n_countries)
                ii[k], dd[k] = i, d
                prefetch_images(img, i, d)
                prefetch(openness, (i,))
                prefetch(trust, (i,))
            for k in range(m):
                i, d = ii[k], dd[k]
                deliver_to(img, shift, counts, sums, state_weight, c, openness[i], i, STATE, d,
                           relations[c, d], mu * trust[i], accept, reject, boomerang, spillover,
                           STATE_MEDIA)


@njit(cache=True)
def campaign_step(s, start, size, target, reach, country, which, valence, img, openness, shift,
                  counts, sums, state_weight, mu, accept, reject, boomerang, spillover):
    """A public-diplomacy campaign messages random citizens of one target country."""
    if size == 0:
        return
    u = np.empty(BLOCK)
    ii = np.empty(BLOCK, np.int64)
    total = stochastic_round(s, size * reach)
    for first in range(0, total, BLOCK):
        m = min(BLOCK, total - first)
        fill_uniform(s, u, m)
        for k in range(m):
            ii[k] = start + int(u[k] * size)
            prefetch_images(img, ii[k], country)
            prefetch(openness, (ii[k],))
        for k in range(m):
            i = ii[k]
            deliver_to(img, shift, counts, sums, state_weight, target, openness[i], i, which,
                       country, valence, mu, accept, reject, boomerang, spillover, CAMPAIGN)


@njit(cache=True)
def broadcast(s, start, size, reach, which, country, valence, home, img, openness, shift,
              counts, mu, boomerang, spillover, channel):
    """News of an event reaches each citizen of a block with probability ``reach``.

    Keeps no running image sums: the caller invalidates them (Recorder.invalidate).
    """
    no_sums = np.zeros((0, 0, 7))
    for i in range(start, start + size):
        if uniform(s) < reach:
            deliver_to(img, shift, counts, no_sums, 0.5, home[i], openness[i], i, which, country,
                       valence, mu, np.inf, np.inf, boomerang, spillover, channel)


# --- measures ------------------------------------------------------------------------


@njit(cache=True)
def image_moments(img, starts, sizes, state_weight):
    """Per observer d and target c: sums of favourability, its square, and favourable counts.

    Returns ``sums[d, c, k]`` with k = 0 fav, 1 fav^2, 2 people, 3 state, 4 fav > 0,
    5 people > 0, 6 state > 0. One streaming pass over the images; the loop over
    targets is innermost and branch-free.
    """
    n_countries = starts.shape[0]
    n_targets = img.shape[2]
    out = np.zeros((n_countries, n_targets, 7))
    acc = np.zeros((7, n_targets))
    w = state_weight
    for d in range(n_countries):
        acc[:] = 0.0
        for i in range(starts[d], starts[d] + sizes[d]):
            people = img[i, PEOPLE]
            state = img[i, STATE]
            for c in range(n_targets):
                p = people[c]
                st = state[c]
                f = w * st + (1.0 - w) * p
                acc[0, c] += f
                acc[1, c] += f * f
                acc[2, c] += p
                acc[3, c] += st
                acc[4, c] += 1.0 if f > 0.0 else 0.0
                acc[5, c] += 1.0 if p > 0.0 else 0.0
                acc[6, c] += 1.0 if st > 0.0 else 0.0
        for c in range(n_targets):
            for k in range(7):
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
