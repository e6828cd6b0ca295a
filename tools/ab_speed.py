"""Compare the speed of the working tree with a base commit, side by side in one run.

    .venv/bin/python tools/ab_speed.py BASE [--rounds 3]

Alternates the two trees, each in a fresh interpreter with its own benchmarks
(``python -m benchmarks.run --case ...``), over the 10^4 special case (talk only,
2 M interactions) and the full model at 10^6 citizens (10 countries, 365 steps), and
prints the medians with the ratio working tree / base. Alternating cancels most of a
shared machine's drift; the spread of the rounds shows what is left.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECIAL = ["--case", "nanosim", "--n", "10000", "--interactions", "2000000", "--repeats", "5"]
FULL = ["--case", "full", "--n", "1000000", "--steps", "365"]
MEASURES = {  # label: (benchmark arguments, the measure read from its JSON)
    "10^4 special case (M interactions/s, CPU)": (SPECIAL, "rate"),
    "full model 10^6 x 365 (s, wall)": (FULL, "seconds"),
    "full model 10^6 x 365 (GiB peak)": (FULL, "peak_gib"),
}


def measure(tree: Path, args: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", *args], cwd=tree,
                          env=dict(os.environ, PYTHONPATH=str(tree)), capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def pick(result: dict, key: str) -> float:
    """One measure of a benchmark's JSON (benchmarks/workloads.py)."""
    if key == "rate":
        return statistics.median(result["cpu_rates"]) / 1e6
    if key == "seconds":
        return result["build_seconds"] + result["simulation_seconds"] + result["metrics_seconds"]
    return result["peak_rss"] / 2**30


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the commit to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nanosim-ab-") as tmp:
        base = Path(tmp)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.base], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        runs = {label: {"base": [], "tree": []} for label in MEASURES}
        for r in range(args.rounds):
            sides = [("base", base), ("tree", ROOT)]
            for bench_args in (SPECIAL, FULL):
                for side, tree in sides if r % 2 == 0 else sides[::-1]:
                    result = measure(tree, bench_args)
                    for label, (used, key) in MEASURES.items():
                        if used is bench_args:
                            runs[label][side].append(pick(result, key))
                            print(f"round {r + 1} {side:>4} {label}: "
                                  f"{runs[label][side][-1]:.3g}", file=sys.stderr, flush=True)
    print(f"| measure | base {args.base} | working tree | tree / base |")
    print("|---|---|---|---|")
    for label, sides in runs.items():
        b, t = statistics.median(sides["base"]), statistics.median(sides["tree"])
        print(f"| {label} | {b:.3g} ({min(sides['base']):.3g}–{max(sides['base']):.3g}) | "
              f"{t:.3g} ({min(sides['tree']):.3g}–{max(sides['tree']):.3g}) | {t / b:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
