"""Sweep reports: a metric at each run's final step against the swept parameters.

The run files are read lazily, one batch at a time, keeping only the chosen
metric at each run's last recorded step, so a report never holds a whole sweep in
memory. Computing (``final_values``, ``reduce_sweep``, ``response_table``) is
separate from plotting (``report_figures``) and writing (``write_report``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from nanosim.errors import NanosimError
from nanosim.experiments import results as R
from nanosim.experiments.compare import pair_label
from nanosim.experiments.sweep import SweepStore

RUN = ["point", "replicate"]
PAIR = ["observer", "target", "channel"]


# --- computing --------------------------------------------------------------------------


def final_values(folder: str | Path | SweepStore, metric: str = "favourability") -> pd.DataFrame:
    """One row per run and observer/target/channel: ``metric`` at the run's last step."""
    import pyarrow.dataset as ds

    store = _store(folder)
    if not store.files():
        raise NanosimError(f"{store.folder}: no finished runs yet")
    store._check_metrics([metric])
    parts = []
    scan = store.dataset().to_batches(columns=[*RUN, "step", *PAIR, "value"],
                                      filter=ds.field("metric") == metric)
    for batch in scan:
        part = batch.to_pandas()
        if len(part):
            parts.append(_last_step(part))
    table = _last_step(pd.concat(parts, ignore_index=True))
    table = table.drop(columns="step").sort_values([*RUN, *PAIR], kind="stable")  # engine order
    return table.merge(store.points, on="point", how="left").reset_index(drop=True)


def reduce_sweep(folder: str | Path | SweepStore, metric: str = "favourability",
                 pair: str | None = None) -> pd.DataFrame:
    """Per point (and pair): ``metric`` at the final step, median/low/high across replicates.

    ``pair``: ``"OBSERVER:TARGET"`` keeps that pair only (default: every pair). The
    band is 10–90 % (``low``, ``high``); ``n`` is the number of replicates present.
    """
    store = _store(folder)
    fin = final_values(store, metric)
    if pair is not None:
        fin = select_pair(fin, pair, store.folder)
    return _reduce(fin, store, metric)


def _reduce(fin: pd.DataFrame, store: SweepStore, metric: str) -> pd.DataFrame:
    table = R.bands(fin, ["point", *PAIR])
    table.insert(len(PAIR) + 1, "metric", metric)
    return store.points.merge(table, on="point", how="right")


def select_pair(fin: pd.DataFrame, pair: str | None, where: Path | str = "") -> pd.DataFrame:
    """Rows of one ``OBSERVER:TARGET`` pair (default: the first pair in the table)."""
    pairs = list(dict.fromkeys(zip(fin["observer"], fin["target"], strict=True)))
    if pair is None:
        observer, target = pairs[0]
    else:
        observer, sep, target = pair.partition(":")
        if not sep or (observer.strip(), target.strip()) not in pairs:
            known = ", ".join(f"{o}:{t}" for o, t in pairs)
            raise NanosimError(f"{where}: --pair {pair!r}: no such pair; known: {known}")
        observer, target = observer.strip(), target.strip()
    return fin[(fin["observer"] == observer) & (fin["target"] == target)]


def response_table(fin: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Median and 10–90 % band of the final values grouped by swept keys (others pooled),
    in the order the sweep gave each key's values."""
    rank = {k: {v: i for i, v in enumerate(_given(fin, k))} for k in by}
    return R.bands(fin, by).sort_values(by, key=lambda col: col.map(rank[col.name]),
                                        kind="stable", ignore_index=True)


def _given(fin: pd.DataFrame, key: str) -> list:
    """A swept key's values in the order the sweep gave them (the runs are in point order)."""
    return list(dict.fromkeys(fin[key]))


# --- plotting ---------------------------------------------------------------------------


def report_figures(folder: str | Path | SweepStore, metric: str = "favourability",
                   pair: str | None = None) -> dict:
    """Figures of one pair: ``curves`` (first grid key on x, a line per value of the
    second), ``heatmap`` (two or more grid keys) and ``lhs`` (one panel per LHS key)."""
    store = _store(folder)
    return _figures(final_values(store, metric), store, metric, pair)


def _figures(fin: pd.DataFrame, store: SweepStore, metric: str, pair: str | None) -> dict:
    from nanosim.figures import plots  # noqa: F401 - selects the Agg backend

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
    lhs = [p["key"] for p in params if p["kind"] == "lhs"]
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
    import matplotlib.pyplot as plt

    from nanosim.figures.plots import band_plot

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
    import matplotlib.pyplot as plt

    table = response_table(fin, [x, y]).pivot(index=y, columns=x, values="median")
    table = table.reindex(index=_given(fin, y), columns=_given(fin, x))
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
    import matplotlib.pyplot as plt

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


# --- writing ----------------------------------------------------------------------------


REPORT_FILES = ("reduced.csv", "curves.png", "heatmap.png", "lhs.png")  # the first marks it


def write_report(folder: str | Path, out: str | Path | None = None,
                 metric: str = "favourability", pair: str | None = None) -> Path:
    """Write ``reduced.csv`` (every pair) and the figures of one pair; returns the folder."""
    from nanosim.figures.plots import save
    from nanosim.io.outputs import staged

    store = _store(folder)
    out = Path(out) if out is not None else store.folder / "report"
    fin = final_values(store, metric)
    table = _reduce(fin, store, metric)
    figs = _figures(fin, store, metric, pair)
    with staged(out, REPORT_FILES, "nanosim report") as stage:
        table.to_csv(stage / "reduced.csv", index=False)
        for name, fig in figs.items():
            save(fig, stage / f"{name}.png")
    return out


def command(args: argparse.Namespace) -> int:
    """``nanosim report``: response curves and the reduced table of a sweep folder."""
    store = SweepStore(args.folder)
    missing = len(store.missing())
    if missing:
        print(f"note: {missing} of {len(store.runs)} runs are missing; the report uses the "
              f"{len(store.runs) - missing} present (rerun the sweep to finish it)")
    out = write_report(store, args.out, args.metric, args.pair)
    names = sorted(p.name for p in out.iterdir() if p.suffix in (".png", ".csv"))
    print(f"report: {out}/ ({', '.join(names)})")
    return 0


def _store(folder) -> SweepStore:
    return folder if isinstance(folder, SweepStore) else SweepStore(folder)


def _last_step(df: pd.DataFrame) -> pd.DataFrame:
    last = df.groupby(RUN, observed=True)["step"].transform("max")
    return df[df["step"] == last]
