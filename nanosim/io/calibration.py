"""A calibration folder's results: the posterior (or trials), the fit, the figures, the
report and the calibrated scenario, written all or nothing.

The results are staged beside the fit's own files (``calibration.json``, the method's
database, ``simulations.jsonl``) and moved in once all exist, ``calibration.md`` last,
so it marks a folder whose results are complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from nanosim.experiments.calibration import Result
from nanosim.experiments.calibration.summary import HIGH, LOW
from nanosim.experiments.files import write_table
from nanosim.figures.calibration import fit_figure, posterior_figure
from nanosim.figures.plots import save

REPORT = "calibration.md"  # moved in last: it marks a complete folder
FILES = ("posterior.parquet", "trials.parquet", "generations.csv", "parameters.csv",
         "fit.csv", "predictive.parquet", "fit.png", "posterior.png")
STOPPED = {"generations": "it ran every generation the file allows (abc.generations)",
           "acceptance": "a generation's acceptance fell below the target (abc.min_acceptance)",
           "epsilon": "epsilon reached its minimum (abc.min_epsilon)",
           "budget": "the budget (--budget) was spent",
           "trials": "it ran every trial (optuna.trials, or --budget)"}


def write_calibration(folder: str | Path, result: Result) -> list[str]:
    """Write the results into the calibration folder; the names of the files written."""
    folder = Path(folder)
    cal = result.calibration
    stage = Path(tempfile.mkdtemp(prefix=".results.", dir=folder))
    try:
        draws = "posterior.parquet" if result.method == "abc" else "trials.parquet"
        write_table(result.draws, stage / draws)
        if result.generations is not None:
            result.generations.to_csv(stage / "generations.csv", index=False,
                                      float_format="%.6g")
        parameters(result).to_csv(stage / "parameters.csv", index=False, float_format="%.6g")
        result.fit.to_csv(stage / "fit.csv", index=False, float_format="%.6g")
        write_table(predictive_table(result), stage / "predictive.parquet")
        save(fit_figure(result), stage / "fit.png")
        save(posterior_figure(result), stage / "posterior.png")
        scenarios = calibrated_names(result)
        for name, file in scenarios.items():
            (stage / file).write_text(cal.scenario_at(name, result.point).to_toml(),
                                      encoding="utf-8")
        (stage / REPORT).write_text(markdown(result, scenarios), encoding="utf-8")
        (folder / REPORT).unlink(missing_ok=True)  # the marker: out first
        for old in folder.glob("calibrated*.toml"):
            old.unlink()
        written = sorted(p.name for p in stage.iterdir() if p.name != REPORT)
        for name in FILES:
            if name not in written:
                (folder / name).unlink(missing_ok=True)
        for name in written:
            os.replace(stage / name, folder / name)
        os.replace(stage / REPORT, folder / REPORT)  # in last
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return [*written, REPORT]


def calibrated_names(result: Result) -> dict[str, str]:
    """The calibrated scenario file of each scenario: ``calibrated.toml``, or one
    ``calibrated_NAME.toml`` per scenario when there are several."""
    names = list(result.calibration.scenarios)
    if len(names) == 1:
        return {names[0]: "calibrated.toml"}
    return {n: f"calibrated_{''.join(c if c.isalnum() else '_' for c in n)}.toml"
            for n in names}


def parameters(result: Result) -> pd.DataFrame:
    """The parameter table, with the truth and its coverage in a recovery test."""
    table = result.parameters
    if result.coverage is not None:
        table = table.assign(truth=result.coverage["truth"].to_numpy(),
                             covered=result.coverage["covered"].to_numpy())
    return table


def predictive_table(result: Result) -> pd.DataFrame:
    """Every predictive run's series as a tidy table: draw, scenario, observer, target,
    measure, day, value."""
    parts = []
    for i, (name, observer, target, measure) in enumerate(result.calibration.series):
        values = result.predictive[:, i, :]
        draw, day = np.nonzero(~np.isnan(values))
        parts.append(pd.DataFrame({"draw": draw.astype(np.int32), "scenario": name,
                                   "observer": observer, "target": target,
                                   "measure": measure, "day": day.astype(np.int32),
                                   "value": values[draw, day]}))
    return pd.concat(parts, ignore_index=True)


def markdown(result: Result, scenarios: dict[str, str]) -> str:
    """calibration.md: the method, the data against the model, each parameter's estimate
    against its prior and whether the data moved it, and how to rerun it."""
    cal, s = result.calibration, result.calibration.settings
    abc = result.method == "abc"
    lines = [f"# Calibration: {cal.name}", ""]
    if cal.description:
        lines += [cal.description, ""]
    if result.check:
        lines += ["**Recovery test.** The data below are synthetic: the model's own values "
                  "at known parameters (each parameter's `truth`, else its prior median), "
                  "fitted as if they were survey figures.", ""]
    runs = int(result.generations["runs"].sum()) if abc else len(result.draws)
    if abc:
        g = result.generations
        lines += [f"Method: **ABC-SMC** (pyabc), {s.population} particles per generation, "
                  f"epsilon the {s.quantile:g} quantile of the last generation's distances; "
                  f"{len(g)} generation(s), {runs} evaluations in the stored generations, "
                  f"final epsilon {g['epsilon'].iloc[-1]:.3g}, acceptance "
                  f"{g['acceptance'].iloc[-1]:.1%} and effective sample size "
                  f"{g['ess'].iloc[-1]:.0f}. It stopped because "
                  f"{STOPPED[result.stopped]}."]
    else:
        best = result.draws.loc[result.draws["distance"].idxmin()]
        lines += [f"Method: **Optuna** (TPE), {runs} trials in batches of {s.batch}; best "
                  f"distance {best['distance']:.3g} (trial {int(best['trial'])}). It stopped "
                  f"because {STOPPED[result.stopped]}. This is a point estimate, not a "
                  "posterior."]
    lines += [f"Each evaluation runs every scenario {s.replicates} time(s) (averaged); the "
              "distance is the root mean square of model minus data in units of each "
              f"figure's sd. Seed {s.seed}. This call ran {result.runs} evaluation(s) "
              f"(the rest came from `simulations.jsonl`) in {result.seconds:.0f} s.", ""]
    lines += ["## Data and fit", "",
              f"Model: median and 10–90 % of {len(result.predictive)} "
              + ("posterior predictive runs (parameters drawn from the posterior)." if abc
                 else "runs at the best point (run-to-run noise only)."), "",
              "| scenario | observer → target | measure | period | day | data (sd) | model "
              "median | 10–90 % |", "|---|---|---|---|---:|---:|---:|---|"]
    for r in result.fit.itertuples(index=False):
        lines.append(f"| {r.scenario} | {r.observer} → {r.target} | {r.measure} | {r.period} "
                     f"| {r.day} | {r.observed:.1f} ({r.sd:g}) | {r.median:.1f} | "
                     f"[{r.low:.1f}, {r.high:.1f}] |")
    lines += ["", "![data and model](fit.png)", "", "## Parameters", ""]
    lines += _parameter_lines(result)
    lines += ["", "![posterior](posterior.png)", ""]
    if abc:
        lines += ["## Generations", "", "The effective sample size (ESS, 1 / Σ w²) says how "
                  "many of the particles carry the weight; a small one makes a rough "
                  "posterior (more particles, `abc.population`, help).", "",
                  "| generation | epsilon | runs | accepted | acceptance | ESS | seconds |",
                  "|---:|---:|---:|---:|---:|---:|---:|"]
        for r in result.generations.itertuples(index=False):
            lines.append(f"| {r.generation} | {r.epsilon:.4g} | {r.runs} | {r.accepted} | "
                         f"{r.acceptance:.1%} | {r.ess:.0f} | {r.seconds:.1f} |")
        lines.append("")
    files = ", ".join(f"`{f}`" for f in scenarios.values())
    draws = ("`posterior.parquet` (the last generation: parameters, weight, distance)" if abc
             else "`trials.parquet` (every trial: parameters, distance)")
    lines += ["## Files", "",
              f"{draws}, `parameters.csv` (the table above), `fit.csv` (data against the model), "
              "`predictive.parquet` (every predictive run by day)"
              + (", `generations.csv`" if abc else "")
              + f"; {files}: the scenario at the "
              + ("posterior median" if abc else "best point") + ", runnable with `nanosim run`.",
              "", "The same calibration file, run again into this folder, gives the same "
              "results, whatever the workers and however often it was interrupted.", ""]
    return "\n".join(lines)


def _parameter_lines(result: Result) -> list[str]:
    abc = result.method == "abc"
    table = parameters(result)
    check = "truth" in table
    head = ("| parameter | prior | prior 80 % | " + ("posterior median | 80 % interval"
            if abc else "best | range of the best 10 %") + " | width / prior | verdict |"
            + (" truth | covered |" if check else ""))
    lines = [head, "|---|---|---|---:|---|---:|---|" + ("---:|---|" if check else "")]
    for r in table.itertuples(index=False):
        width = "—" if pd.isna(r.width) else f"{r.width:.2f}"
        row = (f"| `{r.parameter}` | {r.prior} | [{r.prior_low:.3g}, {r.prior_high:.3g}] | "
               f"{r.estimate:.3g} | [{r.low:.3g}, {r.high:.3g}] | {width} | {r.verdict} |")
        if check:
            row += f" {r.truth:.3g} | {'yes' if r.covered else '**no**'} |"
        lines.append(row)
    lines += ["", f"The prior's and the estimate's intervals are their central "
              f"{HIGH - LOW:.0%} ({LOW:.0%}–{HIGH:.0%} quantiles; log scale for a loguniform "
              "prior in *width*). **identified**: the interval is at most half the prior's; "
              "**moved**: at most 0.8 of it, or the median moved by at least 0.2 prior "
              "widths; **not identified**: the data say about as much as the prior."]
    if not abc:
        lines.append("For Optuna the range is that of the best tenth of the trials: a spread "
                     "of good fits, not a posterior interval.")
    if check:
        covered = int(table["covered"].sum())
        lines += ["", f"**Recovery: {covered} of {len(table)} true values lie in their "
                  "80 % interval.**"]
    return lines
