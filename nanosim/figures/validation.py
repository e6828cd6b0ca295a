"""Figures of the validation: Deffuant's clusters against d, Axelrod's regions per (F, q)
and against the range of interaction."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from nanosim.experiments.validation import (
    AXELROD_RANGE_CELL,
    AXELROD_RUNS_PER_CELL,
    axelrod_summary,
    deffuant_summary,
    floor_rule,
    range_summary,
)


def deffuant_figure(runs: pd.DataFrame):
    """Major clusters against d: every replicate, the mean, and floor(1/(2d))."""
    summary = deffuant_summary(runs)
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    counts = runs.groupby(["d", "clusters"]).size().reset_index(name="n")
    ax.scatter(counts["d"], counts["clusters"], s=8 + 60 * counts["n"] / counts["n"].max(),
               color="#9ecae1", edgecolor="none", label="replicates (area ∝ count)", zorder=2)
    ax.plot(summary["d"], summary["mean"], "o-", color="#08519c", ms=3.5, lw=1.4,
            label="nanosim: mean major clusters", zorder=3)
    grid = np.linspace(min(runs["d"].min(), 0.1), 0.5, 801)
    ax.step(grid, [floor_rule(d) for d in grid], where="post", color="#d95f02", lw=1.4,
            label="floor(1 / (2d)), Deffuant et al. 2000", zorder=1)
    ax.set(xlabel="confidence threshold d (Deffuant's [0, 1] scale; ε = 2d on [-1, 1])",
           ylabel="major opinion clusters",
           title=f"Deffuant et al. 2000: N = 1000, μ = 0.5, "
                 f"{int(summary['replicates'].min())} replicates per d")
    ax.set_ylim(0, max(6, runs["clusters"].max() + 1))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def axelrod_figure(runs: pd.DataFrame):
    """Mean stable regions per (F, q): ours with 95 % CI next to Axelrod's Table 2."""
    s = axelrod_summary(runs)
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    x = np.arange(len(s))
    ax.vlines(x + 0.12, s["range10_low"], s["range10_high"], color="#9ecae1", lw=6,
              label=f"nanosim: 95 % range of a {AXELROD_RUNS_PER_CELL}-run mean")
    err = np.vstack([s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]])
    ax.errorbar(x + 0.12, s["mean"], yerr=err, fmt="o", color="#08519c", ms=4, capsize=2,
                label="nanosim: mean with 95 % CI")
    ax.plot(x - 0.12, s["published"], "D", color="#d95f02", ms=5,
            label=f"Axelrod 1997, Table 2 ({AXELROD_RUNS_PER_CELL} runs per cell)")
    ax.set_yscale("log")
    ax.set_xticks(x, [f"F={f}\nq={q}" for f, q in zip(s["F"], s["q"], strict=True)],
                  fontsize=8)
    ax.set(ylabel="stable regions at absorption (log scale)",
           title="Axelrod 1997: 10 × 10 grid, 4 neighbours, no wrap-around")
    ax.grid(axis="y", alpha=0.3, which="both")
    ax.set_ylim(0.7, max(40, float(s["range10_high"].max()) * 1.3))
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def range_figure(runs: pd.DataFrame):
    """Stable regions against the neighbourhood size: every replicate, the mean with 95 % CI."""
    s = range_summary(runs)
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    counts = runs.groupby(["neighbours", "regions"]).size().reset_index(name="n")
    ax.scatter(counts["neighbours"], counts["regions"], s=8 + 60 * counts["n"] / counts["n"].max(),
               color="#9ecae1", edgecolor="none", label="replicates (area ∝ count)", zorder=2)
    err = np.vstack([s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]])
    ax.errorbar(s["neighbours"], s["mean"], yerr=err, fmt="o-", color="#08519c", ms=4,
                capsize=3, lw=1.4, label="nanosim: mean with 95 % CI", zorder=3)
    f, q = AXELROD_RANGE_CELL
    ax.set_xticks(s["neighbours"], [f"{k}\n{name}" for k, name in
                                    zip(s["neighbours"], s["neighbourhood"], strict=True)])
    ax.set(xlabel="neighbours each site interacts with",
           ylabel="stable regions at absorption",
           title=f"Axelrod 1997, range of interaction: F = {f}, q = {q}, 10 × 10 grid")
    ax.set_ylim(0, None)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
