"""A sensitivity folder's results (indices.csv, sensitivity.md and .json, figures) and a
discovery's folder (discover.md, boxes.csv, discover.png), each written all or nothing.

A sensitivity folder is a sweep folder (its runs) with the analysis beside them; the
analysis files are staged and moved in once all exist, ``sensitivity.json`` last, so
it marks a folder whose analysis is complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from nanosim.errors import NanosimError
from nanosim.experiments.sensitivity import RANK_BY, THRESHOLD, TOTAL, Design, ranking
from nanosim.figures.plots import save
from nanosim.figures.sensitivity import LABELS, sensitivity_figures
from nanosim.io.outputs import staged

SENSITIVITY_FILES = ("sensitivity.json", "indices.csv", "sensitivity.md", "morris.png",
                     "sobol.png", "channels.png")  # the first marks an analysed folder
DISCOVER_FILES = ("discover.md", "boxes.csv", "discover.png")  # the first marks it


def write_sensitivity(folder: str | Path, d: Design, table: pd.DataFrame,
                      conv: pd.DataFrame, noise: dict, info: dict) -> Path:
    """Write the analysis into the sweep folder; ``info``: scenario name, metric, pair
    label, replicates (recorded in sensitivity.json with the design)."""
    folder = Path(folder)
    figures = sensitivity_figures(d.method, table, info["label"], info["scenario"])
    stage = Path(tempfile.mkdtemp(prefix=".sensitivity.", dir=folder))
    try:
        table.to_csv(stage / "indices.csv", index=False, float_format="%.6g")
        (stage / "sensitivity.md").write_text(markdown(d, table, conv, noise, info),
                                              encoding="utf-8")
        for name, fig in figures.items():
            save(fig, stage / f"{name}.png")
        settings = {**d.settings(), **info, "noise": noise}
        (stage / SENSITIVITY_FILES[0]).write_text(json.dumps(settings, indent=1) + "\n",
                                                  encoding="utf-8")
        (folder / SENSITIVITY_FILES[0]).unlink(missing_ok=True)  # the marker: out first,
        for name in SENSITIVITY_FILES[1:]:
            if (stage / name).exists():
                os.replace(stage / name, folder / name)
            else:  # a figure of another method, from an earlier analysis
                (folder / name).unlink(missing_ok=True)
        os.replace(stage / SENSITIVITY_FILES[0], folder / SENSITIVITY_FILES[0])  # in last
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return folder


def read_sensitivity(folder: str | Path) -> tuple[dict, pd.DataFrame]:
    """An analysed sensitivity folder's settings (sensitivity.json) and indices."""
    folder = Path(folder)
    try:
        info = json.loads((folder / SENSITIVITY_FILES[0]).read_text(encoding="utf-8"))
        table = pd.read_csv(folder / "indices.csv")
    except FileNotFoundError as e:
        raise NanosimError(f"{folder}: not an analysed sensitivity folder (no "
                           f"{Path(e.filename).name}; `nanosim sensitivity` writes one)") from None
    except (OSError, ValueError) as e:
        raise NanosimError(f"{folder}: cannot read the sensitivity analysis: {e}") from None
    return info, table


def markdown(d: Design, table: pd.DataFrame, conv: pd.DataFrame, noise: dict,
             info: dict) -> str:
    """sensitivity.md: the design, the ranking, each channel's leader, replicate noise and
    which intervals have not converged."""
    rank_by = RANK_BY[d.method]
    runs = len(d.X) * info["replicates"]
    lines = [f"# Sensitivity of the {info['label']}: {info['scenario']}", "",
             f"Method: **{d.method}** ({_design_words(d)}), {len(d.X)} points x "
             f"{info['replicates']} replicate(s) = {runs} runs. Outcome: the {info['label']} "
             "at the final step, averaged over replicates (replicate r of every point uses "
             "the same random stream). Intervals: 95 % bootstrap "
             f"({d.settings()['resamples']} resamples).", "",
             f"## Parameters ranked by {LABELS[rank_by]}", "",
             _rank_table(d, table), ""]
    channels = [o for o in dict.fromkeys(table["outcome"]) if o != TOTAL]
    if channels:
        lines += ["## Through which channels", "",
                  f"The same index for each channel's share of the shift (`{info['channels']}`): "
                  "the parameter that drives each channel's part most.", "",
                  "| channel | leading parameter | " + LABELS[rank_by] + " | interval |",
                  "|---|---|---|---|"]
        for channel in channels:
            top = ranking(d, table, channel).iloc[0]
            lines.append(f"| {channel} | `{top['parameter']}` | {top['value']:.4g} | "
                         f"{_interval(top)} |")
        lines.append("")
    lines += ["## Replicate noise", "", _noise_words(noise), "",
              "## Convergence", "", _convergence_words(d, conv), ""]
    return "\n".join(lines)


