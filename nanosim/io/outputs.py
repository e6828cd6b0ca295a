"""Writing a run's folder: tables, summary and figures, all or nothing.

Files are written into a hidden staging folder beside the destination (beside the
folder a symlink points to, so the final rename never crosses filesystems) and
moved into place only once all of them exist, so an interrupted or failed run never
leaves half-written files in ``--out``. ``--out`` must be a new or empty folder (a
dot-file such as ``.git`` counts as content), or one the same command wrote before,
which it marks with a ``.nanosim-folder`` file: its files are then replaced, and
those the new results do not have (a CSV asked for last time, say) are removed.
A staging folder a killed command left behind is removed by the next command that
writes beside it.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from nanosim.errors import ScenarioError
from nanosim.experiments import results as R
from nanosim.experiments.files import check_writable, write_table
from nanosim.scenario import Scenario

MARKER = ".nanosim-folder"  # {"command": "nanosim run", "nanosim": VERSION}: who wrote the folder
PENDING_MARKER = MARKER + ".new"  # written and locked here, then renamed to MARKER
RUN_FILES = ("summary.json", "timeseries.parquet", "timeseries.csv", "scenario.toml",
             "perception.png", "matrix.png", "channels.png")  # summary.json is moved last
EMPTY_STAGE_AGE = 60.0  # seconds: an unmarked staging folder older than this was abandoned


def check_out(out_dir: str | Path, files: tuple[str, ...], command: str) -> Path:
    """The folder ``--out`` names, symlinks resolved; refuse one ``command`` may not write.

    Refused: a file, a dangling symlink, and a folder with any content that
    ``command`` did not mark as its own. Call this before the work starts.
    """
    out = Path(out_dir)
    if out.is_symlink() and not out.exists():
        raise ScenarioError(str(out), "--out", f"is a symlink to {os.readlink(out)}, which does "
                            "not exist (make that folder, or give another --out)")
    try:
        target = out.resolve()
    except (OSError, RuntimeError) as e:  # a loop of symlinks
        raise ScenarioError(str(out), "--out", f"cannot be resolved ({e})") from None
    if target.exists() and not target.is_dir():
        raise ScenarioError(str(out), "--out", "is a file (give a new or empty folder)")
    if target.is_dir() and any(target.iterdir()):
        _check_owner(out, target, files, command)
    check_writable(out)
    return target


def _check_owner(out: Path, target: Path, files: tuple[str, ...], command: str) -> None:
    wrote = _marked_by(target / MARKER)
    if wrote == command:
        return
    if wrote is not None:
        why = f"holds the results of `{wrote}`"
    elif (target / files[0]).exists():  # written before folders were marked, or not ours
        why = (f"holds {files[0]} but no {MARKER} (not written by `{command}` of this "
               "nanosim); move or delete it")
    else:
        why = f"holds files `{command}` did not write (no {MARKER})"
    raise ScenarioError(str(out), "--out", f"{why}; give a new or empty folder")


def _marked_by(marker: Path) -> str | None:
    """The command a marker file names (None: no marker, or not one of nanosim's)."""
    try:
        command = json.loads(marker.read_text(encoding="utf-8")).get("command")
    except (OSError, ValueError, AttributeError):
        return None
    return command if isinstance(command, str) else None


@contextmanager
def staged(out_dir: str | Path, files: tuple[str, ...], command: str):
    """Yield a staging folder; on success its files replace ``files`` in ``out_dir``.

    ``out_dir`` is checked first (:func:`check_out`); the staging folder is made
    beside the folder it resolves to and holds, while in use, a locked marker.
    """
    from nanosim import __version__

    out = check_out(out_dir, files, command)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_stages(out)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        with open(stage / PENDING_MARKER, "w", encoding="utf-8") as marker:
            marker.write(json.dumps({"command": command, "nanosim": __version__}) + "\n")
            marker.flush()
            _lock(marker)  # held until the files are in place: the stage is in use
            os.replace(stage / PENDING_MARKER, stage / MARKER)  # a marker is never half-written
            yield stage
            out.mkdir(parents=True, exist_ok=True)
            for name in files:
                if not (stage / name).exists():
                    (out / name).unlink(missing_ok=True)
            new = sorted(stage.iterdir(), key=lambda f: (f.name != MARKER, f.name == files[0]))
            for f in new:  # the marker first (the folder is ours), files[0] last
                os.replace(f, out / f.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def remove_abandoned_stages(out: Path) -> list[Path]:
    """Remove the staging folders of ``out`` that killed commands left; returns them.

    Only folders named as :func:`staged` names them (``.NAME.`` and eight letters)
    whose marker no live process holds locked, or that have stayed unmarked
    and empty (but for a marker being written) for a minute.
    """
    pattern = re.compile(rf"\.{re.escape(out.name)}\.[a-z0-9_]{{8}}")
    removed = []
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return removed
    for entry in entries:
        if not (pattern.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)):
            continue
        path = Path(entry.path)
        if (path / MARKER).is_file():
            abandoned = _marked_by(path / MARKER) is not None and _unlocked(path / MARKER)
        else:
            abandoned = ({f.name for f in path.iterdir()} <= {PENDING_MARKER}
                         and time.time() - entry.stat().st_mtime > EMPTY_STAGE_AGE)
        if abandoned:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _lock(f) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: stages are never taken for abandoned
        return
    fcntl.flock(f, fcntl.LOCK_EX)


def _unlocked(marker: Path) -> bool:
    """True when no process holds the marker locked (its command has ended)."""
    try:
        import fcntl
    except ImportError:
        return False
    try:
        with open(marker, "rb") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def versions() -> dict:
    import matplotlib
    import mesa
    import numba
    import numpy

    from nanosim import __version__

    return {"nanosim": __version__, "mesa": mesa.__version__, "numpy": numpy.__version__,
            "numba": numba.__version__, "pandas": pd.__version__,
            "matplotlib": matplotlib.__version__, "python": platform.python_version()}


def write_run(df: pd.DataFrame, scenario: Scenario, out_dir: str | Path, *,
              wall_seconds: float, csv: bool = False) -> Path:
    """Write timeseries, summary.json and the three figures of one scenario's runs."""
    from nanosim.figures.plots import save  # matplotlib: only where figures are drawn
    from nanosim.figures.run import channels_figure, matrix_figure, perception_figure

    out = Path(out_dir)
    name = scenario.run.name
    with staged(out, RUN_FILES, "nanosim run") as stage:
        write_table(df, stage / "timeseries.parquet")
        if csv:
            df.to_csv(stage / "timeseries.csv", index=False)
        summary = {
            "scenario": name,
            "source": scenario.source,
            "seed": scenario.run.seed,
            "replicates": int(df["replicate"].nunique()),
            "steps": int(df["step"].max()),
            "versions": versions(),
            "wall_seconds": round(wall_seconds, 3),
            "final": R.summary(df),
        }
        (stage / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        (stage / "scenario.toml").write_text(scenario.to_toml())
        events = sorted({e.step for e in scenario.events})
        save(perception_figure(df, name, event_steps=events), stage / "perception.png")
        save(matrix_figure(df, name), stage / "matrix.png")
        save(channels_figure(df, name), stage / "channels.png")
    return out


def summary_lines(df: pd.DataFrame) -> list[str]:
    """A short terminal table: final favourability shift per pair and its top channel."""
    fav = R.final_shifts(df, "favourability")
    chan = R.channel_shares(df)
    lines = [f"{'observer → target':<32}{'shift (median)':>15}{'10–90 %':>20}  top channel"]
    for row in fav.itertuples(index=False):
        part = chan[(chan["observer"] == row.observer) & (chan["target"] == row.target)]
        top = "-"
        if len(part) and part["mean"].abs().max() > 0:
            top = str(part.loc[part["mean"].abs().idxmax(), "channel"])
        pair = f"{row.observer} → {row.target}"
        band = f"[{row.low:+.3f}, {row.high:+.3f}]"
        lines.append(f"{pair:<32}{row.median:>+15.3f}{band:>20}  {top}")
    one_pair = len(fav) == 1  # one country: its opinion clusters are worth a line each
    for metric, label in (("cultural_regions", "cultural regions (end)"),
                          ("clusters_people", "opinion clusters, people (end)"),
                          ("clusters_state", "opinion clusters, state (end)")):
        rows = R.select(df, metric)
        if len(rows) and (metric == "cultural_regions" or one_pair):
            b = R.bands(rows, ["metric"]).iloc[0]
            lines.append(f"{label:<32}{b['median']:>15g}{f'[{b.low:g}, {b.high:g}]':>20}")
    return lines
