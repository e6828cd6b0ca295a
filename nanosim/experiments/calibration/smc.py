"""Approximate Bayesian computation of a calibration: pyabc's ABC-SMC, its runs on nanosim's
executors.

pyabc (0.13) keeps the algorithm: priors, the perturbation kernel, the epsilon schedule
(a quantile of the last generation's distances), importance weights, and its History
database in the calibration folder (``abc.db``), from which a rerun continues with
``ABCSMC.load``. :class:`ExecutorSampler` is the pyabc Sampler that runs the model:
it draws each proposal here from a random stream of the seed and the generation,
evaluates it as a task on a local process pool or a Dask cluster (or takes it from
the journal, if an earlier run finished it), and hands pyabc the results in the order
they were proposed. The posterior therefore depends only on the calibration file:
neither on the workers nor on where a run was interrupted.
"""

from __future__ import annotations

import logging
import math
import signal
import time
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
from pyabc.sampler import Sampler

from nanosim.experiments.calibration.journal import Journal
from nanosim.experiments.calibration.progress import duration, generation_line
from nanosim.experiments.calibration.simulate import distance, observe
from nanosim.experiments.calibration.spec import Calibration, Parameter
from nanosim.experiments.sweep.executors import task_result

DATABASE = "abc.db"
STREAM = 1  # evaluations of ABC's proposals: stream (STREAM, generation, index)
REPORT_EVERY = 10.0  # seconds between progress lines within a generation


class _Proposed(Exception):  # noqa: N818 - a signal, not an error
    """Raised by the model while a proposal is only being drawn: carries its parameters."""

    def __init__(self, params: dict):
        self.params = params


class _ReplayedModel(pyabc.Model):
    """The model pyabc calls: while proposals are drawn it stops pyabc with the proposal;
    on replay it returns the evaluation the executor made of that proposal."""

    def __init__(self):
        super().__init__("nanosim")
        self.answer: tuple[dict, np.ndarray] | None = None

    def sample(self, pars):
        if self.answer is None:
            raise _Proposed(dict(pars))
        params, values = self.answer
        if dict(pars) != params:
            raise RuntimeError("pyabc replayed another proposal than it drew; its random "
                               "numbers do not come from numpy's global generator alone")
        self.answer = None
        return {"y": values}


