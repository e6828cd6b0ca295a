"""The experience rule's fixed point, simulated against the formula (docs/validation.md).

    PYTHONPATH=$PWD .venv/bin/python tools/experience_fixed_point.py

A contact-only world of two countries on a complete graph: every cross-border meeting
is pleasant with a fixed chance p (positivity_min = positivity_max = p, no learning),
an unpleasant one weighs w = perception.negativity. The mean people image settles at
x* = (p - (1 - p) w) / (p + (1 - p) w) (MODEL.md 3.2); the table gives, per (p, w), the
simulated mean over the second half of the run and over all citizens and replicates.
"""

from __future__ import annotations

import numpy as np

from nanosim import run_replicate
from nanosim.scenario import loads_scenario

CASES = ((0.6, 1.25), (0.5, 1.0), (0.8, 2.0), (0.7, 3.0), (0.9, 5.0), (0.3, 1.5))
WORLD = """
[scenario]
name = "experience fixed point"
steps = {steps}
seed = {seed}
burn_in = 0
[population]
size = {size}
openness = 1.0
openness_sd = 0.0
[perception]
experience_rule = true
anchoring = 0.0              # the bare rule: no pull back to the dispositions
negativity = {w}
spillover = 0.0
initial_sd = 0.3
[[country]]
name = "A"
share = 0.5
[[country]]
name = "B"
share = 0.5
[network]
kind = "complete"
[channels.contact]
rate = 1.0
mu = {mu}
symbol_sharing = false
positivity_min = {p}
positivity_max = {p}
learning = 0.0
[channels.social_media]
enabled = false
[channels.talk]
enabled = false
[channels.state_media]
enabled = false
[channels.relations]
enabled = false
[channels.events]
enabled = false
"""


def fixed_point(p: float, w: float) -> float:
    """x* = (p - (1 - p) w) / (p + (1 - p) w): where pleasant and unpleasant pulls cancel."""
    return (p - (1 - p) * w) / (p + (1 - p) * w)


def world(p: float, w: float, *, size: int = 2000, steps: int = 400, mu: float = 0.1,
          seed: int = 1):
    """The contact-only world of (p, w)."""
    return loads_scenario(WORLD.format(p=p, w=w, size=size, steps=steps, mu=mu, seed=seed),
                          "experience_fixed_point.toml")


def settled(p: float, w: float, replicates: int = 2, **kwargs) -> float:
    """The simulated settled mean people image of the other country (second half of the
    run, both countries, all replicates)."""
    s = world(p, w, **kwargs)
    values = []
    for r in range(replicates):
        df = run_replicate(s, r)
        rows = df[(df.metric == "image_people") & (df.step >= s.run.steps // 2)]
        values.append(rows.value.mean())
    return float(np.mean(values))


def main() -> None:
    print("| p | w_neg | x* (formula) | x* (simulated) | difference |")
    print("|---|---|---|---|---|")
    for p, w in CASES:
        exact, simulated = fixed_point(p, w), settled(p, w)
        print(f"| {p:g} | {w:g} | {exact:+.4f} | {simulated:+.4f} | {simulated - exact:+.4f} |")


if __name__ == "__main__":
    main()
