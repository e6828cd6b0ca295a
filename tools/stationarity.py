"""Check that a scenario's world stays put without its events (ISSUE-19, item 3).

    .venv/bin/python tools/stationarity.py SCENARIO [--citizens N] [--replicates R]
        [--days D] [--set KEY=VALUE ...]

Runs SCENARIO (a file or a bundled name) with its events removed for D days and
prints, per observer -> target pair, how far it moved from day 0 to day D, averaged
over the replicates, against the criteria of a stationary world:

- mean favourability moves by less than 0.01;
- the favourable share moves by less than max(1.5 points, 3 standard errors of the
  mean change across replicates);
- familiarity (where the model has that metric) moves by less than 1 point;
- the standard deviation of favourability (``polarization``) stays within 10 %.

Exit status 0 when every pair meets every criterion, 1 otherwise, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from nanosim import ScenarioError, load_scenario, run
from nanosim.engine.metrics import METRICS
from nanosim.scenario import parse_override

MEAN_MOVE = 0.01  # favourability, on -1..1
SHARE_MOVE = 0.015  # favourable share: 1.5 points, or 3 standard errors if larger
STANDARD_ERRORS = 3.0
FAMILIARITY_MOVE = 0.01  # 1 point
SD_MOVE = 0.10  # relative change of the SD of favourability


def changes(df: pd.DataFrame, metric: str, last: int) -> pd.DataFrame:
    """Per replicate and pair: the metric at day 0 and at ``last``."""
    rows = df[(df["metric"] == metric) & df["step"].isin([0, last])]
    wide = rows.pivot_table(index=["observer", "target", "replicate"], columns="step",
                            values="value", observed=True)
    return wide.rename(columns={0: "start", last: "end"})


def table(df: pd.DataFrame, last: int) -> pd.DataFrame:
    """Per pair: the day-0 values, the mean changes, their bounds, and whether each holds."""
    out = {}
    fav = changes(df, "favourability", last)
    share = changes(df, "share_favourable", last)
    sd = changes(df, "polarization", last)
    by_pair = ["observer", "target"]
    out["fav_0"] = fav["start"].groupby(by_pair, observed=True).mean()
    out["d_fav"] = (fav["end"] - fav["start"]).groupby(by_pair, observed=True).mean()
    moved = (share["end"] - share["start"]).groupby(by_pair, observed=True)
    out["share_0"] = share["start"].groupby(by_pair, observed=True).mean()
    out["d_share"] = moved.mean()
    se = moved.std(ddof=1) / np.sqrt(moved.count())
    out["share_bound"] = np.maximum(SHARE_MOVE, STANDARD_ERRORS * se.fillna(0.0))
    if "familiarity" in METRICS:
        fam = changes(df, "familiarity", last)
        out["fam_0"] = fam["start"].groupby(by_pair, observed=True).mean()
        out["d_familiarity"] = (fam["end"] - fam["start"]).groupby(by_pair, observed=True).mean()
    out["sd_0"] = sd["start"].groupby(by_pair, observed=True).mean()
    out["sd_end"] = sd["end"].groupby(by_pair, observed=True).mean()
    t = pd.DataFrame(out)
    t["ok"] = ((t["d_fav"].abs() < MEAN_MOVE) & (t["d_share"].abs() < t["share_bound"])
               & ((t["sd_end"] / t["sd_0"] - 1).abs() <= SD_MOVE))
    if "d_familiarity" in t:
        t["ok"] &= t["d_familiarity"].abs() < FAMILIARITY_MOVE
    return t


def show(t: pd.DataFrame, last: int) -> str:
    lines = [f"{'pair':<24} {'fav 0':>7} {'Δfav':>8} {'share 0':>8} {'Δshare':>8} "
             f"{'bound':>6} " + (f"{'fam 0':>6} {'Δfam':>7} " if "d_familiarity" in t else "")
             + f"{'SD 0':>6} {f'SD {last}':>7} {'ΔSD':>6}  verdict"]
    for (observer, target), r in t.iterrows():
        fam = (f"{r['fam_0']:6.3f} {100 * r['d_familiarity']:+6.2f}p "
               if "d_familiarity" in t else "")
        sd_move = 100 * (r["sd_end"] / r["sd_0"] - 1)
        lines.append(
            f"{f'{observer} -> {target}':<24} {r['fav_0']:+7.3f} {r['d_fav']:+8.4f} "
            f"{100 * r['share_0']:7.1f}% {100 * r['d_share']:+7.2f}p "
            f"{100 * r['share_bound']:5.2f}p {fam}{r['sd_0']:6.3f} {r['sd_end']:7.3f} "
            f"{sd_move:+5.1f}%  {'ok' if r['ok'] else 'MOVES'}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", help="a scenario file or bundled name")
    parser.add_argument("--citizens", type=int, default=10_000)
    parser.add_argument("--replicates", type=int, default=8)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="override a scenario key (repeatable)")
    args = parser.parse_args()
    try:
        overrides = dict(parse_override(text) for text in args.overrides)
        scenario = load_scenario(args.scenario, {
            **overrides, "events": [], "scenario.steps": args.days,
            "scenario.record_every": args.days, "scenario.replicates": args.replicates,
            "population.size": args.citizens}, "--set")
    except ScenarioError as e:
        print(e, file=sys.stderr)
        return 2
    df = run(scenario)
    t = table(df, args.days)
    print(f"{scenario.run.name} without its events: {args.citizens} citizens, "
          f"{args.replicates} replicates, day 0 to {args.days}, burn-in "
          f"{scenario.run.burn_in} days, anchoring {scenario.perception.anchoring:g}")
    print(show(t, args.days))
    print(f"{int(t['ok'].sum())} of {len(t)} pairs stay put (|Δfav| < {MEAN_MOVE}, |Δshare| < "
          f"max({100 * SHARE_MOVE:g} points, {STANDARD_ERRORS:g} SE), "
          + ("|Δfamiliarity| < 1 point, " if "d_familiarity" in t else "")
          + f"SD within ±{100 * SD_MOVE:g} %)")
    return 0 if t["ok"].all() else 1


if __name__ == "__main__":
    raise SystemExit(main())
