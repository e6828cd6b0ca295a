"""Validation: the classic models nanosim contains, run as published.

Two special cases of the model (docs/validation.md explains the protocol):

* **Deffuant et al. (2000)**, bounded confidence in a well-mixed population of 1000:
  the number of major opinion clusters against the threshold d (Deffuant's [0, 1]
  scale; ours is [-1, 1], so ``channels.talk.epsilon = 2 d``), next to floor(1 / (2 d)).
* **Axelrod (1997)**, cultural dissemination on a 10 x 10 grid run to absorption: the
  mean number of stable regions for F, q in {5, 10, 15}, next to the paper's Table 2;
  and his range of interaction: the regions at F = 5, q = 15 with 4, 8 and 12 neighbours.

Both start from the ordinary scenario files in ``scenarios/validation/`` and read the
ordinary final-step metrics (``clusters_people``, ``cultural_regions``) from the tidy
table. Replicate r of a cell is the same run whatever the number of worker processes,
so every number here depends only on the seeds in those files.

``python -m nanosim.cli.validation --out docs/images [--quick]`` runs everything and
writes the three figures (:mod:`nanosim.figures.validation`), ``validation_results.md``
and ``validation_results.json`` (:mod:`nanosim.io.validation`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import pandas as pd

from nanosim.engine.kernels import PEOPLE
from nanosim.engine.metrics import MAJOR_CLUSTER, opinion_clusters
from nanosim.engine.model import DiplomacyModel
from nanosim.experiments.results import select
from nanosim.scenario import Scenario, library_folder, load_scenario

SCENARIO_DIR = library_folder() / "validation"
DEFFUANT_FILE = SCENARIO_DIR / "deffuant.toml"
AXELROD_FILE = SCENARIO_DIR / "axelrod.toml"

# Deffuant et al. (2000): thresholds d on [0, 1] and replicates per threshold.
DEFFUANT_THRESHOLDS = tuple(round(0.1 + 0.0125 * k, 4) for k in range(33))  # 0.1 .. 0.5
DEFFUANT_REPLICATES = 40
MAJOR_SHARES = (0.02, 0.05, 0.10)  # other "major cluster" cut-offs, reported for sensitivity

# Axelrod (1997), Table 2: mean stable regions on a 10 x 10 grid, 10 runs per cell,
# keyed by (features F, traits q).
AXELROD_TABLE2 = {
    (5, 5): 1.0, (5, 10): 3.2, (5, 15): 20.0,
    (10, 5): 1.0, (10, 10): 1.0, (10, 15): 1.4,
    (15, 5): 1.0, (15, 10): 1.0, (15, 15): 1.2,
}
AXELROD_RUNS_PER_CELL = 10
AXELROD_PRECISION = 0.10  # replicate until the 95 % CI half-width is <= 10 % of the mean
AXELROD_BATCH = 200  # 20 times the paper's 10 runs; more if the mean needs them
AXELROD_MAX_REPLICATES = 2000
RESAMPLES = 20_000  # draws of 10-run means for the published value's p-value

# Axelrod (1997), range of interaction: F = 5, q = 15 on the same grid, with each site's
# 4, 8 or 12 neighbours (network.neighbourhood); regions are counted on the 4-neighbour grid.
AXELROD_RANGES = {4: "von_neumann", 8: "moore", 12: "manhattan2"}
AXELROD_RANGE_CELL = (5, 15)

QUICK = dict(thresholds=(0.1, 0.2, 0.3, 0.5), deffuant_replicates=10, axelrod_batch=20,
             axelrod_max=20)


# --- scenarios ----------------------------------------------------------------------


def deffuant_scenario(d: float, base: Scenario | None = None) -> Scenario:
    """The Deffuant scenario at threshold ``d`` on Deffuant's [0, 1] scale."""
    base = base or load_scenario(DEFFUANT_FILE)
    return base.with_overrides({"channels.talk.epsilon": 2.0 * d})


def axelrod_scenario(features: int, traits: int, base: Scenario | None = None) -> Scenario:
    """The Axelrod scenario with F ``features`` of q ``traits`` each."""
    base = base or load_scenario(AXELROD_FILE)
    return base.with_overrides({"culture.features": [f"feature{k + 1}" for k in range(features)],
                                "culture.traits": traits})


def floor_rule(d: float) -> int:
    """Deffuant's rule of thumb: floor(1 / (2 d)) major clusters (at least one)."""
    return max(1, math.floor(1.0 / (2.0 * d) + 1e-9))


# --- one run ------------------------------------------------------------------------


