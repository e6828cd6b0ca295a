"""Figures of a sensitivity analysis and of scenario discovery.

``morris`` (μ* against σ, μ* with its interval), ``sobol`` (first-order and total
indices with intervals), ``channels`` (the ranking index of every parameter for each
channel's share of the shift) and ``discover`` (PRIM's peeling trajectory and boxes).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from nanosim.experiments.sensitivity import RANK_BY, TOTAL
from nanosim.figures.plots import CHANNEL_COLOURS

LABELS = {"mu_star": "μ*", "sigma": "σ", "S1": "first-order S1", "ST": "total ST"}


def sensitivity_figures(method: str, table: pd.DataFrame, label: str, title: str) -> dict:
    """``morris`` or ``sobol`` for the whole shift, and ``channels`` when any channel has
    indices. ``table``: the tidy indices (``experiments.sensitivity.indices``)."""
    total = table[table["outcome"] == TOTAL]
    figs = {method: (_morris_figure if method == "morris" else _sobol_figure)(
        total, label, title)}
    if (table["outcome"] != TOTAL).any():
        figs["channels"] = _channels_figure(table, RANK_BY[method], label, title)
    return figs


def _morris_figure(total: pd.DataFrame, label: str, title: str):
    star = total[total["index"] == "mu_star"].set_index("parameter")
    sigma = total[total["index"] == "sigma"].set_index("parameter")["value"]
    fig, ax = plt.subplots(figsize=(7, 5))
    for name, row in star.iterrows():
        ax.errorbar(row["value"], sigma[name], xerr=[[row["value"] - row["low"]],
                                                     [row["high"] - row["value"]]],
                    fmt="o", capsize=3, label=name)
    top = max(float(star["high"].max()), float(sigma.max()), 1e-12) * 1.1
    ax.plot([0, top], [0, top], color="grey", lw=0.8, ls="--")
    ax.text(top, top, " σ = μ*", fontsize=8, color="grey", va="bottom", ha="right")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("μ* (mean absolute elementary effect)")
    ax.set_ylabel("σ (non-linearity and interactions)")
    ax.legend(frameon=False, fontsize=7, loc="upper left")
    ax.set_title(f"{title}: Morris screening (95 % intervals of μ*)\n{label}", fontsize=10)
    fig.tight_layout()
    return fig


def _sobol_figure(total: pd.DataFrame, label: str, title: str):
    names = list(dict.fromkeys(total.loc[total["index"] == "ST", "parameter"]))
    fig, ax = plt.subplots(figsize=(max(7, 1.1 * len(names) + 2), 4.5))
    x = np.arange(len(names))
    for k, (index, colour) in enumerate((("S1", "#7570b3"), ("ST", "#1b9e77"))):
        rows = total[total["index"] == index].set_index("parameter").loc[names]
        ax.bar(x + (k - 0.5) * 0.38, rows["value"], 0.38, color=colour, label=LABELS[index],
               yerr=[rows["value"] - rows["low"], rows["high"] - rows["value"]], capsize=3)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(x, names, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("share of the variance")
    ax.set_title(f"{title}: Sobol' indices (95 % intervals)\n{label}", fontsize=10)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def _channels_figure(table: pd.DataFrame, index: str, label: str, title: str):
    rows = table[table["index"] == index]
    names = list(dict.fromkeys(rows["parameter"]))
    outcomes = [TOTAL, *[c for c in CHANNEL_COLOURS if c in set(rows["outcome"])]]
    width = 0.8 / len(outcomes)
    fig, ax = plt.subplots(figsize=(max(7, 1.3 * len(names) + 2), 4.8))
    x = np.arange(len(names))
    for k, outcome in enumerate(outcomes):
        part = rows[rows["outcome"] == outcome].set_index("parameter").reindex(names)
        err = None if part["low"].isna().all() else [part["value"] - part["low"],
                                                     part["high"] - part["value"]]
        ax.bar(x + (k - (len(outcomes) - 1) / 2) * width, part["value"], width, yerr=err,
               capsize=2, color=CHANNEL_COLOURS.get(outcome, "#555555"),
               label="whole shift" if outcome == TOTAL else outcome)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(x, names, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel(f"{LABELS[index]} of each channel's share")
    ax.set_title(f"{title}: which parameters drive each channel's part\n{label}", fontsize=10)
    ax.legend(frameon=False, fontsize=8, ncols=2)
    fig.tight_layout()
    return fig


def discover_figure(trajectory: pd.DataFrame, boxes: pd.DataFrame, ranges: dict,
                    where: str, title: str):
    """PRIM's first peeling trajectory (coverage against density, the chosen box ringed)
    and every box's limits as a share of each parameter's range."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    dots = left.scatter(trajectory["coverage"], trajectory["density"],
                        c=trajectory["res_dim"], cmap="viridis", s=18)
    fig.colorbar(dots, ax=left, label="parameters restricted")
    first = boxes[boxes["box"] == 1].iloc[0]
    left.scatter([first["coverage"]], [first["density"]], s=140, facecolors="none",
                 edgecolors="red", label="chosen box")
    left.set_xlabel("coverage (share of the cases of interest inside the box)")
    left.set_ylabel("density (share of the box that is of interest)")
    left.set_title(f"peeling trajectory of box 1: {where}", fontsize=9)
    left.legend(frameon=False, fontsize=8)
    names = list(ranges)
    y = np.arange(len(names))
    n_boxes = int(boxes["box"].max())
    height = 0.8 / n_boxes
    for b, part in boxes.groupby("box"):
        limits = part.set_index("parameter")
        for i, name in enumerate(names):
            lo, hi = ranges[name]
            a, z = (limits.loc[name, ["low", "high"]] if name in limits.index else (lo, hi))
            span = hi - lo if hi > lo else 1
            right.barh(i + (b - 1 - (n_boxes - 1) / 2) * height, (z - a) / span, height,
                       left=(a - lo) / span, color=f"C{b - 1}",
                       label=f"box {b}" if i == 0 else None)
    right.set_yticks(y, names, fontsize=8)
    right.set_xlim(0, 1)
    right.set_xlabel("share of the parameter's range in the box")
    right.set_title("boxes (full bar: not restricted)", fontsize=9)
    right.legend(frameon=False, fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
