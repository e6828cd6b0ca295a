"""Figures from results tables (matplotlib, no display needed)."""

from __future__ import annotations

import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from nanosim.engine.channels import LEDGER  # noqa: E402
from nanosim.experiments import results as R  # noqa: E402

# every channel that records changes, in ledger order, with its colour (nano green, state warm)
CHANNEL_COLOURS = {c.name: c.colour for c in LEDGER}


def band_plot(ax, table: pd.DataFrame, label: str, colour=None):
    """A median line with its 10–90 % band (``table`` from results.bands by step)."""
    line, = ax.plot(table["step"], table["median"], label=label, color=colour, lw=1.8)
    ax.fill_between(table["step"], table["low"], table["high"], color=line.get_color(),
                    alpha=0.2, lw=0)
    return line


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
        grid = _grid(table, names)
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


def moved_channels(table: pd.DataFrame) -> list[str]:
    """The channels of a channel_shares table that moved anything, in legend order."""
    moved = table.groupby(table["channel"].astype(str))[["mean", "low", "high"]].apply(
        lambda t: bool(np.abs(t.to_numpy()).max() > 0))
    return [c for c in CHANNEL_COLOURS if moved.get(c, False)]


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


def _grid(table: pd.DataFrame, names: list[str]) -> np.ndarray:
    grid = np.full((len(names), len(names)), np.nan)
    col = "median"
    for row in table.itertuples(index=False):
        grid[names.index(str(row.observer)), names.index(str(row.target))] = getattr(row, col)
    return grid


def save(fig, path) -> None:
    """Save a figure and free it. Letters the font lacks (country names in another
    script) are drawn as boxes and said once, not in a warning per letter and figure."""
    if not _NOTED and _lacks_letters(fig):
        _NOTED.append(path)
        print("note: the figures' font lacks some letters of the names (shown as boxes); "
              "install a font that has them, e.g. Debian's fonts-noto-cjk", file=sys.stderr)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _lacks_letters(fig) -> bool:
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font
    from matplotlib.text import Text

    if not _FONT_LETTERS:
        _FONT_LETTERS.update(FT2Font(findfont(FontProperties())).get_charmap())
    return any(ord(ch) not in _FONT_LETTERS for t in fig.findobj(Text) for ch in t.get_text()
               if not ch.isspace())


_NOTED: list = []  # the note is given once per process
_FONT_LETTERS: set = set()  # the letters of matplotlib's default font
warnings.filterwarnings("ignore", message="Glyph .* missing from font")  # said once, above


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
    grids = {s: _grid(t, names) for s, t in finals.items()}
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
