"""A comparison's folder: its tidy table, comparison.md and .json and figures, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from nanosim.errors import NanosimError
from nanosim.experiments.compare import (
    FACTORS,
    comparison_markdown,
    comparison_table,
    effects_over_time,
    factorial_table,
    first_pair,
    scenario_names,
)
from nanosim.experiments.files import write_table
from nanosim.figures.compare import comparison_figures
from nanosim.figures.plots import save
from nanosim.io.outputs import staged, versions

COMPARE_FILES = ("comparison.json", "comparison.parquet", "comparison.csv", "comparison.md",
                 "comparison.png", "effects.png", "effects.csv", "final_shift.png",
                 "channels.png")  # the first marks it


def write_comparison(df: pd.DataFrame, out_dir: str | Path, metric: str = "favourability",
                     pair: tuple[str, str] | None = None, csv: bool = False,
                     event_steps=(), *, seed: int | None = None, sources=(),
                     overrides=(), control: str | None = None, factorial: bool = False,
                     factors: tuple[str, str] = FACTORS, citizens: int | None = None) -> Path:
    """Write the tidy table, comparison.md, comparison.json and the figures, atomically.

    With a ``control`` (a scenario name: the first one for a 2 × 2 ``factorial``), also
    the effects against it: ``effects.csv`` (every effect per replicate and step, named
    with what it is measured against) and ``effects.png``. ``seed``, ``sources`` (the
    scenario files), ``overrides`` (``"key=value"`` as given to ``--set``) and
    ``citizens`` (the population size, where all scenarios share one) are recorded in
    comparison.json, so the comparison can be run again.
    """
    pair = pair or first_pair(df, metric)
    if factorial:
        control = scenario_names(df)[0]
    table = comparison_table(df, metric, pair, control)
    design = factorial_table(df, metric, pair, factors) if factorial else None
    figures = comparison_figures(df, metric, pair, event_steps, control, factorial, factors)
    out = Path(out_dir)
    with staged(out, COMPARE_FILES, "nanosim compare") as stage:
        write_table(df, stage / "comparison.parquet")
        if csv:
            df.to_csv(stage / "comparison.csv", index=False)
        (stage / "comparison.md").write_text(
            comparison_markdown(df, table, metric, pair, control, design))
        if control is not None:
            effects = effects_over_time(df, metric, pair, control, factorial, factors)
            effects.assign(metric=metric, observer=pair[0], target=pair[1]).to_csv(
                stage / "effects.csv", index=False)
        info = {"metric": metric, "pair": list(pair), "scenarios": scenario_names(df),
                "sources": [str(s) for s in sources], "overrides": list(overrides),
                "seed": seed, "replicates": int(df["replicate"].nunique()),
                "citizens": citizens,
                "steps": int(df["step"].max()), "event_steps": [int(t) for t in event_steps],
                "control": control, "factorial": factorial,
                "factors": list(factors) if factorial else None,
                "versions": versions(),
                "table": json.loads(table.to_json(orient="records"))}
        if design is not None:
            info["factorial_table"] = json.loads(design.to_json(orient="records"))
        (stage / "comparison.json").write_text(json.dumps(info, indent=2) + "\n")
        for name, fig in figures.items():
            save(fig, stage / f"{name}.png")
    return out


def load_comparison(folder: str | Path) -> tuple[pd.DataFrame, dict]:
    """A folder written by ``nanosim compare``: its tidy table and ``comparison.json``."""
    folder = Path(folder)
    try:
        info = json.loads((folder / COMPARE_FILES[0]).read_text(encoding="utf-8"))
        df = pd.read_parquet(folder / "comparison.parquet")
    except FileNotFoundError as e:
        raise NanosimError(f"{folder}: not a comparison folder (no {Path(e.filename).name}; "
                           "`nanosim compare` writes one)") from None
    except (OSError, ValueError) as e:
        raise NanosimError(f"{folder}: cannot read the comparison: {e}") from None
    return df, info
