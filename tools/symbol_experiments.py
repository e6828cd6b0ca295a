"""Symbols decide experiences: the experiments of docs/validation.md (MODEL.md 3.4).

    .venv/bin/python tools/symbol_experiments.py [--citizens N] [--replicates R]

(a) Learning off: `digital_age` and `nano_only` with symbol learning switched off
    (contact.learning = 0, social_media.adoption = 0) against the same scenarios with
    it on: the final people images and familiarity.
(b, c) Shared features: two countries whose prototypes share k of F = 5 features,
    k = 0..4, with dispositions toward each other's people of 0.2 and of 0.6: the
    settled mutual people image (mean over days 0..30 after the burn-in) against a
    control with no cross-border ties or follows (the same world without
    experiences of each other).
(d) x* with no shared symbols at the defaults, and the x* of the measured
    familiarity of each (b) world against its mean disposition: contact raises views
    where x* lies above them.
Each effect is paired by replicate (common random numbers); intervals are the
10-90 % range of the paired differences over replicates.
"""

from __future__ import annotations

import argparse

import numpy as np

from nanosim import load_scenario, run
from nanosim.scenario import loads_scenario

FEATURES = ["cuisine", "music", "dress", "language", "festival"]

TWO_COUNTRIES = """
[scenario]
name = "Shared symbols: k = {k}, disposition {d}"
steps = 30
seed = 5
replicates = {replicates}

[population]
size = {citizens}

[perception]
initial_sd = 0.55

[[country]]
name = "Aland"
share = 0.5
appeal = 0.5
symbols = {{ {a} }}
initial = {{ people = {{ Bland = {d} }}, state = {{ Bland = {d} }} }}

[[country]]
name = "Bland"
share = 0.5
appeal = 0.5
symbols = {{ {b} }}
initial = {{ people = {{ Aland = {d} }}, state = {{ Aland = {d} }} }}

[channels.talk]
rate = 0.05
epsilon = 0.3
mu = 0.2

[channels.contact]
mu = 0.2
learning = 0.3

[network]
cross_border = {ties}
online_share = 0.6
online_cross_border = {follows}
"""


def symbols(k: int, country: str) -> str:
    """Inline table of national symbols: the first k features shared by both countries."""
    return ", ".join(f'{f} = "{"shared" if n < k else country} {f}"'
                     for n, f in enumerate(FEATURES))


def two_countries(k: int, d: float, citizens: int, replicates: int, open_: bool):
    text = TWO_COUNTRIES.format(k=k, d=d, citizens=citizens, replicates=replicates,
                                a=symbols(k, "Aland"), b=symbols(k, "Bland"),
                                ties=1.0 if open_ else 0.0, follows=0.2 if open_ else 0.0)
    return loads_scenario(text, f"shared_k{k}_d{d}.toml")


def per_replicate(df, metric: str, days=None):
    rows = df[df["metric"] == metric]
    if days is not None:
        rows = rows[rows["step"].isin(days)]
    return rows.groupby("replicate")["value"].mean().to_numpy()


def interval(x: np.ndarray) -> str:
    lo, hi = np.quantile(x, [0.1, 0.9])
    return f"{np.median(x):+.3f} [{lo:+.3f}, {hi:+.3f}]"


def x_star(p: float, w: float) -> float:
    return (p - (1 - p) * w) / (p + (1 - p) * w)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=5000)
    parser.add_argument("--replicates", type=int, default=6)
    args = parser.parse_args()
    size = {"population.size": args.citizens, "scenario.replicates": args.replicates}

    print("(a) symbol learning off against on (day-365 values, mean over pairs)")
    for name in ("digital_age", "nano_only"):
        on = run(load_scenario(name, {**size, "scenario.steps": 365}))
        off = run(load_scenario(name, {**size, "scenario.steps": 365,
                                       "channels.contact.learning": 0.0,
                                       "channels.social_media.adoption": 0.0}))
        last = [365]
        for metric in ("image_people", "familiarity"):
            a, b = per_replicate(on, metric, last), per_replicate(off, metric, last)
            print(f"  {name:<12} {metric:<13} on {a.mean():+.3f}  off {b.mean():+.3f}  "
                  f"on - off {interval(a - b)}")

    w = load_scenario("baseline").perception.negativity
    contact = load_scenario("baseline").channels.contact
    print(f"\n(d) x*(no shared symbols) = {x_star(contact.positivity_min, w):+.3f} "
          f"(positivity_min {contact.positivity_min:g}, negativity {w:g})")
    print("\n(b, c) shared features k of 5: settled people image, open world minus closed")
    days = list(range(0, 31))
    for d in (0.2, 0.6):
        closed = run(two_countries(0, d, args.citizens, args.replicates, False))
        base = per_replicate(closed, "image_people", days)
        for k in range(len(FEATURES)):
            opened = run(two_countries(k, d, args.citizens, args.replicates, True))
            image = per_replicate(opened, "image_people", days)
            fam = per_replicate(opened, "familiarity", days).mean()
            p = contact.positivity_min + (contact.positivity_max - contact.positivity_min) * fam
            print(f"  disposition {d:.1f}  k = {k}: image {image.mean():+.3f} (closed "
                  f"{base.mean():+.3f}), effect {interval(image - base)}; familiarity "
                  f"{fam:.2f} -> contact p {p:.2f}, x* {x_star(p, w):+.2f} "
                  f"({'above' if x_star(p, w) > d else 'below'} the disposition)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
