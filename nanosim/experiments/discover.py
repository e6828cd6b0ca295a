"""Scenario discovery: PRIM boxes of swept parameters in which an outcome of interest occurs.

Each finished run of a sweep (or sensitivity) folder is one case: the point's swept
values, and whether the metric's final value for one pair meets ``--where`` (such as
``favourability < 0``). PRIM (the EMA Workbench's) peels the parameter space down to
boxes dense in such cases; a box is reported at the point of its peeling trajectory
with the highest coverage whose density is at least :data:`DENSITY`, else the
densest. Further boxes are sought among the cases the earlier ones leave.
"""

from __future__ import annotations

import logging
import operator
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nanosim.errors import NanosimError
from nanosim.experiments.report import as_store, final_values, select_pair
from nanosim.experiments.sweep import SweepStore

DENSITY = 0.8  # a box is chosen where at least this share of its runs is of interest
MAX_BOXES = 3
OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_WHERE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|<|>)\s*"
                    r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Discovery:
    """PRIM's result: the cases, the boxes found and the first box's peeling trajectory."""

    where: str
    pair: str
    cases: int
    of_interest: int
    boxes: pd.DataFrame  # box, parameter, low, high, coverage, density, mass, res_dim
    trajectory: pd.DataFrame  # coverage, density, mass, res_dim per peeling step of box 1
    ranges: dict  # each numeric parameter's (min, max) over the runs


def parse_where(text: str, metrics: list[str]) -> tuple[str, str, float]:
    """``"METRIC < X"`` (or ``<=``, ``>``, ``>=``) as (metric, operator, threshold)."""
    m = _WHERE.match(text or "")
    if not m:
        raise NanosimError(f"--where: {text!r} is not METRIC < NUMBER (or <=, >, >=), e.g. "
                           "\"favourability < 0\"")
    metric, op, value = m.groups()
    if metric not in metrics:
        raise NanosimError(f"--where: {metric!r} names no metric of the runs; known: "
                           f"{', '.join(metrics)}")
    return metric, op, float(value)


def check_where(folder: str | Path | SweepStore, where: str) -> tuple[str, str, float]:
    """The condition, checked against the metrics the folder's runs hold."""
    return parse_where(where, as_store(folder).metrics())


def discover(folder: str | Path | SweepStore, where: str, pair: str | None = None,
             density: float = DENSITY, max_boxes: int = MAX_BOXES) -> Discovery:
    """Find up to ``max_boxes`` PRIM boxes in which the ``where`` condition holds."""
    store = as_store(folder)
    metric, op, threshold = check_where(store, where)
    fin = select_pair(final_values(store, metric), pair, store.folder)
    if fin["channel"].nunique() > 1:
        raise NanosimError(f"--where: {metric} has one value per channel; choose a metric "
                           "with one value per pair, e.g. favourability")
    x = fin[store.parameters].reset_index(drop=True)
    y = OPERATORS[op](fin["value"].to_numpy(), threshold)
    pair = f"{fin['observer'].iloc[0]}:{fin['target'].iloc[0]}"
    if not y.any():
        raise NanosimError(f"{store.folder}: no run has {where} for {pair} (final values "
                           f"{fin['value'].min():.4g} to {fin['value'].max():.4g})")
    boxes, trajectory = _prim(x, y, density, max_boxes)
    ranges = {k: (float(x[k].min()), float(x[k].max())) for k in x.columns
              if pd.api.types.is_numeric_dtype(x[k])}
    return Discovery(where, pair, len(y), int(y.sum()), boxes, trajectory, ranges)


def _prim(x: pd.DataFrame, y: np.ndarray, density: float, max_boxes: int):
    with warnings.catch_warnings():  # the workbench's notes on its optional packages
        warnings.simplefilter("ignore")
        return _boxes(x, y, density, max_boxes)


def _boxes(x: pd.DataFrame, y: np.ndarray, density: float, max_boxes: int):
    from ema_workbench.analysis import prim

    logging.getLogger("EMA").setLevel(logging.WARNING)
    x = x.astype({k: float for k in x.columns if pd.api.types.is_numeric_dtype(x[k])})
    finder = prim.Prim(x, y.astype(bool))
    rows, trajectory = [], None
    for number in range(1, max_boxes + 1):
        box = finder.find_box()
        if box is None:
            break
        steps = box.peeling_trajectory
        dense = steps[steps["density"] >= density]
        box.select(int(dense["coverage"].idxmax() if len(dense) else steps["density"].idxmax()))
        if box.coverage <= 0 or (number > 1 and box.density < density):
            break
        if trajectory is None:
            trajectory = steps[["coverage", "density", "mass", "res_dim"]].astype(float)
        limits = box.box_lim
        for name in x.columns:
            lo, hi = limits[name].iloc[0], limits[name].iloc[1]
            restricted = (lo, hi) != (finder.box_init[name].iloc[0],
                                      finder.box_init[name].iloc[1])
            if restricted:
                rows.append({"box": number, "parameter": name, "low": lo, "high": hi,
                             "coverage": float(box.coverage), "density": float(box.density),
                             "mass": float(box.mass), "res_dim": int(box.res_dim)})
        if not any(r["box"] == number for r in rows):  # the whole space: nothing to peel
            rows.append({"box": number, "parameter": "", "low": np.nan, "high": np.nan,
                         "coverage": float(box.coverage), "density": float(box.density),
                         "mass": float(box.mass), "res_dim": 0})
    return pd.DataFrame(rows), trajectory


def markdown(found: Discovery, scenario: str) -> str:
    """discover.md: the condition, how many runs meet it, and each box in words."""
    lines = [f"# Scenario discovery: {found.where} ({found.pair}), {scenario}", "",
             f"{found.of_interest} of {found.cases} runs meet `{found.where}` at the final "
             f"step ({found.of_interest / found.cases:.0%}). PRIM (EMA Workbench) boxes, each "
             f"chosen on its peeling trajectory as the widest box (highest coverage) with a "
             f"density of at least {DENSITY:.0%} (else the densest). Coverage: the share of "
             "the runs of interest inside the box; density: the share of the box's runs that "
             "are of interest; mass: the box's share of all runs.", ""]
    for number, part in found.boxes.groupby("box"):
        top = part.iloc[0]
        lines += [f"## Box {number}: coverage {top['coverage']:.0%}, density "
                  f"{top['density']:.0%}, mass {top['mass']:.0%}", ""]
        if not part["parameter"].iloc[0]:
            lines += ["No parameter is restricted: the condition is spread over the whole "
                      "design.", ""]
            continue
        for r in part.itertuples(index=False):
            lines.append(f"- `{r.parameter}` from {r.low:.4g} to {r.high:.4g}")
        lines.append("")
    return "\n".join(lines)
