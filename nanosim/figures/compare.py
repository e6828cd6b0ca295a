"""Figures of a comparison: shift over time, effects over time, final shift and effect,
channels, and the matrices."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from nanosim.engine.metrics import ALL
from nanosim.experiments import results as R
from nanosim.experiments.compare import (
    FACTORS,
    channel_table,
    comparison_table,
    factorial_effects,
    final_pair_shifts,
    first_pair,
    pair_label,
    pair_shifts,
    pair_values,
    paired_effects,
    scenario_names,
)
from nanosim.figures.plots import CHANNEL_COLOURS, band_plot, moved_channels, pair_grid


def comparison_figures(df: pd.DataFrame, metric: str = "favourability",
                       pair: tuple[str, str] | None = None, event_steps=(),
                       control: str | None = None, factorial: bool = False,
                       factors: tuple[str, str] = FACTORS) -> dict:
    """Figures ``comparison`` (shift over time), ``final_shift`` and ``channels``; with a
    ``control``, also ``effects`` (effect over time against it; for a 2 × 2 design, whose
    first scenario is the control, the interaction over time beside it).

    ``event_steps`` are marked on the time axes (see :func:`event_steps`).
    """
    pair = pair or first_pair(df, metric)
    figures = {"comparison": _over_time_figure(df, metric, pair, event_steps)}
    if control is not None:
        figures["effects"] = _effects_figure(df, metric, pair, control, factorial, factors,
                                             event_steps)
    figures["final_shift"] = _final_shift_figure(df, metric, pair, control)
    figures["channels"] = _channels_figure(df, metric, pair)
    return figures


def _over_time_figure(df, metric, pair, event_steps=()):
    rows = pair_shifts(df, metric, pair)
    table = R.bands(rows, ["scenario", "step"])
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, part in table.groupby("scenario", observed=True, sort=False):
        band_plot(ax, part, str(name))
    for step in event_steps:
        ax.axvline(step, color="grey", ls=":", lw=0.8)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set(xlabel="step (day)" + ("; dotted: events" if len(event_steps) else ""),
           ylabel=f"shift in {metric.replace('_', ' ')} since step 0",
           title=f"Perception shift, {pair_label(metric, pair)}\n(median and 10–90 % of "
                 f"{int(rows['replicate'].nunique())} replicates; common random numbers)")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def _effects_figure(df, metric, pair, control, factorial, factors, event_steps=()):
    values = pair_values(df, metric, pair)
    effects = R.bands(paired_effects(values, control), ["scenario", "step"])
    fig, axes = plt.subplots(1, 2 if factorial else 1, figsize=(13 if factorial else 8, 4.5),
                             squeeze=False)  # the interaction on its own scale
    panels = [(axes[0][0], f"Effect against “{control}”" + (" (A)" if factorial else ""))]
    letters = dict(zip(scenario_names(values)[1:], "BCD", strict=False)) if factorial else {}
    for name, part in effects.groupby("scenario", observed=True, sort=False):
        band_plot(axes[0][0], part, f"{letters[name]} = {name}" if letters else str(name))
    if factorial:
        inter = factorial_effects(values, factors)
        inter = R.bands(inter[inter["effect"] == "interaction"], ["step"])
        band_plot(axes[0][1], inter, "interaction (D − C) − (B − A)", colour="black")
        panels.append((axes[0][1], f"Interaction: the effect of {factors[0]} with "
                                   f"{factors[1]}\nminus its effect without"))
    n = int(values["replicate"].nunique())
    for ax, title in panels:
        for step in event_steps:
            ax.axvline(step, color="grey", ls=":", lw=0.8)
        ax.axhline(0, color="grey", lw=0.6)
        ax.set(xlabel="step (day)" + ("; dotted: events" if len(event_steps) else ""),
               title=title)
        ax.legend(fontsize=8, loc="best")
    for ax in axes[0]:
        ax.set_ylabel(f"effect on {metric.replace('_', ' ')}\n(median, 10–90 % of {n} "
                      "replicates, paired)")
    fig.suptitle(pair_label(metric, pair), fontsize=10)
    fig.tight_layout()
    return fig


def _final_shift_figure(df, metric, pair, control=None):
    table = comparison_table(df, metric, pair, control)
    final = final_pair_shifts(df, metric, pair)
    names = list(table["scenario"])
    y = np.arange(len(names))[::-1]
    fig, axes = plt.subplots(1, 2, figsize=(10, max(3.0, 1.2 + 0.6 * len(names))), sharey=True)
    label = metric.replace("_", " ")
    right = (("diff", f"difference in shift to “{names[0]}”\n(paired by replicate)",
              f"shift in {label}") if control is None else
             ("effect", f"effect at the last step against\n“{control}” (paired by replicate)",
              f"effect on {label}"))
    panels = ((axes[0], "shift", "final shift since step 0", f"shift in {label}"),
              (axes[1], *right))
    for ax, prefix, title, xlabel in panels:
        med = table[f"{prefix}_median"].to_numpy()
        err = np.vstack([med - table[f"{prefix}_low"].to_numpy(),
                         table[f"{prefix}_high"].to_numpy() - med])
        ax.errorbar(med, y, xerr=np.abs(err), fmt="o", color="black", capsize=4,
                    label="median, 10–90 %")
        ax.axvline(0, color="grey", lw=0.6)
        ax.set(title=title, xlabel=xlabel)
        ax.xaxis.set_major_locator(plt.MaxNLocator(5))  # tick labels never run together
    for k, name in enumerate(names):  # each replicate as a faint dot on the left panel
        vals = final[final["scenario"] == name]["value"].to_numpy()
        axes[0].plot(vals, np.full(vals.size, y[k]) + 0.15, "|", color="tab:blue", alpha=0.5)
    axes[0].set_yticks(y, names, fontsize=8)
    fig.suptitle(pair_label(metric, pair), fontsize=10)
    fig.tight_layout()
    return fig


def _channels_figure(df, metric, pair):
    table = channel_table(df, metric, pair)
    names = scenario_names(df)
    channels = moved_channels(table)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(names) + 3) + 1.5, 4.5))
    width = 0.8 / max(1, len(channels))
    x = np.arange(len(names))
    for k, ch in enumerate(channels):
        part = table[table["channel"] == ch].set_index("scenario").reindex(names)
        mean = part["mean"].to_numpy()
        err = np.vstack([mean - part["low"].to_numpy(), part["high"].to_numpy() - mean])
        ax.bar(x + (k - (len(channels) - 1) / 2) * width, mean, width, yerr=np.abs(err),
               label=ch.replace("_", " "), color=CHANNEL_COLOURS[ch], capsize=2)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xticks(x, names, rotation=15, ha="right", fontsize=8)
    image = {"image_people": "people image", "image_state": "state image",
             "soft_power": "soft power"}.get(metric, "favourability")
    viewers = "foreigners'" if pair[0] == ALL else f"{pair[0]}'s"
    ax.set(ylabel=f"{image} shift made by channel\n(mean, 10–90 % of replicates)",
           title=f"Which channel moved {viewers} view of {pair[1]}?")
    if channels:
        ax.legend(fontsize=8, title="nano: greens,\nhigh politics: warm", title_fontsize=8,
                  loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the bars, not on them
    elif table.empty:  # a table written before its per-channel metric existed
        ax.text(0.5, 0.5, "no per-channel rows in these results\n(written by an older "
                "nanosim: run the comparison again)", transform=ax.transAxes, ha="center")
    else:
        ax.text(0.5, 0.5, "no channel moved this view", transform=ax.transAxes, ha="center")
    fig.tight_layout()
    return fig


def scenario_matrices_figure(df: pd.DataFrame, metric: str = "favourability", title: str = ""):
    """Final ``metric`` matrices of compared scenarios side by side, and each one minus the first.

    ``df`` is a comparison table (column ``scenario``); cells are medians across replicates.
    """
    rows = R.select(df, metric)
    finals = {str(s): R.bands(R.final(part), ["observer", "target"])
              for s, part in rows.groupby("scenario", observed=True, sort=False)}
    order = list(finals)
    names = list(dict.fromkeys(str(n) for t in finals.values()
                               for n in list(t["observer"]) + list(t["target"])))
    grids = {s: pair_grid(t, names) for s, t in finals.items()}
    base = order[0]
    panels = [(s, grids[s], "RdBu", 1.0) for s in order]
    diffs = {s: grids[s] - grids[base] for s in order[1:]}
    lim = max([1e-9] + [float(np.nanmax(np.abs(d))) for d in diffs.values()
                        if np.isfinite(d).any()])
    panels += [(f"{s}\nminus {base}", d, "PuOr", lim) for s, d in diffs.items()]
    side = 2.2 + 0.5 * len(names)
    fig, axes = plt.subplots(1, len(panels), figsize=(side * len(panels), side + 0.6),
                             squeeze=False)
    for ax, (label, grid, cmap, vmax) in zip(axes[0], panels, strict=True):
        im = ax.imshow(grid, cmap=cmap, vmin=-vmax, vmax=vmax)
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.set_title(label if len(label) < 60 else label[:57] + "...", fontsize=9)
        ax.set(xlabel="target", ylabel="observer")
        for (r, c), v in np.ndenumerate(grid):
            if not np.isnan(v):
                ax.text(c, r, f"{v:+.2f}", ha="center", va="center", fontsize=7,
                        color="white" if abs(v) > 0.6 * vmax else "black")
        fig.colorbar(im, ax=ax, shrink=0.7)
    fig.suptitle(title or f"Final {metric.replace('_', ' ')} by scenario, and the differences")
    fig.tight_layout()
    return fig
