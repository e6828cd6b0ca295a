"""The validation's results folder: its three figures, the tables as Markdown and JSON.

Each file is written through a temporary file and renamed, so a folder that already
holds results (docs/images) never holds a half-written one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from nanosim.experiments.validation import (
    axelrod_summary,
    deffuant_summary,
    range_summary,
    results_markdown,
)
from nanosim.figures.validation import axelrod_figure, deffuant_figure, range_figure


def write_results(out: str | Path, deffuant_runs: pd.DataFrame, axelrod_runs_: pd.DataFrame,
                  range_runs_: pd.DataFrame, settings: dict) -> list[Path]:
    """Write the figures, the markdown tables and the JSON of our numbers into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    d_sum, a_sum = deffuant_summary(deffuant_runs), axelrod_summary(axelrod_runs_)
    r_sum = range_summary(range_runs_)
    written = []
    for name, fig in (("validation_deffuant.png", deffuant_figure(deffuant_runs)),
                      ("validation_axelrod.png", axelrod_figure(axelrod_runs_)),
                      ("validation_axelrod_range.png", range_figure(range_runs_))):
        written.append(_atomic(out / name, lambda p, fig=fig: _save(fig, p)))
    md = results_markdown(d_sum, a_sum, r_sum)
    written.append(_atomic(out / "validation_results.md", lambda p: p.write_text(md)))
    data = {"settings": settings,
            "deffuant": json.loads(d_sum.to_json(orient="records")),
            "axelrod": json.loads(a_sum.to_json(orient="records")),
            "axelrod_range": json.loads(r_sum.to_json(orient="records"))}
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    written.append(_atomic(out / "validation_results.json", lambda p: p.write_text(text)))
    return written


def _save(fig, path: Path) -> None:
    fig.savefig(path, dpi=100, format="png", metadata={"Software": None})
    plt.close(fig)


def _atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
