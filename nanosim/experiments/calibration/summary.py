"""What a fit says: each parameter's estimate and interval against its prior, the model's
band against the data, and whether a recovery test's intervals cover the truth.

For ABC the estimate is the posterior median and the interval the central 80 % of the
weighted posterior. Whether the data *moved* a parameter compares that interval with
the prior's central 80 % (on a log scale for a loguniform prior): ``width`` is their
ratio, ``shift`` the distance between the medians in prior widths. A parameter is
**identified** when its interval is at most half the prior's, **moved** when it is at
most 0.8 of it or its median moved by at least 0.2 prior widths, and **not identified**
otherwise (the data say about as much as the prior). For Optuna the estimate is the
best trial and the "interval" the range of the best 10 % of trials: a spread of good
fits, not a posterior interval, so it gets no verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nanosim.experiments.calibration.spec import Calibration, Parameter

LOW, HIGH = 0.1, 0.9  # the central 80 %
IDENTIFIED, MOVED, SHIFTED = 0.5, 0.8, 0.2
BEST_SHARE = 0.1  # Optuna: the best tenth of the trials


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The q-quantile of points ``x`` with weights ``w`` (midpoint rule, as pyabc's)."""
    order = np.argsort(x, kind="stable")
    x, w = np.asarray(x, float)[order], np.asarray(w, float)[order]
    w = w / w.sum()
    return float(np.interp(q, np.cumsum(w) - 0.5 * w, x))


def parameter_table(cal: Calibration, method: str, draws: pd.DataFrame) -> pd.DataFrame:
    """One row per parameter: its prior's 10/50/90 % quantiles, the estimate and interval,
    their width and shift against the prior, and the verdict."""
    rows = []
    for p in cal.parameters:
        prior = p.distribution()
        p_low, p_mid, p_high = (float(prior.ppf(q)) for q in (LOW, 0.5, HIGH))
        if method == "abc":
            x, w = draws[p.key].to_numpy(), draws["weight"].to_numpy()
            low, mid, high = (weighted_quantile(x, w, q) for q in (LOW, 0.5, HIGH))
        else:
            best = draws.nsmallest(max(1, round(BEST_SHARE * len(draws))), "distance")
            mid = float(draws.loc[draws["distance"].idxmin(), p.key])
            low, high = float(best[p.key].min()), float(best[p.key].max())
        scale = np.log if p.prior == "loguniform" else (lambda v: v)
        prior_width = scale(p_high) - scale(p_low)
        width = (scale(high) - scale(low)) / prior_width
        shift = abs(scale(mid) - scale(p_mid)) / prior_width
        if method != "abc":  # a spread of good trials is no posterior: no verdict
            width = shift = np.nan
        rows.append({"parameter": p.key, "prior": describe(p), "prior_low": p_low,
                     "prior_median": p_mid, "prior_high": p_high, "estimate": mid,
                     "low": low, "high": high, "width": width, "shift": shift,
                     "verdict": verdict(width, shift) if method == "abc" else "no posterior"})
    return pd.DataFrame(rows)


def verdict(width: float, shift: float) -> str:
    if width <= IDENTIFIED:
        return "identified"
    if width <= MOVED or shift >= SHIFTED:
        return "moved"
    return "not identified"


def describe(p: Parameter) -> str:
    """A prior as text: ``uniform [0.3, 1]``, ``normal(0.5, 0.1) on [0, 1]``."""
    if p.prior == "normal":
        return f"normal({p.mean:g}, {p.sd:g}) on [{p.low:g}, {p.high:g}]"
    return f"{p.prior} [{p.low:g}, {p.high:g}]"


def point(cal: Calibration, table: pd.DataFrame) -> dict[str, float]:
    """The estimate of every parameter (posterior median, or best trial)."""
    return {p.key: float(v) for p, v in zip(cal.parameters, table["estimate"], strict=True)}


def bands(cal: Calibration, paths: np.ndarray) -> pd.DataFrame:
    """Median and 10-90 % band over draws (``paths``: draws x series x days) of every series
    by day: scenario, observer, target, measure, day, median, low, high."""
    rows = []
    for i, (name, observer, target, measure) in enumerate(cal.series):
        days = cal.scenarios[name].run.steps + 1
        values = paths[:, i, :days]
        kept = ~np.all(np.isnan(values), axis=0)
        quantiles = np.nanquantile(values[:, kept], [0.5, LOW, HIGH], axis=0)
        rows.append(pd.DataFrame({"scenario": name, "observer": observer, "target": target,
                                  "measure": measure, "day": np.flatnonzero(kept),
                                  "median": quantiles[0], "low": quantiles[1],
                                  "high": quantiles[2]}))
    return pd.concat(rows, ignore_index=True)


def fit_table(cal: Calibration, band: pd.DataFrame) -> pd.DataFrame:
    """Every data point beside the model's median and 10-90 % band on its day."""
    index = band.set_index(["scenario", "observer", "target", "measure", "day"])
    rows = []
    for t in cal.targets:
        b = index.loc[(*t.series, t.day)]
        rows.append({"scenario": t.scenario, "observer": t.observer, "target": t.target,
                     "image": t.image, "period": t.period, "day": t.day, "measure": t.measure,
                     "unit": t.unit, "observed": t.value, "sd": t.sd, "median": b["median"],
                     "low": b["low"], "high": b["high"],
                     "residual": b["median"] - t.value})
    return pd.DataFrame(rows)


def coverage(cal: Calibration, table: pd.DataFrame) -> pd.DataFrame:
    """A recovery test: each parameter's true value and whether its interval covers it."""
    truth = [p.check_value for p in cal.parameters]
    out = table[["parameter", "estimate", "low", "high", "verdict"]].copy()
    out.insert(1, "truth", truth)
    out["covered"] = (out["low"] <= out["truth"]) & (out["truth"] <= out["high"])
    return out