class ExecutorSampler(Sampler):
    """A pyabc Sampler whose evaluations run on a ``concurrent.futures`` executor.

    For generation ``t`` it seeds numpy's global generator (which pyabc's proposals use)
    from ``(seed, t)``, draws proposals one by one while fewer than ``capacity`` run,
    submits each, and replays pyabc's ``simulate_one`` on the finished ones in proposal
    order until ``n`` are accepted; the rest are cancelled. Each result is written to
    the journal as it arrives. A generation that would exceed pyabc's ``max_eval``
    (its minimum acceptance rate) or the run's budget ends unfinished (``stopped``).
    """

    def __init__(self, cal: Calibration, model: _ReplayedModel, executor, capacity: int,
                 journal: Journal, report: Callable[[str], None] | None = None):
        super().__init__()
        self.cal, self.model, self.executor = cal, model, executor
        self.capacity, self.journal = max(1, capacity), journal
        self.report = report or (lambda line: None)
        self.stopped: str | None = None  # why the last generation ended unfinished
        self.runs = 0  # evaluations made on the executor (not from the journal)

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        limit, why = max_eval, "acceptance"
        if ana_vars is not None and np.isfinite(ana_vars.max_total_nr_simulations):
            left = ana_vars.max_total_nr_simulations - ana_vars.prev_total_nr_simulations
            if left < limit:
                limit, why = left, "budget"
        saved = np.random.get_state()
        np.random.seed(np.random.SeedSequence([self.cal.settings.seed, STREAM, t + 1])
                       .generate_state(8))
        start = time.perf_counter()
        try:
            sample = self._generation(n, simulate_one, t, limit)
        finally:
            np.random.set_state(saved)
        runs, seconds = self.nr_evaluations_, time.perf_counter() - start
        if sample.n_accepted < n:
            sample.ok, self.stopped = False, why
            self.report(f"generation {t} stopped: {sample.n_accepted} of {n} accepted in "
                        f"{runs} runs, " + ("the budget is spent" if why == "budget" else
                                            f"acceptance below the target {n / max_eval:.1%}"))
            return sample
        self.stopped = None
        line = (f"generation {t} done: {n} of {runs} accepted ({n / runs:.1%}), "
                f"{duration(seconds)}")
        if ana_vars is not None:
            line += f"; epsilon {ana_vars.eps(t):.3g}"
            more = ana_vars.max_t - t
            line += f"; at most {more} generation(s) more" if more else "; the last generation"
            left = ana_vars.max_total_nr_simulations - ana_vars.prev_total_nr_simulations - runs
            if np.isfinite(left):
                line += (f"; {int(left)} runs of the budget left (about "
                         f"{duration(left * seconds / max(runs, 1))})")
        self.report(line)
        return sample

    def _generation(self, n: int, simulate_one, t: int, limit: float):
        sample = self._create_empty_sample()
        proposals: list[tuple[tuple, dict]] = []  # (generator state before it, parameters)
        done: dict[int, np.ndarray] = {}
        pending: dict = {}  # future -> proposal index
        ahead = np.random.get_state()  # the generator's state after the last proposal
        accepted = replayed = 0
        start = last_report = time.perf_counter()
        try:
            while accepted < n:
                while len(pending) < self.capacity and len(proposals) < limit:
                    np.random.set_state(ahead)
                    params = self._propose(simulate_one)
                    proposals.append((ahead, params))
                    ahead = np.random.get_state()
                    i, stream = len(proposals) - 1, (STREAM, t, len(proposals) - 1)
                    point = natural(self.cal, params)
                    cached = self.journal.get(stream, point)
                    if cached is not None:
                        done[i] = cached
                    else:
                        pending[self.executor.submit(observe, self.cal, point, stream)] = i
                    if not pending:
                        break  # replay what the journal holds before drawing more
                while replayed in done and accepted < n:
                    state, params = proposals[replayed]
                    np.random.set_state(state)
                    self.model.answer = (params, done.pop(replayed))
                    particle = simulate_one()
                    sample.append(particle)
                    accepted += bool(particle.accepted)
                    replayed += 1
                if accepted >= n or (replayed >= limit and not pending):
                    break
                if pending:
                    finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                    for fut in finished:
                        i = pending.pop(fut)
                        stream = (STREAM, t, i)
                        values = task_result(fut, f"evaluating generation {t}'s proposal {i}",
                                             self.journal.path.parent)
                        self.journal.add(stream, natural(self.cal, proposals[i][1]), values)
                        done[i] = values
                        self.runs += 1
                now = time.perf_counter()
                if replayed and now - last_report >= REPORT_EVERY:
                    last_report = now
                    self.report(generation_line(t, n, accepted, replayed, now - start, limit))
        finally:
            for fut in pending:
                fut.cancel()
        self.nr_evaluations_ = replayed
        return sample

    def _propose(self, simulate_one) -> dict:
        """Let pyabc draw one proposal (it stops at the model's first call)."""
        self.model.answer = None
        try:
            simulate_one()
        except _Proposed as proposal:
            return proposal.params
        raise RuntimeError("pyabc drew a proposal without calling the model")


