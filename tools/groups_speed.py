"""Time the full model with 1 % of citizens in small groups against the same without groups.

    PYTHONPATH=$PWD .venv/bin/python tools/groups_speed.py [--n 100000] [--steps 60] [--rounds 3]

The benchmarks' full model (10 countries, every channel on, an event of each kind, the
model's defaults: the experience rule and a symbol repertoire); "with groups"
generates groups of 20 members in every country until about 1 % of citizens belong to
one. Each round builds and steps both models in fresh order (alternating, to cancel a
shared machine's drift); the time is the CPU time of stepping only, after a small run
has loaded the compiled kernels. Prints the median seconds of each and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.workloads import COUNTRIES, full_model_scenario  # noqa: E402
from nanosim.engine.model import DiplomacyModel  # noqa: E402

GROUP_SIZE = 20


def scenario(n: int, steps: int, groups: bool):
    per_country = round(0.01 * n / (GROUP_SIZE * COUNTRIES)) if groups else 0
    return full_model_scenario(n, steps).with_overrides(
        {"groups.per_country": per_country, "groups.size": GROUP_SIZE,
         "groups.size_spread": 0.0})


def seconds(n: int, steps: int, groups: bool) -> tuple[float, int]:
    """Stepping time of one model (CPU seconds of this process: less disturbed than wall
    time by other work on the machine), and its memberships at the end."""
    model = DiplomacyModel(scenario(n, steps, groups), citizen_agents=False)
    start = time.process_time()
    model.run_to_end()
    return time.process_time() - start, int(model.memberships.count[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for groups in (False, True):  # load the compiled kernels
        seconds(2_000, 5, groups)
    times: dict[bool, list[float]] = {False: [], True: []}
    for k in range(args.rounds):
        for groups in ((False, True) if k % 2 == 0 else (True, False)):
            took, members = seconds(args.n, args.steps, groups)
            times[groups].append(took)
            print(f"round {k + 1}: {'with' if groups else 'without'} groups {took:.2f} s"
                  + (f" ({members} memberships, {members / args.n:.1%} of citizens)"
                     if groups else ""), flush=True)
    without, with_ = (statistics.median(times[g]) for g in (False, True))
    print(f"median CPU without groups {without:.2f} s, with {with_:.2f} s: "
          f"ratio {with_ / without:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
