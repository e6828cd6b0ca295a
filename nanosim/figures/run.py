"""Figures of one scenario's runs: perception over time, the final matrix, the channels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from nanosim.experiments import results as R
from nanosim.figures.plots import CHANNEL_COLOURS, band_plot, moved_channels, pair_grid


def perception_figure(df: pd.DataFrame, title: str = "", metric: str = "favourability",
                      event_steps=()):
    """The metric over time per observer→target pair, median and band across replicates."""
    rows = R.select(df, metric)
    table = R.bands(rows, ["observer", "target", "step"])
    pairs = table.groupby(["observer", "target"], observed=True)
    many = pairs.ngroups > 10  # more pairs than the default colours: no two lines alike
    columns = -(-pairs.ngroups // 24)  # legend columns beside the plot when many
    fig, ax = plt.subplots(figsize=(8 + 1.9 * columns if many else 8, 4.5))
    for k, ((o, t), part) in enumerate(pairs):
        line = band_plot(ax, part, f"{o} → {t}", plt.cm.tab20.colors[k % 20] if many else None)
        line.set_linestyle(("-", "--", ":")[k // 20 % 3])
    for step in event_steps:
        ax.axvline(step, color="grey", ls=":", lw=0.8)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set(xlabel="step (day)", ylabel=metric.replace("_", " "),
           title=title or f"{metric.replace('_', ' ').capitalize()} over time")
    if many:
        ax.legend(fontsize=7, ncol=columns, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.legend(fontsize=8, ncol=2 if pairs.ngroups > 6 else 1, loc="best")
    fig.tight_layout()
    return fig


def matrix_figure(df: pd.DataFrame, title: str = ""):
    """Final favourability matrix (observer rows, target columns) and its shift from step 0."""
    fin = R.bands(R.final(R.select(df, "favourability")), ["observer", "target"])
    shift = R.final_shifts(df, "favourability")
    names = list(dict.fromkeys(list(fin["observer"]) + list(fin["target"])))
    fig, axes = plt.subplots(1, 2, figsize=(4 + 1.1 * len(names), 2 + 0.55 * len(names)))
    for ax, table, label, cmap in ((axes[0], fin, "final favourability", "RdBu"),
                                   (axes[1], shift, "shift since step 0", "PuOr")):
        grid = pair_grid(table, names)
        lim = max(1e-9, np.nanmax(np.abs(grid))) if label.startswith("shift") else 1.0
        im = ax.imshow(grid, cmap=cmap, vmin=-lim, vmax=lim)
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.set(xlabel="target", ylabel="observer", title=label)
        for (r, c), v in np.ndenumerate(grid):
            if not np.isnan(v):
                ax.text(c, r, f"{v:+.2f}", ha="center", va="center", fontsize=7,
                        color="white" if abs(v) > 0.6 * lim else "black")  # dark cells
        fig.colorbar(im, ax=ax, shrink=0.8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def channels_figure(df: pd.DataFrame, title: str = "", metric: str = "shift_by_channel"):
    """Final shift made by each channel, per observer→target pair (nano green, state warm)."""
    table = R.channel_shares(df, metric)
    pair_labels = [f"{o}→{t}" for o, t in
                   table[["observer", "target"]].drop_duplicates().itertuples(index=False)]
    channels = moved_channels(table)
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(pair_labels) + 3), 4.5))
    width = 0.8 / max(1, len(channels))
    x = np.arange(len(pair_labels))
    for k, ch in enumerate(channels):
        part = table[table["channel"] == ch]
        med = part["mean"].to_numpy()
        err = np.vstack([med - part["low"].to_numpy(), part["high"].to_numpy() - med])
        ax.bar(x + (k - (len(channels) - 1) / 2) * width, med, width, yerr=np.abs(err),
               label=ch.replace("_", " "), color=CHANNEL_COLOURS[ch], capsize=2)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xticks(x, pair_labels, rotation=30, ha="right", fontsize=8)
    ax.set(ylabel="favourability shift made by channel",
           title=title or "Which channel moved perceptions")
    if channels:
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no channel moved any view", transform=ax.transAxes, ha="center")
    fig.tight_layout()
    return fig
