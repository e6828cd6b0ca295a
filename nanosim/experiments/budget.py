"""Memory budgets: the peak memory of a run, a comparison or a sweep, estimated before
anything is built, and refused in one line when it exceeds the memory available.

The estimate follows how a run uses memory: a process's fixed share (Python and its
libraries), then per citizen the largest of the phases of building the world (the
social graph's edge keys, the followers' edge keys, the starting images) on top of what
earlier phases keep, and the recorded measures and the tidy table, which grow with
countries squared and recorded steps (README, "Limits").
Its coefficients were measured as peak resident memory of ``nanosim run``
(``tests/experiments/test_budget.py`` checks them within 30 %).
"""

from __future__ import annotations

import os

from nanosim.engine import burned_in
from nanosim.engine.channels import LEDGER
from nanosim.engine.metrics import PAIR_METRICS, SHIFT_METRICS
from nanosim.engine.network import ROW_WIDTH, ROWS_FROM_BYTES, edge_list_files
from nanosim.errors import NanosimError
from nanosim.scenario import Scenario
from nanosim.scenario.files import format_bytes

MiB = 1 << 20
PROCESS = 360 * MiB  # a `nanosim run` before its world (kernels cached): Python, numba, pandas
WORKER = 120 * MiB  # what a forked sweep worker adds beyond the pages it shares
PER_RUN = 4096  # a sweep's bookkeeping per run: its point, its task, its manifest entry
GRAPH_KEYS = 12  # bytes per tie and citizen while the social graph is built (int64 keys)
FOLLOW_KEYS = 34  # bytes per follow while the follower graph is built (draws and keys)
CSV_IN_MEMORY = 20  # bytes of memory per byte of a node or edge table while it is read
CSV_BYTES_PER_LINE = 12  # a guess at a CSV line's length, for a file network's size
COUNTRY_PAIRS = 5  # bytes per citizen and pair of countries while a step is measured
TABLE_ROW = 22  # bytes of a tidy table's row: replicate, step, metric, pair, channel, value


def run_bytes(s: Scenario, replicates: int | None = None, process: int = PROCESS,
              runs_in_process: int | None = None) -> int:
    """Estimated peak memory of running ``replicates`` (default: the scenario's) of ``s``
    one after another in one process whose own share is ``process`` and which makes
    ``runs_in_process`` runs of this size in all (default: these replicates)."""
    reps = s.run.replicates if replicates is None else replicates
    return (process + world_bytes(s) + recorder_bytes(s) + (reps + 4) * table_bytes(s)
            + burned_in_bytes(s, reps if runs_in_process is None else runs_in_process))


def burned_in_bytes(s: Scenario, runs: int) -> int:
    """The burned-in models a process keeps for reuse after ``runs`` runs of ``s``'s size
    (:mod:`nanosim.engine.burned_in`: up to its budget, none larger than a quarter of it)."""
    if not s.run.burn_in:
        return 0
    n, degree, _ = _citizens_and_ties(s)
    one = int(n * _model_per_citizen(s, degree))
    return 0 if one > burned_in.BUDGET // 4 else min(burned_in.BUDGET, runs * one)


def world_bytes(s: Scenario) -> int:
    """Peak memory of building and running one world, beyond the process's own share."""
    net, n_c = s.network, len(s.country)
    n, degree, reading = _citizens_and_ties(s)
    features = len(s.culture.features)
    follows = net.follows * net.online_share
    small = 56 + 3 * features  # home, online, openness, trust, popularity, symbols
    graph = 4 * degree + 8  # the CSR arrays kept
    rows = 4 * ROW_WIDTH if n * graph > ROWS_FROM_BYTES and degree < ROW_WIDTH else 0
    per_citizen = max(
        small + GRAPH_KEYS * degree,  # the social graph's keys, sorted
        small + graph + FOLLOW_KEYS * follows,  # the followers' draws and keys
        small + graph + 4 * follows + 8 + 48 * n_c + 10 * features,  # the starting images
        _model_per_citizen(s, degree) + rows + 16 * n_c
        + COUNTRY_PAIRS * n_c * n_c,  # a step and its measures
    )
    return int(max(reading, n * per_citizen))


