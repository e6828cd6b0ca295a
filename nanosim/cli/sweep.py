"""``nanosim sweep``: run (or resume) a sweep and say where its runs are.

While it runs, SIGTERM (``kill``, a batch system's time limit) stops it as Ctrl-C
does: the finished runs are kept and the same command continues the sweep.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from nanosim.experiments.sweep import (
    MANIFEST,
    RUNS,
    Plan,
    SweepStore,
    check_folder,
    check_scheduler,
    check_sweep_memory,
    default_workers,
    plan_sweep,
    run_plan,
)

# what errors call plan_sweep's arguments: the options that gave them
OPTIONS = {"grid": "--grid", "ranges": "--range", "lhs": "--lhs", "replicates": "--replicates",
           "overrides": "--set", "seed": "--seed", "design": "--design"}


def command(args: argparse.Namespace) -> int:
    """``nanosim sweep``: run (or resume) a sweep and say where its runs are."""
    plan = plan_sweep(args.scenario, args.grid, args.lhs, args.ranges, args.replicates,
                      overrides=args.overrides, seed=args.seed, design=args.design,
                      names=OPTIONS, max_memory=args.max_memory)
    status = execute(plan, Path(args.out), args.workers, args.scheduler,
                     max_memory=args.max_memory)
    if status == 0:
        print(f"next: nanosim report {args.out}")
    return status


def execute(plan: Plan, out: Path, workers: int | None, scheduler: str | None,
            what: str = "sweep", max_memory: int | None = None) -> int:
    """Run the plan's missing runs into ``out``, saying what runs where and how long it
    took; 0 once every run is there, 128 + the signal's number if interrupted. Refused
    before any run if the runs at once would not fit in ``max_memory`` (default: the
    memory available)."""
    total = len(plan.runs)
    before = check_folder(plan, out)
    _note_damaged(out)
    if before == total:
        print(f"nothing to run: all {total} runs are in {out}/{RUNS}")
        return 0
    n_workers = min(workers or default_workers(), total - before)
    check_sweep_memory(plan, n_workers, scheduler, max_memory)
    if scheduler is not None:
        check_scheduler(scheduler)
    where = f"Dask scheduler {scheduler}" if scheduler is not None else \
        f"{n_workers} local worker(s)"
    print(f"{what}: {len(plan.points)} point(s) x {plan.replicates} replicate(s) = {total} "
          f"runs of {plan.scenario.run.name!r}" + (f"; {before} already done" if before else "")
          + f"; on {where}", flush=True)
    start = time.perf_counter()
    try:
        with terminate_as_interrupt() as stopped_by:
            store = run_plan(plan, out, workers=workers, scheduler=scheduler, progress=True,
                             max_memory=max_memory)
    except KeyboardInterrupt:
        kept = total - len(SweepStore(out).missing())
        print(f"nanosim: interrupted; {kept} of {total} runs are kept in {out}; run the same "
              "command again to finish", file=sys.stderr)
        return 128 + stopped_by.get("signal", signal.SIGINT)
    seconds = time.perf_counter() - start
    print(f"done: {total - before} run(s) in {seconds:.1f} s; {total} of {total} in {out}/runs")
    return 0 if store.complete else 1


def _note_damaged(out: Path) -> None:
    """Name the run files that fail their check: the sweep runs them again."""
    if not (out / MANIFEST).is_file():
        return
    store = SweepStore(out)
    damaged = store.damaged()
    if damaged:
        (run, why), n = next(iter(damaged.items())), len(damaged)
        others = f" and {n - 1} more" if n > 1 else ""
        print(f"note: {RUNS}/{store.path(*run).name}{others} damaged ({why}); "
              f"{'they run' if n > 1 else 'it runs'} again", flush=True)


@contextmanager
def terminate_as_interrupt():
    """While running, SIGTERM (``kill``, a batch system's time limit) stops like Ctrl-C.

    Yields a dict that holds the signal's number once one has stopped the sweep.
    """
    stopped_by: dict = {}

    def stop(signum, frame):
        stopped_by["signal"] = signum
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield stopped_by
    finally:
        signal.signal(signal.SIGTERM, previous)
