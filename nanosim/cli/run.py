"""``nanosim run`` and ``nanosim validate``: one scenario's runs, and checking files.

Also loads a scenario with the command line's ``--set``, ``--seed`` and
``--replicates`` applied, as every command that takes scenario files does.
"""

from __future__ import annotations

import argparse
import sys

from nanosim.engine.network import check_files
from nanosim.errors import ScenarioError, one_line
from nanosim.experiments.budget import check_memory, run_bytes
from nanosim.scenario import Scenario, load_scenario, parse_override


def load_with_options(path: str, args: argparse.Namespace) -> Scenario:
    """Load a scenario with the command line's --set, --seed and --replicates applied."""
    overrides, origin = {}, {}
    for option, key in (("seed", "scenario.seed"), ("replicates", "scenario.replicates")):
        if getattr(args, option, None) is not None:
            overrides[key], origin[key] = getattr(args, option), f"--{option}"
    for text in getattr(args, "overrides", []) or []:
        key, value = parse_override(text)
        overrides[key], origin[key] = value, "--set"
    return load_scenario(path, overrides, origin)


def run(args: argparse.Namespace) -> int:
    """Run one scenario's replicates and write its folder."""
    scenario = load_with_options(args.scenario, args)
    check_memory(run_bytes(scenario), f"{scenario.run.name[:40]!r} ({scenario.run.replicates} "
                 "replicate(s))", args.max_memory)  # before a file network is read
    citizens = check_files(scenario)  # a file network's node table decides
    from nanosim.io.outputs import RUN_FILES, check_out

    check_out(args.out, RUN_FILES, "nanosim run")
    from nanosim.experiments.runner import Timer
    from nanosim.experiments.runner import run as run_all

    timer = Timer()
    df = run_all(scenario, progress=True)
    seconds = timer.seconds  # the runs, as summary.json's wall_seconds
    from nanosim.io.outputs import summary_lines, write_run  # matplotlib: only once results exist

    out = write_run(df, scenario, args.out, wall_seconds=seconds, csv=args.csv)
    print(f"{scenario.run.name}: {scenario.run.replicates} replicate(s) x "
          f"{int(df['step'].max())} steps of {citizens} citizens "
          f"in {seconds:.1f} s")
    print("\n".join(summary_lines(df)))
    print(f"results: {out}/ (timeseries.parquet, summary.json, perception.png, matrix.png, "
          "channels.png, scenario.toml)")
    return 0


def validate(args: argparse.Namespace) -> int:
    """Check scenario files (and a file network's CSVs); print one line per file."""
    failed = 0
    for path in args.scenarios:
        try:
            s = load_with_options(path, args)
            citizens = check_files(s)
        except ScenarioError as e:
            print(one_line(f"invalid: {e}"), file=sys.stderr)
            failed += 1
            continue
        from_nodes = " (the node table)" if s.network.kind == "file" else ""
        print(f"ok: {path} ({s.run.name}; {_count(len(s.country), 'country', 'countries')}"
              f", {_count(citizens, 'citizen')}{from_nodes}, {_count(s.run.steps, 'step')}"
              f", {_count(len(s.events), 'event')})")
    return 2 if failed else 0


def _count(n: int, word: str, words: str = "") -> str:
    """"1 event", "2 events"."""
    return f"{n} {word if n == 1 else (words or word + 's')}"