def _design_words(d: Design) -> str:
    if d.method == "morris":
        return f"{d.samples} trajectories, {d.settings()['levels']} levels"
    return (f"{d.samples} base samples, Saltelli's scheme"
            + (", second-order indices" if d.second_order else ""))


def _rank_table(d: Design, table: pd.DataFrame) -> str:
    total = table[table["outcome"] == TOTAL]
    shown = ["mu_star", "sigma"] if d.method == "morris" else ["ST", "S1"]
    rows = ["| rank | parameter | " + " | ".join(LABELS[i] for i in shown) + " |",
            "|---|---|" + "---|" * len(shown)]
    for k, top in enumerate(ranking(d, table).itertuples(index=False), start=1):
        cells = []
        for index in shown:
            row = total[(total["parameter"] == top.parameter) & (total["index"] == index)]
            row = row.iloc[0]
            cells.append(f"{row['value']:.4g}" + ("" if pd.isna(row["low"])
                                                  else f" {_interval(row)}"))
        rows.append(f"| {k} | `{top.parameter}` | " + " | ".join(cells) + " |")
    if d.second_order:
        pairs = total[total["index"] == "S2"].sort_values("value", ascending=False)
        rows += ["", "Second-order indices (interactions), largest first: "
                 + "; ".join(f"`{r.parameter}` {r.value:.3g}" for r in pairs.itertuples())]
    return "\n".join(rows)


def _interval(row) -> str:
    return f"[{row['low']:.4g}, {row['high']:.4g}]"


def _noise_words(noise: dict) -> str:
    if noise["runs"] is None:
        return ("One replicate per point: replicate noise cannot be told apart from the "
                "parameters' effects (give --replicates 2 or more to measure it).")
    return (f"Replicate noise (the variance between replicates of one point, averaged over "
            f"points) is {noise['runs']:.1%} of the variance of single runs. The indices are "
            f"computed on means of {noise['replicates']} replicates, in whose variance the "
            f"noise left is {noise['means']:.1%}.")


def _convergence_words(d: Design, conv: pd.DataFrame) -> str:
    limit = (f"wider than {THRESHOLD['sobol']:g} (Sobol' indices are shares of variance)"
             if d.method == "sobol" else
             f"wider than {THRESHOLD['morris']:.0%} of the largest μ* of its outcome")
    what = "trajectories" if d.method == "morris" else "base samples"
    lines = [f"An index has not converged when its interval is {limit}; interval widths "
             "shrink as 1/sqrt(samples), which gives the samples each would need."]
    for name, rows in (("the whole shift", conv[conv["outcome"] == TOTAL]),
                       ("every channel's share too", conv)):
        late = rows[~rows["converged"]]
        lines.append(f"- For {name}: " + (
            f"all {len(rows)} have converged with {d.samples} {what}." if late.empty else
            f"{len(late)} of {len(rows)} have not; about **{int(late['samples_needed'].max())} "
            f"{what}** (now {d.samples}) would bring every one within it."))
    late = conv[~conv["converged"]]
    if not late.empty:
        lines += ["", "| outcome | parameter | index | width | limit | samples needed |",
                  "|---|---|---|---|---|---|"]
        for r in late.sort_values("samples_needed", ascending=False).itertuples(index=False):
            lines.append(f"| {r.outcome} | `{r.parameter}` | {r.index} | {r.width:.3g} | "
                         f"{r.limit:.3g} | {r.samples_needed} |")
    return "\n".join(lines)


def write_discovery(out: str | Path, boxes: pd.DataFrame, text: str, figure) -> Path:
    """Write discover.md, boxes.csv and discover.png into ``out``, atomically."""
    with staged(out, DISCOVER_FILES, "nanosim discover") as stage:
        (stage / "discover.md").write_text(text, encoding="utf-8")
        boxes.to_csv(stage / "boxes.csv", index=False, float_format="%.6g")
        save(figure, stage / "discover.png")
    return Path(out)
