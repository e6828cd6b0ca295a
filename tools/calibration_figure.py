"""Model against data: the calibration figure and table of docs/calibration.md.

    .venv/bin/python tools/calibration_figure.py [--out docs/images] [--citizens N]
        [--replicates R]

Left: the severe incident of `crisis` against its twin without the incident (paired
by replicate, median and 10-90 % band), the share favourable to the other government
and to its people, beside the Pew 2002-2003 falls and rebounds of the UK, German and
French publics (each drawn as its change from summer 2002, at the war's start and
two months later). Right: `us_indonesia_2003` (share of Indonesians favourable to the
US government and to Americans) beside Pew's 2002 and May 2003 figures. Prints the
effects the docs quote and the dispositions beside the day-0 state.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from nanosim import load_scenario, run  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "surveys.csv"
PEW = {"United Kingdom": "UK", "Germany": "Germany", "France": "France"}


def series(df, metric, observer, target):
    rows = df[(df["metric"] == metric) & (df["observer"] == observer) & (df["target"] == target)]
    return rows.pivot_table(index="step", columns="replicate", values="value", observed=True)


def band(x: pd.DataFrame):
    return x.median(axis=1), x.quantile(0.1, axis=1), x.quantile(0.9, axis=1)


def interval(x: pd.Series) -> str:
    return f"{100 * x.median():+.1f} [{100 * x.quantile(0.1):+.1f}, {100 * x.quantile(0.9):+.1f}]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/images")
    parser.add_argument("--citizens", type=int, default=10_000)
    parser.add_argument("--replicates", type=int, default=8)
    args = parser.parse_args()
    size = {"population.size": args.citizens, "scenario.replicates": args.replicates}
    surveys = pd.read_csv(DATA)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))

    crisis = load_scenario("crisis", size)
    day = crisis.events[0].step
    treated, twin = run(crisis), run(load_scenario("crisis", {**size, "events": []}))
    print(f"crisis against its twin without the incident ({args.citizens} citizens, "
          f"{args.replicates} replicates; points, median [10 %, 90 %])")
    for metric, colour, label in (("share_favourable_state", "#d95f02", "government"),
                                  ("share_favourable_people", "#1b9e77", "people")):
        for observer, target in (("Indonesia", "Australia"), ("Australia", "Indonesia")):
            effect = (series(treated, metric, observer, target)
                      - series(twin, metric, observer, target))
            trough_day = effect.loc[day:day + 28].median(axis=1).idxmin()
            trough, later = effect.loc[trough_day], effect.loc[day + 60]
            regained = 1 - later / trough
            print(f"  {label:<10} {observer} -> {target}: low within 4 weeks (day "
                  f"{trough_day}) {interval(trough)}; day {day + 60} {interval(later)}; "
                  f"regained {interval(regained).replace('+', '')} % of the fall"
                  .replace("%] %", "%]"))
            if observer == "Indonesia":
                mid, lo, hi = band(100 * effect)
                x = mid.index - day
                left.plot(x, mid, color=colour, label=f"model: {label} (Indonesians)")
                left.fill_between(x, lo, hi, color=colour, alpha=0.25, lw=0)
    for country, short in PEW.items():
        rows = surveys[(surveys.observer == country) & (surveys.target == "United States")]
        v = rows["value"].to_numpy()
        left.plot([-60, 0, 60], [0, v[1] - v[0], v[2] - v[0]], "o--", color="grey",
                  alpha=0.7, ms=4)
        left.annotate(short, (60, v[2] - v[0]), textcoords="offset points", xytext=(4, 0),
                      fontsize=8, color="grey")
    left.axhline(0, color="black", lw=0.5)
    left.set(xlabel="days since the incident (Pew: summer 2002, war's start, May 2003)",
             ylabel="effect on the favourable share (points)",
             title="A severe incident, against its twin")
    left.legend(fontsize=8, loc="lower right")

    us = load_scenario("us_indonesia_2003", size)
    war = us.events[0].step
    df = run(us)
    print(f"us_indonesia_2003 (the war at day {war}; Pew's May 2003 about day {war + 60})")
    for metric, colour, label, pew in (("share_favourable_state", "#d95f02", "the US", "state"),
                                       ("share_favourable_people", "#1b9e77", "Americans",
                                        "people")):
        s = series(df, metric, "Indonesia", "United States")
        mid, lo, hi = band(100 * s)
        right.plot(mid.index, mid, color=colour, label=f"model: favourable to {label}")
        right.fill_between(mid.index, lo, hi, color=colour, alpha=0.25, lw=0)
        print(f"  favourable to {label}: day 0 {interval(s.loc[0]).replace('+', '')} %, "
              f"day {war + 60} {interval(s.loc[war + 60]).replace('+', '')} %")
        rows = surveys[(surveys.observer == "Indonesia") & (surveys.target == "United States")
                       & (surveys.image == pew)]
        for period, t in (("2002 summer", 0), ("2003 May", war + 60)):
            v = rows[rows.period == period]["value"]
            if len(v):
                right.plot([t], v, "s", color=colour, ms=7, mec="black")
    right.axvline(war, color="grey", lw=0.5, ls=":")
    right.set(xlabel="day (0: summer 2002; squares: Pew)", ylabel="favourable (%)",
              ylim=(0, 100), title="Indonesians and the US, 2002-2003")
    right.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "calibration.png", dpi=120)
    print(f"figure: {out / 'calibration.png'}")

    print("dispositions (the scenario's means) beside the day-0 state (after the burn-in)")
    d0 = treated[treated["step"] == 0]
    for country in crisis.country:
        for image in ("people", "state"):
            for target, value in getattr(country.initial, image).items():
                got = d0[(d0.metric == f"image_{image}") & (d0.observer == country.name)
                         & (d0.target == target)]["value"].mean()
                share = d0[(d0.metric == f"share_favourable_{image}")
                           & (d0.observer == country.name) & (d0.target == target)]["value"]
                print(f"  {country.name} -> {target} {image}: disposition {value:+.2f}, "
                      f"day 0 {got:+.3f} ({100 * share.mean():.0f} % favourable)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
