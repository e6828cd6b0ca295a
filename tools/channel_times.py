"""Where a step of the full model goes: each channel's time and messages per step.

    .venv/bin/python tools/channel_times.py [--n 1000000] [--warm 20] [--steps 30]

Builds the benchmark's full model (``benchmarks.workloads.full_model_scenario``: ten
countries, every channel on), runs ``--warm`` steps, then times each channel's step
function and counts its ledger messages over ``--steps`` more. Recording is timed too.
Wall-clock milliseconds: on a shared machine, compare only runs made back to back.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nanosim.engine.channels as channels  # noqa: E402
from benchmarks.workloads import full_model_scenario  # noqa: E402
from nanosim.engine.model import DiplomacyModel  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000, help="citizens")
    p.add_argument("--warm", type=int, default=20, help="steps run before timing")
    p.add_argument("--steps", type=int, default=30, help="steps timed")
    args = p.parse_args(argv)

    seconds, messages = defaultdict(float), defaultdict(int)

    def timed(channel):
        step = channel.step

        def run(model, ledger):
            before = ledger.counts[channel.code] if channel.code is not None else 0
            t0 = time.perf_counter()
            step(model, ledger)
            seconds[channel.name] += time.perf_counter() - t0
            if channel.code is not None:
                messages[channel.name] += int(ledger.counts[channel.code] - before)
        return run

    channels.CHANNELS = tuple(dataclasses.replace(c, step=timed(c)) if c.step else c
                              for c in channels.CHANNELS)
    model = DiplomacyModel(full_model_scenario(args.n, args.warm + args.steps + 1),
                           citizen_agents=False)
    record = model.recorder.record

    def timed_record(t):
        t0 = time.perf_counter()
        record(t)
        seconds["record"] += time.perf_counter() - t0
    model.recorder.record = timed_record

    for _ in range(args.warm):
        model.step()
    seconds.clear()
    messages.clear()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        model.step()
    total = time.perf_counter() - t0

    print(f"{args.n:,} citizens, {args.steps} steps after {args.warm}")
    print(f"{'channel':14s} {'ms/step':>8s} {'messages/step':>14s}")
    for name, s in sorted(seconds.items(), key=lambda kv: -kv[1]):
        print(f"{name:14s} {1e3 * s / args.steps:8.1f} {messages[name] / args.steps:14,.0f}")
    print(f"{'step':14s} {1e3 * total / args.steps:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