def run_abc(cal: Calibration, folder: Path, observed: np.ndarray, executor, capacity: int,
            journal: Journal, budget: int | None = None,
            report: Callable[[str], None] | None = None) -> dict:
    """Run (or continue) ABC-SMC into ``folder``; the last generation and the run's record.

    Returns ``{"draws": particles (parameters, weight, distance), "generations": one row
    per generation, "stopped": why it ended, "runs": evaluations run now}``.
    """
    report = report or (lambda line: None)
    for name in list(logging.root.manager.loggerDict):
        if name == "ABC" or name.startswith("ABC."):
            logging.getLogger(name).setLevel(logging.WARNING)
    s = cal.settings
    db = f"sqlite:///{(folder / DATABASE).absolute()}"
    sd = np.array([t.sd for t in cal.targets])
    priors = pyabc.Distribution(**{p.key: _sampled(p) for p in cal.parameters})
    model = _ReplayedModel()
    sampler = ExecutorSampler(cal, model, executor, capacity, journal, report)
    resumed = (folder / DATABASE).exists() and bool(pyabc.History(db).all_runs())
    done = max(pyabc.History(db, _id=1).n_populations, 0) if resumed else 0
    eps = pyabc.QuantileEpsilon(initial_epsilon="from_sample" if done else np.inf,
                                alpha=s.quantile)
    abc = pyabc.ABCSMC(model, priors, lambda x, x0: distance(x, x0, sd), s.population,
                       eps=eps, sampler=sampler)
    history = abc.load(db, 1, {"y": observed}) if resumed else abc.new(db, {"y": observed})
    history.append_population = _whole(history.append_population)
    stopped = _finished(history, s, budget)
    if stopped is not None:
        report(f"nothing to run: the {done} generation(s) in {DATABASE} are finished "
               f"({stopped})")
    else:
        if done:
            report(f"continuing from generation {done} (the {done} before it are in "
                   f"{DATABASE})")
        with warnings.catch_warnings():  # pyabc subtracts infinite epsilons after generation 0
            warnings.simplefilter("ignore", RuntimeWarning)
            abc.run(minimum_epsilon=s.min_epsilon, max_nr_populations=s.generations - done,
                    min_acceptance_rate=s.min_acceptance,
                    max_total_nr_simulations=np.inf if budget is None else budget)
        stopped = sampler.stopped or _finished(abc.history, s, budget) or "generations"
    history = abc.history
    if history.n_populations == 0:
        raise RuntimeError("ABC-SMC ended before its first generation")
    return {"draws": _draws(history, cal), "generations": _generations(history),
            "stopped": stopped, "runs": sampler.runs}


def _sampled(p: Parameter):
    """The prior pyabc samples: a loguniform parameter as its logarithm, uniform, so the
    perturbation kernel (a Gaussian) works on the scale the prior is flat on."""
    if p.prior == "loguniform":
        return pyabc.RV("uniform", math.log(p.low), math.log(p.high) - math.log(p.low))
    name, args, kwargs = p.scipy
    return pyabc.RV(name, *args, **kwargs)


def natural(cal: Calibration, params) -> dict[str, float]:
    """Parameters as pyabc samples them, as the scenario takes them."""
    return {p.key: math.exp(params[p.key]) if p.prior == "loguniform" else float(params[p.key])
            for p in cal.parameters}


def _finished(history, s, budget: int | None) -> str | None:
    """Why a History's run is over (generations, epsilon, budget), or None if it is not."""
    done = max(history.n_populations, 0)
    if done >= s.generations:
        return "generations"
    if done and history.get_all_populations()["epsilon"].iloc[-1] <= s.min_epsilon:
        return "epsilon"
    if budget is not None and history.total_nr_simulations >= budget:
        return "budget"
    return None


def _whole(store: Callable) -> Callable:
    """``store`` with Ctrl-C and SIGTERM held until it returns: a generation goes into the
    History whole or not at all (pyabc commits what it holds when a run is interrupted)."""
    def held(*args, **kwargs):
        signals = {signal.SIGINT, signal.SIGTERM}
        before = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
        try:
            return store(*args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)
    return held


def _draws(history, cal: Calibration) -> pd.DataFrame:
    """The last generation's particles: parameters, weight and distance, closest first."""
    population = history.get_population()
    rows = [{**natural(cal, part.parameter), "weight": float(part.weight),
             "distance": float(part.distance)} for part in population.particles]
    table = pd.DataFrame(rows)
    table["weight"] /= table["weight"].sum()
    keys = ["distance", *(p.key for p in cal.parameters)]
    return table.sort_values(keys, kind="stable", ignore_index=True)


def _generations(history) -> pd.DataFrame:
    """One row per generation: epsilon, runs, accepted, acceptance, the effective sample
    size of its weights (1 / sum w^2: few particles carrying the weight is a poor
    posterior) and its seconds."""
    table = history.get_all_populations().query("t >= 0")
    ess = []
    for t in table["t"]:
        w = history.get_distribution(0, int(t))[1]
        ess.append(float(1.0 / np.sum((w / np.sum(w)) ** 2)))
    return pd.DataFrame({"generation": table["t"].astype(int),
                         "epsilon": table["epsilon"].astype(float),
                         "runs": table["samples"].astype(int),
                         "accepted": table["particles"].astype(int),
                         "acceptance": table["particles"] / table["samples"],
                         "ess": ess,
                         "seconds": table["wall_time"].astype(float)}).reset_index(drop=True)
