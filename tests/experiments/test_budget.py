"""The memory budget: its estimate against the measured peak of real `nanosim run`
processes, and the limits it reads."""

import subprocess
import sys
import tempfile

import pytest

from nanosim.experiments import budget
from nanosim.scenario import load_scenario

TOLERANCE = 0.30


def measured_peak(scenario: str, overrides: list[str]) -> int:
    """Peak resident memory (bytes) of `nanosim run` of ``scenario`` with ``overrides``,
    once its kernels are compiled: a first run in a fresh install also compiles them
    (numba's cache), which the estimate does not count (README, "Limits")."""
    _spawn_peak(scenario, overrides)  # compiles what this size needs into the cache
    return _spawn_peak(scenario, overrides)


# A small launcher spawns the run and reports its peak: spawned straight from a large
# test process, the child's peak would count that process's pages until its exec.
LAUNCHER = """import os, sys
pid = os.posix_spawn(sys.executable, [sys.executable, *sys.argv[1:]], os.environ,
                     file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
_, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def _spawn_peak(scenario: str, overrides: list[str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        argv = ["-m", "nanosim", "run", scenario, "--out", f"{folder}/out",
                *[a for o in overrides for a in ("--set", o)]]
        done = subprocess.run([sys.executable, "-c", LAUNCHER, *argv], capture_output=True,
                              text=True, check=True)
    status, peak_kib = map(int, done.stdout.split())
    assert status == 0
    return peak_kib * 1024  # KiB on Linux


SHORT = ["scenario.steps=5", "scenario.replicates=1"]


@pytest.mark.parametrize("overrides", [
    ["population.size=10000"],
    ["population.size=100000"],
    ["population.size=30000", "network.follows=2000"],  # the follower graph dominates
    pytest.param(["population.size=1000000"], marks=pytest.mark.slow),
    pytest.param(["population.size=100000", "network.degree=200"], marks=pytest.mark.slow),
], ids=["1e4", "1e5", "follows", "1e6", "degree"])
def test_the_estimate_is_within_30_percent_of_the_measured_peak(overrides):
    estimate = budget.run_bytes(load_scenario("baseline", overrides + SHORT))
    peak = measured_peak("baseline", overrides + SHORT)
    assert abs(estimate / peak - 1) <= TOLERANCE, (estimate >> 20, peak >> 20)


def test_the_estimate_grows_with_what_a_run_holds():
    def estimate(*overrides):
        return budget.run_bytes(load_scenario("baseline", [*SHORT, *overrides]))

    base = estimate("population.size=100000")
    assert estimate("population.size=1000000") > 2 * base
    assert estimate("population.size=100000", "network.follows=500") > 2 * base
    assert estimate("population.size=100000", "network.degree=500") > 2 * base
    assert estimate("population.size=100000", "scenario.replicates=50") > base


def test_groups_and_a_sponsored_ledger_are_counted():
    plain = load_scenario("baseline", SHORT)
    grouped = plain.with_overrides({"groups.per_country": 5})
    sponsored = plain.with_overrides({"sponsorship": [{"sponsor": "Australia",
                                                       "programme": "influencers"}]})
    assert budget.recorder_bytes(grouped) > budget.recorder_bytes(plain)
    assert budget.table_bytes(grouped) > budget.table_bytes(plain)
    assert budget.recorder_bytes(sponsored) > budget.recorder_bytes(plain)
    assert budget.table_bytes(sponsored) > budget.table_bytes(plain)


def test_available_memory_is_read_and_a_limit_refuses_in_one_line():
    from nanosim.errors import NanosimError

    assert budget.available_memory() > 0
    budget.check_memory(1 << 20, "a small thing", 2 << 20)
    with pytest.raises(NanosimError) as err:
        budget.check_memory(3 << 30, "a big thing", 2 << 30)
    assert str(err.value).startswith("a big thing would need about 3.0 GiB of memory, more "
                                     "than the limit of 2.0 GiB")
