"""Sweep designs: grid values, ranges, a Latin hypercube and their product as points.

A *design* is a list of points, each a dict of dotted scenario keys to values, from a
full grid, a Latin hypercube of ranges, or both (their product), or given point by
point (a CSV file, or a design made elsewhere such as SALib's). Values are parsed
here from ``"key=v1,v2"``, ``"key=start:stop:count"`` and ``"key=lo:hi"`` strings,
from dicts, or from a CSV file's cells; a bad value raises ScenarioError naming the
argument that gave it.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nanosim.errors import ScenarioError
from nanosim.experiments.budget import check_memory, design_bytes
from nanosim.scenario import parse_value
from nanosim.scenario.files import TOML_LIMIT, read_text

LHS_STREAM = 0x4C4853  # keeps the LHS stream apart from the replicate streams of the seed


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


def read_design(path: str | Path, source: str = "design") -> list[dict[str, Any]]:
    """A design CSV's points: one row per point, one column per dotted scenario key.

    Cells are read as ``--set`` values are (TOML where they parse); a column mixing
    whole and decimal numbers is read as decimals.
    """
    where = f"{source} {path}"
    try:  # a regular file under the size limit, read without blocking
        text = read_text(path, TOML_LIMIT, what="design CSV")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except ScenarioError as e:
        raise ScenarioError(where, "", e.message) from None
    except csv.Error as e:
        raise ScenarioError(where, "", f"cannot read: {e}") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise ScenarioError(where, "", "needs a header row of scenario keys and one row per "
                                       "point")
    keys = [k.strip() for k in rows[0]]
    for i, key in enumerate(keys):
        if not key:
            raise ScenarioError(where, f"column {i + 1}", "has no key in the header row")
        if key in keys[:i]:
            raise ScenarioError(where, key, "this column is given twice")
    columns: dict[str, list] = {k: [] for k in keys}
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(keys) or not all(c.strip() for c in row):
            raise ScenarioError(where, f"row {n}", f"needs a value in each of the {len(keys)} "
                                                   "columns")
        for key, text in zip(keys, row, strict=True):
            columns[key].append(parse_value(text.strip()))
    columns = {k: _harmonise(v) for k, v in columns.items()}
    return [{k: columns[k][i] for k in keys} for i in range(len(rows) - 1)]


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
    check_memory(design_bytes(count), f"{source}: {key}: a grid of {count} values")
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
