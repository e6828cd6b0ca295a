"""Shared test helpers: small scenarios built in code, and the kernels compiled first."""

import contextlib
import fcntl
import os
from pathlib import Path

import pytest

from nanosim.engine.channels import CHANNELS
from nanosim.scenario import loads_scenario
from nanosim.scenario.schema import Channels

SMALL = """
[scenario]
name = "small"
steps = 30
seed = 3
replicates = 2
burn_in = 0                  # the mechanics, fast; burn-in has tests of its own

[population]
size = 600

[[country]]
name = "Aland"
share = 0.5
appeal = 0.6
symbols = { cuisine = "herring", music = "polka" }
initial = { people = { Bland = 0.2 }, state = { Bland = 0.0 } }
relations = { Bland = 0.3 }

[[country]]
name = "Bland"
share = 0.3
appeal = 0.4
symbols = { cuisine = "dumplings", dress = "kilt" }
initial = { people = { Aland = 0.1 }, state = { Aland = -0.1 } }

[[country]]
name = "Cland"
share = 0.2

[network]
cross_border = 2.0
follows = 10

[channels.social_media]
post_rate = 0.2
reach = 5

[channels.campaign]
country = "Cland"
targets = ["Aland"]
reach = 0.05

[[events]]
step = 10
kind = "incident"
between = ["Aland", "Bland"]
severity = 0.8
duration = 5
"""

# every channel switched off (the standing campaign has no switch: it is on where set)
ALL_OFF = {f"{c.settings}.enabled": False for c in CHANNELS if c.settings.startswith("channels.")
           and hasattr(getattr(Channels(), c.settings.removeprefix("channels.")), "enabled")}


# the v1 model: contact and posts are messages, symbols are copied, views are not anchored
V1 = {"perception.experience_rule": False, "culture.mode": "axelrod", "perception.anchoring": 0.0}


def small(overrides=None, text=SMALL):
    """The small three-country scenario, with dotted-path overrides."""
    return loads_scenario(text, "small.toml", overrides or {})


@pytest.fixture
def small_scenario():
    return small()


@pytest.fixture(scope="module")
def sweep_scenario_file(request, tmp_path_factory):
    """The requesting test module's ``TINY`` scenario, written to a file."""
    path = tmp_path_factory.mktemp("scen") / "tiny.toml"
    path.write_text(request.module.TINY)
    return path


@pytest.fixture
def file_network(tmp_path):
    """A one-country scenario on a real edge list whose second edge names a missing node."""
    (tmp_path / "nodes.csv").write_text("id,country\n1,Aland\n2,Aland\n")
    (tmp_path / "edges.csv").write_text("source,target\n1,2\n2,9\n")
    scenario = tmp_path / "net.toml"
    scenario.write_text('[[country]]\nname = "Aland"\nshare = 1.0\n[network]\nkind = "file"\n'
                        'edges = "edges.csv"\nnodes = "nodes.csv"\n')
    return scenario


@pytest.fixture(scope="session", autouse=True)
def compiled_kernels(tmp_path_factory):
    """Compile every numba kernel (or load it from numba's cache) before the first test.

    On a fresh clone compiling takes minutes; done here, once, the processes the tests
    start (dashboard servers, CLI runs, sweep workers) load the kernels from the cache
    instead of each compiling them under a test's timeout. Tiny runs of every library
    and validation scenario, and of the layouts and modes they do not use.

    Under pytest-xdist the workers take turns: the first compiles and writes the cache,
    the others then load from it (two compiling at once would each spend the minutes).
    """
    from nanosim.experiments.runner import run_replicate
    from nanosim.scenario import load_scenario

    library = Path(__file__).resolve().parent.parent / "nanosim" / "scenario" / "library"
    tiny = {"population.size": 600, "scenario.burn_in": 2}
    with xdist_lock(tmp_path_factory, "compiled_kernels"):
        _numba_cache_saves_take_turns(tmp_path_factory)
        for path in sorted(library.glob("*.toml")) + sorted(library.glob("validation/*.toml")):
            run_replicate(load_scenario(str(path), {**tiny, "scenario.steps": 400}
                                        if "validation" in path.parts else tiny))
        for overrides in ({}, {"perception.spillover": 0.0}, V1, ALL_OFF):
            run_replicate(small(overrides))


@contextlib.contextmanager
def xdist_lock(tmp_path_factory, name: str):
    """Under pytest-xdist, hold the lock ``name`` the session's workers share (a file in
    their common temporary folder); in a single process, nothing to hold."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    with open(tmp_path_factory.getbasetemp().parent / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _numba_cache_saves_take_turns(tmp_path_factory) -> None:
    """Under pytest-xdist, each save into numba's cache holds a lock the workers share.

    Some tests compile kernels for argument types the fixture does not (other layouts,
    one country), so workers can still compile at once. A save reads the function's cache
    index, adds its entry and writes both files; two at once could lose an entry, or
    give one data file the entries of two signatures.
    """
    from numba.core import caching

    cache_file = getattr(caching, "IndexDataCacheFile", None)  # numba's, not public
    if "PYTEST_XDIST_WORKER" not in os.environ or not hasattr(cache_file, "save"):
        return
    save = cache_file.save

    def save_in_turn(self, key, data):
        with xdist_lock(tmp_path_factory, "numba_cache_save"):
            save(self, key, data)

    cache_file.save = save_in_turn


# Modules pytest-xdist runs on one worker, by group (``make test`` runs ``-n 2 --dist
# loadgroup``): the browser tests together, so that one dashboard server and one Chromium
# run at a time (their tests have wall-clock limits); and modules with a costly
# module-scoped fixture, so that it is not built on both workers.
XDIST_GROUPS = {
    "tests/dashboard/test_dashboard.py": "browser",
    "tests/dashboard/test_saved_sensitivity.py": "browser",
    "tests/cli/test_calibrate.py": "calibrate-cli",  # ``calibrated``: a whole calibration
    "tests/experiments/test_sweep_cluster.py": "cluster",  # a Dask scheduler and workers
}


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` by module, as ``XDIST_GROUPS`` says. (pytest-xdist's own
    ``xdist_group`` mark groups nothing under pytest 9.2, whose node ids no longer take
    the group suffix it adds: pytest-xdist issue 1386.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ByModule(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return XDIST_GROUPS.get(nodeid.split("::", 1)[0]) or super()._split_scope(nodeid)

    return ByModule(config, log)


def pytest_collection_modifyitems(config, items):
    root = Path(config.rootpath)
    for item in items:
        module = item.path.relative_to(root).as_posix()
        if item.get_closest_marker("browser") and XDIST_GROUPS.get(module) != "browser":
            raise pytest.UsageError(f"{module} has browser tests: add it to XDIST_GROUPS "
                                    "(tests/conftest.py) as 'browser'")
