"""Tests for nanosim.engine.network graph builders."""

import numpy as np
import pytest

from nanosim.engine import network as nw
from nanosim.errors import ScenarioError


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def blocks(sizes) -> np.ndarray:
    """Country array for contiguous blocks of the given sizes."""
    return np.repeat(np.arange(len(sizes)), sizes)


def edge_set(g: nw.Graph) -> set[tuple[int, int]]:
    src = np.repeat(np.arange(g.n), g.degree())
    return set(zip(src.tolist(), g.indices.tolist(), strict=True))


def pairs(g: nw.Graph) -> tuple[np.ndarray, np.ndarray]:
    return np.repeat(np.arange(g.n), g.degree()), g.indices.astype(np.int64)


UNDIRECTED = {
    "homophilous": lambda: nw.homophilous(
        blocks([300, 200, 7]), 6, 0.3, 2.0, np.ones((3, 3)), rng()
    ),
    "erdos_renyi": lambda: nw.erdos_renyi(500, 6.0, rng()),
    "barabasi_albert": lambda: nw.barabasi_albert(500, 6, rng()),
    "lattice": lambda: nw.lattice(12, 4, 3, "moore", True),
}


@pytest.mark.parametrize("kind", UNDIRECTED)
def test_undirected_graphs_are_symmetric(kind):
    g = UNDIRECTED[kind]()
    es = edge_set(g)
    assert es == {(j, i) for i, j in es}
    assert g.n_edges == len(es) // 2


@pytest.mark.parametrize("kind", UNDIRECTED)
def test_no_self_loops_duplicates_and_sorted_neighbours(kind):
    g = UNDIRECTED[kind]()
    src, dst = pairs(g)
    assert not np.any(src == dst)
    for i in range(g.n):
        nb = g.indices[g.indptr[i] : g.indptr[i + 1]]
        assert np.all(np.diff(nb) > 0)
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int32


def test_from_edges_drops_loops_and_duplicates():
    g = nw.from_edges(4, [0, 1, 1, 2, 3], [1, 0, 1, 3, 2])
    assert edge_set(g) == {(0, 1), (1, 0), (2, 3), (3, 2)}
    assert g.n_edges == 2


def test_from_edges_directed_keeps_direction():
    g = nw.from_edges(3, [0, 0, 2], [1, 1, 0], directed=True)
    assert edge_set(g) == {(0, 1), (2, 0)}
    assert g.n_edges == 2


def test_from_edges_rejects_out_of_range():
    with pytest.raises(ValueError):
        nw.from_edges(3, [0], [3])


def test_homophilous_rewire_zero_is_ring_lattice():
    country = blocks([20, 15])
    g = nw.homophilous(country, 4, 0.0, 0.0, np.ones((2, 2)), rng())
    expected = set()
    for start, size in [(0, 20), (20, 15)]:
        for j in range(size):
            for k in (1, 2):
                a, b = start + j, start + (j + k) % size
                expected |= {(a, b), (b, a)}
    assert edge_set(g) == expected


def test_homophilous_odd_degree_is_exact_on_even_blocks():
    g = nw.homophilous(blocks([30, 40]), 5, 0.0, 0.0, np.ones((2, 2)), rng())
    assert np.all(g.degree() == 5)


def test_homophilous_small_country_is_complete():
    country = blocks([100, 5])
    g = nw.homophilous(country, 8, 0.5, 0.0, np.ones((2, 2)), rng())
    assert np.all(g.degree()[100:] == 4)


@pytest.mark.parametrize("rewire", [0.0, 0.2, 1.0])
def test_homophilous_mean_degree_close_to_requested(rewire):
    country = blocks([4000, 3000, 3000])
    g = nw.homophilous(country, 10, rewire, 0.0, np.ones((3, 3)), rng())
    assert g.degree().mean() == pytest.approx(10, abs=0.1)


