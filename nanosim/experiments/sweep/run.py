"""Running a sweep: each missing (point, replicate) as a task, its file written as it ends.

Each run is one (point, replicate): the scenario with the point's values, replicate
``r`` of the scenario seed, so a run's table is the same whatever else runs and
however many workers run it. Running the same sweep into the same folder again runs
only the missing runs; on an interruption the finished ones are kept.
"""

from __future__ import annotations

import sys
from concurrent.futures import as_completed
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nanosim.experiments.budget import check_memory, sweep_bytes
from nanosim.experiments.sweep.executors import default_workers, executor, task_result
from nanosim.experiments.sweep.plan import Plan, plan_sweep
from nanosim.experiments.sweep.store import SweepStore, cell, check_folder, open_folder
from nanosim.scenario import Scenario


def sweep(scenario_or_path: Scenario | str | Path, out: str | Path, grid=None,
          lhs: int | None = None, ranges=None, replicates: int | None = None,
          workers: int | None = None, scheduler=None, progress: bool = False,
          max_memory: int | None = None) -> SweepStore:
    """Run a parameter sweep into ``out`` (resuming it if it is there) and return its store.

    ``scenario_or_path``: a Scenario, a scenario file or a sweep file. ``grid``,
    ``lhs``, ``ranges`` and ``replicates`` as in :func:`plan_sweep`. ``workers``: local
    processes (default: the number of cores); ``scheduler``: a Dask scheduler address,
    Client or LocalCluster, to run on a cluster instead. Nothing is written if the
    design is invalid, would not fit in ``max_memory`` bytes (default: the memory
    available) with its runs, or the scheduler cannot be reached.
    """
    plan = plan_sweep(scenario_or_path, grid, lhs, ranges, replicates, max_memory=max_memory)
    return run_plan(plan, out, workers=workers, scheduler=scheduler, progress=progress,
                    max_memory=max_memory)


def run_plan(plan: Plan, out: str | Path, *, workers: int | None = None, scheduler=None,
             progress: bool = False, max_memory: int | None = None) -> SweepStore:
    """Run the plan's missing runs into ``out``; each file is written as its run ends."""
    done = check_folder(plan, out)
    if done == len(plan.runs):
        return SweepStore(out)
    n_workers = min(workers or default_workers(), len(plan.runs) - done)
    check_sweep_memory(plan, n_workers, scheduler, max_memory)
    with executor(n_workers, scheduler) as ex, open_folder(plan, out) as store:
        todo = store.missing()
        pending = {ex.submit(run_point, plan.scenario, p, plan.points[p], r): (p, r)
                   for p, r in todo}
        # after the workers are forked: a progress bar starts a monitor thread
        bar = _progress_bar(len(plan.runs), len(plan.runs) - len(todo), progress)
        try:
            for fut in as_completed(list(pending)):
                run = pending.pop(fut)
                store.write(run, _result(fut, run, store))
                bar.update()
        except BaseException:
            _keep_finished(pending, store)
            raise
        finally:
            bar.close()
    return store


def check_sweep_memory(plan: Plan, workers: int, scheduler=None,
                       max_memory: int | None = None) -> None:
    """Refuse a sweep whose design and ``workers`` concurrent local runs (none on a
    cluster) would not fit in ``max_memory`` bytes (default: the memory available)."""
    concurrent = 0 if scheduler is not None else workers
    check_memory(sweep_bytes(plan.run_memory, len(plan.runs), concurrent),
                 f"this sweep ({len(plan.runs)} runs, {concurrent} at a time here)", max_memory)


def _result(fut, run: tuple[int, int], store: SweepStore) -> pd.DataFrame:
    """A run's table; a worker that died (out of memory, killed) is a clear error."""
    return task_result(fut, f"running {store.path(*run).stem}", store.folder,
                       "from a script, call nanosim.sweep under `if __name__ == '__main__':`")


def _keep_finished(pending: dict, store: SweepStore) -> None:
    """On interruption: cancel what has not started, keep what has finished."""
    for fut in pending:
        fut.cancel()
    for fut, run in pending.items():
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            store.write(run, fut.result())


def _progress_bar(total: int, done: int, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=done, desc="sweep", unit="run", leave=True,
                disable=not (progress and sys.stderr.isatty()), file=sys.stderr)


def run_point(scenario: Scenario, point_id: int, point: dict[str, Any],
              replicate: int) -> pd.DataFrame:
    """One run of a sweep (a task): its tidy table, led by the point's id and values."""
    from nanosim.experiments.runner import run_replicate

    table = run_replicate(scenario.with_overrides(point) if point else scenario, replicate)
    return with_point_columns(table, point_id, point)


def with_point_columns(table: pd.DataFrame, point_id: int,
                       point: dict[str, Any]) -> pd.DataFrame:
    """The table with columns ``point`` and one per swept key in front."""
    front = {"point": np.full(len(table), point_id, dtype=np.int32)}
    for key, value in point.items():
        front[key] = np.repeat(np.asarray([cell(value)]), len(table))
    return pd.concat([pd.DataFrame(front), table.reset_index(drop=True)], axis=1)
