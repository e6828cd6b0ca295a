"""Batch parameter sweeps: a design of points x replicates, run locally or on Dask, resumable.

A *design* is a list of points, each a dict of dotted scenario keys to values, from a
full grid (``--grid``), a Latin hypercube (``--lhs N --range ...``) or both (their
product). Each run is one (point, replicate): the scenario with the point's values,
replicate ``r`` of the scenario seed, so a run's table is the same whatever else runs
and however many workers run it.

A sweep folder holds::

    manifest.json                       the design, the scenario's hash, versions
    scenario.toml                       the base scenario (fixed overrides applied)
    runs/point-0003-rep-001.parquet     one tidy table per finished run

Each run file is written under a temporary name and renamed once complete, so a
folder never holds a half-written run; running the same command again runs only
the missing ones. Runs go to any ``concurrent.futures.Executor``: a local process
pool by default, or ``distributed.Client(address).get_executor()`` for a Dask cluster.

"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import re
import signal
import sys
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nanosim.engine.network import check_files, edge_list_files
from nanosim.errors import NanosimError, RunFailed, ScenarioError
from nanosim.scenario import Scenario, load_scenario, parse_override, parse_value, scenario_path

MANIFEST = "manifest.json"
RUNS = "runs"
FORMAT = "nanosim-sweep/1"
LHS_STREAM = 0x4C4853  # keeps the LHS stream apart from the replicate streams of the seed
SWEEP_FILE_KEYS = ("scenario", "replicates", "set", "grid", "lhs")
LHS_KEYS = ("points", "ranges")
FORBIDDEN_KEYS = {"scenario.replicates": "set the number of replicates with --replicates"}
# what errors call plan_sweep's arguments: from Python, their names; nanosim sweep's options
ARGUMENTS = {"grid": "grid", "ranges": "ranges", "lhs": "lhs", "replicates": "replicates",
             "overrides": "overrides", "seed": "seed"}
OPTIONS = {"grid": "--grid", "ranges": "--range", "lhs": "--lhs", "replicates": "--replicates",
           "overrides": "--set", "seed": "--seed"}


# --- the design -------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A validated sweep: the base scenario, its swept parameters, points and replicates."""

    scenario: Scenario
    parameters: list[dict]  # {"key", "kind": "grid", "values"} or {"key", "kind": "lhs", "range"}
    points: list[dict[str, Any]]
    replicates: int

    @property
    def runs(self) -> list[tuple[int, int]]:
        """Every (point, replicate) of the sweep, in order."""
        return [(p, r) for p in range(len(self.points)) for r in range(self.replicates)]

    def design(self) -> dict:
        """What identifies the sweep: a folder holds one design only."""
        return {"scenario_sha256": _sha256(self.scenario.to_toml()),
                "parameters": self.parameters, "points": self.points,
                "replicates": self.replicates}

    def manifest(self) -> dict:
        from nanosim import __version__

        design = self.design()
        s = self.scenario
        return {
            "format": FORMAT,
            "nanosim": __version__,
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "scenario": {"name": s.run.name, "source": s.source, "seed": s.run.seed,
                         "steps": s.run.steps, "population": s.population.size,
                         "sha256": design["scenario_sha256"]},
            "parameters": self.parameters,
            "replicates": self.replicates,
            "runs": len(self.points) * self.replicates,
            "design_sha256": _sha256(_canonical(design)),
            "points": self.points,
        }


