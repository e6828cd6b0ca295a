"""Running scenarios: one replicate, many replicates, and the reduced view of them."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from nanosim.engine import burned_in
from nanosim.scenario import Scenario, as_scenario, check_whole


def run_replicate(scenario: Scenario | str, replicate: int = 0, *, seed: int | None = None,
                  progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Run one replicate of a scenario (or scenario file) to its end; its tidy table.

    ``progress(t)`` is called after each day, burn-in days included (t <= 0 for those).
    The burned-in state is reused from a twin run before (:mod:`nanosim.engine.burned_in`).
    """
    model = burned_in.start(scenario, replicate, seed=seed, citizen_agents=False,
                            progress=progress)
    model.run_to_end(progress)
    return model.recorder.table(replicate)


def run(scenario: Scenario | str, replicates: int | None = None, *, seed: int | None = None,
        progress: bool = False) -> pd.DataFrame:
    """Run every replicate of a scenario (or scenario file); one tidy table (``replicate``)."""
    scenario = as_scenario(scenario)
    n = scenario.run.replicates if replicates is None else check_whole(
        "run", "replicates", replicates, 1)
    steps = scenario.run.steps
    bar = _progress_bar(n * steps, scenario.run.name) if progress else None
    tables = []
    for r in range(n):
        tick = (lambda t, r=r: bar.update(r * steps + max(t, 0) - bar.n)) if bar else None
        tables.append(run_replicate(scenario, r, seed=seed, progress=tick))
    if bar:
        bar.update(bar.total - bar.n)
        bar.close()
    return concat_tables(tables)


def concat_tables(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack tidy tables, keeping the categorical columns categorical."""
    from pandas.api.types import union_categoricals

    if len(tables) == 1:
        return tables[0]
    out = {}
    for col in tables[0].columns:
        if isinstance(tables[0][col].dtype, pd.CategoricalDtype):
            out[col] = union_categoricals([t[col] for t in tables])
        else:
            out[col] = np.concatenate([t[col].to_numpy() for t in tables])
    return pd.DataFrame(out)


def _progress_bar(total: int, name: str):
    import sys

    from tqdm import tqdm

    return tqdm(total=total, desc=name[:30], unit="step", disable=not sys.stderr.isatty(),
                leave=False)


class Timer:
    """Wall-clock seconds since creation."""

    def __init__(self):
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start
