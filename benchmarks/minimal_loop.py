"""Yardsticks: the smallest exact random-sequential Deffuant loops, compiled with numba.

No attribution, openness, clipping, countries or metrics: pick, compare, move.
They show what this machine allows, so the engine's rates can be read against them.

- ``plain_loop``: the loop as one would first write it.
- ``lean_loop``: the same interactions, tuned: the random state kept in registers,
  no branch on the opinions, and (in blocks of 32) the graph rows and opinions
  prefetched before they are read; it reads the neighbours from the graph's
  one-line rows (``Graph.rows``) where the graph has them, as the engine does.
- ``random_reads``: what memory itself allows: random 8-byte reads from a large
  array, each depending on the last (latency) or all independent (throughput).

    .venv/bin/python -m benchmarks.minimal_loop
"""

import time

import numpy as np
from numba import njit

from nanosim.engine.kernels.memory import prefetch
from nanosim.engine.kernels.rng import randint, unit_float, xoshiro_step

LEAN_BLOCK = 32


@njit(cache=True)
def plain_loop(s, interactions, indptr, indices, x, epsilon, mu):
    n = x.shape[0]
    for _ in range(interactions):
        i = randint(s, n)
        start = indptr[i]
        j = indices[start + randint(s, indptr[i + 1] - start)]
        d = x[j] - x[i]
        if abs(d) < epsilon:
            x[i] += mu * d
            x[j] -= mu * d


@njit(inline="always")
def _draw(s0, s1, s2, s3):
    """One uniform from a xoshiro256** state held in registers, and the new state."""
    bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
    return unit_float(bits), s0, s1, s2, s3


@njit(cache=True)
def lean_loop(s, interactions, indptr, indices, rows, x, epsilon, mu):
    if rows.shape[0] > 0:  # two copies, compiled apart, as the engine's kernels
        _lean(s, interactions, indptr, indices, rows, True, x, epsilon, mu)
    else:
        _lean(s, interactions, indptr, indices, rows, False, x, epsilon, mu)


@njit(inline="always")
def _lean(s, interactions, indptr, indices, rows, padded, x, epsilon, mu):
    n = x.shape[0]
    ii = np.empty(LEAN_BLOCK, np.int64)
    jj = np.empty(LEAN_BLOCK, np.int64)
    uu = np.empty(LEAN_BLOCK)
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    for first in range(0, interactions, LEAN_BLOCK):
        m = min(LEAN_BLOCK, interactions - first)
        for k in range(m):
            u, s0, s1, s2, s3 = _draw(s0, s1, s2, s3)
            ii[k] = int(u * n)
            if padded:
                prefetch(rows, (ii[k], 0))
                prefetch(x, (ii[k],))
            else:
                prefetch(indptr, (ii[k],))
            uu[k], s0, s1, s2, s3 = _draw(s0, s1, s2, s3)
        for k in range(m):
            i = ii[k]
            if padded and rows[i, 0] < rows.shape[1]:
                jj[k] = -1 - rows[i, 1 + int(uu[k] * rows[i, 0])]  # the neighbour itself
                prefetch(x, (-1 - jj[k],))
            else:
                start = indptr[i]
                jj[k] = start + int(uu[k] * (indptr[i + 1] - start))
                prefetch(indices, (jj[k],))
                prefetch(x, (i,))
        for k in range(m):
            jj[k] = -1 - jj[k] if padded and jj[k] < 0 else indices[jj[k]]
            prefetch(x, (jj[k],))
        for k in range(m):
            i, j = ii[k], jj[k]
            xi, xj = x[i], x[j]
            d = xj - xi
            step = mu * d if abs(d) < epsilon else 0.0
            x[i] = xi + step
            x[j] = xj - step
    s[0], s[1], s[2], s[3] = s0, s1, s2, s3


@njit(cache=True)
def _chained_reads(x, idx):
    total, j = 0.0, 0
    for k in range(idx.shape[0]):
        v = x[(idx[k] + j) % x.shape[0]]
        total += v
        j = int(v) & 1  # the next address waits for this value
    return total


@njit(cache=True)
def _independent_reads(x, idx):
    total = 0.0
    for k in range(idx.shape[0]):
        total += x[idx[k]]
    return total


def random_reads(megabytes: int = 80, reads: int = 5_000_000) -> dict[str, float]:
    """Random reads per second from an array of ``megabytes``: chained and independent."""
    x = np.random.default_rng(0).random(megabytes * 131_072)
    idx = np.random.default_rng(1).integers(0, x.size, reads)
    out = {}
    for name, read in (("chained", _chained_reads), ("independent", _independent_reads)):
        read(x, idx[:1000])
        start = time.perf_counter()
        read(x, idx)
        out[name] = reads / (time.perf_counter() - start)
    return out


def rates(graph, interactions: int = 10_000_000, seed: int = 0) -> dict[str, float]:
    """Interactions per CPU second of both loops on ``graph`` (opinions uniform on [-1, 1])."""
    out = {}
    for name in ("plain", "lean"):
        state = np.array([seed + 1, 2, 3, 4], dtype=np.uint64)
        x = np.random.default_rng(seed).uniform(-1, 1, graph.n)
        for count in (100, interactions):  # the first compiles or loads
            cpu = time.process_time()
            if name == "plain":
                plain_loop(state, count, graph.indptr, graph.indices, x, 0.4, 0.5)
            else:
                lean_loop(state, count, graph.indptr, graph.indices, graph.rows, x, 0.4, 0.5)
        out[name] = interactions / (time.process_time() - cpu)
    return out


if __name__ == "__main__":
    from benchmarks.workloads import special_case_scenario
    from nanosim.engine.model import DiplomacyModel

    for n in (10_000, 100_000, 1_000_000):
        graph = DiplomacyModel(special_case_scenario(n, 2), citizen_agents=False).graph
        r = rates(graph)
        print(f"N = {n:>9,}: plain loop {r['plain'] / 1e6:5.1f}, "
              f"lean loop {r['lean'] / 1e6:5.1f} M interactions/s (CPU)")
    for mb in (8, 80, 400):
        r = random_reads(mb)
        print(f"random reads from {mb:>3} MB: chained {r['chained'] / 1e6:5.1f} M/s "
              f"({1e9 / r['chained']:.0f} ns each), independent "
              f"{r['independent'] / 1e6:5.1f} M/s")
