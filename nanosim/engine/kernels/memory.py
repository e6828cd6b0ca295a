"""Who meets whom, with the memory they will touch prefetched.

At a million citizens every interaction touches memory far from the last one, so the
channel kernels work in blocks of :data:`BLOCK` activations (docs/performance.md). Each
activation draws a fixed number of uniforms, so the random stream does not depend on
the block size. A block first draws its random numbers, then resolves who meets whom
from the (static) graph, prefetching the rows it will touch, and only then applies the
interactions, one at a time and in order: random sequential updating, exactly, with the
memory latency overlapped.
"""

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from nanosim.engine.kernels import PEOPLE, STATE, helper

BLOCK = 64  # activations per block (their rows are prefetched together)


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


@helper
def prefetch_images(img, i, c):
    """Prefetch both of citizen i's images of country c (a change spills to the other)."""
    prefetch(img, (i, PEOPLE, c))
    prefetch(img, (i, STATE, c))


@helper
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


@helper
def other_country(u, home_c, n_countries):
    """A country other than home_c chosen by the uniform ``u`` (home_c if it is the only one)."""
    if n_countries < 2:
        return home_c
    c = int(u * (n_countries - 1))
    return c + 1 if c >= home_c else c


@helper
def pick_pairs(u, stride, m, n, indptr, indices, well_mixed, ii, jj):
    """Activation k of a block: citizen ``ii[k]`` and a random neighbour ``jj[k]`` (-1: none).

    Uses uniforms ``u[k * stride]`` (who) and ``u[k * stride + 1]`` (which neighbour), and
    prefetches the graph rows before reading them.
    """
    pick_talkers(u, stride, m, n, indptr, well_mixed, ii)
    pick_neighbours(u, stride, m, n, indptr, indices, well_mixed, ii, jj)


@helper
def pick_talkers(u, stride, m, n, indptr, well_mixed, ii):
    """The first half of :func:`pick_pairs`: who, and prefetch their graph rows."""
    for k in range(m):
        i = int(u[k * stride] * n)
        ii[k] = i
        if not well_mixed:
            prefetch(indptr, (i,))


@helper
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


@helper
def pick_talkers_on_rows(u, stride, m, n, rows, ii):
    """:func:`pick_talkers` on a graph's one-line rows (``network.Graph.rows``)."""
    for k in range(m):
        i = int(u[k * stride] * n)
        ii[k] = i
        prefetch(rows, (i, 0))


@helper
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
