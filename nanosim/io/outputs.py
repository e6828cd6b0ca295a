"""Writing a run's folder: tables, summary and figures, all or nothing.

Files are written into a hidden staging folder beside the destination and moved
into place only once all of them exist, so an interrupted or failed run never
leaves half-written files in ``--out``. ``--out`` must be a new or empty folder, or
one the same command wrote before: its files are then replaced, and those the new
results do not have (a CSV asked for last time, say) are removed.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from nanosim.errors import ScenarioError
from nanosim.experiments import results as R
from nanosim.experiments.files import check_writable, write_table
from nanosim.scenario import Scenario

RUN_FILES = ("summary.json", "timeseries.parquet", "timeseries.csv", "scenario.toml",
             "perception.png", "matrix.png", "channels.png")  # summary.json marks a run folder


def check_out(out_dir: str | Path, files: tuple[str, ...], command: str) -> Path:
    """Refuse an ``--out`` that is a file, or a folder of other files ``command`` did not write.

    ``files[0]`` marks a folder the command wrote; call this before the work starts.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ScenarioError(str(out), "--out", "is a file (give a new or empty folder)")
    if out.is_dir() and not (out / files[0]).exists() and any(
            not p.name.startswith(".") for p in out.iterdir()):
        raise ScenarioError(str(out), "--out", f"holds files `{command}` did not write (no "
                            f"{files[0]}); give a new or empty folder, or one it wrote before")
    check_writable(out)
    return out


@contextmanager
def staged(out_dir: str | Path, files: tuple[str, ...], command: str):
    """Yield a staging folder; on success its files replace ``files`` in ``out_dir``.

    ``out_dir`` is checked first (:func:`check_out`).
    """
    out = check_out(out_dir, files, command)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield stage
        out.mkdir(parents=True, exist_ok=True)
        new = sorted(stage.iterdir(), key=lambda f: f.name == files[0])  # the marker last
        for name in files:
            if not (stage / name).exists():
                (out / name).unlink(missing_ok=True)
        for f in new:
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


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
