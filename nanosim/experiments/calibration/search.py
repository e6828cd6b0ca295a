"""A point estimate of a calibration: Optuna's TPE search for the parameters closest to the
data, its trials on nanosim's executors.

Optuna asks for ``batch`` trials at a time, from a TPE sampler seeded by the seed and the
number of trials before the batch; the batch's evaluations run as tasks (or come from
the journal), and their distances (as ABC's: the root mean square of model minus data
in units of each figure's sd) are told back. The study lives in an Optuna storage in
the calibration folder (``optuna.db``): a rerun tells the trials of an interrupted batch
first, then continues. Trials therefore depend on the calibration file only, not on the
workers. Optuna searches each parameter's range (on a log scale for a loguniform prior);
it has no prior beyond that, and gives a best point, not a posterior.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

import numpy as np
import pandas as pd

from nanosim.experiments.calibration.journal import Journal
from nanosim.experiments.calibration.progress import duration
from nanosim.experiments.calibration.simulate import distance, observe
from nanosim.experiments.calibration.spec import Calibration
from nanosim.experiments.sweep.executors import task_result

DATABASE = "optuna.db"
STUDY = "nanosim"
STREAM = 2  # evaluations of Optuna's trials: stream (STREAM, trial number)


def run_optuna(cal: Calibration, folder: Path, observed: np.ndarray, executor, capacity: int,
               journal: Journal, budget: int | None = None,
               report: Callable[[str], None] | None = None) -> dict:
    """Run (or continue) the search into ``folder``; its trials and the run's record.

    Returns ``{"draws": one row per trial (trial, parameters, distance), "stopped",
    "runs": evaluations run now}``.
    """
    import optuna
    from optuna.distributions import FloatDistribution
    from optuna.trial import TrialState

    report = report or (lambda line: None)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    s = cal.settings
    total = s.trials if budget is None else min(s.trials, budget)
    sd = np.array([t.sd for t in cal.targets])
    space = {p.key: FloatDistribution(p.low, p.high, log=p.prior == "loguniform")
             for p in cal.parameters}
    study = optuna.create_study(study_name=STUDY, direction="minimize", load_if_exists=True,
                                storage=f"sqlite:///{(folder / DATABASE).absolute()}")
    runs, start = 0, time.perf_counter()
    while True:
        waiting = [t.number for t in study.get_trials(deepcopy=False,
                                                      states=(TrialState.RUNNING,))]
        if not waiting:
            asked = len(study.trials)
            if asked >= total:
                break
            study.sampler = optuna.samplers.TPESampler(
                seed=int(np.random.SeedSequence([s.seed, STREAM, asked]).generate_state(1)[0]))
            waiting = [study.ask(space).number for _ in range(min(s.batch, total - asked))]
        trials = {t.number: t for t in study.get_trials(deepcopy=False)}
        pending = {}
        for number in waiting:
            params, stream = dict(trials[number].params), (STREAM, number)
            cached = journal.get(stream, params)
            if cached is not None:
                study.tell(number, distance({"y": cached}, {"y": observed}, sd))
            else:
                pending[executor.submit(observe, cal, params, stream)] = (number, params)
        try:
            while pending:
                finished, _ = wait(list(pending), return_when=FIRST_COMPLETED, timeout=None)
                for fut in finished:
                    number, params = pending.pop(fut)
                    values = task_result(fut, f"evaluating trial {number}", folder)
                    journal.add((STREAM, number), params, values)
                    study.tell(number, distance({"y": values}, {"y": observed}, sd))
                    runs += 1
        finally:
            for fut in pending:
                fut.cancel()
        told = len(study.trials)
        best = study.best_trial
        seconds = time.perf_counter() - start
        line = f"trials {told} of {total}: best distance {best.value:.3g} (trial {best.number})"
        if runs and told < total:
            line += f"; about {duration((total - told) * seconds / runs)} left"
        report(line)
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    rows = [{"trial": t.number, **{p.key: float(t.params[p.key]) for p in cal.parameters},
             "distance": float(t.value)} for t in done]
    return {"draws": pd.DataFrame(rows).sort_values("trial", ignore_index=True),
            "stopped": "trials", "runs": runs}
