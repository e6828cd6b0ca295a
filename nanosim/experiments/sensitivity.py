"""Global sensitivity analysis: SALib designs run as a sweep, indices of replicate means.

:func:`plan_sensitivity` checks the ranges, draws a Morris or Sobol' (Saltelli) design
from SALib and makes it a sweep :class:`~nanosim.experiments.sweep.Plan`, run by the
sweep's own runner into a resumable folder. Replicate ``r`` of every point uses stream
``r`` of the scenario seed (common random numbers), so differences between points are
the parameters' doing and not the draw's. :func:`outcomes` reads the final shift of a
metric for one pair and each channel's share of it; :func:`analyse` computes SALib's
indices with bootstrap intervals on the replicate means, and :func:`noise` the share of
variance that is replicate noise. Indices depend only on the run files and the seed, so
a resumed folder gives the same indices as an uninterrupted one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nanosim.errors import NanosimError, ScenarioError
from nanosim.experiments.budget import PROCESS, check_memory, design_bytes
from nanosim.experiments.compare import BY_CHANNEL, check_metric, check_pair, parse_pair
from nanosim.experiments.report import as_store, final_values, select_pair
from nanosim.experiments.sweep import SweepStore, parse_ranges, plan_sweep
from nanosim.experiments.sweep.plan import ARGUMENTS, Plan
from nanosim.scenario import Scenario, as_scenario

METHODS = ("morris", "sobol")
MIN_SAMPLES = {"morris": 2, "sobol": 4}  # σ needs two elementary effects; Sobol' a 2^m base
DEFAULT_SAMPLES = {"morris": 10, "sobol": 32}
LEVELS = 4  # Morris grid levels
RESAMPLES = 1000  # bootstrap resamples of every interval
CONFIDENCE = 0.95
# an index has converged when its interval is at most this wide: for Sobol' indices
# (shares of variance) in absolute terms, for Morris' μ* relative to its outcome's largest μ*
THRESHOLD = {"sobol": 0.1, "morris": 0.2}
TOTAL = "total"  # the outcome named for the whole shift (channels are named by their name)
RANK_BY = {"morris": "mu_star", "sobol": "ST"}


@dataclass(frozen=True)
class Design:
    """A SALib design: its method, problem (names and bounds), base samples and points."""

    method: str
    names: list[str]
    bounds: list[tuple]
    samples: int
    second_order: bool
    seed: int
    X: np.ndarray  # one row per point, as run (whole-number keys rounded)

    @property
    def problem(self) -> dict:
        return _problem(self.names, self.bounds)

    def points(self) -> list[dict]:
        """The design's points as a sweep's: ``{key: value}``, whole numbers kept whole."""
        whole = [isinstance(lo, int) and isinstance(hi, int) for lo, hi in self.bounds]
        return [{k: (int(v) if w else float(v)) for k, v, w in
                 zip(self.names, row, whole, strict=True)} for row in self.X]

    def settings(self) -> dict:
        """What a folder records of the design (``sensitivity.json``)."""
        return {"method": self.method, "parameters": self.names,
                "bounds": [list(b) for b in self.bounds], "samples": self.samples,
                "second_order": self.second_order, "seed": self.seed, "levels": LEVELS,
                "points": len(self.X), "resamples": RESAMPLES, "confidence": CONFIDENCE,
                "threshold": THRESHOLD[self.method]}


def design(method: str, ranges: dict[str, tuple], samples: int, seed: int,
           second_order: bool = False, source: str = "--samples") -> Design:
    """Morris trajectories (``samples`` of them) or a Sobol' design (``samples`` base
    points: ``samples * (D + 2)`` runs, ``samples * (2D + 2)`` with second order).

    Ranges of whole numbers give whole-number points (rounded), as the runs take them.
    """
    from SALib.sample import morris, sobol

    if method not in METHODS:
        raise NanosimError(f"--method: unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if not ranges:
        raise ScenarioError("--range", "", "give at least one KEY=LO:HI to vary")
    least = MIN_SAMPLES[method]
    if samples < least or (method == "sobol" and samples & (samples - 1)):
        what = ("a power of 2, at least 4 (e.g. 16, 32, 64)" if method == "sobol"
                else "at least 2 trajectories")
        raise ScenarioError(source, "", f"{method} needs {what} (got {samples})")
    names, bounds = list(ranges), [tuple(b) for b in ranges.values()]
    problem = _problem(names, bounds)
    if method == "morris":
        X = morris.sample(problem, samples, num_levels=LEVELS, seed=seed)
    else:
        X = sobol.sample(problem, samples, calc_second_order=second_order, seed=seed)
    whole = [isinstance(lo, int) and isinstance(hi, int) for lo, hi in bounds]
    X = np.where(whole, np.round(X), X)
    return Design(method, names, bounds, samples, second_order, seed, X)


def _problem(names: list[str], bounds: list[tuple]) -> dict:
    """SALib's description of the parameters."""
    return {"num_vars": len(names), "names": list(names),
            "bounds": [[float(lo), float(hi)] for lo, hi in bounds]}


