"""A sweep folder: its manifest, one Parquet file per finished run, and its lock.

A sweep folder holds::

    manifest.json                       the design, the scenario's hash, versions
    scenario.toml                       the base scenario (fixed overrides applied)
    runs/point-0003-rep-001.parquet     one tidy table per finished run

Each run file is written under a temporary name and renamed once complete, so a
folder never holds a half-written run and a rerun finds exactly the missing ones.
While a sweep writes into a folder it holds an exclusive lock on it, so a second
sweep cannot write into the same folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nanosim.errors import NanosimError
from nanosim.experiments.files import check_writable

if TYPE_CHECKING:
    from nanosim.experiments.sweep.plan import Plan

MANIFEST = "manifest.json"
RUNS = "runs"
FORMAT = "nanosim-sweep/1"


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
        rows = [{"point": i, **{k: cell(v) for k, v in p.items()}}
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


def cell(value):
    """A swept value as a table holds it: a list (``["people"]``) as its JSON text."""
    return value if np.isscalar(value) else json.dumps(value)


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
def open_folder(plan: Plan, out: str | Path) -> Iterator[SweepStore]:
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
