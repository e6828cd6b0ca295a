"""Simulating a calibration's data: the model's measures at given parameter values.

One *evaluation* runs every scenario of the calibration at the parameter values (each
``replicates`` times, averaged) and reads the series the data are fitted to, in the
data's units: a share as percent, a thermometer as ``50 + scale * mean image``
degrees. Its random streams come from the calibration seed and the evaluation's
``stream`` (a tuple of whole numbers naming it) only, so an evaluation gives the same
numbers on any worker, and again on a rerun. :func:`observe` and :func:`trajectories`
are the tasks the executors run. :func:`distance` is how far an evaluation is from the
data: the root mean square of model minus data in units of each figure's ``sd``.
"""

from __future__ import annotations

import numpy as np

from nanosim.experiments.calibration.spec import MEASURES, Calibration


def observe(cal: Calibration, params: dict[str, float], stream: tuple[int, ...]) -> np.ndarray:
    """The model's value of every data point at ``params``, in the data's order and units."""
    series = dict(zip(cal.series, series_at(cal, params, stream), strict=True))
    return np.array([series[t.series][t.day] for t in cal.targets])


def trajectories(cal: Calibration, params: dict[str, float],
                 stream: tuple[int, ...]) -> np.ndarray:
    """Every fitted series over all days (series x days; NaN past a shorter series' end)."""
    series = series_at(cal, params, stream)
    out = np.full((len(series), max(len(s) for s in series)), np.nan)
    for i, s in enumerate(series):
        out[i, :len(s)] = s
    return out


def series_at(cal: Calibration, params: dict[str, float],
              stream: tuple[int, ...]) -> list[np.ndarray]:
    """Each of ``cal.series`` by day (0 .. steps; NaN on days not recorded), in its data's
    unit, averaged over the calibration's replicates."""
    import pandas as pd

    from nanosim.experiments.runner import run_replicate

    mapping = cal.mapping_at(params)
    tables = {}
    for name in dict.fromkeys(s[0] for s in cal.series):
        scenario = cal.scenario_at(name, params)
        runs = [run_replicate(scenario, 0, seed=stream_seed(cal.settings.seed, stream, r))
                for r in range(cal.settings.replicates)]
        tables[name] = pd.concat(runs, ignore_index=True) if len(runs) > 1 else runs[0]
    out = []
    for name, observer, target, measure in cal.series:
        table = tables[name]
        metric, unit, _ = MEASURES[measure]
        rows = table[(table["metric"] == metric) & (table["observer"] == observer)
                     & (table["target"] == target)]
        mean = rows.groupby("step", observed=True)["value"].mean()
        days = np.full(cal.scenarios[name].run.steps + 1, np.nan)
        days[mean.index.to_numpy()] = mean.to_numpy()
        out.append(to_unit(days, unit, mapping))
    return out


def to_unit(x: np.ndarray, unit: str, mapping: dict[str, float]) -> np.ndarray:
    """A model measure in a survey's unit: a share as percent; a mean image as thermometer
    degrees, ``50 + scale * x`` (50 is neutral)."""
    return 100.0 * x if unit == "percent" else 50.0 + mapping["thermometer_scale"] * x


def stream_seed(seed: int, stream: tuple[int, ...], replicate: int) -> int:
    """The root seed of one run of an evaluation: independent for every (stream, replicate)."""
    words = np.random.SeedSequence([seed, *stream, replicate]).generate_state(2, np.uint32)
    return int(words[0]) << 32 | int(words[1])


def distance(x: dict, x0: dict, sd: np.ndarray) -> float:
    """``sqrt(mean(((model - data) / sd) ** 2))`` of summary statistics ``{"y": values}``."""
    z = (np.asarray(x["y"], dtype=float) - np.asarray(x0["y"], dtype=float)) / sd
    return float(np.sqrt(np.mean(z * z)))