def plan_sensitivity(scenario: Scenario | str | Path, method: str, ranges,
                     samples: int | None = None, replicates: int | None = None, *,
                     overrides=None, seed: int | None = None, second_order: bool = False,
                     names: dict[str, str] = ARGUMENTS,
                     max_memory: int | None = None) -> tuple[Plan, Design]:
    """Check the ranges against the keys' limits, draw the design, and plan it as a sweep;
    a design that would not fit in ``max_memory`` (default: the memory available) is
    refused before it is drawn."""
    base = as_scenario(scenario)
    if overrides:
        base = base.with_overrides(overrides, names["overrides"])
    parsed = parse_ranges(ranges or [], names["ranges"])
    for key, bounds in parsed.items():  # the user's own bounds, named, if out of limits
        for bound in bounds:
            base.with_overrides({key: bound}, names["ranges"])
    n = samples if samples is not None else DEFAULT_SAMPLES.get(method, 0)
    k = len(parsed)
    points = n * (k + 1) if method == "morris" else n * ((2 * k + 2) if second_order else (k + 2))
    runs = points * (replicates or base.run.replicates)
    check_memory(PROCESS + design_bytes(runs), f"a {method} design of {runs} runs", max_memory)
    d = design(method, parsed, n, base.run.seed if seed is None else seed, second_order)
    plan = plan_sweep(scenario, design=d.points(), replicates=replicates,
                      overrides=overrides, seed=seed, names=names, max_memory=max_memory)
    return plan, d


def check_outcome(scenario: Scenario, metric: str, pair: str | None) -> tuple[str, str]:
    """The pair whose ``metric`` shift is analysed (default: the scenario's first)."""
    return check_pair([scenario], parse_pair(pair), check_metric(metric))


# --- outcomes -------------------------------------------------------------------------------


