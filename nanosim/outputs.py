"""Writing a run's folder: tables, summary and figures, all or nothing.

Files are written into a hidden staging folder beside the destination and moved
into place only once all of them exist, so an interrupted or failed run never
leaves half-written files in ``--out``.
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

from nanosim import results as R
from nanosim.scenario import Scenario


@contextmanager
def staged(out_dir: str | Path):
    """Yield a staging folder; on success move its files into ``out_dir``."""
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield stage
        out.mkdir(parents=True, exist_ok=True)
        for f in sorted(stage.iterdir()):
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def write_table(df: pd.DataFrame, path: str | Path) -> None:
    """Parquet, byte-identical for identical tables (temporary name, then rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        df.to_parquet(tmp, index=False, compression="zstd")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())  # the bytes are on disk before the name says the file is whole
        os.replace(tmp, path)
    except BaseException:  # an error or Ctrl-C midway leaves no temporary file behind
        tmp.unlink(missing_ok=True)
        raise


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
    from nanosim import plots  # matplotlib: only where figures are drawn
    out = Path(out_dir)
    name = scenario.scenario.name
    with staged(out) as stage:
        write_table(df, stage / "timeseries.parquet")
        if csv:
            df.to_csv(stage / "timeseries.csv", index=False)
        summary = {
            "scenario": name,
            "source": scenario.source,
            "seed": scenario.scenario.seed,
            "replicates": int(df["replicate"].nunique()),
            "steps": int(df["step"].max()),
            "versions": versions(),
            "wall_seconds": round(wall_seconds, 3),
            "final": R.summary(df),
        }
        (stage / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        (stage / "scenario.toml").write_text(scenario.to_toml())
        events = sorted({e.step for e in scenario.events})
        plots.save(plots.perception_figure(df, name, event_steps=events), stage / "perception.png")
        plots.save(plots.matrix_figure(df, name), stage / "matrix.png")
        plots.save(plots.channels_figure(df, name), stage / "channels.png")
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
    return lines
