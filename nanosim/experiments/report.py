"""Sweep reports: a metric at each run's final step against the swept parameters.

The run files are read lazily, one batch at a time, keeping only the chosen
metric at each run's last recorded step, so a report never holds a whole sweep in
memory. This module computes the tables; :mod:`nanosim.figures.sweep` draws the
response curves and :mod:`nanosim.io.report` writes the report folder.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nanosim.errors import NanosimError
from nanosim.experiments import results as R
from nanosim.experiments.sweep import SweepStore
from nanosim.scenario.files import listed

RUN = ["point", "replicate"]


PAIR = ["observer", "target", "channel"]


def final_values(folder: str | Path | SweepStore, metric: str = "favourability") -> pd.DataFrame:
    """One row per run and observer/target/channel: ``metric`` at the run's last step."""
    import pyarrow.dataset as ds

    store = as_store(folder)
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
    store = as_store(folder)
    fin = final_values(store, metric)
    if pair is not None:
        fin = select_pair(fin, pair, store.folder)
    return reduced_table(fin, store, metric)


def reduced_table(fin: pd.DataFrame, store: SweepStore, metric: str) -> pd.DataFrame:
    """Final values (from :func:`final_values`) reduced per point and pair, with the
    point's swept values."""
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
            known = listed(f"{o}:{t}" for o, t in pairs)
            raise NanosimError(f"{where}: --pair {pair!r}: no such pair; known: {known}")
        observer, target = observer.strip(), target.strip()
    return fin[(fin["observer"] == observer) & (fin["target"] == target)]


def response_table(fin: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Median and 10–90 % band of the final values grouped by swept keys (others pooled),
    in the order the sweep gave each key's values."""
    rank = {k: {v: i for i, v in enumerate(given_values(fin, k))} for k in by}
    return R.bands(fin, by).sort_values(by, key=lambda col: col.map(rank[col.name]),
                                        kind="stable", ignore_index=True)


def given_values(fin: pd.DataFrame, key: str) -> list:
    """A swept key's values in the order the sweep gave them (the runs are in point order)."""
    return list(dict.fromkeys(fin[key]))


def as_store(folder: str | Path | SweepStore) -> SweepStore:
    """A sweep folder's store (a store is taken as it is)."""
    return folder if isinstance(folder, SweepStore) else SweepStore(folder)


def _last_step(df: pd.DataFrame) -> pd.DataFrame:
    last = df.groupby(RUN, observed=True)["step"].transform("max")
    return df[df["step"] == last]