def _citizens_and_ties(s: Scenario) -> tuple[int, float, int]:
    """Citizens, ties per citizen, and the bytes of reading a file network's tables."""
    net = s.network
    if net.kind == "file":  # guessed from the CSVs' sizes
        edges, nodes = (_size(p) for p in edge_list_files(s))
        n = max(nodes // CSV_BYTES_PER_LINE, 1)
        return n, 2 * edges / CSV_BYTES_PER_LINE / n, CSV_IN_MEMORY * (edges + nodes)
    degree = {"lattice": 8 if net.neighbourhood == "moore" else 4, "complete": 0,
              "homophilous": net.degree + net.cross_border}.get(net.kind, net.degree)
    return s.population.size, degree, 0


def _model_per_citizen(s: Scenario, degree: float) -> float:
    """Bytes per citizen of a built model's arrays: its citizens, graphs, images (and
    their dispositions, with anchoring) and group memberships."""
    n_c, follows = len(s.country), s.network.follows * s.network.online_share
    kept_images = 16 * n_c * (2 if s.perception.anchoring > 0 else 1)
    groups = 4 if s.has_groups else 0  # memberships per citizen (the members' own are few)
    return (56 + 3 * len(s.culture.features) + 4 * degree + 8 + 4 * follows + 8
            + kept_images + groups)


def recorded_steps(s: Scenario) -> int:
    """Steps a run records: day 0, every ``record_every``-th day and the last."""
    every, steps = s.run.record_every, s.run.steps
    return steps // every + 1 + (1 if steps % every else 0)


def _ledger(s: Scenario) -> int:
    """Ledger slots per observer, target and image: every channel's, twice where a
    sponsorship keeps the sponsored part apart."""
    return len(LEDGER) * (2 if s.has_sponsorship else 1)


def recorder_bytes(s: Scenario) -> int:
    """The recorded measures of one run (room for up to twice the recorded steps) and
    their pair metrics while the table is made."""
    n_c, ledger = len(s.country), _ledger(s)
    groups = 2 if s.has_groups else 0  # group_members, group_count
    per_step = 8 * (n_c * n_c * (9 + 2 * ledger + len(PAIR_METRICS) + groups) + ledger)
    return 2 * recorded_steps(s) * per_step


def table_bytes(s: Scenario) -> int:
    """One run's tidy table."""
    n_c, ledger = len(s.country), _ledger(s)  # a sponsored half: two more shift metrics
    pairs = n_c * (n_c - 1) or 1
    per_step = (pairs * (len(PAIR_METRICS) + len(SHIFT_METRICS) * ledger)
                + n_c * (1 + ledger) + ledger + (2 * n_c * n_c if s.has_groups else 0))
    return TABLE_ROW * (recorded_steps(s) * per_step + 2 * n_c * n_c + 1)


def comparison_bytes(scenarios: list[Scenario], replicates: int) -> int:
    """Estimated peak memory of a comparison: one run at a time, every table kept."""
    tables = sum(table_bytes(s) for s in scenarios) * replicates
    kept = min(burned_in.BUDGET, sum(burned_in_bytes(s, replicates) for s in scenarios))
    return (PROCESS + max(world_bytes(s) + recorder_bytes(s) for s in scenarios) + 5 * tables
            + kept)


def design_bytes(runs: int) -> int:
    """Memory a sweep's design of ``runs`` runs takes in the process that runs it."""
    return PER_RUN * runs


def sweep_bytes(run: int, runs: int, concurrent: int) -> int:
    """Estimated peak memory on this machine of a sweep of ``runs`` runs, ``concurrent``
    at a time on local workers (0 on a cluster), the largest taking ``run`` bytes
    (:func:`run_bytes` with ``process=WORKER``)."""
    return PROCESS + design_bytes(runs) + concurrent * run


def available_memory() -> int | None:
    """Memory this process may still take: the system's available memory, or less under a
    cgroup limit; None where neither can be read."""
    found = []
    try:
        import psutil

        found.append(psutil.virtual_memory().available)
    except (ImportError, OSError):
        found += _meminfo_available()
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current") as f:
            used = int(f.read().strip())
        if limit != "max":
            found.append(max(int(limit) - used, 0))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def _meminfo_available() -> list[int]:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return [int(line.split()[1]) * 1024]
    except (OSError, ValueError, IndexError):
        pass
    return []


def check_memory(need: int, what: str, limit: int | None = None) -> None:
    """Refuse (NanosimError, one line) work estimated to need ``need`` bytes when that
    exceeds ``limit``, or without one, the memory available now."""
    if limit is not None:
        allowed = f"the limit of {format_bytes(limit)}"
    else:
        limit = available_memory()
        if limit is None:
            return
        allowed = f"the {format_bytes(limit)} available"
    if need > limit:
        raise NanosimError(f"{what} would need about {format_bytes(need)} of memory, more "
                           f"than {allowed}; make it smaller (citizens, countries, follows, "
                           "ties, recorded steps or runs)")


def _size(path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
