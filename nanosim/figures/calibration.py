"""Figures of a calibration: the fit (data against the model's band over time) and the
posterior (marginals and pairs), or Optuna's trials."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter

from nanosim.experiments.calibration import Result

UNITS = {"percent": "% favourable", "degrees": "thermometer (degrees)"}
DATA, MODEL, PRIOR, TRUTH = "#d95f02", "#1b9e77", "#7f7f7f", "#7570b3"


def fit_figure(result: Result):
    """One panel per fitted series: the model's median and 10-90 % band by day (posterior
    predictive for ABC; runs at the best point for Optuna) and the data with their sd."""
    cal = result.calibration
    series = cal.series
    cols = min(3, len(series))
    rows = math.ceil(len(series) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.4 * rows), squeeze=False)
    several = len(cal.scenarios) > 1
    for ax, (name, observer, target, measure) in zip(axes.flat, series, strict=False):
        band = result.bands[(result.bands["scenario"] == name)
                            & (result.bands["observer"] == observer)
                            & (result.bands["target"] == target)
                            & (result.bands["measure"] == measure)]
        ax.fill_between(band["day"], band["low"], band["high"], color=MODEL, alpha=0.25, lw=0,
                        label="model, 10–90 %")
        ax.plot(band["day"], band["median"], color=MODEL, lw=1.8, label="model, median")
        points = [t for t in cal.targets if t.series == (name, observer, target, measure)]
        ax.errorbar([t.day for t in points], [t.value for t in points],
                    yerr=[t.sd for t in points], fmt="o", color=DATA, capsize=3, ms=5,
                    label="data ± sd", zorder=3)
        for t in points:
            ax.annotate(t.period, (t.day, t.value), textcoords="offset points", xytext=(4, 6),
                        fontsize=7, color=DATA)
        ax.set_title((f"{name}: " if several else "") + f"{observer} → {target}\n{measure}",
                     fontsize=9)
        ax.set_xlabel("day")
        ax.set_ylabel(UNITS[points[0].unit])
    for ax in axes.flat[len(series):]:
        ax.set_visible(False)
    axes.flat[0].legend(frameon=False, fontsize=7)
    what = ("posterior predictive" if result.method == "abc" else "runs at the best point")
    fig.suptitle(f"{cal.name}: data and the model ({what})"
                 + (" — recovery test on synthetic data" if result.check else ""), fontsize=10)
    fig.tight_layout()
    return fig


def posterior_figure(result: Result):
    """ABC: each parameter's weighted posterior against its prior (diagonal) and every pair
    of parameters (below). Optuna: each parameter's trials by distance, and the pairs."""
    cal = result.calibration
    params = cal.parameters
    k = len(params)
    fig, axes = plt.subplots(k, k, figsize=(2.6 * k + 1.2, 2.4 * k + 0.8), squeeze=False)
    draws = result.draws
    abc = result.method == "abc"
    weight = draws["weight"].to_numpy() if abc else None
    order = np.argsort(-draws["distance"].to_numpy())  # Optuna: best trials drawn last
    truth = {p.key: p.check_value for p in params} if result.check else {}
    for i, p in enumerate(params):
        log = p.prior == "loguniform"
        for j, q in enumerate(params):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                _marginal(ax, p, draws, weight, result.point[p.key], truth.get(p.key))
            elif abc:
                ax.scatter(draws[q.key], draws[p.key], s=4 + 400 * weight, color=MODEL,
                           alpha=0.5, lw=0)
            else:
                ax.scatter(draws[q.key].to_numpy()[order], draws[p.key].to_numpy()[order],
                           c=draws["distance"].to_numpy()[order], cmap="viridis_r", s=10)
            if i != j:
                ax.plot(result.point[q.key], result.point[p.key], "+", color="black", ms=9)
                if truth:
                    ax.plot(truth[q.key], truth[p.key], "x", color=TRUTH, ms=8)
                ax.set_ylim(p.low, p.high)
                ax.set_yscale("log" if log else "linear")
            ax.set_xlim(q.low, q.high)
            ax.set_xscale("log" if q.prior == "loguniform" else "linear")
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.yaxis.set_minor_formatter(NullFormatter())
            ax.tick_params(labelsize=7)
            if i == k - 1:
                ax.set_xlabel(q.key, fontsize=8)
            if j == 0 and i != j:
                ax.set_ylabel(p.key, fontsize=8)
    what = ("posterior (weighted particles; grey: prior; +: median)" if abc else
            "Optuna trials (colour: distance, darker is closer; +: best)")
    fig.suptitle(f"{cal.name}: {what}" + ("; ×: true values" if truth else ""), fontsize=10)
    fig.tight_layout()
    return fig


def _marginal(ax, p, draws, weight, estimate: float, truth: float | None) -> None:
    """ABC: the posterior's mass in 20 bins (equal on the prior's scale) against the
    prior's; Optuna: each trial's distance."""
    log = p.prior == "loguniform"
    edges = np.geomspace(p.low, p.high, 21) if log else np.linspace(p.low, p.high, 21)
    if weight is not None:
        ax.hist(draws[p.key], bins=edges, weights=weight, color=MODEL, alpha=0.6)
        prior = np.diff(p.distribution().cdf(edges))
        ax.stairs(prior, edges, color=PRIOR, ls="--", lw=1)
        ax.set_yticks([])
    else:
        ax.scatter(draws[p.key], draws["distance"], s=8, color=MODEL, alpha=0.6, lw=0)
        ax.set_ylabel("distance", fontsize=8)
    ax.axvline(estimate, color="black", lw=1)
    if truth is not None:
        ax.axvline(truth, color=TRUTH, lw=1.2, ls=":")
    ax.set_title(p.key, fontsize=8)
