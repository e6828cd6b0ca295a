"""Files written safely: tidy tables as byte-stable Parquet, and folders checked early.

A table is written under a temporary name and renamed once it is on disk, so a
reader never sees a half-written file; identical tables (and metadata) give
identical bytes. A
folder is checked for being writable before any work starts, so a long run never
fails at its end for want of a place to put its results, and a folder a command writes
into as it goes (a sweep's, a calibration's) is locked against a second one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from nanosim.errors import NanosimError, ScenarioError


def write_table(df: pd.DataFrame, path: str | Path, metadata: dict[str, str] | None = None,
                on_disk: Callable[[Path], object] | None = None) -> None:
    """Parquet, byte-identical for identical tables (temporary name, then rename).

    ``metadata``: key-value pairs added to the file's own (pandas') metadata.
    ``on_disk``: called with the temporary file once it is on disk, before the rename.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    table = pa.Table.from_pandas(df, preserve_index=False)  # as DataFrame.to_parquet does
    if metadata:
        table = table.replace_schema_metadata(
            {**table.schema.metadata, **{k.encode(): v.encode() for k, v in metadata.items()}})
    try:
        pq.write_table(table, tmp, compression="zstd")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())  # the bytes are on disk before the name says the file is whole
        if on_disk is not None:
            on_disk(tmp)
        os.replace(tmp, path)
    except BaseException:  # an error or Ctrl-C midway leaves no temporary file behind
        tmp.unlink(missing_ok=True)
        raise


def check_writable(out: Path) -> None:
    """Refuse an ``--out`` folder that could not be made or written in, before any work."""
    place = out.absolute()
    while not place.exists():
        place = place.parent
    if not place.is_dir():
        raise ScenarioError(str(out), "--out", f"cannot be made: {place} is a file")
    try:
        shutil.rmtree(tempfile.mkdtemp(prefix=".nanosim-check.", dir=place))
    except OSError as e:
        raise ScenarioError(str(out), "--out", f"cannot write in {place} ({e.strerror})"
                            ) from None


@contextmanager
def folder_lock(folder: Path, busy: str) -> Iterator[None]:
    """An exclusive lock on ``folder`` (its ``.lock`` file), released when the process ends
    however it ends; NanosimError ``"FOLDER: busy"`` if another process holds it."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with open(folder / ".lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise NanosimError(f"{folder}: {busy}") from None
        yield
