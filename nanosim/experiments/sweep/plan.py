"""Planning a sweep: the base scenario, its design and replicates, checked before any run.

:func:`plan_sweep` reads a scenario or a sweep file (a ``[sweep]`` table naming the
scenario and its design; docs/sweeps.md), adds the caller's options, and checks that
every point makes a valid scenario. Errors name the argument that gave a key, as the
caller calls it (``names``: Python's argument names by default, or the command
line's options).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nanosim.engine.network import check_files, edge_list_files
from nanosim.errors import ScenarioError
from nanosim.experiments.budget import PROCESS, WORKER, check_memory, design_bytes, run_bytes
from nanosim.experiments.sweep.design import (
    design_points,
    latin_hypercube,
    parse_grid,
    parse_ranges,
    read_design,
)
from nanosim.experiments.sweep.store import FORMAT
from nanosim.scenario import Scenario, load_scenario, parse_override, scenario_path
from nanosim.scenario.files import read_text
from nanosim.scenario.load import parse_toml

SWEEP_FILE_KEYS = ("scenario", "replicates", "set", "grid", "lhs")
LHS_KEYS = ("points", "ranges")
FORBIDDEN_KEYS = {"scenario.replicates": "set the number of replicates with --replicates"}
# what errors call plan_sweep's arguments by default: their Python names
ARGUMENTS = {"grid": "grid", "ranges": "ranges", "lhs": "lhs", "replicates": "replicates",
             "overrides": "overrides", "seed": "seed", "design": "design"}


@dataclass(frozen=True)
class Plan:
    """A validated sweep: the base scenario, its swept parameters, points and replicates."""

    scenario: Scenario
    parameters: list[dict]  # {"key", "kind": "grid", "values"}, {"key", "kind": "lhs" or
    #                         "design", "range"} or {"key", "kind": "design", "values"}
    points: list[dict[str, Any]]
    replicates: int
    run_memory: int = 0  # estimated peak memory of its largest run on a worker (budget)

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
               seed: int | None = None, design=None, names: dict[str, str] = ARGUMENTS,
               max_memory: int | None = None) -> Plan:
    """Read the scenario (or sweep file), build the design and check every point.

    ``grid``: ``{"key": [v1, v2]}`` or ``{"key": "start:stop:count"}`` or a list of
    ``"key=v1,v2"`` / ``"key=start:stop:count"`` strings. ``ranges``: ``{"key": (lo, hi)}``
    or ``["key=lo:hi"]``, sampled by a Latin hypercube of ``lhs`` points. ``design``:
    the points themselves, a list of ``{"key": value}`` dicts or a CSV file's path (one
    row per point, one column per key), instead of a grid or ranges. Options given
    here add to (and win over) those of a sweep file. ``overrides`` (``"key=value"``
    strings or a dict) and ``seed`` change the base scenario. Raises ScenarioError,
    naming the key and the argument (as ``names`` calls it) that gave it, if any point does
    not make a valid scenario, and NanosimError if the design alone would not fit in
    ``max_memory`` bytes (default: the memory available), before it is made.
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
    if design is not None:
        if grid or ranges or lhs or spec["grid"] or spec["ranges"]:
            raise ScenarioError(names["design"], "", "a design gives every point itself: do "
                                f"not combine it with {names['grid']}, {names['lhs']} or "
                                f"{names['ranges']}")
        return _given_plan(base, design, spec, replicates, names, max_memory)
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
    n_rep = _replicates(replicates, spec, base, names)
    for key, bounds in range_values.items():  # the user's own bounds, not a sample, if out
        for bound in bounds:
            base.with_overrides({key: bound}, origin)
    runs = math.prod(len(v) for v in grid_values.values()) * (n_lhs or 1) * n_rep
    check_memory(PROCESS + design_bytes(runs), f"a sweep design of {runs} runs", max_memory)
    lhs_table = latin_hypercube(range_values, n_lhs or 0, base.run.seed)
    points = design_points(grid_values, lhs_table)
    parameters = ([{"key": k, "kind": "grid", "values": v} for k, v in grid_values.items()]
                  + [{"key": k, "kind": "lhs", "range": list(v)}
                     for k, v in range_values.items()])
    networks = {}  # each distinct file network, read once as its runs would read it
    run_memory = 0
    for point in points:
        scenario = base.with_overrides(point, origin)  # errors name where a key was swept
        networks.setdefault(edge_list_files(scenario) if scenario.network.kind == "file"
                            else None, scenario)
        run_memory = max(run_memory, run_bytes(scenario, 1, WORKER, runs))
    for scenario in networks.values():
        check_files(scenario)
    return Plan(base, parameters, points, n_rep, run_memory)


def _given_plan(base: Scenario, design, spec: dict, replicates: int | None,
                names: dict[str, str], max_memory: int | None) -> Plan:
    """The plan of a design given point by point, each point checked (its row named)."""
    source = names["design"]
    if isinstance(design, str | Path):
        source = f"{source} {design}"
        design = read_design(design, names["design"])
    points = [dict(p) for p in design]
    if not points or not points[0]:
        raise ScenarioError(source, "", "the design has no points")
    keys = list(points[0])
    for key in keys:
        if key in FORBIDDEN_KEYS:
            raise ScenarioError(source, key, f"cannot be swept; {FORBIDDEN_KEYS[key]}")
    n_rep = _replicates(replicates, spec, base, names)
    runs = len(points) * n_rep
    check_memory(PROCESS + design_bytes(runs), f"a sweep design of {runs} runs", max_memory)
    run_memory = 0
    for i, point in enumerate(points):
        if list(point) != keys:
            raise ScenarioError(source, f"point {i + 1}", f"sets {', '.join(point)}; every "
                                f"point sets {', '.join(keys)}")
        scenario = base.with_overrides(point, dict.fromkeys(keys, f"{source}, point {i + 1}"))
        run_memory = max(run_memory, run_bytes(scenario, 1, WORKER, runs))
    parameters = []
    for key in keys:
        values = [p[key] for p in points]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        distinct = {json.dumps(v): v for v in values}
        parameters.append({"key": key, "kind": "design", "range": [min(values), max(values)]}
                          if numeric else {"key": key, "kind": "design",
                                           "values": list(distinct.values())})
    return Plan(base, parameters, points, n_rep, run_memory)


def _replicates(replicates: int | None, spec: dict, base: Scenario,
                names: dict[str, str]) -> int:
    n_rep = replicates if replicates is not None else (
        spec["replicates"] or base.run.replicates)
    if n_rep < 1:
        raise ScenarioError(names["replicates"], "",
                            f"must be a whole number >= 1 (got {n_rep})")
    return int(n_rep)


# --- sweep files ------------------------------------------------------------------------


def _read_spec(scenario_or_path) -> dict:
    """The base scenario and any design held in a sweep file."""
    spec = {"set": {}, "grid": {}, "ranges": {}, "lhs": None, "replicates": None,
            "origin": ""}
    if isinstance(scenario_or_path, Scenario):
        return {**spec, "scenario": scenario_or_path}
    path = scenario_path(scenario_or_path)  # a file, or a bundled scenario's name
    raw = parse_toml(read_text(path), str(path))
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


def _canonical(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
