"""Batch parameter sweeps: a design of points x replicates, run locally or on Dask, resumable.

:func:`plan_sweep` builds and checks a design (:mod:`.design`: grid, Latin
hypercube) on a scenario or sweep file (:mod:`.plan`); :func:`sweep` and
:func:`run_plan` run it (:mod:`.run`) on any ``concurrent.futures`` executor
(:mod:`.executors`: a local process pool, or a Dask cluster's) into a sweep folder
(:mod:`.store`), which :class:`SweepStore` and :func:`load_sweep` read back.
"""

from nanosim.experiments.sweep.design import latin_hypercube, parse_grid, parse_ranges
from nanosim.experiments.sweep.executors import check_scheduler, default_workers, executor
from nanosim.experiments.sweep.plan import Plan, plan_sweep, read_sweep_file
from nanosim.experiments.sweep.run import (
           check_sweep_memory,
           run_plan,
           run_point,
           sweep,
           with_point_columns,
)
from nanosim.experiments.sweep.store import MANIFEST, RUNS, SweepStore, check_folder, load_sweep

__all__ = ["MANIFEST", "RUNS", "Plan", "SweepStore", "check_folder", "check_scheduler",
           "check_sweep_memory", "default_workers", "executor", "latin_hypercube",
           "load_sweep", "parse_grid", "parse_ranges", "plan_sweep", "read_sweep_file",
           "run_plan", "run_point", "sweep", "with_point_columns"]
