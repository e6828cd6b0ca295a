"""Social and online follower networks as vectorised CSR graphs over country-sorted citizens."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numba import njit

from nanosim.errors import ScenarioError
from nanosim.scenario.files import CSV_LIMIT, check_file, listed, shown

__all__ = [
    "Graph",
    "barabasi_albert",
    "check_files",
    "complete",
    "edge_list_files",
    "erdos_renyi",
    "exchange_ties",
    "followers",
    "from_edges",
    "homophilous",
    "lattice",
    "lattice_shape",
    "read_edge_list",
    "with_extra_ties",
]


@dataclass(frozen=True, eq=False)
class Graph:
    """Adjacency in CSR form: neighbours of i are indices[indptr[i]:indptr[i+1]].

    ``well_mixed`` marks the complete graph (every other citizen is a neighbour); its arrays
    are left empty (``indptr`` all zeros) to save memory. ``directed`` graphs store out-lists
    (for the follower graph: the followers of each account).
    """

    indptr: np.ndarray
    indices: np.ndarray
    well_mixed: bool = False
    directed: bool = False

    @property
    def n(self) -> int:
        """Number of citizens."""
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        """Number of edges (undirected: each pair once; directed: each arc)."""
        if self.well_mixed:
            n = self.n
            return n * (n - 1) if self.directed else n * (n - 1) // 2
        nnz = len(self.indices)
        return nnz if self.directed else nnz // 2

    def degree(self) -> np.ndarray:
        """Number of neighbours (out-neighbours if directed) of every citizen."""
        if self.well_mixed:
            return np.full(self.n, max(self.n - 1, 0), dtype=np.int64)
        return np.diff(self.indptr)

    @cached_property
    def rows(self) -> np.ndarray:
        """Each citizen's degree and neighbours in one cache line, for picking a neighbour.

        An int32 array of shape (n, ``ROW_WIDTH``): ``rows[i, 0]`` is i's degree and, if it
        is below ``ROW_WIDTH``, ``rows[i, 1:1 + degree]`` its neighbours in CSR order (else
        the kernels read the CSR arrays). One memory read instead of two, which pays only
        where the graph outgrows the cache (docs/performance.md): empty while the
        CSR arrays take less than ``ROWS_FROM_BYTES``, for the complete graph, and where
        more than a tenth of the citizens have too many neighbours to fit.
        """
        if (self.well_mixed or self.indptr.nbytes + self.indices.nbytes < ROWS_FROM_BYTES
                or np.mean(self.degree() >= ROW_WIDTH) > 0.1):
            return np.empty((0, ROW_WIDTH), np.int32)
        return padded_rows(self.indptr, self.indices)


ROW_WIDTH = 16  # int32 slots of Graph.rows: 64 bytes, one cache line
ROWS_FROM_BYTES = 32 << 20  # CSR size from which Graph.rows pays: about a last-level cache


def padded_rows(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """:attr:`Graph.rows` of a CSR graph, whatever its size, aligned to cache lines."""
    n = len(indptr) - 1
    lines = np.zeros(n * ROW_WIDTH + ROW_WIDTH, np.int32)
    skip = (-lines.ctypes.data % 64) // lines.itemsize
    rows = lines[skip:skip + n * ROW_WIDTH].reshape(n, ROW_WIDTH)
    _fill_rows(indptr, indices, rows)
    return rows


@njit(cache=True)
def _fill_rows(indptr, indices, rows):  # pragma: no cover - compiled
    for i in range(rows.shape[0]):
        start, deg = indptr[i], indptr[i + 1] - indptr[i]
        rows[i, 0] = deg
        if deg < rows.shape[1]:
            rows[i, 1:1 + deg] = indices[start:start + deg]


# ---------------------------------------------------------------------------------------------
# helpers


def _keys_to_graph(n: int, keys: np.ndarray, directed: bool) -> Graph:
    """CSR graph from sorted, unique int64 keys ``src * n + dst``."""
    indptr = np.searchsorted(keys, np.arange(n + 1, dtype=np.int64) * n).astype(np.int64)
    indices = np.empty(len(keys), dtype=np.int32)
    if n:
        np.remainder(keys, n, out=indices, casting="unsafe")
    return Graph(indptr=indptr, indices=indices, directed=directed)


@njit(cache=True)
def _compact_sorted(keys):  # pragma: no cover - compiled
    """Move the distinct values of sorted ``keys`` to its front; return how many there are."""
    m = 0
    for i in range(len(keys)):
        if i == 0 or keys[i] != keys[m - 1]:
            keys[m] = keys[i]
            m += 1
    return m


def _unique_sorted(keys: np.ndarray) -> np.ndarray:
    """Sort ``keys`` in place and drop repeats (no copy)."""
    keys.sort()
    return keys[: _compact_sorted(keys)]


def _edge_keys(n: int, src, dst, directed: bool) -> np.ndarray:
    """Unsorted int64 keys of the non-loop edges (both directions if undirected)."""
    src = np.asarray(src, dtype=np.int64).ravel()
    dst = np.asarray(dst, dtype=np.int64).ravel()
    if src.shape != dst.shape:
        raise ValueError(f"src and dst differ in length ({len(src)} != {len(dst)})")
    if len(src) and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise ValueError(f"edge endpoints must lie in 0..{n - 1}")
    loop = src == dst
    if loop.any():
        src, dst = src[~loop], dst[~loop]
    if directed:
        return src * n + dst
    keys = np.empty(2 * len(src), dtype=np.int64)
    np.multiply(src, n, out=keys[: len(src)])
    keys[: len(src)] += dst
    np.multiply(dst, n, out=keys[len(src) :])
    keys[len(src) :] += src
    return keys


def _blocks(country: np.ndarray, n_countries: int) -> tuple[np.ndarray, np.ndarray]:
    """Start index and size of every country's contiguous block of citizens."""
    if len(country) and np.any(country[1:] < country[:-1]):
        raise ValueError("citizens must be sorted by country (country array non-decreasing)")
    if len(country) and (country[0] < 0 or country[-1] >= n_countries):
        raise ValueError(f"country codes must lie in 0..{n_countries - 1}")
    size = np.bincount(country, minlength=n_countries).astype(np.int64)
    start = np.zeros(n_countries, dtype=np.int64)
    np.cumsum(size[:-1], out=start[1:])
    return start, size