def outcomes(folder: str | Path | SweepStore, metric: str,
             pair: tuple[str, str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Final shift of ``metric`` for ``pair`` per point and replicate (points x replicates),
    and each channel's share of it (``shift_by_channel`` or its image's), by channel."""
    import pyarrow.dataset as ds

    store = as_store(folder)
    if store.missing():
        raise NanosimError(f"{store.folder}: {len(store.missing())} of {len(store.runs)} runs "
                           "are missing; run the same command again to finish them")
    observer, target = pair
    where = ((ds.field("metric") == metric) & (ds.field("observer") == observer)
             & (ds.field("target") == target))
    rows = store.dataset().to_table(columns=["point", "replicate", "step", "value"],
                                    filter=where).to_pandas()
    runs = rows.sort_values("step", kind="stable").groupby(["point", "replicate"])["value"]
    shift = (runs.last() - runs.first()).rename("value").reset_index()
    total = _matrix(shift, store)
    shares = select_pair(final_values(store, BY_CHANNEL.get(metric, "shift_by_channel")),
                         f"{observer}:{target}", store.folder)
    by_channel = {str(c): _matrix(t, store) for c, t in
                  shares.groupby(shares["channel"].astype(str), sort=False)}
    return total, by_channel


def _matrix(table: pd.DataFrame, store: SweepStore) -> np.ndarray:
    out = np.full((len(store.manifest["points"]), store.replicates), np.nan)
    out[table["point"].to_numpy(), table["replicate"].to_numpy()] = table["value"].to_numpy()
    return out


# --- analysis -------------------------------------------------------------------------------


def analyse(d: Design, Y: np.ndarray) -> pd.DataFrame:
    """SALib's indices of the replicate means of ``Y`` (points x replicates) with bootstrap
    intervals: parameter, index, value, low, high (NaN where SALib gives no interval).

    Morris: ``mu_star`` (with interval), ``mu``, ``sigma``. Sobol': ``S1``, ``ST`` and,
    with second order, ``S2`` for each pair of parameters (``a × b``).
    """
    from SALib.analyze import morris, sobol

    y = np.asarray(Y, dtype=float).reshape(len(d.X), -1).mean(axis=1)
    rows = []
    if d.method == "morris":
        r = morris.analyze(d.problem, d.X, y, num_resamples=RESAMPLES, conf_level=CONFIDENCE,
                           num_levels=LEVELS, seed=d.seed)
        for i, name in enumerate(d.names):
            rows.append(_row(name, "mu_star", r["mu_star"][i], r["mu_star_conf"][i]))
            rows.append(_row(name, "mu", r["mu"][i]))
            rows.append(_row(name, "sigma", r["sigma"][i]))
    else:
        r = sobol.analyze(d.problem, y, calc_second_order=d.second_order,
                          num_resamples=RESAMPLES, conf_level=CONFIDENCE, seed=d.seed)
        for i, name in enumerate(d.names):
            rows.append(_row(name, "S1", r["S1"][i], r["S1_conf"][i]))
            rows.append(_row(name, "ST", r["ST"][i], r["ST_conf"][i]))
        if d.second_order:
            for i, j in zip(*np.triu_indices(len(d.names), 1), strict=True):
                rows.append(_row(f"{d.names[i]} × {d.names[j]}", "S2", r["S2"][i, j],
                                 r["S2_conf"][i, j]))
    return pd.DataFrame(rows, columns=["parameter", "index", "value", "low", "high"])


def _row(parameter: str, index: str, value, conf=np.nan) -> dict:
    value, conf = float(value), float(conf)
    return {"parameter": parameter, "index": index, "value": value, "low": value - conf,
            "high": value + conf}


def indices(d: Design, total: np.ndarray, by_channel: dict[str, np.ndarray]) -> pd.DataFrame:
    """The tidy table of every index: for the whole shift (outcome ``total``) and for each
    channel's share of it that varies across the design (a channel that moved nothing
    has no indices)."""
    parts = [analyse(d, total).assign(outcome=TOTAL)]
    for channel, Y in by_channel.items():
        if np.ptp(Y.mean(axis=1)) > 0:
            parts.append(analyse(d, Y).assign(outcome=channel))
    table = pd.concat(parts, ignore_index=True)
    return table[["outcome", "parameter", "index", "value", "low", "high"]]


def convergence(d: Design, table: pd.DataFrame) -> pd.DataFrame:
    """Each index with an interval: its width, whether it is within :data:`THRESHOLD`, and
    the base samples that would bring it there (the width shrinks as 1/sqrt(samples))."""
    rows = table.dropna(subset=["low", "high"]).copy()
    rows["width"] = rows["high"] - rows["low"]
    if d.method == "morris":
        largest = table[table["index"] == "mu_star"].groupby("outcome")["value"].max()
        limit = THRESHOLD["morris"] * rows["outcome"].map(largest)
    else:
        limit = pd.Series(THRESHOLD["sobol"], index=rows.index)
    rows["limit"] = limit
    rows["converged"] = rows["width"] <= limit
    rows["samples_needed"] = [
        d.samples if ok or lim <= 0 else _enough(d, d.samples * (w / lim) ** 2)
        for ok, w, lim in zip(rows["converged"], rows["width"], limit, strict=True)]
    return rows


def _enough(d: Design, n: float) -> int:
    n = math.ceil(n)
    return 1 << (n - 1).bit_length() if d.method == "sobol" else n  # Sobol': a power of 2


def ranking(d: Design, table: pd.DataFrame, outcome: str = TOTAL) -> pd.DataFrame:
    """The parameters of one outcome, most influential first (by μ* or the total index)."""
    rows = table[(table["outcome"] == outcome) & (table["index"] == RANK_BY[d.method])]
    return rows.sort_values("value", ascending=False, kind="stable", ignore_index=True)


def noise(Y: np.ndarray) -> dict:
    """How much of the outcome's variance is replicate noise.

    ``runs``: the mean within-point variance across replicates as a share of the variance
    of single runs; ``means``: that noise divided by the replicates, as a share of the
    variance of the replicate means the indices are computed on (an upper bound: with
    common random numbers the part of the noise shared by every point cancels).
    """
    Y = np.asarray(Y, dtype=float)
    n_rep = Y.shape[1]
    if n_rep < 2:
        return {"replicates": n_rep, "runs": None, "means": None}
    within = Y.var(axis=1, ddof=1).mean()
    total, means = Y.var(ddof=1), Y.mean(axis=1).var(ddof=1)
    return {"replicates": n_rep, "runs": _share(within, total),
            "means": _share(within / n_rep, means)}


def _share(part: float, whole: float) -> float | None:
    return None if whole <= 0 else float(min(part / whole, 1.0))
