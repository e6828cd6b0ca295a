"""Running a calibration: the fit (ABC-SMC or Optuna) into its folder, then the posterior
predictive runs and the summaries its report is made of.

Everything runs on the sweep's executors (local processes or a Dask cluster) and every
evaluation is journalled as it finishes, so the same call into the same folder
continues an interrupted calibration and reproduces a finished one. A recovery test
(``check=True``) first makes synthetic data with the model at known parameter values
(each parameter's ``truth``, else its prior median), then fits them as data.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nanosim.errors import NanosimError
from nanosim.experiments.budget import PROCESS, WORKER, check_memory, run_bytes
from nanosim.experiments.calibration.folder import check_folder, manifest, open_folder
from nanosim.experiments.calibration.journal import Journal
from nanosim.experiments.calibration.simulate import observe, trajectories
from nanosim.experiments.calibration.spec import METHODS, Calibration, read_calibration
from nanosim.experiments.calibration.summary import (
    bands,
    coverage,
    fit_table,
    parameter_table,
    point,
)
from nanosim.experiments.sweep.executors import (
    check_scheduler,
    default_workers,
    executor,
    slots,
    task_result,
)

PREDICTIVE_DRAWS = 40  # posterior draws (or replicate runs at the best point) for the bands
PREDICTIVE, TRUTH = 3, 4  # streams: (PREDICTIVE, draw); (TRUTH,) makes --check's data


@dataclass(frozen=True)
class Result:
    """A finished fit: its draws, its summaries and how it ran."""

    calibration: Calibration  # with --check, its targets hold the synthetic data
    method: str
    check: bool
    draws: pd.DataFrame  # ABC: the posterior's particles; Optuna: every trial
    generations: pd.DataFrame | None  # ABC: one row per generation
    parameters: pd.DataFrame  # summary.parameter_table
    point: dict[str, float]  # posterior median, or best trial
    predictive: np.ndarray  # draws x series x days
    bands: pd.DataFrame  # summary.bands
    fit: pd.DataFrame  # summary.fit_table
    coverage: pd.DataFrame | None  # --check: summary.coverage
    stopped: str  # why the fit ended: generations, acceptance, epsilon, budget, trials
    runs: int  # evaluations run by this call (the rest came from the journal)
    seconds: float


def calibrate(cal: Calibration | str | Path, out: str | Path, method: str = "abc", *,
              budget: int | None = None, workers: int | None = None, scheduler=None,
              check: bool = False, report: Callable[[str], None] | None = None,
              max_memory: int | None = None) -> Result:
    """Fit ``cal`` (a calibration file, or one read) into the folder ``out``, continuing it
    if it holds this calibration; ``nanosim.io.calibration.write_calibration`` writes the
    result's report, figures and tables into it.

    ``budget``: at most this many evaluations in all (ABC: its generations' runs; Optuna:
    trials). ``workers``: local processes (default: the cores); ``scheduler``: a Dask
    scheduler address or Client instead. ``report`` receives the progress lines.
    Nothing is written if the method, budget, folder or memory is refused.
    """
    report = report or (lambda line: None)
    if not isinstance(cal, Calibration):
        cal = read_calibration(cal)
    if method not in METHODS:
        raise NanosimError(f"--method: unknown method {method!r}; allowed: {', '.join(METHODS)}")
    s = cal.settings
    if budget is not None and method == "abc" and budget < s.population:
        raise NanosimError(f"--budget: {budget} runs cannot make one generation of "
                           f"{s.population} particles ({cal.source}: abc.population)")
    if budget is not None and budget < 1:
        raise NanosimError(f"--budget: must be a whole number >= 1 (got {budget})")
    if scheduler is not None and isinstance(scheduler, str):
        check_scheduler(scheduler)
    n_workers = workers or default_workers()
    many = 2**31  # a fit runs until its budget: each worker keeps the most burned-in models
    largest = max(run_bytes(sc, s.replicates, WORKER, many) for sc in cal.scenarios.values())
    check_memory(PROCESS + (0 if scheduler is not None else n_workers) * largest,
                 f"this calibration ({n_workers} runs at a time here)", max_memory)
    start = time.perf_counter()
    if check:
        truth = {p.key: p.check_value for p in cal.parameters}
        synthetic = observe(cal, truth, (TRUTH,))
        cal = dataclasses.replace(cal, targets=[dataclasses.replace(t, value=float(v))
                                                for t, v in zip(cal.targets, synthetic,
                                                                strict=True)])
    wanted = manifest(cal, method, check)
    check_folder(out, wanted)
    observed = np.array([t.value for t in cal.targets])
    with executor(n_workers, scheduler) as ex, open_folder(out, wanted) as folder:
        journal = Journal(folder)
        capacity = 2 * slots(ex, n_workers)
        if method == "abc":
            from nanosim.experiments.calibration.smc import run_abc

            fit = run_abc(cal, folder, observed, ex, capacity, journal, budget, report)
        else:
            from nanosim.experiments.calibration.search import run_optuna

            fit = run_optuna(cal, folder, observed, ex, capacity, journal, budget, report)
        table = parameter_table(cal, method, fit["draws"])
        best = point(cal, table)
        report(f"posterior predictive: {PREDICTIVE_DRAWS} runs" if method == "abc" else
               f"predictive band: {PREDICTIVE_DRAWS} runs at the best point")
        paths, ran = _evaluate(ex, journal, trajectories, cal,
                               _predictive_jobs(cal, method, fit["draws"], best))
    band = bands(cal, paths)
    return Result(cal, method, check, fit["draws"], fit.get("generations"), table, best, paths,
                  band, fit_table(cal, band), coverage(cal, table) if check else None,
                  fit["stopped"], fit["runs"] + ran, time.perf_counter() - start)


def _predictive_jobs(cal: Calibration, method: str, draws: pd.DataFrame,
                     best: dict[str, float]) -> list[tuple[tuple, dict]]:
    """(stream, parameters) of each predictive run: posterior draws resampled by weight
    (ABC), or the best point (Optuna), each run on its own stream."""
    keys = [p.key for p in cal.parameters]
    if method != "abc":
        return [((PREDICTIVE, k), dict(best)) for k in range(PREDICTIVE_DRAWS)]
    rng = np.random.default_rng([cal.settings.seed, PREDICTIVE])
    picked = rng.choice(len(draws), PREDICTIVE_DRAWS, p=draws["weight"].to_numpy())
    return [((PREDICTIVE, k), {key: float(draws.at[i, key]) for key in keys})
            for k, i in enumerate(picked)]


def _evaluate(ex, journal: Journal, task, cal: Calibration,
              jobs: list[tuple[tuple, dict]]) -> tuple[np.ndarray, int]:
    """Every job's result, stacked in order (from the journal, or run on ``ex`` and
    journalled), and how many ran."""
    results: dict[int, np.ndarray] = {}
    pending = {}
    for j, (stream, params) in enumerate(jobs):
        cached = journal.get(stream, params)
        if cached is not None:
            results[j] = cached
        else:
            pending[ex.submit(task, cal, params, stream)] = j
    ran = len(pending)
    try:
        for fut in as_completed(list(pending)):
            j = pending.pop(fut)
            results[j] = task_result(fut, "making the predictive runs", journal.path.parent)
            journal.add(*jobs[j], results[j])
    finally:
        for fut in pending:
            fut.cancel()
    return np.stack([results[j] for j in range(len(jobs))]), ran
