"""What every figure shares: channel colours, median bands, the pair matrix, saving."""

from __future__ import annotations

import sys
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from nanosim.engine.channels import LEDGER

# every channel that records changes, in ledger order, with its colour (nano green, state warm)
CHANNEL_COLOURS = {c.name: c.colour for c in LEDGER}


def band_plot(ax, table: pd.DataFrame, label: str, colour=None):
    """A median line with its 10–90 % band (``table`` from results.bands by step)."""
    line, = ax.plot(table["step"], table["median"], label=label, color=colour, lw=1.8)
    ax.fill_between(table["step"], table["low"], table["high"], color=line.get_color(),
                    alpha=0.2, lw=0)
    return line


def moved_channels(table: pd.DataFrame) -> list[str]:
    """The channels of a channel_shares table that moved anything, in legend order."""
    moved = table.groupby(table["channel"].astype(str))[["mean", "low", "high"]].apply(
        lambda t: bool(np.abs(t.to_numpy()).max() > 0))
    return [c for c in CHANNEL_COLOURS if moved.get(c, False)]


def pair_grid(table: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Medians of an observer→target table as a matrix (observer rows, target columns)."""
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