def plan_sweep(scenario_or_path: Scenario | str | Path, grid=None, lhs: int | None = None,
               ranges=None, replicates: int | None = None, *, overrides=None,
               seed: int | None = None, names: dict[str, str] = ARGUMENTS) -> Plan:
    """Read the scenario (or sweep file), build the design and check every point.

    ``grid``: ``{"key": [v1, v2]}`` or ``{"key": "start:stop:count"}`` or a list of
    ``"key=v1,v2"`` / ``"key=start:stop:count"`` strings. ``ranges``: ``{"key": (lo, hi)}``
    or ``["key=lo:hi"]``, sampled by a Latin hypercube of ``lhs`` points. Options given
    here add to (and win over) those of a sweep file. ``overrides`` (``"key=value"``
    strings or a dict) and ``seed`` change the base scenario. Raises ScenarioError,
    naming the key and the argument (as ``names`` calls it) that gave it, if any point does
    not make a valid scenario.
    """
    spec = _read_spec(scenario_or_path)
    base, file = spec["scenario"], spec["origin"]
    fixed = dict(spec["set"])
    origin = dict.fromkeys(fixed, f"{file}: sweep.set")
    if overrides:
        items = dict(overrides.items() if isinstance(overrides, Mapping)
                     else (parse_override(o) for o in overrides))
        fixed.update(items)
        origin.update(dict.fromkeys(items, names["overrides"]))
    if seed is not None:
        fixed["scenario.seed"], origin["scenario.seed"] = seed, names["seed"]
    if fixed:
        base = base.with_overrides(fixed, origin)
    cli_grid = parse_grid(grid or [], names["grid"])
    cli_ranges = parse_ranges(ranges or [], names["ranges"])
    # the command line wins over the file, also when it moves a key between grid and LHS
    grid_values = {**{k: v for k, v in spec["grid"].items() if k not in cli_ranges}, **cli_grid}
    range_values = {**{k: v for k, v in spec["ranges"].items() if k not in cli_grid},
                    **cli_ranges}
    origin = {**dict.fromkeys(spec["grid"], f"{file}: sweep.grid"),
              **dict.fromkeys(spec["ranges"], f"{file}: sweep.lhs.ranges"),
              **dict.fromkeys(cli_grid, names["grid"]),
              **dict.fromkeys(cli_ranges, names["ranges"])}
    n_lhs = lhs if lhs is not None else (spec["lhs"] if range_values else None)
    if range_values and not n_lhs:
        raise ScenarioError(names["ranges"], next(iter(range_values)),
                            f"ranges are sampled by a Latin hypercube: give {names['lhs']} "
                            "too")
    if n_lhs and not range_values:
        raise ScenarioError(names["lhs"], "", "a Latin hypercube needs at least one range "
                                              f"({names['ranges']})")
    if n_lhs is not None and n_lhs < 0:
        raise ScenarioError(names["lhs"], "", f"must be a whole number >= 1 (got {n_lhs})")
    for key in grid_values:
        if key in range_values:
            raise ScenarioError(origin[key], key,
                                f"this key is already swept by {names['grid']}")
    for key in (*grid_values, *range_values):
        if key in FORBIDDEN_KEYS:
            raise ScenarioError(origin[key], key, f"cannot be swept; {FORBIDDEN_KEYS[key]}")
    if not grid_values and not range_values:
        raise ScenarioError(names["grid"], "", f"nothing to sweep: give {names['grid']}, "
                            f"{names['lhs']} with {names['ranges']}, or a sweep file "
                            "(replicates of one scenario: nanosim run)")
    n_rep = replicates if replicates is not None else (
        spec["replicates"] or base.run.replicates)
    if n_rep < 1:
        raise ScenarioError(names["replicates"], "",
                            f"must be a whole number >= 1 (got {n_rep})")
    for key, bounds in range_values.items():  # the user's own bounds, not a sample, if out
        for bound in bounds:
            base.with_overrides({key: bound}, origin)
    lhs_table = latin_hypercube(range_values, n_lhs or 0, base.run.seed)
    points = design_points(grid_values, lhs_table)
    parameters = ([{"key": k, "kind": "grid", "values": v} for k, v in grid_values.items()]
                  + [{"key": k, "kind": "lhs", "range": list(v)}
                     for k, v in range_values.items()])
    networks = {}  # each distinct file network, read once as its runs would read it
    for point in points:
        scenario = base.with_overrides(point, origin)  # errors name where a key was swept
        networks.setdefault(edge_list_files(scenario) if scenario.network.kind == "file"
                            else None, scenario)
    for scenario in networks.values():
        check_files(scenario)
    return Plan(base, parameters, points, int(n_rep))


def design_points(grid: dict[str, list], lhs: dict[str, list]) -> list[dict[str, Any]]:
    """The grid's product (first key slowest), each combined with every LHS sample."""
    grid_points = [dict(zip(grid, combo, strict=True))
                   for combo in itertools.product(*grid.values())]
    n_lhs = len(next(iter(lhs.values()))) if lhs else 0
    lhs_points = [{k: v[i] for k, v in lhs.items()} for i in range(n_lhs)] or [{}]
    return [{**g, **s} for g in grid_points for s in lhs_points]


