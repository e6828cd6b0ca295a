"""A calibration folder: its manifest, its lock, and what a rerun finds there.

A calibration folder holds ``calibration.json`` (the calibration's identity, written
before any run), the method's database (``abc.db``, pyabc's History; ``optuna.db``, an
Optuna storage), ``simulations.jsonl`` (every evaluation as it finished) and, once the
fit is done, its results. A folder that holds anything else and no manifest, or the
manifest of another calibration, is refused before anything runs; the same calibration
run again into its folder continues where it stopped. While a calibration writes into
its folder it holds an exclusive lock on it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from nanosim.errors import NanosimError
from nanosim.experiments.calibration.spec import Calibration
from nanosim.experiments.files import check_writable, folder_lock

MANIFEST = "calibration.json"
FORMAT = "nanosim-calibration/1"


def manifest(cal: Calibration, method: str, check: bool) -> dict:
    """What a folder records of its calibration (the identity decides a rerun)."""
    from nanosim import __version__

    return {"format": FORMAT, "nanosim": __version__,
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "calibration": cal.source, "name": cal.name, "method": method, "check": check,
            "seed": cal.settings.seed, "parameters": [p.key for p in cal.parameters],
            "identity_sha256": cal.identity_sha256(method, check)}


def check_folder(out: str | Path, wanted: dict) -> bool:
    """Refuse a folder that is not this calibration's (before any work); True when it holds
    this calibration already (a rerun continues it)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NanosimError(f"{out}: exists and is not a folder")
    if not out.is_dir():
        check_writable(out)
        return False
    path = out / MANIFEST
    if not path.exists():
        if any(p.name != ".lock" for p in out.iterdir()):
            raise NanosimError(f"{out}: not empty and not a calibration folder (no "
                               f"{MANIFEST}); choose a new or empty folder")
        return False
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise NanosimError(f"{path}: cannot read the calibration manifest: {e}") from None
    if not isinstance(found, dict) or found.get("format") != FORMAT:
        raise NanosimError(f"{path}: not a nanosim calibration manifest")
    if found.get("identity_sha256") != wanted["identity_sha256"]:
        differs = [k for k in ("calibration", "method", "check", "seed", "parameters")
                   if found.get(k) != wanted[k]]
        what = (", ".join(differs) + " differ") if differs else \
            "the scenarios, data or settings differ"
        raise NanosimError(f"{out}: holds another calibration ({what}); use another --out "
                           "folder, or delete this one to start again")
    return True


@contextmanager
def open_folder(out: str | Path, wanted: dict) -> Iterator[Path]:
    """The calibration folder, made if new, its manifest written, locked while in use."""
    out = Path(out)
    check_folder(out, wanted)
    out.mkdir(parents=True, exist_ok=True)
    with folder_lock(out, "another nanosim calibration is writing into this folder"):
        if not (out / MANIFEST).exists():
            tmp = out / f".{MANIFEST}.tmp"
            tmp.write_text(json.dumps(wanted, indent=1) + "\n", encoding="utf-8")
            os.replace(tmp, out / MANIFEST)
        else:
            check_folder(out, wanted)  # another calibration may have started it meanwhile
        yield out
