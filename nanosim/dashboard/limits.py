"""The dashboard's resource limits per browser tab (a session), all set here.

A person at one tab may ask for a comparison of at most :data:`MAX_CITIZEN_RUNS`
citizens × replicates × scenarios (an uploaded file counts with its own size, and a
file above :data:`MAX_CITIZENS` is refused on upload), runs one job at a time, and a
job whose memory, estimated before it starts (:mod:`nanosim.experiments.budget`),
exceeds :data:`SESSION_MEMORY` or the memory available is refused with a message.
Closing or reloading the tab cancels its job (a tab that loses its connection without
closing, :data:`DISCONNECTED_SECONDS` later); a tab's other state is kept
:data:`RESTORE_SECONDS` for a reload to take back. Bigger work belongs to
``nanosim compare``, whose folder the Saved results page reads.
"""

from __future__ import annotations

from nanosim.errors import NanosimError
from nanosim.experiments.budget import PROCESS, available_memory, check_memory, comparison_bytes
from nanosim.scenario import Scenario
from nanosim.scenario.files import format_bytes

MAX_CITIZENS = 200_000  # citizens of one scenario run in the browser (files and uploads)
MAX_CITIZEN_RUNS = 2_000_000  # citizens × replicates × scenarios of one comparison
MAX_REPLICATES = 10_000
MAX_STEPS = 100_000
EXPLORE_MAX_CITIZENS = 20_000  # the live model's citizens slider
SESSION_MEMORY = 2 << 30  # bytes one tab's job may take beyond the server's own share
JOBS_PER_SESSION = 1  # a tab's Run waits until its running job has stopped
RESTORE_SECONDS = 300  # a closed tab's state, kept for a reload of it
DISCONNECTED_SECONDS = 60  # a tab that lost its connection without closing is then closed
TIDY_CSV_ROWS = 2_000_000  # the tidy table as CSV in the browser (Parquet has no limit)


def check_citizens(scenario: Scenario, what: str) -> None:
    """Refuse a scenario too big to run in the browser (NanosimError, one line)."""
    n = scenario.population.size
    if n > MAX_CITIZENS:
        raise NanosimError(f"{what}: {n:,} citizens, more than the {MAX_CITIZENS:,} a "
                           "dashboard run takes; run it with `nanosim compare` and open "
                           "its folder in Saved results")


def check_comparison(scenarios: list[Scenario], replicates: int) -> int:
    """Refuse a comparison above this tab's limits before it starts; returns its
    estimated memory in bytes beyond the server's own share."""
    for s in scenarios:
        check_citizens(s, s.run.name)
    size = sum(s.population.size for s in scenarios) * replicates
    if size > MAX_CITIZEN_RUNS:
        raise NanosimError(
            f"this comparison is {size:,} citizens × replicates × scenarios, more than the "
            f"{MAX_CITIZEN_RUNS:,} a dashboard tab may run; use fewer citizens or replicates, "
            "or `nanosim compare` (Saved results opens its folder)")
    need = comparison_bytes(scenarios, replicates) - PROCESS
    free = available_memory()
    limit = SESSION_MEMORY if free is None else min(SESSION_MEMORY, free)
    check_memory(need, f"this comparison ({len(scenarios)} scenarios x {replicates} "
                 f"replicates)", limit)
    return need


def describe() -> str:
    """The limits in one sentence (the page shows it under the settings)."""
    return (f"Up to {MAX_CITIZEN_RUNS:,} citizens × replicates × scenarios per comparison, "
            f"{MAX_CITIZENS:,} citizens per scenario, one job at a time and "
            f"{format_bytes(SESSION_MEMORY)} of memory per tab.")
