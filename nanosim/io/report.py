"""A sweep report's folder: the reduced table of every pair and the figures of one."""

from __future__ import annotations

from pathlib import Path

from nanosim.experiments.report import as_store, final_values, reduced_table
from nanosim.figures.plots import save
from nanosim.figures.sweep import sweep_figures
from nanosim.io.outputs import staged

REPORT_FILES = ("reduced.csv", "curves.png", "heatmap.png", "lhs.png")  # the first marks it


def write_report(folder: str | Path, out: str | Path | None = None,
                 metric: str = "favourability", pair: str | None = None) -> Path:
    """Write ``reduced.csv`` (every pair) and the figures of one pair; returns the folder."""
    store = as_store(folder)
    out = Path(out) if out is not None else store.folder / "report"
    fin = final_values(store, metric)
    table = reduced_table(fin, store, metric)
    figs = sweep_figures(fin, store, metric, pair)
    with staged(out, REPORT_FILES, "nanosim report") as stage:
        table.to_csv(stage / "reduced.csv", index=False)
        for name, fig in figs.items():
            save(fig, stage / f"{name}.png")
    return out
