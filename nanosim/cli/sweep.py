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
    RUNS,
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
           "overrides": "--set", "seed": "--seed"}


def command(args: argparse.Namespace) -> int:
    """``nanosim sweep``: run (or resume) a sweep and say where its runs are."""
    plan = plan_sweep(args.scenario, args.grid, args.lhs, args.ranges, args.replicates,
                      overrides=args.overrides, seed=args.seed, names=OPTIONS,
                      max_memory=args.max_memory)
    out = Path(args.out)
    total = len(plan.runs)
    before = check_folder(plan, out)
    if before == total:
        print(f"nothing to run: all {total} runs are in {out}/{RUNS}")
        return 0
    workers = min(args.workers or default_workers(), total - before)
    check_sweep_memory(plan, workers, args.scheduler, args.max_memory)
    if args.scheduler is not None:
        check_scheduler(args.scheduler)
    where = f"Dask scheduler {args.scheduler}" if args.scheduler is not None else \
        f"{workers} local worker(s)"
    print(f"sweep: {len(plan.points)} point(s) x {plan.replicates} replicate(s) = {total} runs "
          f"of {plan.scenario.run.name!r}" + (f"; {before} already done" if before else "")
          + f"; on {where}", flush=True)
    start = time.perf_counter()
    try:
        with _terminate_as_interrupt() as stopped_by:
            store = run_plan(plan, out, workers=args.workers, scheduler=args.scheduler,
                             progress=True, max_memory=args.max_memory)
    except KeyboardInterrupt:
        kept = total - len(SweepStore(out).missing())
        print(f"nanosim: interrupted; {kept} of {total} runs are kept in {out}; run the same "
              "command again to finish", file=sys.stderr)
        return 128 + stopped_by.get("signal", signal.SIGINT)
    seconds = time.perf_counter() - start
    print(f"done: {total - before} run(s) in {seconds:.1f} s; {total} of {total} in {out}/runs")
    print(f"next: nanosim report {out}")
    return 0 if store.complete else 1


@contextmanager
def _terminate_as_interrupt():
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