def parse_grid(items, source: str = "grid") -> dict[str, list]:
    """Grid values per key from ``"key=v1,v2"`` / ``"key=start:stop:count"`` or a dict."""
    out: dict[str, list] = {}
    pairs = (items.items() if isinstance(items, Mapping)
             else (_split_item(t, source, "KEY=V1,V2,... or KEY=START:STOP:COUNT")
                   for t in items))
    for key, spec in pairs:
        if key in out:
            raise ScenarioError(source, key, "this key is given twice")
        values = _grid_values(spec, source, key)
        if not values:
            raise ScenarioError(source, key, "no values given")
        values = _harmonise(values)
        seen = [v for i, v in enumerate(values) if v in values[:i]]
        if seen:
            raise ScenarioError(source, key, f"value {seen[0]!r} is listed twice")
        out[key] = values
    return out


def parse_ranges(items, source: str = "ranges") -> dict[str, tuple]:
    """``(lo, hi)`` per key from ``"key=lo:hi"`` strings or a dict of pairs or ``"lo:hi"``."""
    out: dict[str, tuple] = {}
    pairs = (items.items() if isinstance(items, Mapping)
             else (_split_item(t, source, "KEY=LO:HI") for t in items))
    for key, spec in pairs:
        if key in out:
            raise ScenarioError(source, key, "this key is given twice")
        bounds = [parse_value(x.strip()) for x in spec.split(":")] if isinstance(spec, str) \
            else list(spec) if isinstance(spec, list | tuple) else [spec]
        if len(bounds) != 2 or not all(_is_number(b) for b in bounds):
            raise ScenarioError(source, key, f"a range is LO:HI with two numbers (got {spec!r})")
        lo, hi = _harmonise(bounds)
        if not lo < hi:
            raise ScenarioError(source, key, f"LO must be below HI (got {lo}:{hi})")
        out[key] = (lo, hi)
    return out