def final_measures(scenario: Scenario, replicate: int) -> dict:
    """Run one replicate to its end; its final-step validation measures.

    ``clusters`` and ``regions`` come from the tidy table (the metrics users get);
    the other cluster counts use other major-cluster cut-offs on the same final state.
    """
    model = DiplomacyModel(scenario, replicate, citizen_agents=False)
    model.run_to_end()
    table = model.recorder.table(replicate)
    out = {"replicate": replicate, "steps": model.t}
    if scenario.run.stop_when_absorbed:
        out["absorbed"] = not model.can_share_symbols()
    regions = select(table, "cultural_regions")["value"]
    if len(regions):
        out["regions"] = int(regions.iloc[-1])
    clusters = select(table, "clusters_people")["value"]
    if len(clusters):
        out["clusters"] = int(clusters.iloc[-1])
        opinions = model.images[:, PEOPLE, 0]
        for share in MAJOR_SHARES:
            out[f"clusters_{round(share * 100)}pct"] = opinion_clusters(opinions, major=share)
    return out


def _run_chunk(chunk: list[tuple[Scenario, int, dict]]) -> list[dict]:
    return [{**labels, **final_measures(scenario, r)} for scenario, r, labels in chunk]


def run_many(tasks: Sequence[tuple[Scenario, int, dict]], workers: int = 1,
             chunk: int = 10) -> list[dict]:
    """Run (scenario, replicate, labels) tasks, in order, on ``workers`` processes."""
    chunks = [list(tasks[i:i + chunk]) for i in range(0, len(tasks), chunk)]
    if workers <= 1 or len(chunks) <= 1:
        return [row for c in chunks for row in _run_chunk(c)]
    # spawn, not fork: the parent may hold numba/arrow threads, and fork would copy their locks
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return [row for rows in pool.map(_run_chunk, chunks) for row in rows]


# --- Deffuant -----------------------------------------------------------------------


def deffuant_sweep(thresholds: Iterable[float] = DEFFUANT_THRESHOLDS,
                   replicates: int = DEFFUANT_REPLICATES, *, base: Scenario | None = None,
                   workers: int = 1) -> pd.DataFrame:
    """One row per threshold d and replicate: major opinion clusters at the end."""
    base = base or load_scenario(DEFFUANT_FILE)
    tasks = [(deffuant_scenario(d, base), r, {"d": float(d)})
             for d in thresholds for r in range(replicates)]
    runs = pd.DataFrame(run_many(tasks, workers))
    runs.insert(1, "epsilon", 2.0 * runs["d"])
    return runs


def deffuant_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per threshold: floor(1/(2d)), mean/sd of major clusters, share matching the rule."""
    rows = []
    for d, part in runs.groupby("d"):
        c = part["clusters"].to_numpy()
        rule = floor_rule(d)
        counts = np.bincount(c.astype(int), minlength=8)
        rows.append({
            "d": d, "epsilon": 2 * d, "floor_rule": rule, "replicates": len(c),
            "mean": c.mean(), "sd": c.std(ddof=1) if len(c) > 1 else 0.0,
            "mode": int(np.argmax(counts)), "share_matching_rule": float(np.mean(c == rule)),
            "distribution": {int(k): int(n) for k, n in enumerate(counts) if n},
            **{f"mean_{round(s * 100)}pct": part[f"clusters_{round(s * 100)}pct"].mean()
               for s in MAJOR_SHARES},
        })
    return pd.DataFrame(rows)


# --- Axelrod ------------------------------------------------------------------------


def axelrod_runs(cells: Iterable[tuple[int, int]] = tuple(AXELROD_TABLE2), *,
                 base: Scenario | None = None, workers: int = 1,
                 precision: float = AXELROD_PRECISION, batch: int = AXELROD_BATCH,
                 max_replicates: int = AXELROD_MAX_REPLICATES) -> pd.DataFrame:
    """One row per (F, q) cell and replicate: stable regions at absorption.

    Each cell gets batches of ``batch`` replicates (0, 1, 2, ...) until the 95 %
    confidence interval of its mean is within ``precision`` of the mean, or
    ``max_replicates`` have run. The stopping rule looks only at results, so the
    replicates run do not depend on the number of workers.
    """
    base = base or load_scenario(AXELROD_FILE)
    cells = {(f, q): (axelrod_scenario(f, q, base), {"F": f, "q": q}) for f, q in cells}
    return _until_precise(cells, workers, precision, batch, max_replicates)


def range_scenario(neighbours: int, base: Scenario | None = None) -> Scenario:
    """The Axelrod scenario at F = 5, q = 15 with ``neighbours`` (4, 8 or 12) per site."""
    return axelrod_scenario(*AXELROD_RANGE_CELL, base).with_overrides(
        {"network.neighbourhood": AXELROD_RANGES[neighbours]})


def range_runs(neighbours: Iterable[int] = tuple(AXELROD_RANGES), *,
               base: Scenario | None = None, workers: int = 1,
               precision: float = AXELROD_PRECISION, batch: int = AXELROD_BATCH,
               max_replicates: int = AXELROD_MAX_REPLICATES) -> pd.DataFrame:
    """One row per neighbourhood size and replicate: stable regions at absorption,
    replicated as :func:`axelrod_runs` does."""
    base = base or load_scenario(AXELROD_FILE)
    f, q = AXELROD_RANGE_CELL
    cells = {k: (range_scenario(k, base), {"neighbours": k, "F": f, "q": q})
             for k in neighbours}
    return _until_precise(cells, workers, precision, batch, max_replicates)


def _until_precise(cells: dict, workers: int, precision: float, batch: int,
                   max_replicates: int) -> pd.DataFrame:
    """Runs of each cell's (scenario, labels), in batches until its mean is precise."""
    done: dict = {cell: [] for cell in cells}
    pending = list(cells)
    while pending:
        tasks, owners = [], []
        for cell in pending:
            scenario, labels = cells[cell]
            start = len(done[cell])
            replicates = range(start, min(start + batch, max_replicates))
            tasks += [(scenario, r, labels) for r in replicates]
            owners += [cell] * len(replicates)
        for cell, row in zip(owners, run_many(tasks, workers), strict=True):
            done[cell].append(row)
        pending = [cell for cell in pending
                   if len(done[cell]) < max_replicates and not _precise(done[cell], precision)]
    return pd.DataFrame([row for cell in cells for row in done[cell]])