def test_homophilous_rewired_ties_stay_in_country():
    country = blocks([500, 500])
    src, dst = pairs(nw.homophilous(country, 6, 1.0, 0.0, np.ones((2, 2)), rng()))
    assert np.all(country[src] == country[dst])


def test_cross_border_tie_count():
    n, cb = 20_000, 1.5
    country = blocks([8000, 7000, 5000])
    src, dst = pairs(nw.homophilous(country, 4, 0.1, cb, np.ones((3, 3)), rng()))
    n_cross = np.count_nonzero(country[src] != country[dst]) // 2
    assert n_cross == pytest.approx(n * cb / 2, rel=0.05)


def test_cross_border_zero_affinity_gives_no_ties():
    country = blocks([3000, 3000, 3000])
    aff = np.ones((3, 3))
    aff[0, 1] = aff[1, 0] = 0.0
    src, dst = pairs(nw.homophilous(country, 4, 0.1, 2.0, aff, rng()))
    cs, cd = country[src], country[dst]
    assert not np.any((cs == 0) & (cd == 1))
    assert np.any((cs == 0) & (cd == 2)) and np.any((cs == 1) & (cd == 2))


def test_cross_border_weighted_by_affinity_and_population():
    sizes, cb = np.array([2000, 3000, 6000]), 4.0
    country = blocks(sizes)
    aff = np.array([[0, 1.0, 3.0], [1.0, 0, 0.5], [3.0, 0.5, 0]])
    src, dst = pairs(nw.homophilous(country, 2, 0.0, cb, aff, rng()))
    w = aff * sizes  # tie started in c goes to d with probability w[c, d] / w[c].sum()
    start_rate = cb / 2 * sizes[:, None] * w / w.sum(axis=1, keepdims=True)
    for c, d in [(0, 1), (0, 2), (1, 2)]:
        observed = np.count_nonzero((country[src] == c) & (country[dst] == d))
        assert observed == pytest.approx(start_rate[c, d] + start_rate[d, c], rel=0.08)


def test_one_country_has_no_cross_border_ties():
    g = nw.homophilous(np.zeros(1000, dtype=int), 6, 0.0, 3.0, np.ones((1, 1)), rng())
    assert np.all(g.degree() == 6)


def test_homophilous_requires_sorted_countries():
    with pytest.raises(ValueError, match="sorted"):
        nw.homophilous(np.array([0, 1, 0]), 2, 0.0, 0.0, np.ones((2, 2)), rng())


def test_lattice_von_neumann_corner_has_two():
    deg = nw.lattice(20, 5, 4, "von_neumann", False).degree()
    assert deg[0] == 2 and deg[4] == 2 and deg[19] == 2
    assert deg[1] == 3 and deg[6] == 4


def test_lattice_von_neumann_torus_all_four():
    assert np.all(nw.lattice(20, 5, 4, "von_neumann", True).degree() == 4)


def test_lattice_moore():
    assert np.all(nw.lattice(20, 5, 4, "moore", True).degree() == 8)
    deg = nw.lattice(20, 5, 4, "moore", False).degree()
    assert deg[0] == 3 and deg[6] == 8


def test_lattice_ids_are_row_major():
    g = nw.lattice(6, 3, 2, "von_neumann", False)
    assert edge_set(g) >= {(0, 1), (0, 3), (4, 1), (4, 3), (4, 5)}
    assert (2, 3) not in edge_set(g)


def test_lattice_rejects_bad_size():
    with pytest.raises(ValueError):
        nw.lattice(10, 3, 3, "moore", False)


def test_complete_is_well_mixed():
    g = nw.complete(50)
    assert g.well_mixed and g.n == 50 and g.n_edges == 50 * 49 // 2
    assert np.all(g.degree() == 49)
    assert len(g.indices) == 0


@pytest.mark.parametrize("n, degree", [(20_000, 8.0), (500, 6.0), (30, 12), (30, 20), (20, 19)])
def test_erdos_renyi_has_the_mean_degree_asked_however_dense(n, degree):
    g = nw.erdos_renyi(n, degree, rng())
    assert g.degree().mean() == degree and g.degree().max() <= n - 1