def latin_hypercube(ranges: dict[str, tuple], n: int, seed: int) -> dict[str, list]:
    """``n`` Latin hypercube samples per key, drawn from a stream of the scenario seed.

    Each key's range is cut into ``n`` equal strata, each sampled once, in an
    independent random order per key; floats are kept to 6 significant digits. A
    range of whole numbers is cut into ``n`` runs of consecutive values, as equal as
    can be, and one value is drawn from each: the values are distinct when the range
    holds at least ``n`` of them, and otherwise each is used equally often.
    """
    if not ranges or n < 1:
        return {}
    rng = np.random.default_rng(np.random.SeedSequence([seed, LHS_STREAM]))
    out = {}
    for key, (lo, hi) in ranges.items():
        stratum, within = rng.permutation(n), rng.random(n)
        if isinstance(lo, int) and isinstance(hi, int):
            values = hi - lo + 1
            first = stratum * values // n
            width = np.maximum(first + 1, (stratum + 1) * values // n) - first
            out[key] = [int(v) for v in lo + first + np.floor(within * width).astype(int)]
        else:
            out[key] = [float(f"{v:.6g}") for v in lo + (stratum + within) / n * (hi - lo)]
    return out


def _grid_values(spec, source: str, key: str) -> list:
    if isinstance(spec, str) and re.fullmatch(rf"\s*{_NUMBER}\s*:\s*{_NUMBER}\s*", spec):
        raise ScenarioError(source, key, f"a grid range is START:STOP:COUNT (got {spec!r}); "
                                         "for a Latin hypercube give --lhs N --range KEY=LO:HI")
    if isinstance(spec, str):
        spaced = _linspace(spec, source, key)
        if spaced is not None:
            return spaced
        parts = _split_commas(spec)
        if "" in parts and any(parts):
            raise ScenarioError(source, key, f"value {parts.index('') + 1} of {spec!r} is "
                                "empty (a stray comma?)")
        return [parse_value(v) for v in parts if v]
    if isinstance(spec, list | tuple):
        return list(spec)
    return [spec]


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_LINSPACE = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*:\s*(\S+)\s*$")


def _linspace(text: str, source: str, key: str) -> list | None:
    """``start:stop:count`` as evenly spaced values (ints when all are whole), else None."""
    m = _LINSPACE.match(text)
    if not m:
        return None
    start, stop = parse_value(m[1]), parse_value(m[2])
    count = parse_value(m[3])
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ScenarioError(source, key, f"START:STOP:COUNT needs a whole COUNT >= 1 "
                                         f"(got {m[3]!r})")
    values = np.linspace(start, stop, count)
    if isinstance(start, int) and isinstance(stop, int) and np.all(values == np.round(values)):
        return [int(v) for v in values]
    return [float(f"{v:.12g}") for v in values]


def _split_commas(text: str) -> list[str]:
    """Split on commas outside brackets, braces and quotes."""
    parts, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


def _split_item(text: str, source: str, form: str) -> tuple[str, str]:
    key, sep, value = str(text).partition("=")
    if not sep or not key.strip() or not value.strip():
        raise ScenarioError(source, str(text), f"expected {form}")
    return key.strip(), value.strip()


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _harmonise(values: list) -> list:
    """Mixed ints and floats become floats, so a parameter has one type in every run."""
    if all(_is_number(v) for v in values) and any(isinstance(v, float) for v in values):
        return [float(v) for v in values]
    return values


# --- sweep files ------------------------------------------------------------------------


def _read_spec(scenario_or_path) -> dict:
    """The base scenario and any design held in a sweep file."""
    spec = {"set": {}, "grid": {}, "ranges": {}, "lhs": None, "replicates": None,
            "origin": ""}
    if isinstance(scenario_or_path, Scenario):
        return {**spec, "scenario": scenario_or_path}
    path = scenario_path(scenario_or_path)  # a file, or a bundled scenario's name
    try:
        import tomllib

        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(str(path), "", "no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(str(path), "", f"cannot read: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(str(path), "", f"TOML syntax error: {e}") from None
    if "sweep" not in raw:
        return {**spec, "scenario": load_scenario(path)}
    return read_sweep_file(raw, str(path), path.parent)


def read_sweep_file(raw: dict, source: str, folder: Path) -> dict:
    """Check a sweep file's ``[sweep]`` table (see docs/sweeps.md) and load its scenario."""
    extra = [k for k in raw if k != "sweep"]
    if extra:
        raise ScenarioError(source, extra[0], "a sweep file holds only a [sweep] table")
    table = raw["sweep"]
    _only(table, SWEEP_FILE_KEYS, source, "sweep")
    if "scenario" not in table or not isinstance(table["scenario"], str):
        raise ScenarioError(source, "sweep.scenario", "required: the scenario file's path "
                                                      "(relative to this file)")
    replicates = table.get("replicates")
    if replicates is not None and (not isinstance(replicates, int) or replicates < 1):
        raise ScenarioError(source, "sweep.replicates", f"must be a whole number >= 1 "
                                                        f"(got {replicates!r})")
    for name in ("set", "grid", "lhs"):
        if not isinstance(table.get(name, {}), dict):
            raise ScenarioError(source, f"sweep.{name}", "must be a table")
    lhs = table.get("lhs", {})
    _only(lhs, LHS_KEYS, source, "sweep.lhs")
    points = lhs.get("points")
    if lhs and (not isinstance(points, int) or points < 1):
        raise ScenarioError(source, "sweep.lhs.points", f"must be a whole number >= 1 "
                                                        f"(got {points!r})")
    if not isinstance(lhs.get("ranges", {}), dict):
        raise ScenarioError(source, "sweep.lhs.ranges", "must be a table of KEY = [LO, HI]")
    scenario = load_scenario(folder / table["scenario"])
    return {"scenario": scenario, "set": table.get("set", {}),
            "grid": parse_grid(_dotted(table.get("grid", {})), f"{source}: sweep.grid"),
            "ranges": parse_ranges(_dotted(lhs.get("ranges", {})),
                                   f"{source}: sweep.lhs.ranges"),
            "lhs": points, "replicates": replicates, "origin": source}


def _dotted(table: dict, prefix: str = "") -> dict:
    """TOML's unquoted dotted keys (``network.degree = [4, 8]`` reads as a nested table)
    back as one dotted key each, as they are quoted (``"network.degree"``)."""
    out = {}
    for key, value in table.items():
        key = f'{prefix}"{key}"' if prefix and "." in key else prefix + key
        out.update(_dotted(value, key + ".") if isinstance(value, dict) else {key: value})
    return out


def _only(table: dict, allowed: tuple, source: str, where: str) -> None:
    for key in table:
        if key not in allowed:
            raise ScenarioError(source, f"{where}.{key}",
                                f"unknown key; allowed: {', '.join(allowed)}")


# --- one run ----------------------------------------------------------------------------


def run_point(scenario: Scenario, point_id: int, point: dict[str, Any],
              replicate: int) -> pd.DataFrame:
    """One run of a sweep (a task): its tidy table, led by the point's id and values."""
    from nanosim.experiments.runner import run_replicate

    table = run_replicate(scenario.with_overrides(point) if point else scenario, replicate)
    return with_point_columns(table, point_id, point)


def with_point_columns(table: pd.DataFrame, point_id: int,
                       point: dict[str, Any]) -> pd.DataFrame:
    """The table with columns ``point`` and one per swept key in front."""
    front = {"point": np.full(len(table), point_id, dtype=np.int32)}
    for key, value in point.items():
        front[key] = np.repeat(np.asarray([_cell(value)]), len(table))
    return pd.concat([pd.DataFrame(front), table.reset_index(drop=True)], axis=1)


def _cell(value):
    """A swept value as a table holds it: a list (``["people"]``) as its JSON text."""
    return value if np.isscalar(value) else json.dumps(value)


# --- the folder -------------------------------------------------------------------------


class SweepStore:
    """A sweep folder: its manifest, its points, the runs present and missing."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        path = self.folder / MANIFEST
        try:
            self.manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            if not self.folder.is_dir():
                raise NanosimError(f"{self.folder}: no such folder") from None
            raise NanosimError(f"{self.folder}: not a sweep folder (no {MANIFEST})") from None
        except (OSError, ValueError) as e:
            raise NanosimError(f"{path}: cannot read the sweep manifest: {e}") from None
        if self.manifest.get("format") != FORMAT:
            raise NanosimError(f"{path}: not a nanosim sweep manifest (format "
                               f"{self.manifest.get('format')!r}, expected {FORMAT!r})")

    @property
    def parameters(self) -> list[str]:
        """The swept keys, grid keys first, in the order given."""
        return [p["key"] for p in self.manifest["parameters"]]

    @property
    def replicates(self) -> int:
        return int(self.manifest["replicates"])

    @property
    def points(self) -> pd.DataFrame:
        """One row per point: ``point`` and the value of every swept key (as the run files
        hold it)."""
        rows = [{"point": i, **{k: _cell(v) for k, v in p.items()}}
                for i, p in enumerate(self.manifest["points"])]
        return pd.DataFrame(rows, columns=["point", *self.parameters])

    @property
    def runs(self) -> list[tuple[int, int]]:
        n = len(self.manifest["points"])
        return [(p, r) for p in range(n) for r in range(self.replicates)]

    def path(self, point: int, replicate: int) -> Path:
        return self.folder / RUNS / f"point-{point:04d}-rep-{replicate:03d}.parquet"

    def missing(self) -> list[tuple[int, int]]:
        """Runs without a complete file, in order."""
        present = self._present()
        return [run for run in self.runs if self.path(*run).name not in present]

    def files(self) -> list[Path]:
        """The complete run files, in (point, replicate) order."""
        present = self._present()
        return [p for run in self.runs if (p := self.path(*run)).name in present]

    @property
    def complete(self) -> bool:
        return not self.missing()

    def _present(self) -> set[str]:
        runs = self.folder / RUNS
        if not runs.is_dir():
            return set()
        return {e.name for e in os.scandir(runs) if not e.name.startswith(".") and _is_whole(e)}

    def metrics(self) -> list[str]:
        """Metric names found in the run files."""
        import pyarrow.parquet as pq

        files = self.files()
        if not files:
            return []
        return [str(m) for m in pq.read_table(files[0], columns=["metric"]).column(
            "metric").unique().to_pylist()]

    def dataset(self):
        """The finished runs as one lazy ``pyarrow.dataset.Dataset``."""
        import pyarrow.dataset as ds

        return ds.dataset([str(f) for f in self.files()], format="parquet")

    def load(self, metrics: str | list[str] | None = None) -> pd.DataFrame:
        """The finished runs as one DataFrame (only the named metrics, if given)."""
        import pyarrow.dataset as ds

        files = self.files()
        if not files:
            from nanosim.engine.metrics import COLUMNS

            return pd.DataFrame(columns=["point", *self.parameters, *COLUMNS])
        wanted = self._check_metrics(metrics)
        where = None if wanted is None else ds.field("metric").isin(wanted)
        return self.dataset().to_table(filter=where).to_pandas()

    def _check_metrics(self, metrics) -> list[str] | None:
        if metrics is None:
            return None
        wanted = [metrics] if isinstance(metrics, str) else list(metrics)
        known = self.metrics()
        for m in wanted:
            if m not in known:
                raise NanosimError(f"{self.folder}: unknown metric {m!r}; known: "
                                   f"{', '.join(known)}")
        return wanted

    def __repr__(self) -> str:
        done = len(self.runs) - len(self.missing())
        return f"SweepStore({str(self.folder)!r}, {done}/{len(self.runs)} runs)"


def load_sweep(folder: str | Path, metrics: str | list[str] | None = None) -> pd.DataFrame:
    """A sweep folder's finished runs as one pandas DataFrame."""
    return SweepStore(folder).load(metrics)


def _is_whole(entry: os.DirEntry) -> bool:
    """A run file that ends as a Parquet file does (renamed into place once written)."""
    try:
        size = entry.stat().st_size
        if size < 12:
            return False
        with open(entry.path, "rb") as f:
            f.seek(-4, os.SEEK_END)
            return f.read(4) == b"PAR1"
    except OSError:
        return False


def check_folder(plan: Plan, out: str | Path) -> int:
    """Refuse a folder that is not a sweep folder, holds another design, or is being written
    by another sweep (checked before any worker starts); the number of runs done there."""
    out = Path(out)
    if (out / ".lock").is_file():
        with _lock(out):
            pass
    return _runs_done(plan, out)


def _runs_done(plan: Plan, out: Path) -> int:
    if out.exists() and not out.is_dir():
        raise NanosimError(f"{out}: exists and is not a folder")
    if not out.is_dir():
        from nanosim.io.outputs import check_writable

        check_writable(out)
        return 0
    if not (out / MANIFEST).exists():
        if _visible(out):
            raise NanosimError(f"{out}: not empty and not a sweep folder (no {MANIFEST}); "
                               "choose a new or empty folder")
        return 0
    store = SweepStore(out)
    _check_same_design(store.manifest, plan.manifest(), out)
    return len(store.runs) - len(store.missing())


@contextmanager
def _open_folder(plan: Plan, out: str | Path) -> Iterator[SweepStore]:
    """The sweep folder for this plan, locked against a second sweep writing into it."""
    out = Path(out)
    _runs_done(plan, out)
    (out / RUNS).mkdir(parents=True, exist_ok=True)
    with _lock(out):
        if (out / MANIFEST).exists():
            _runs_done(plan, out)  # another sweep may have started it meanwhile
        else:
            _write_text(out / "scenario.toml", plan.scenario.to_toml())
            _write_text(out / MANIFEST, json.dumps(plan.manifest(), indent=1) + "\n")
        for stale in (out / RUNS).glob(".*.tmp"):
            stale.unlink(missing_ok=True)
        yield SweepStore(out)


def _visible(folder: Path) -> bool:
    return any(not p.name.startswith(".") for p in folder.iterdir())


@contextmanager
def _lock(folder: Path):
    """An exclusive lock on the folder, released when the process ends however it ends."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with open(folder / ".lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise NanosimError(f"{folder}: another nanosim sweep is writing into this "
                               "folder") from None
        yield


def _check_same_design(found: dict, wanted: dict, folder: Path) -> None:
    if found.get("design_sha256") == wanted["design_sha256"]:
        return
    differs = []
    if found.get("scenario", {}).get("sha256") != wanted["scenario"]["sha256"]:
        differs.append("the scenario differs (or its --seed or --set values)")
    old = {p["key"]: p for p in found.get("parameters", [])}
    new = {p["key"]: p for p in wanted["parameters"]}
    if list(old) != list(new):
        differs.append(f"swept keys differ (folder: {', '.join(old) or 'none'}; asked: "
                       f"{', '.join(new) or 'none'})")
    else:
        changed = [k for k in new if old[k] != new[k]]
        if changed:
            differs.append(f"values of {', '.join(changed)} differ")
        elif found.get("points") != wanted["points"]:
            differs.append("the points differ")
    if found.get("replicates") != wanted["replicates"]:
        differs.append(f"replicates differ (folder: {found.get('replicates')}, asked: "
                       f"{wanted['replicates']})")
    raise NanosimError(f"{folder}: holds a different sweep: {'; '.join(differs) or 'design'}; "
                       "use another --out folder, or delete this one to start again")


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- executors --------------------------------------------------------------------------


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@contextmanager
def executor(workers: int | None = None, scheduler=None) -> Iterator[Executor]:
    """A ``concurrent.futures`` executor: local processes, or a Dask cluster's.

    ``scheduler``: a Dask scheduler address (``tcp://HOST:PORT``), a
    ``distributed.Client`` or a ``LocalCluster``. Local workers are forked from
    this process when it holds no other thread (they then start with nanosim
    already imported), else started by ``forkserver`` (``spawn`` where there is
    none): never a ``fork`` of a process that holds threads.
    """
    if scheduler is not None:
        with _dask_executor(scheduler) as ex:
            yield ex
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    if "fork" in mp.get_all_start_methods() and _single_threaded():
        import nanosim.experiments.runner  # noqa: F401  (imported once, here, for every worker)

        ctx = mp.get_context("fork")
    elif "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["nanosim.experiments.runner"])
    else:
        ctx = mp.get_context("spawn")
    ex = ProcessPoolExecutor(max_workers=workers or default_workers(), mp_context=ctx,
                             initializer=_worker_init)
    try:
        yield ex
    except BaseException:
        ex.shutdown(wait=False, cancel_futures=True)
        for proc in list((getattr(ex, "_processes", None) or {}).values()):
            proc.terminate()  # stop runs in progress now rather than after they finish
        raise
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def _single_threaded() -> bool:
    """True when this process runs one thread, native threads included (Linux)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _worker_init() -> None:
    """Local workers leave Ctrl-C to the sweep, which stops them, and end with it."""
    import threading
    from multiprocessing import parent_process

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker has the sweep's handler
    parent = parent_process()
    if parent is not None:  # a killed sweep (SIGKILL) must not leave its workers behind
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent) -> None:
    parent.join()
    os._exit(1)


def check_scheduler(address) -> str:
    """A Dask scheduler address, PROTOCOL://HOST:PORT or HOST:PORT (NanosimError if not)."""
    address = str(address)
    if not re.fullmatch(r"([a-z][a-z0-9+.-]*://)?(\[[0-9a-fA-F:.]+\]|[^\s:/\[\]]+):\d{1,5}",
                        address):
        raise NanosimError(f"--scheduler: {address!r} is not a scheduler address (give "
                           "tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786)")
    return address


@contextmanager
def _dask_executor(scheduler) -> Iterator[Executor]:
    if hasattr(scheduler, "get_executor"):  # a Client
        yield scheduler.get_executor(pure=False)
        return
    scheduler = check_scheduler(getattr(scheduler, "scheduler_address", scheduler))
    try:
        from distributed import Client
    except ImportError:
        raise NanosimError("--scheduler needs dask.distributed: pip install "
                           "'dask[distributed]'") from None
    try:
        client = Client(str(scheduler), timeout="10s", set_as_default=False)
    except Exception as e:  # noqa: BLE001 - any failure to connect is the user's address
        raise NanosimError(f"cannot reach the Dask scheduler at {scheduler}: "
                           f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    try:
        if not client.scheduler_info().get("workers"):
            print(f"note: the Dask scheduler at {scheduler} has no workers yet; the runs start "
                  f"when one joins (dask worker {scheduler})", file=sys.stderr, flush=True)
        yield client.get_executor(pure=False)
    finally:
        client.close()


# --- running ----------------------------------------------------------------------------


def sweep(scenario_or_path: Scenario | str | Path, out: str | Path, grid=None,
          lhs: int | None = None, ranges=None, replicates: int | None = None,
          workers: int | None = None, scheduler=None, progress: bool = False) -> SweepStore:
    """Run a parameter sweep into ``out`` (resuming it if it is there) and return its store.

    ``scenario_or_path``: a Scenario, a scenario file or a sweep file. ``grid``,
    ``lhs``, ``ranges`` and ``replicates`` as in :func:`plan_sweep`. ``workers``: local
    processes (default: the number of cores); ``scheduler``: a Dask scheduler address,
    Client or LocalCluster, to run on a cluster instead. Nothing is written if the
    design is invalid or the scheduler cannot be reached.
    """
    plan = plan_sweep(scenario_or_path, grid, lhs, ranges, replicates)
    return run_plan(plan, out, workers=workers, scheduler=scheduler, progress=progress)


def run_plan(plan: Plan, out: str | Path, *, workers: int | None = None, scheduler=None,
             progress: bool = False) -> SweepStore:
    """Run the plan's missing runs into ``out``; each file is written as its run ends."""
    done = check_folder(plan, out)
    if done == len(plan.runs):
        return SweepStore(out)
    n_workers = min(workers or default_workers(), len(plan.runs) - done)
    with executor(n_workers, scheduler) as ex, _open_folder(plan, out) as store:
        todo = store.missing()
        pending = {ex.submit(run_point, plan.scenario, p, plan.points[p], r): (p, r)
                   for p, r in todo}
        # after the workers are forked: a progress bar starts a monitor thread
        bar = _progress_bar(len(plan.runs), len(plan.runs) - len(todo), progress)
        from nanosim.io.outputs import write_table  # while the workers start

        try:
            for fut in as_completed(list(pending)):
                run = pending.pop(fut)
                write_table(_result(fut, run, store), store.path(*run))
                bar.update()
        except BaseException:
            _keep_finished(pending, store, write_table)
            raise
        finally:
            bar.close()
    return store


def _result(fut, run: tuple[int, int], store: SweepStore) -> pd.DataFrame:
    """A run's table; a worker that died (out of memory, killed) is a clear error."""
    try:
        return fut.result()
    except NanosimError:
        raise
    except Exception as e:
        kind = type(e).__name__
        if kind in ("BrokenProcessPool", "KilledWorker"):
            name = store.path(*run).stem
            raise RunFailed(f"a worker process died while running {name} (out of memory, or "
                            "killed; from a script, call nanosim.sweep under `if __name__ == "
                            f"'__main__':`); finished runs are kept in {store.folder}; run the "
                            "same command again to continue") from None
        if kind in ("CancelledError", "CommClosedError") or isinstance(e, ConnectionError):
            raise RunFailed(f"lost the Dask scheduler ({kind}); finished runs are kept in "
                            f"{store.folder}; run the same command again to continue") from None
        raise


def _keep_finished(pending: dict, store: SweepStore, write_table) -> None:
    """On interruption: cancel what has not started, keep what has finished."""
    for fut in pending:
        fut.cancel()
    for fut, run in pending.items():
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            write_table(fut.result(), store.path(*run))


def _progress_bar(total: int, done: int, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=done, desc="sweep", unit="run", leave=True,
                disable=not (progress and sys.stderr.isatty()), file=sys.stderr)


# --- the command ------------------------------------------------------------------------


def command(args: argparse.Namespace) -> int:
    """``nanosim sweep``: run (or resume) a sweep and say where its runs are."""
    plan = plan_sweep(args.scenario, args.grid, args.lhs, args.ranges, args.replicates,
                      overrides=args.overrides, seed=args.seed, names=OPTIONS)
    out = Path(args.out)
    total = len(plan.runs)
    before = check_folder(plan, out)
    if before == total:
        print(f"nothing to run: all {total} runs are in {out}/{RUNS}")
        return 0
    if args.scheduler is not None:
        check_scheduler(args.scheduler)
    where = f"Dask scheduler {args.scheduler}" if args.scheduler is not None else \
        f"{min(args.workers or default_workers(), total - before)} local worker(s)"
    print(f"sweep: {len(plan.points)} point(s) x {plan.replicates} replicate(s) = {total} runs "
          f"of {plan.scenario.run.name!r}" + (f"; {before} already done" if before else "")
          + f"; on {where}", flush=True)
    start = time.perf_counter()
    try:
        with _terminate_as_interrupt() as stopped_by:
            store = run_plan(plan, out, workers=args.workers, scheduler=args.scheduler,
                             progress=True)
    except KeyboardInterrupt:
        kept = total - len(SweepStore(out).missing())
        print(f"nanosim: interrupted; {kept} of {total} runs are kept in {out}; run the same "
              "command again to finish", file=sys.stderr)
        return 128 + stopped_by.get("signal", signal.SIGINT)
    seconds = time.perf_counter() - start
    print(f"done: {total - before} run(s) in {seconds:.1f} s; {total} of {total} in {out}/runs")
    print(f"next: nanosim report {out}")
    return 0 if store.complete else 1


# --- helpers ----------------------------------------------------------------------------


@contextmanager
def _terminate_as_interrupt():
    """While running, SIGTERM (``kill``, a batch system's time limit) stops like Ctrl-C.

    Yields a dict that holds the signal's number once one has stopped the sweep.
    """
    stopped_by: dict = {}

    def stop(signum, frame):
        stopped_by["signal"] = signum
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield stopped_by
    finally:
        signal.signal(signal.SIGTERM, previous)


def _canonical(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