def _precise(rows: list[dict], precision: float) -> bool:
    x = np.array([r["regions"] for r in rows], dtype=float)
    if len(x) < 2:
        return False
    return 1.96 * x.std(ddof=1) / np.sqrt(len(x)) <= precision * x.mean()


def axelrod_summary(runs: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Per cell: Axelrod's value, our mean with 95 % CI, and how likely his value is.

    ``p_published`` is the two-sided probability, under our distribution of region
    counts, that a mean of 10 runs (the paper's sample) lies at least as far out as
    the published one: resampled, with a fixed seed, from our runs.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for (f, q), part in runs.groupby(["F", "q"]):
        x = part["regions"].to_numpy(dtype=float)
        n = len(x)
        sd = x.std(ddof=1) if n > 1 else 0.0
        half = 1.96 * sd / np.sqrt(n)
        published = AXELROD_TABLE2.get((f, q), np.nan)
        means10 = rng.choice(x, size=(RESAMPLES, AXELROD_RUNS_PER_CELL)).mean(axis=1)
        tail = min(np.mean(means10 <= published + 1e-9), np.mean(means10 >= published - 1e-9))
        low10, high10 = np.quantile(means10, [0.025, 0.975])
        rows.append({
            "F": f, "q": q, "published": published, "replicates": n, "mean": x.mean(),
            "ci_low": x.mean() - half, "ci_high": x.mean() + half, "sd": sd,
            "median": float(np.median(x)), "share_one_region": float(np.mean(x == 1)),
            "p_published": float(min(1.0, 2 * tail)), "range10_low": float(low10),
            "range10_high": float(high10),
            "mean_steps": part["steps"].mean(), "all_absorbed": bool(part["absorbed"].all()),
        })
    return pd.DataFrame(rows)


def range_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per neighbourhood size: our mean regions with 95 % CI, and the change from the next
    smaller neighbourhood with its 95 % CI (Welch's normal approximation)."""
    rows = []
    previous = None
    for k, part in runs.groupby("neighbours"):
        x = part["regions"].to_numpy(dtype=float)
        n = len(x)
        sd = x.std(ddof=1) if n > 1 else 0.0
        half = 1.96 * sd / np.sqrt(n)
        row = {"neighbours": int(k), "neighbourhood": AXELROD_RANGES[int(k)], "replicates": n,
               "mean": x.mean(), "ci_low": x.mean() - half, "ci_high": x.mean() + half,
               "sd": sd, "median": float(np.median(x)),
               "share_one_region": float(np.mean(x == 1)),
               "mean_steps": part["steps"].mean(), "all_absorbed": bool(part["absorbed"].all()),
               "change": np.nan, "change_low": np.nan, "change_high": np.nan}
        if previous is not None:
            change = x.mean() - previous.mean()
            se = np.sqrt(x.var(ddof=1) / n + previous.var(ddof=1) / len(previous))
            row.update(change=change, change_low=change - 1.96 * se,
                       change_high=change + 1.96 * se)
        rows.append(row)
        previous = x
    return pd.DataFrame(rows)


# --- the tables as Markdown ---------------------------------------------------------


def results_markdown(deffuant: pd.DataFrame, axelrod: pd.DataFrame,
                     ranges: pd.DataFrame) -> str:
    """The three tables (summaries of Deffuant, Table 2, range of interaction) as markdown."""
    shares = [round(s * 100) for s in MAJOR_SHARES]
    lines = ["### Deffuant et al. (2000): major opinion clusters (≥ "
             f"{MAJOR_CLUSTER:.0%} of agents)", "",
             "| d | ε = 2d | floor(1/(2d)) | mean | sd | share = rule | distribution | "
             + " | ".join(f"mean (≥{p} %)" for p in shares) + " |",
             "|---|---|---|---|---|---|---|" + "---|" * len(shares)]
    for r in deffuant.to_dict("records"):
        dist = ", ".join(f"{k}: {n}" for k, n in r["distribution"].items())
        lines.append(f"| {r['d']:.4g} | {r['epsilon']:.4g} | {r['floor_rule']} | "
                     f"{r['mean']:.2f} | {r['sd']:.2f} | {r['share_matching_rule']:.0%} | "
                     f"{dist} | " + " | ".join(f"{r[f'mean_{p}pct']:.2f}" for p in shares)
                     + " |")
    lines += ["", "### Axelrod (1997): stable regions on a 10 × 10 grid", "",
              "| F | q | Table 2 | nanosim mean | 95 % CI | sd | median | runs | "
              "95 % range of a 10-run mean | p | mean events to absorption |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in axelrod.itertuples():
        lines.append(f"| {r.F} | {r.q} | {r.published:.1f} | {r.mean:.2f} | "
                     f"{r.ci_low:.2f}–{r.ci_high:.2f} | {r.sd:.2f} | {r.median:g} | "
                     f"{r.replicates} | {r.range10_low:.1f}–{r.range10_high:.1f} | "
                     f"{_p(r.p_published)} | {r.mean_steps * 100:,.0f} |")
    f, q = AXELROD_RANGE_CELL
    lines += ["", f"### Axelrod (1997): range of interaction, F = {f}, q = {q}, 10 × 10 grid",
              "", "| neighbours | neighbourhood | nanosim mean | 95 % CI | sd | median | runs | "
              "change from fewer neighbours (95 % CI) | runs ending in one region | "
              "mean events to absorption |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in ranges.itertuples():
        change = ("" if np.isnan(r.change) else
                  f"{r.change:+.2f} ({r.change_low:+.2f} to {r.change_high:+.2f})")
        lines.append(f"| {r.neighbours} | {r.neighbourhood} | {r.mean:.2f} | "
                     f"{r.ci_low:.2f}–{r.ci_high:.2f} | {r.sd:.2f} | {r.median:g} | "
                     f"{r.replicates} | {change} | {r.share_one_region:.1%} | "
                     f"{r.mean_steps * 100:,.0f} |")
    return "\n".join(lines) + "\n"


def _p(p: float) -> str:
    return f"< {1 / RESAMPLES:g}" if p == 0 else f"{p:.2f}" if p >= 0.01 else f"{p:.4f}"


# --- the protocol -------------------------------------------------------------------


def run_protocol(quick: bool = False, workers: int = 1) -> dict:
    """The validations' runs (the full protocol, or a ``quick`` smoke test).

    Returns the Deffuant, Axelrod Table 2 and range-of-interaction runs, the settings
    written beside the results, and the seconds each took.
    """
    cfg = QUICK if quick else dict(
        thresholds=DEFFUANT_THRESHOLDS, deffuant_replicates=DEFFUANT_REPLICATES,
        axelrod_batch=AXELROD_BATCH, axelrod_max=AXELROD_MAX_REPLICATES)
    t0 = time.perf_counter()
    d_runs = deffuant_sweep(cfg["thresholds"], cfg["deffuant_replicates"], workers=workers)
    t1 = time.perf_counter()
    a_runs = axelrod_runs(workers=workers, batch=cfg["axelrod_batch"],
                          max_replicates=cfg["axelrod_max"])
    t2 = time.perf_counter()
    r_runs = range_runs(workers=workers, batch=cfg["axelrod_batch"],
                        max_replicates=cfg["axelrod_max"])
    t3 = time.perf_counter()
    settings = {"quick": quick, "deffuant_file": "scenarios/validation/deffuant.toml",
                "axelrod_file": "scenarios/validation/axelrod.toml",
                "deffuant_replicates": cfg["deffuant_replicates"],
                "axelrod_precision": AXELROD_PRECISION, "axelrod_batch": cfg["axelrod_batch"],
                "axelrod_max_replicates": cfg["axelrod_max"],
                "range_neighbourhoods": AXELROD_RANGES}
    return {"deffuant": d_runs, "axelrod": a_runs, "range": r_runs, "settings": settings,
            "seconds": {"deffuant": t1 - t0, "axelrod": t2 - t1, "range": t3 - t2}}
