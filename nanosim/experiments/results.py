"""Reading results: perception shifts, bands across replicates, final summaries.

Every function takes the tidy table (see docs/outputs.md) and returns a plain
DataFrame; nothing here plots or writes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BAND = (0.1, 0.9)  # the 10–90 % band shown everywhere
TIDY = ("replicate", "step", "metric", "observer", "target", "channel", "value")


def select(df: pd.DataFrame, metric: str, observer: str | None = None,
           target: str | None = None, channel: str | None = None) -> pd.DataFrame:
    """Rows of one metric (optionally one observer, target, channel)."""
    mask = df["metric"] == metric
    for col, val in (("observer", observer), ("target", target), ("channel", channel)):
        if val is not None:
            mask &= df[col] == val
    return df[mask]


def design_columns(df: pd.DataFrame) -> list[str]:
    """Columns that tell runs apart beyond ``replicate``: a sweep's ``point`` and swept
    keys, a comparison's ``scenario``; none in a plain run's table."""
    return [c for c in df.columns if c not in TIDY]


def shifts(df: pd.DataFrame, metric: str = "favourability") -> pd.DataFrame:
    """The metric minus its value at the first recorded step, per run and pair."""
    rows = select(df, metric)
    keys = [*design_columns(df), "replicate", "observer", "target", "channel"]
    first_step = rows["step"].min()
    base = rows[rows["step"] == first_step].set_index(keys)["value"]
    out = rows.join(base.rename("base"), on=keys)
    out = out.assign(value=out["value"] - out["base"]).drop(columns="base")
    return out


def bands(df: pd.DataFrame, by: list[str], q: tuple[float, float] = BAND) -> pd.DataFrame:
    """Median and quantile band of ``value`` across replicates, grouped by ``by``."""
    if df.empty:
        return pd.DataFrame(columns=[*by, "median", "low", "high", "mean", "n"])
    g = df.groupby(by, observed=True)["value"]
    out = g.quantile([0.5, q[0], q[1]]).unstack()
    out.columns = ["median", "low", "high"]
    out["mean"] = g.mean()
    out["n"] = g.size()
    return out.reset_index()


def final(df: pd.DataFrame) -> pd.DataFrame:
    """Rows at each run's last recorded step."""
    last = df.groupby([*design_columns(df), "replicate"], observed=True)["step"].transform("max")
    return df[df["step"] == last]


def final_shifts(df: pd.DataFrame, metric: str = "favourability") -> pd.DataFrame:
    """Per observer→target (and sweep point or scenario): final shift of ``metric`` with
    its band across replicates."""
    return bands(final(shifts(df, metric)), [*design_columns(df), "observer", "target"])


def channel_shares(df: pd.DataFrame, metric: str = "shift_by_channel") -> pd.DataFrame:
    """Per observer→target (and sweep point or scenario) and channel: final cumulative
    shift made by the channel."""
    rows = final(select(df, metric))
    return bands(rows, [*design_columns(df), "observer", "target", "channel"])


def pairs(df: pd.DataFrame) -> list[tuple[str, str]]:
    """Observer→target pairs present in the favourability rows."""
    rows = select(df, "favourability")[["observer", "target"]].drop_duplicates()
    return [(str(o), str(t)) for o, t in rows.itertuples(index=False)]


def summary(df: pd.DataFrame) -> dict:
    """A JSON-ready summary of one scenario's final shifts, with spread across replicates,
    per pair."""
    if design_columns(df):
        from nanosim.errors import NanosimError

        raise NanosimError(f"summary() takes one scenario's runs; this table has "
                           f"{', '.join(design_columns(df))} columns (use final_shifts, or "
                           "nanosim.experiments.report.reduce_sweep for a sweep)")
    out: dict = {}
    fav = final_shifts(df, "favourability").set_index(["observer", "target"])
    people = final_shifts(df, "image_people").set_index(["observer", "target"])
    state = final_shifts(df, "image_state").set_index(["observer", "target"])
    chan = channel_shares(df).set_index(["observer", "target", "channel"])["mean"]
    level = bands(final(select(df, "favourability")), ["observer", "target"]).set_index(
        ["observer", "target"])
    for (o, t), row in fav.iterrows():
        key = f"{o}->{t}"
        by_channel = {str(ch): _num(v) for (oo, tt, ch), v in chan.items() if (oo, tt) == (o, t)}
        out[key] = {
            "favourability_final": _num(level.loc[(o, t), "median"]),
            "favourability_shift": _band(row),
            "image_people_shift": _band(people.loc[(o, t)]),
            "image_state_shift": _band(state.loc[(o, t)]),
            "shift_by_channel_mean": by_channel,
        }
    return out


def _band(row) -> dict:
    return {"median": _num(row["median"]), "p10": _num(row["low"]), "p90": _num(row["high"]),
            "mean": _num(row["mean"]), "replicates": int(row["n"])}


def _num(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) else round(x, 6)