def test_barabasi_albert_degree_and_hubs():
    deg = nw.barabasi_albert(20_000, 10, rng()).degree()
    assert deg.mean() == pytest.approx(10, abs=0.05)
    assert deg.min() >= 5
    assert deg.max() > 20 * deg.mean()


def follower_setup(n=20_000, online_share=0.7, seed=1):
    country = blocks([n // 2, n // 4, n // 4])
    online = rng(seed).random(n) < online_share
    return country, online


def test_followers_heavy_tailed():
    country, online = follower_setup()
    counts = nw.followers(country, online, 10, 0.2, np.ones((3, 3)), rng()).degree()
    assert counts.max() > 10 * counts[online].mean()


def test_followers_mean_follows():
    country, online = follower_setup()
    g = nw.followers(country, online, 10, 0.2, np.ones((3, 3)), rng())
    assert g.directed and g.n_edges == len(g.indices)
    assert g.n_edges / online.sum() == pytest.approx(10, rel=0.05)


def test_followers_foreign_share():
    country, online = follower_setup()
    g = nw.followers(country, online, 10, 0.3, np.ones((3, 3)), rng())
    account, follower = pairs(g)
    share = np.mean(country[account] != country[follower])
    assert share == pytest.approx(0.3, abs=0.02)


def test_followers_exclude_offline():
    country, online = follower_setup()
    account, follower = pairs(nw.followers(country, online, 10, 0.3, np.ones((3, 3)), rng()))
    assert np.all(online[account]) and np.all(online[follower])


def test_followers_one_country_all_domestic():
    n = 5000
    g = nw.followers(np.zeros(n, int), np.ones(n, bool), 5, 0.5, np.ones((1, 1)), rng())
    assert g.n_edges / n == pytest.approx(5, rel=0.05)


def test_followers_zero_affinity_no_foreign_follows():
    country, online = follower_setup()
    aff = np.ones((3, 3))
    aff[0, 2] = aff[2, 0] = 0.0
    account, follower = pairs(nw.followers(country, online, 10, 0.5, aff, rng()))
    ca, cf = country[account], country[follower]
    assert not np.any((ca == 0) & (cf == 2)) and not np.any((ca == 2) & (cf == 0))


@pytest.mark.parametrize(
    "build",
    [
        lambda r: nw.homophilous(blocks([500, 300]), 6, 0.2, 1.0, np.ones((2, 2)), r),
        lambda r: nw.followers(
            blocks([500, 300]), np.arange(800) % 3 > 0, 5, 0.3, np.ones((2, 2)), r
        ),
        lambda r: nw.erdos_renyi(800, 5.0, r),
        lambda r: nw.barabasi_albert(800, 6, r),
    ],
    ids=["homophilous", "followers", "erdos_renyi", "barabasi_albert"],
)
def test_deterministic_for_seed(build):
    a, b, c = build(rng(7)), build(rng(7)), build(rng(8))
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices)


def test_with_extra_ties_is_undirected_union():
    g = nw.from_edges(5, [0, 1], [1, 2])
    h = nw.with_extra_ties(g, np.array([0, 3, 4]), np.array([1, 4, 0]))
    assert edge_set(h) == edge_set(g) | {(3, 4), (4, 3), (4, 0), (0, 4)}
    assert edge_set(g) == {(0, 1), (1, 0), (1, 2), (2, 1)}  # original untouched


def test_with_extra_ties_on_well_mixed_is_unchanged():
    g = nw.complete(10)
    assert nw.with_extra_ties(g, [0], [1]) is g


def test_exchange_ties_pick_from_both_countries():
    country = blocks([100, 50, 80])
    src, dst = nw.exchange_ties(country, 2, 0, 200, rng())
    assert len(src) == len(dst) == 200
    assert np.all(country[src] == 2) and np.all(country[dst] == 0)


def write(path, text):
    path.write_text(text)
    return path


@pytest.fixture
def network_files(tmp_path):
    nodes = write(tmp_path / "nodes.csv", "id,country\nx,B\ny,A\nz,B\nw,A\n")
    edges = write(tmp_path / "edges.csv", "source,target\nx,y\ny,z\nz,w\nw,w\n")
    return edges, nodes


def test_read_edge_list_happy_path(network_files):
    edges, nodes = network_files
    order, country, g = nw.read_edge_list(edges, nodes, ["A", "B"])
    assert list(order) == ["y", "w", "x", "z"]
    assert list(country) == [0, 0, 1, 1]
    new = {name: k for k, name in enumerate(order)}
    expected = {(new[a], new[b]) for a, b in [("x", "y"), ("y", "z"), ("z", "w")]}
    assert edge_set(g) == expected | {(b, a) for a, b in expected}


def test_read_edge_list_integer_ids(tmp_path):
    nodes = write(tmp_path / "n.csv", "id,country\n10,A\n20,A\n")
    edges = write(tmp_path / "e.csv", "source,target\n10,20\n")
    order, _, g = nw.read_edge_list(edges, nodes, ["A"])
    assert order.tolist() == [10, 20] and g.n_edges == 1


def test_a_country_without_nodes_is_refused(tmp_path):
    nodes = write(tmp_path / "n.csv", "id,country\n10,A\n20,A\n")
    edges = write(tmp_path / "e.csv", "source,target\n10,20\n")
    with pytest.raises(ScenarioError, match=r"n\.csv: network\.nodes: no citizen of 'B': "
                                            r"every \[\[country\]\] needs at least one node"):
        nw.read_edge_list(edges, nodes, ["A", "B"])


def test_read_edge_list_missing_file(tmp_path, network_files):
    edges, _ = network_files
    with pytest.raises(ScenarioError) as err:
        nw.read_edge_list(edges, tmp_path / "nope.csv", ["A", "B"])
    assert err.value.key == "network.nodes" and "not found" in str(err.value)


def test_read_edge_list_missing_edges_file(tmp_path, network_files):
    _, nodes = network_files
    with pytest.raises(ScenarioError) as err:
        nw.read_edge_list(tmp_path / "nope.csv", nodes, ["A", "B"])
    assert err.value.key == "network.edges" and "not found" in str(err.value)


def test_read_edge_list_missing_columns(tmp_path, network_files):
    _, nodes = network_files
    edges = write(tmp_path / "bad.csv", "from,to\nx,y\n")
    with pytest.raises(ScenarioError) as err:
        nw.read_edge_list(edges, nodes, ["A", "B"])
    assert err.value.key == "network.edges" and "source" in err.value.message


def test_read_edge_list_unknown_edge_id(tmp_path, network_files):
    _, nodes = network_files
    edges = write(tmp_path / "e.csv", "source,target\nx,y\ny,q\n")
    with pytest.raises(ScenarioError) as err:
        nw.read_edge_list(edges, nodes, ["A", "B"])
    msg = str(err.value)
    assert err.value.key == "network.edges" and "'q'" in msg and "line 3" in msg
    assert "\n" not in msg


def test_read_edge_list_unknown_country(tmp_path, network_files):
    edges, _ = network_files
    nodes = write(tmp_path / "n.csv", "id,country\nx,B\ny,Atlantis\nz,B\nw,A\n")
    with pytest.raises(ScenarioError) as err:
        nw.read_edge_list(edges, nodes, ["A", "B"])
    assert err.value.key == "network.nodes"
    assert "Atlantis" in err.value.message and "allowed: A, B" in err.value.message


def test_read_edge_list_duplicate_ids(tmp_path, network_files):
    edges, _ = network_files
    nodes = write(tmp_path / "n.csv", "id,country\nx,B\ny,A\nz,B\nw,A\ny,B\n")
    with pytest.raises(ScenarioError) as err:
        nw.read_edge_list(edges, nodes, ["A", "B"])
    assert err.value.key == "network.nodes" and "duplicate" in err.value.message
    assert "'y'" in err.value.message


def test_read_edge_list_empty_node_table(tmp_path, network_files):
    edges, _ = network_files
    nodes = write(tmp_path / "n.csv", "id,country\n")
    with pytest.raises(ScenarioError) as err:
        nw.read_edge_list(edges, nodes, ["A", "B"])
    assert err.value.key == "network.nodes" and "empty" in err.value.message


def test_homophilous_at_scale():
    n, c = 200_000, 10
    country = np.sort(rng(3).integers(0, c, n))
    g = nw.homophilous(country, 10, 0.1, 1.0, np.ones((c, c)), rng())
    assert g.n == n
    assert g.degree().mean() == pytest.approx(11, abs=0.1)


@pytest.mark.parametrize(("text", "message"), [
    ("source,target\n", "no edges (only a header): the social graph would be empty"),
    ("source,target\nx,y\nz\n", "line 3: no target (each line is source,target)"),
])
def test_read_edge_list_refuses_an_empty_graph_and_a_short_line(tmp_path, network_files, text,
                                                                 message):
    _, nodes = network_files
    edges = write(tmp_path / "e.csv", text)
    with pytest.raises(ScenarioError) as err:
        nw.read_edge_list(edges, nodes, ["A", "B"])
    assert str(err.value) == f"{edges}: network.edges: {message}"


def test_read_edge_list_names_a_folder_given_as_a_file(tmp_path, network_files):
    _, nodes = network_files
    with pytest.raises(ScenarioError) as err:
        nw.read_edge_list(tmp_path, nodes, ["A", "B"])
    assert str(err.value) == f"{tmp_path}: network.edges: is a folder (give a CSV file)"


def test_a_file_networks_written_scenario_runs_from_anywhere(tmp_path):
    from nanosim.scenario import load_scenario, loads_scenario

    write(tmp_path / "nodes.csv", "id,country\n1,A\n2,A\n3,A\n")
    write(tmp_path / "edges.csv", "source,target\n1,2\n2,3\n")
    path = write(tmp_path / "net.toml", '[[country]]\nname = "A"\nshare = 1.0\n[network]\n'
                                        'kind = "file"\nedges = "edges.csv"\nnodes = "nodes.csv"\n')
    (tmp_path / "out").mkdir()
    again = loads_scenario(load_scenario(path).to_toml(), str(tmp_path / "out" / "scenario.toml"))
    assert nw.check_files(again) == 3


def test_padded_rows_hold_each_citizens_degree_and_neighbours_in_one_line():
    indptr = np.array([0, 2, 2, 19])
    indices = np.arange(19, dtype=np.int32) % 3
    rows = nw.padded_rows(indptr, indices)
    assert rows.shape == (3, nw.ROW_WIDTH)
    assert rows[:, 0].tolist() == [2, 0, 17]
    assert rows[0, 1:3].tolist() == [0, 1]  # a row of 17 does not fit: read from the CSR


def test_graph_rows_are_built_only_where_they_pay(monkeypatch):
    ring = np.arange(1000)
    graph = nw.from_edges(1000, ring, (ring + 1) % 1000)
    assert graph.rows.shape[0] == 0  # fits in the cache
    monkeypatch.setattr(nw, "ROWS_FROM_BYTES", 1000)
    big = nw.from_edges(1000, ring, (ring + 1) % 1000)
    assert big.rows.shape == (1000, nw.ROW_WIDTH) and big.rows is big.rows
    assert nw.complete(1000).rows.shape[0] == 0
    dense = nw.from_edges(1000, np.repeat(ring, 9), (np.repeat(ring, 9) + np.tile(
        np.arange(1, 10), 1000)) % 1000)  # 18 neighbours each: no row fits
    assert dense.rows.shape[0] == 0
