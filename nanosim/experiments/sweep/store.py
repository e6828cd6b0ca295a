"""A sweep folder: its manifest, one Parquet file per finished run, their checksums, its lock.

A sweep folder holds::

    manifest.json                       the design, the scenario's hash, versions
    scenario.toml                       the base scenario (fixed overrides applied)
    SHA256SUMS                          each run file's sha256 (``sha256sum -c`` reads it)
    runs/point-0003-rep-001.parquet     one tidy table per finished run

Each run file is written under a temporary name and renamed once complete, so a
folder never holds a half-written run and a rerun finds exactly the missing ones.
Its checksum is appended to SHA256SUMS just before the rename (one line, one write:
the manifest stays as the sweep began, and recording a run costs the same however
many came before; a later line for a file wins over an earlier one),
and the file carries its point, replicate and the design's hash in its Parquet
metadata. A file whose bytes or metadata do not match is damaged: a rerun runs it
again, and reading the folder names it. While a sweep writes into a folder it holds
an exclusive lock on it, so a second sweep cannot write into the same folder.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nanosim.errors import NanosimError
from nanosim.experiments.files import check_writable, folder_lock, write_table

if TYPE_CHECKING:
    from nanosim.experiments.sweep.plan import Plan

MANIFEST = "manifest.json"
SCENARIO = "scenario.toml"
RUNS = "runs"
SUMS = "SHA256SUMS"
FORMAT = "nanosim-sweep/1"
META = ("point", "replicate", "design_sha256")  # each run file's metadata, as nanosim.KEY
_SUM_LINE = re.compile(rf"([0-9a-f]{{64}})  {RUNS}/(point-\d{{4}}-rep-\d{{3}}\.parquet)")


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
        """Runs without a complete, undamaged file, in order."""
        present, damaged = self._present(), self.damaged()
        return [run for run in self.runs
                if self.path(*run).name not in present or run in damaged]

    def files(self) -> list[Path]:
        """The complete run files, in (point, replicate) order; NanosimError names a
        damaged one."""
        self.verify()
        present = self._present()
        return [p for run in self.runs if (p := self.path(*run)).name in present]

    def verify(self) -> None:
        """Raise NanosimError naming the first damaged run file, if any."""
        damaged = self.damaged()
        if damaged:
            run, why = next(iter(damaged.items()))
            more = f" (and {len(damaged) - 1} more)" if len(damaged) > 1 else ""
            raise NanosimError(f"{self.path(*run)}: damaged: {why}{more}; run the same sweep "
                               "again to run it again")

    def damaged(self) -> dict[tuple[int, int], str]:
        """Run files present but not as written, in order: ``{run: why}``.

        A file is damaged when it cannot be read, its metadata names another run or
        design, its sha256 differs from SHA256SUMS, or SHA256SUMS lacks it. Files of an
        older nanosim, with neither metadata nor SHA256SUMS, are :meth:`unverified`
        instead.
        """
        return self._check()[0]

    def unverified(self) -> list[tuple[int, int]]:
        """Run files written before run files carried checksums (read as they are)."""
        return self._check()[1]

    def _check(self) -> tuple[dict[tuple[int, int], str], list[tuple[int, int]]]:
        present, sums = self._present(), self._sums()
        legacy = not (self.folder / SUMS).exists()
        damaged, unverified = {}, []
        for run in self.runs:
            path = self.path(*run)
            if path.name not in present:
                continue
            meta = _metadata(path)
            if meta is None:
                damaged[run] = "not a readable Parquet file"
            elif meta and meta != self._meta(run):
                damaged[run] = _misplaced(meta, self._meta(run))
            elif path.name in sums:
                if sha256(path) != sums[path.name]:
                    damaged[run] = f"its sha256 differs from {SUMS}"
            elif meta or not legacy:
                damaged[run] = f"its sha256 is not in {SUMS}"
            else:
                unverified.append(run)
        return damaged, unverified

    def _meta(self, run: tuple[int, int]) -> dict[str, str]:
        """The metadata a run's file carries."""
        return dict(zip(META, (str(run[0]), str(run[1]), self.manifest["design_sha256"]),
                        strict=True))

    def _sums(self) -> dict[str, str]:
        """SHA256SUMS as ``{file name: sha256}`` (a later line wins; a torn one is skipped)."""
        try:
            text = (self.folder / SUMS).read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return {}
        return {m[2]: m[1] for line in text.splitlines() if (m := _SUM_LINE.fullmatch(line))}

    def write(self, run: tuple[int, int], table: pd.DataFrame) -> None:
        """Write a run's file, with its metadata; its sha256 is recorded before the file
        takes its name, so a reader never finds a run file without its checksum."""
        name = self.path(*run).name
        write_table(table, self.path(*run),
                    {f"nanosim.{k}": v for k, v in self._meta(run).items()},
                    on_disk=lambda tmp: self._record({name: sha256(tmp)}))

    def _record(self, sums: dict[str, str]) -> None:
        """Append checksums to SHA256SUMS: one write, on disk before it returns."""
        text = "".join(f"{digest}  {RUNS}/{name}\n" for name, digest in sums.items())
        fd = os.open(self.folder / SUMS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, text.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def record_unverified(self) -> None:
        """Check the files of an older nanosim (each reads whole and holds the run its name
        says) and record their checksums; those that fail are damaged from then on."""
        unverified = self.unverified()
        if unverified:
            self._record({self.path(*run).name: sha256(self.path(*run))
                          for run in unverified if _holds_run(self.path(*run), run)})

    def repair(self) -> None:
        """Remove the damaged run files (they run again) and rewrite SHA256SUMS with one
        line per run file (call holding the folder's lock)."""
        damaged, sums = self.damaged(), self._sums()
        for run in damaged:
            self.path(*run).unlink(missing_ok=True)
        present = self._present()
        names = [name for run in self.runs if (name := self.path(*run).name) in present]
        _write_text(self.folder / SUMS, "".join(f"{sums[n]}  {RUNS}/{n}\n"
                                                for n in names if n in sums))

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


def sha256(path: Path) -> str:
    """A file's sha256, read once per version of it (its size, time and inode)."""
    st = path.stat()
    return _digest(str(path), st.st_size, st.st_mtime_ns, st.st_ino)


@functools.lru_cache(maxsize=65536)
def _digest(path: str, size: int, mtime_ns: int, inode: int) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _metadata(path: Path) -> dict[str, str] | None:
    """A run file's nanosim metadata ({} if it has none; None if it cannot be read)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, ValueError):
        return None
    return {k: meta[f"nanosim.{k}".encode()].decode("utf-8", "replace")
            for k in META if f"nanosim.{k}".encode() in meta}


def _misplaced(found: dict[str, str], wanted: dict[str, str]) -> str:
    if found.get("design_sha256") != wanted["design_sha256"]:
        return "it holds a run of another sweep (its design differs)"
    return (f"it holds point {found.get('point')} replicate {found.get('replicate')}, not "
            f"point {wanted['point']} replicate {wanted['replicate']}")


def _holds_run(path: Path, run: tuple[int, int]) -> bool:
    """A file of an older nanosim reads whole and holds the run its name says."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
        return (set(table.column("point").unique().to_pylist()) == {run[0]}
                and set(table.column("replicate").unique().to_pylist()) == {run[1]})
    except (OSError, ValueError, KeyError):
        return False


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
    by another sweep (checked before any worker starts); the number of runs done there.

    Temporary files a killed sweep left are removed, and the run files of an older
    nanosim checked and recorded (:meth:`SweepStore.record_unverified`).
    """
    out = Path(out)
    if (out / ".lock").is_file():
        with _lock(out):
            _remove_temporary(out)
            if _runs_done(plan, out):
                SweepStore(out).record_unverified()
    return _runs_done(plan, out)


def _remove_temporary(out: Path) -> None:
    """Remove the temporary files of a sweep that was killed (call holding the lock)."""
    for folder in (out, out / RUNS):
        for stale in folder.glob(".*.tmp"):
            stale.unlink(missing_ok=True)


def _runs_done(plan: Plan, out: Path) -> int:
    if out.exists() and not out.is_dir():
        raise NanosimError(f"{out}: exists and is not a folder")
    if not out.is_dir():
        check_writable(out)
        return 0
    if not (out / MANIFEST).exists():
        if _foreign(out):
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
        else:  # the manifest last: it makes the folder a sweep folder
            _write_text(out / SCENARIO, plan.scenario.to_toml())
            _write_text(out / MANIFEST, json.dumps(plan.manifest(), indent=1) + "\n")
        _remove_temporary(out)
        store = SweepStore(out)
        store.repair()
        yield store


def _foreign(folder: Path) -> bool:
    """True when a folder without a manifest holds anything but what a sweep makes before
    it (its lock, an empty runs folder, and beside the lock the scenario.toml written just
    before the manifest, which a sweep killed in between leaves); dot-files such as
    ``.git`` count."""
    locked = (folder / ".lock").is_file()
    return any(not (p.name == ".lock" or (p.name == RUNS and p.is_dir() and
                                          not any(p.iterdir()))
                    or (p.name == SCENARIO and locked and p.is_file()))
               for p in folder.iterdir())


def _lock(folder: Path):
    """An exclusive lock on the folder, released when the process ends however it ends."""
    return folder_lock(folder, "another nanosim sweep is writing into this folder")


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
