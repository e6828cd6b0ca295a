"""Figures of a sweep report: response curves, a heatmap and the Latin hypercube panels."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from nanosim.errors import NanosimError
from nanosim.experiments.compare import pair_label
from nanosim.experiments.report import (
    as_store,
    final_values,
    given_values,
    response_table,
    select_pair,
)
from nanosim.experiments.sweep import SweepStore
from nanosim.figures.plots import band_plot


def report_figures(folder: str | Path | SweepStore, metric: str = "favourability",
                   pair: str | None = None) -> dict:
    """Figures of one pair: ``curves`` (first grid key on x, a line per value of the
    second), ``heatmap`` (two or more grid keys) and ``lhs`` (one panel per LHS key)."""
    store = as_store(folder)
    return sweep_figures(final_values(store, metric), store, metric, pair)


def sweep_figures(fin: pd.DataFrame, store: SweepStore, metric: str,
                  pair: str | None) -> dict:
    """:func:`report_figures` of final values already read (``report.final_values``)."""
    params = store.manifest["parameters"]
    if not params:
        raise NanosimError(f"{store.folder}: the sweep has no swept key, so there is nothing "
                           "to plot against")
    fin = select_pair(fin, pair, store.folder)
    if fin["channel"].nunique() > 1:
        raise NanosimError(f"{store.folder}: metric {metric!r} has one value per channel; the "
                           "report plots one value per run (use reduce_sweep() in Python for "
                           "it, or choose e.g. --metric favourability)")
    observer, target = fin["observer"].iloc[0], fin["target"].iloc[0]
    label = pair_label(metric, (observer, target))
    title = store.manifest["scenario"]["name"]
    grid = [p["key"] for p in params if p["kind"] == "grid"]
    lhs = [p["key"] for p in params if "range" in p]  # scattered: LHS, or points given
    figs = {}
    if grid:
        figs["curves"] = curves_figure(fin, grid[0], grid[1] if len(grid) > 1 else None,
                                       [*grid[2:], *lhs], label, title)
    if len(grid) >= 2:
        figs["heatmap"] = heatmap_figure(fin, grid[0], grid[1], [*grid[2:], *lhs], label, title)
    if lhs:
        figs["lhs"] = lhs_figure(fin, lhs, grid[0] if grid else None, label, title, grid[1:])
    return figs


def curves_figure(fin: pd.DataFrame, x: str, line: str | None, pooled: list[str],
                  label: str, title: str = ""):
    """Final value against ``x``: median and 10–90 % band, one line per value of ``line``."""
    table = response_table(fin, [x] if line is None else [x, line])
    positions, ticks = _axis(table[x])
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    groups = [(None, table)] if line is None else list(table.groupby(line, sort=False))
    for k, (value, part) in enumerate(groups):
        name = f"{line} = {_fmt(value)}" if line else "median, 10–90 % band"
        if ticks is None:
            part = part.assign(step=positions[part.index]).sort_values("step")
            band_plot(ax, part, name)
            ax.scatter(part["step"], part["median"], s=12, color=ax.lines[-1].get_color())
        else:  # categories: points with error bars, side by side
            shift = 0.08 * (k - (len(groups) - 1) / 2)
            err = np.vstack([part["median"] - part["low"], part["high"] - part["median"]])
            ax.errorbar(positions[part.index] + shift, part["median"], yerr=np.abs(err),
                        fmt="o", capsize=3, label=name)
    if ticks is not None:
        ax.set_xticks(range(len(ticks)), [_fmt(t) for t in ticks])
    ax.set(xlabel=x, ylabel=f"{label} (final step)",
           title=_title(title, "Response curve", pooled, fin))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def heatmap_figure(fin: pd.DataFrame, x: str, y: str, pooled: list[str], label: str,
                   title: str = ""):
    """Median final value over the grid of ``x`` (columns) and ``y`` (rows)."""
    table = response_table(fin, [x, y]).pivot(index=y, columns=x, values="median")
    table = table.reindex(index=given_values(fin, y), columns=given_values(fin, x))
    fig, ax = plt.subplots(figsize=(2.5 + 0.9 * table.shape[1], 2 + 0.6 * table.shape[0]))
    values = table.to_numpy(dtype=float)
    im = ax.imshow(values, cmap="viridis", origin="lower", aspect="auto")
    middle = np.nanmean([np.nanmin(values), np.nanmax(values)])
    number = "{:+.3f}" if np.nanmin(values) < 0 else "{:.3f}"  # signs only where some are < 0
    ax.set_xticks(range(table.shape[1]), [_fmt(v) for v in table.columns], fontsize=8)
    ax.set_yticks(range(table.shape[0]), [_fmt(v) for v in table.index], fontsize=8)
    for (r, c), v in np.ndenumerate(values):
        if not np.isnan(v):
            ax.text(c, r, number.format(v), ha="center", va="center", fontsize=7,
                    color="white" if v < middle else "black")
    ax.set(xlabel=x, ylabel=y, title=_title(title, "Median at the final step", pooled, fin))
    fig.colorbar(im, ax=ax, shrink=0.8, label=label)
    fig.tight_layout()
    return fig


def lhs_figure(fin: pd.DataFrame, keys: list[str], colour_by: str | None, label: str,
               title: str = "", pooled: list[str] = ()):
    """One panel per LHS key: each point's median and 10–90 % band against the key,
    coloured by a grid key's value and pooled over the ``pooled`` grid keys."""
    by = [*keys] + ([colour_by] if colour_by else [])
    table = response_table(fin, by)
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys) + 1, 4), squeeze=False,
                             sharey=True)
    groups = [(None, table)] if colour_by is None else list(table.groupby(colour_by,
                                                                          sort=False))
    for ax, key in zip(axes[0], keys, strict=True):
        for value, part in groups:
            err = np.vstack([part["median"] - part["low"], part["high"] - part["median"]])
            ax.errorbar(part[key], part["median"], yerr=np.abs(err), fmt="o", ms=3, lw=0.8,
                        capsize=0, alpha=0.8,
                        label=None if colour_by is None else f"{colour_by} = {_fmt(value)}")
        ax.set(xlabel=key)
    axes[0][0].set_ylabel(f"{label} (final step)")
    if colour_by is not None:
        axes[0][-1].legend(fontsize=8)
    fig.suptitle(_title(title, "Latin hypercube points", list(pooled), fin), fontsize=10)
    fig.tight_layout()
    return fig


def _axis(values: pd.Series) -> tuple[np.ndarray, list | None]:
    """Numeric values stay on a numeric axis; others get evenly spaced positions."""
    if all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
           for v in values):
        return values.to_numpy(dtype=float), None
    order = list(dict.fromkeys(values))  # as given: the table is in the sweep's order
    return np.array([order.index(v) for v in values], dtype=float), order


def _title(title: str, what: str, pooled: list[str], fin: pd.DataFrame) -> str:
    n = fin.groupby("point")["replicate"].nunique()
    reps = f"{n.min()}" if n.min() == n.max() else f"{n.min()}–{n.max()}"
    text = f"{what}: {title}" if title else what
    text += f"\n{reps} replicate(s) per point"
    if pooled:
        text += f"; pooled over {', '.join(pooled)}"
    return text


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float | np.floating) else str(v)