def _affinity(affinity, n_countries_min: int) -> np.ndarray:
    """Validated affinity matrix as float64 with a zero diagonal."""
    a = np.array(affinity, dtype=np.float64, ndmin=2)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < n_countries_min:
        raise ValueError(f"affinity must be a square CxC array with C >= {n_countries_min}")
    if np.any(a < 0) or not np.all(np.isfinite(a)):
        raise ValueError("affinity must be finite and non-negative")
    np.fill_diagonal(a, 0.0)
    return a


def _foreign_countries(
    src_country: np.ndarray, weights: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Destination country for each tie from sorted ``src_country`` with probability ∝ weights[c].

    Ties from a country with no foreign weight get -1.
    """
    n_c = weights.shape[0]
    out = np.full(len(src_country), -1, dtype=np.int64)
    bounds = np.searchsorted(src_country, np.arange(n_c + 1))
    for c in range(n_c):
        lo, hi = bounds[c], bounds[c + 1]
        total = weights[c].sum()
        if hi > lo and total > 0:
            out[lo:hi] = rng.choice(n_c, size=hi - lo, p=weights[c] / total)
    return out


# ---------------------------------------------------------------------------------------------
# builders


def from_edges(n: int, src, dst, directed: bool = False) -> Graph:
    """Graph on ``n`` citizens from edge arrays; drops self-loops and duplicates."""
    keys = _unique_sorted(_edge_keys(n, src, dst, directed))
    return _keys_to_graph(n, keys, directed)


def homophilous(
    country: np.ndarray,
    degree: int,
    rewire: float,
    cross_border: float,
    affinity: np.ndarray,
    rng: np.random.Generator,
) -> Graph:
    """Watts–Strogatz small world inside each country plus affinity-weighted cross-border ties."""
    country = np.asarray(country, dtype=np.int64)
    n = len(country)
    if degree < 0 or not 0.0 <= rewire <= 1.0 or cross_border < 0:
        raise ValueError("need degree >= 0, 0 <= rewire <= 1 and cross_border >= 0")
    aff = _affinity(affinity, int(country.max()) + 1 if n else 1)
    start, size = _blocks(country, aff.shape[0])
    parts: list[np.ndarray] = []

    # Small countries are complete inside.
    for c in np.flatnonzero((size > 1) & (size <= degree)):
        iu, ju = np.triu_indices(int(size[c]), 1)
        parts.append(_edge_keys(n, iu + start[c], ju + start[c], directed=False))

    # Ring lattice (Harary graph for odd degree) with rewiring inside larger countries.
    big = size[country] > degree
    who = np.flatnonzero(big)
    if len(who) and degree > 0:
        c_who = country[who]
        s_who = size[c_who]
        b_who = start[c_who]
        local = who - b_who
        for k in range(1, degree // 2 + 1):
            dst = b_who + (local + k) % s_who
            flip = rng.random(len(who)) < rewire
            if flip.any():
                dst[flip] = b_who[flip] + (rng.random(int(flip.sum())) * s_who[flip]).astype(
                    np.int64
                )
            parts.append(_edge_keys(n, who, dst, directed=False))
        if degree % 2:
            # one extra "diameter" tie per citizen: j -- j + s//2 for j < s//2
            half = s_who // 2
            sel = local < half
            src = who[sel]
            dst = b_who[sel] + local[sel] + half[sel]
            flip = rng.random(len(src)) < rewire
            if flip.any():
                dst[flip] = b_who[sel][flip] + (
                    rng.random(int(flip.sum())) * s_who[sel][flip]
                ).astype(np.int64)
            parts.append(_edge_keys(n, src, dst, directed=False))

    # Cross-border ties: each citizen starts Poisson(cross_border / 2) of them.
    if cross_border > 0 and n:
        weights = aff * size[None, :].astype(np.float64)
        starts = rng.poisson(cross_border / 2.0, size=n)
        src = np.repeat(np.arange(n, dtype=np.int64), starts)
        d = _foreign_countries(country[src], weights, rng)
        ok = d >= 0
        src, d = src[ok], d[ok]
        dst = start[d] + (rng.random(len(d)) * size[d]).astype(np.int64)
        parts.append(_edge_keys(n, src, dst, directed=False))

    keys = np.concatenate(parts) if parts else np.empty(0, np.int64)
    del parts
    return _keys_to_graph(n, _unique_sorted(keys), directed=False)


# Lattice neighbourhoods: half of each offset set (row step, column step); the other half is
# the same edges the other way round. von_neumann: the 4 sites at Manhattan distance 1;
# moore: the 8 around; manhattan2: the 12 within Manhattan distance 2 (Axelrod 1997's
# largest range of interaction).
LATTICE_STEPS = {
    "von_neumann": ((0, 1), (1, 0)),
    "moore": ((0, 1), (1, 0), (1, 1), (1, -1)),
    "manhattan2": ((0, 1), (1, 0), (1, 1), (1, -1), (0, 2), (2, 0)),
}


def lattice_shape(n: int, width: int | None = None) -> tuple[int, int]:
    """Width and height of an ``n``-site grid: ``width`` (default the square root of n) by
    n // width."""
    width = width or int(np.sqrt(n))
    return width, n // width


def lattice(n: int, width: int, height: int, neighbourhood: str, torus: bool) -> Graph:
    """2-D grid; citizen id = row * width + col; neighbours as ``LATTICE_STEPS`` says."""
    if width < 1 or height < 1 or n != width * height:
        raise ValueError(f"lattice needs n == width * height (got {n} != {width} * {height})")
    if neighbourhood not in LATTICE_STEPS:
        raise ValueError(f"unknown neighbourhood {neighbourhood!r} "
                         f"({', '.join(LATTICE_STEPS)})")
    ids = np.arange(n, dtype=np.int64)
    row, col = ids // width, ids % width
    parts = []
    for dr, dc in LATTICE_STEPS[neighbourhood]:
        r2, c2 = row + dr, col + dc
        if torus:
            src = ids
            dst = (r2 % height) * width + (c2 % width)
        else:
            ok = (r2 < height) & (c2 >= 0) & (c2 < width)
            src, dst = ids[ok], r2[ok] * width + c2[ok]
        parts.append(_edge_keys(n, src, dst, directed=False))
    return _keys_to_graph(n, _unique_sorted(np.concatenate(parts)), directed=False)


def complete(n: int) -> Graph:
    """Well-mixed population: every other citizen is a neighbour (no arrays stored)."""
    return Graph(
        indptr=np.zeros(n + 1, dtype=np.int64),
        indices=np.empty(0, dtype=np.int32),
        well_mixed=True,
    )


def erdos_renyi(n: int, degree: float, rng: np.random.Generator) -> Graph:
    """G(n, M): M = round(n * degree / 2) distinct random pairs (at most every pair), so the
    mean degree is ``degree`` however dense the graph."""
    pairs = n * (n - 1) // 2
    m = min(round(n * degree / 2), pairs)
    if 2 * m > pairs:  # dense: choose the pairs themselves
        src, dst = np.triu_indices(n, 1)
        chosen = rng.choice(pairs, size=m, replace=False)
        return from_edges(n, src[chosen], dst[chosen])
    keys = np.empty(0, np.int64)  # sparse: draw the pairs missing, drop loops and repeats
    while len(keys) < m:
        a, b = rng.integers(0, n, size=(2, m - len(keys)))
        new = (np.minimum(a, b) * n + np.maximum(a, b))[a != b]
        keys = _unique_sorted(np.concatenate([keys, new]))
    return from_edges(n, keys // n, keys % n)


@njit(cache=True)
def _ba_edges(n, m, rng):  # pragma: no cover - compiled
    """Barabási–Albert edge arrays: node m joins 0..m-1, then each node picks m distinct targets."""
    n_edges = (n - m) * m
    src = np.empty(n_edges, np.int64)
    dst = np.empty(n_edges, np.int64)
    rep = np.empty(2 * n_edges, np.int64)  # every edge endpoint: sampling ∝ degree
    chosen = np.empty(m, np.int64)
    e = 0
    for t in range(m):
        src[e] = m
        dst[e] = t
        rep[2 * e] = m
        rep[2 * e + 1] = t
        e += 1
    for v in range(m + 1, n):
        n_rep = 2 * e
        k = 0
        while k < m:
            cand = rep[min(int(rng.random() * n_rep), n_rep - 1)]
            dup = False
            for j in range(k):
                if chosen[j] == cand:
                    dup = True
                    break
            if not dup:
                chosen[k] = cand
                k += 1
        for j in range(m):
            src[e] = v
            dst[e] = chosen[j]
            rep[2 * e] = v
            rep[2 * e + 1] = chosen[j]
            e += 1
    return src, dst


def barabasi_albert(n: int, degree: int, rng: np.random.Generator) -> Graph:
    """Preferential attachment with m = max(1, degree // 2) edges per new citizen."""
    m = max(1, int(degree) // 2)
    if n <= m + 1:
        iu, ju = np.triu_indices(n, 1)
        return from_edges(n, iu, ju)
    src, dst = _ba_edges(n, m, rng)
    return from_edges(n, src, dst)


def followers(
    country: np.ndarray,
    online: np.ndarray,
    follows: float,
    cross_border_share: float,
    affinity: np.ndarray,
    rng: np.random.Generator,
) -> Graph:
    """Directed follower graph among online citizens; out-list of i = followers of i."""
    country = np.asarray(country, dtype=np.int64)
    online = np.asarray(online, dtype=bool)
    n = len(country)
    if online.shape != country.shape:
        raise ValueError("online must have one entry per citizen")
    if follows < 0 or not 0.0 <= cross_border_share <= 1.0:
        raise ValueError("need follows >= 0 and 0 <= cross_border_share <= 1")
    aff = _affinity(affinity, int(country.max()) + 1 if n else 1)
    n_c = aff.shape[0]
    _blocks(country, n_c)
    popularity = rng.pareto(2.0, size=n) + 1.0  # Pareto(shape 2, x_min 1) per citizen

    on = np.flatnonzero(online)
    if len(on) < 2 or follows == 0:
        return from_edges(n, [], [], directed=True)
    on_country = country[on]
    on_size = np.bincount(on_country, minlength=n_c).astype(np.int64)
    on_start = np.zeros(n_c, dtype=np.int64)
    np.cumsum(on_size[:-1], out=on_start[1:])
    cum = np.cumsum(popularity[on])

    fol = np.repeat(on, rng.poisson(follows, size=len(on)))  # sorted => grouped by country
    fol_country = country[fol]
    target = fol_country.copy()
    foreign = np.flatnonzero(rng.random(len(fol)) < cross_border_share)
    if len(foreign) and n_c > 1:
        d = _foreign_countries(fol_country[foreign], aff * on_size[None, :], rng)
        ok = d >= 0
        target[foreign[ok]] = d[ok]
    del fol_country

    # Guide table over the popularity CDF: O(1) expected search per draw.
    k = 2 * len(cum)
    guide = np.searchsorted(cum, np.arange(k) * (cum[-1] / k), side="right")
    pos = _draw_accounts(cum, guide, target, rng.random(len(fol)), on_start, on_size)
    del target
    account = on[pos]
    del pos
    return from_edges(n, account, fol, directed=True)


@njit(cache=True)
def _draw_accounts(cum, guide, target, u, on_start, on_size):  # pragma: no cover - compiled
    """Index into ``cum`` of an account of country ``target[i]`` drawn ∝ popularity via ``u[i]``."""
    k = len(guide)
    scale = k / cum[-1]
    out = np.empty(len(target), np.int64)
    for i in range(len(target)):
        d = target[i]
        lo = on_start[d]
        hi = lo + on_size[d] - 1
        base = cum[lo - 1] if lo > 0 else 0.0
        x = base + u[i] * (cum[hi] - base)
        b = min(max(int(x * scale) - 1, 0), k - 1)
        p = max(guide[b], lo)
        while p < hi and cum[p] <= x:
            p += 1
        out[i] = min(p, hi)
    return out


def with_extra_ties(graph: Graph, src, dst) -> Graph:
    """Graph plus the (undirected) ties src[k]--dst[k]; repeats of existing ties are ignored."""
    if graph.well_mixed:
        return graph
    n = graph.n
    new = _unique_sorted(_edge_keys(n, src, dst, directed=False))
    if not len(new):
        return graph
    rows = np.repeat(np.arange(n, dtype=np.int64), graph.degree())
    old = rows * n + graph.indices
    del rows
    if len(old) == 0:
        return _keys_to_graph(n, new, directed=graph.directed)
    pos = np.searchsorted(old, new)
    fresh = (pos == len(old)) | (old[np.minimum(pos, len(old) - 1)] != new)
    keys = np.insert(old, pos[fresh], new[fresh])
    return _keys_to_graph(n, keys, directed=graph.directed)


def tie_keys(n: int, src, dst) -> np.ndarray:
    """The undirected ties src[k]--dst[k] as sorted unique keys ``i * n + j``, both ways."""
    return _unique_sorted(_edge_keys(n, src, dst, directed=False))


def exchange_ties(
    country: np.ndarray, a: int, b: int, ties: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``ties`` random pairs (citizen of country a, citizen of country b)."""
    country = np.asarray(country)
    lo_a, hi_a = np.searchsorted(country, [a, a + 1])
    lo_b, hi_b = np.searchsorted(country, [b, b + 1])
    if ties <= 0 or hi_a == lo_a or hi_b == lo_b:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    src = rng.integers(lo_a, hi_a, size=ties, dtype=np.int64)
    dst = rng.integers(lo_b, hi_b, size=ties, dtype=np.int64)
    return src, dst


# ---------------------------------------------------------------------------------------------
# real network data


def _read_csv(path, key: str, columns: Sequence[str]):
    """Read a CSV as strings, raising ScenarioError for unreadable files or missing columns."""
    import pandas as pd

    source = os.fspath(path)
    if not os.path.lexists(source):
        raise ScenarioError(source, key, "file not found")
    check_file(source, CSV_LIMIT, key, "CSV file")
    try:
        table = pd.read_csv(source, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise ScenarioError(
            source, key, f"file is empty (need a header {','.join(columns)})"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        line = re.search(r"line (\d+)", str(exc))  # pandas quotes the line itself: not shown
        where = f" at line {line[1]}" if line else ""
        raise ScenarioError(source, key, f"cannot parse CSV{where} ({type(exc).__name__}; "
                            f"need a header {','.join(columns)} and one row per line)") from None
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ScenarioError(source, key, f"missing column(s) {', '.join(missing)} in the "
                            f"header (need {','.join(columns)})")
    return table


def _as_ids(values: np.ndarray):
    """Integer ids when every value is an integer literal, else stripped strings."""
    stripped = np.char.strip(values.astype(str))
    try:
        return stripped.astype(np.int64), True
    except (ValueError, OverflowError):  # not integers, or beyond int64: compared as text
        return stripped.astype(object), False


def edge_list_files(scenario) -> tuple[str, str]:
    """The edge and node CSVs of a ``network.kind = "file"`` scenario (relative to its file)."""
    base = os.path.dirname(scenario.source)
    return (os.path.join(base, scenario.network.edges),
            os.path.join(base, scenario.network.nodes))


def check_files(scenario) -> int:
    """Read a file network's CSVs as a run would, raising ScenarioError if they are unusable.

    Returns the number of citizens: the node table's for a file network, else
    ``population.size``.
    """
    if scenario.network.kind == "file":
        from nanosim.scenario import check_sizes

        _, country, _ = read_edge_list(*edge_list_files(scenario), scenario.country_names)
        check_sizes(scenario, np.bincount(country, minlength=len(scenario.country)))
        return len(country)
    return scenario.population.size


def read_edge_list(
    edges_path, nodes_path, country_names: list[str]
) -> tuple[np.ndarray, np.ndarray, Graph]:
    """Load a real network; returns (order, country, graph) with citizens sorted by country."""
    import pandas as pd

    nodes_src, edges_src = os.fspath(nodes_path), os.fspath(edges_path)
    nodes = _read_csv(nodes_path, "network.nodes", ("id", "country"))
    if len(nodes) == 0:
        raise ScenarioError(nodes_src, "network.nodes", "node table is empty (no citizens)")
    raw_ids = nodes["id"].to_numpy(dtype=str)
    blank = np.flatnonzero(np.char.strip(raw_ids) == "")
    if len(blank):
        raise ScenarioError(nodes_src, "network.nodes", f"line {blank[0] + 2}: empty id")

    names = [str(c) for c in country_names]
    lookup = {name: i for i, name in enumerate(names)}
    raw_country = np.char.strip(nodes["country"].to_numpy(dtype=str))
    codes = pd.Series(raw_country).map(lookup)
    bad = np.flatnonzero(codes.isna().to_numpy())
    if len(bad):
        raise ScenarioError(
            nodes_src,
            "network.nodes",
            f"line {bad[0] + 2}: unknown country {shown(raw_country[bad[0]])} "
            f"(allowed: {listed(names)})",
        )
    codes = codes.to_numpy(dtype=np.int64)
    empty = np.flatnonzero(np.bincount(codes, minlength=len(names)) == 0)
    if len(empty):
        raise ScenarioError(nodes_src, "network.nodes", f"no citizen of {shown(names[empty[0]])}: "
                            "every [[country]] needs at least one node")

    edges = _read_csv(edges_path, "network.edges", ("source", "target"))
    if len(edges) == 0:
        raise ScenarioError(edges_src, "network.edges", "no edges (only a header): the social "
                            "graph would be empty")
    short = np.flatnonzero(np.char.strip(edges["target"].to_numpy(dtype=str)) == "")
    if len(short):
        raise ScenarioError(edges_src, "network.edges", f"line {short[0] + 2}: no target (each "
                            "line is source,target)")
    node_ids, node_int = _as_ids(raw_ids)
    edge_cols = {}
    edge_int = True
    for col in ("source", "target"):
        edge_cols[col], is_int = _as_ids(edges[col].to_numpy(dtype=str))
        edge_int &= is_int
    if node_int and not edge_int:  # compare as strings after all
        node_ids = node_ids.astype(str).astype(object)
    if not node_int or not edge_int:
        edge_cols = {k: v.astype(str).astype(object) for k, v in edge_cols.items()}

    index = pd.Index(node_ids)
    dup = index.duplicated()
    if dup.any():
        first = int(np.flatnonzero(dup)[0])
        raise ScenarioError(
            nodes_src,
            "network.nodes",
            f"line {first + 2}: duplicate node id {shown(str(raw_ids[first]).strip())}",
        )

    old_of = {}
    for col in ("source", "target"):
        pos = index.get_indexer(edge_cols[col])
        missing = np.flatnonzero(pos < 0)
        if len(missing):
            row = int(missing[0])
            raise ScenarioError(
                edges_src,
                "network.edges",
                f"line {row + 2}: {col} id {shown(edge_cols[col][row])} is not in the node table",
            )
        old_of[col] = pos

    perm = np.argsort(codes, kind="stable")
    new_of_old = np.empty(len(perm), dtype=np.int64)
    new_of_old[perm] = np.arange(len(perm))
    graph = from_edges(len(perm), new_of_old[old_of["source"]], new_of_old[old_of["target"]])
    return node_ids[perm], codes[perm], graph
