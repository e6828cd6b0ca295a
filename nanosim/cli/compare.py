"""``nanosim compare``: run scenarios side by side and write the comparison folder."""

from __future__ import annotations

import argparse
import os
import sys

import pandas as pd

from nanosim.cli.run import load_with_options
from nanosim.errors import NanosimError
from nanosim.experiments.compare import (
    FACTORIAL_ORDER,
    check_factorial,
    check_metric,
    check_pair,
    check_same_world,
    comparison_plan,
    comparison_table,
    event_steps,
    factorial_table,
    pair_label,
    parse_factors,
    parse_pair,
    run_comparison,
    scenario_labels,
    shared_size,
)
from nanosim.experiments.runner import Timer
from nanosim.io.compare import COMPARE_FILES, write_comparison
from nanosim.io.outputs import check_out


def command(args: argparse.Namespace) -> int:
    """``nanosim compare``: run scenarios side by side and write the comparison folder."""
    sources = scenario_files(args)
    factors = parse_factors(args.factors)
    metric = check_metric(args.metric)
    pair = parse_pair(args.pair)
    scenarios = [load_with_options(path, args) for path in sources]
    if args.factorial:
        check_factorial(scenarios)
    elif args.control:
        check_same_world(scenarios[0], scenarios[1:])
    control = scenario_labels(scenarios)[0] if args.control or args.factorial else None
    pair = check_pair(scenarios, pair, metric)
    check_out(args.out, COMPARE_FILES, "nanosim compare")
    n, root = comparison_plan(scenarios, args.replicates, args.seed)
    others = [f"{p} (seed {s.run.seed})"
              for p, s in zip(sources, scenarios, strict=True) if s.run.seed != root]
    if others and args.seed is None:
        what = "the control's" if args.control else "the first file's"
        print(f"note: every scenario runs with {what} seed, {root} (common random "
              f"numbers), also {', '.join(others)}")
    timer = Timer()
    bar = _progress_bar(n * len(scenarios))
    df = run_comparison(scenarios, n, root,
                        progress=(lambda done, total: bar.update(done - bar.n)) if bar else None,
                        max_memory=args.max_memory)
    if bar:
        bar.close()
    out = write_comparison(df, args.out, metric, pair, csv=args.csv,
                           event_steps=event_steps(scenarios), seed=root,
                           sources=sources, overrides=args.overrides, control=control,
                           factorial=args.factorial, factors=factors,
                           citizens=shared_size(scenarios))
    table = comparison_table(df, metric, pair, control)
    if control is None:
        print(f"{len(scenarios)} scenarios x {n} replicates (seed {root}, common random "
              f"numbers) in {timer.seconds:.1f} s; final shift of {pair_label(metric, pair)} "
              "since day 0, and its difference to the first scenario (paired by replicate)")
        print("\n".join(table_lines(table)))
    else:
        print(f"{len(scenarios)} scenarios x {n} replicates (seed {root}, common random "
              f"numbers) in {timer.seconds:.1f} s; {pair_label(metric, pair)}: final shift "
              f"since day 0, and effect against the control “{control}” at day "
              f"{int(df['step'].max())} (paired by replicate)")
        print("\n".join(effect_lines(table, control)))
    if args.factorial:
        print("\n".join(factorial_lines(factorial_table(df, metric, pair, factors),
                                        list(table["scenario"]))))
    files = ", ".join(f for f in ("comparison.md", "comparison.parquet", "comparison.csv",
                                  "effects.csv", "effects.png", "final_shift.png", "channels.png")
                      if (out / f).exists())
    print(f"figure: {out / 'comparison.png'}")
    print(f"results: {out}/ ({files})")
    return 0


def scenario_files(args: argparse.Namespace) -> list[str]:
    """The files to run, the control (or the design's first file) first."""
    files = list(args.scenarios)
    if args.factors and not args.factorial:
        raise NanosimError("--factors names the two factors of --factorial; give --factorial "
                           "and four files")
    if args.factorial:
        if args.control:
            raise NanosimError("--factorial: the design's first file (A, neither factor) is its "
                               "control; leave out --control")
        return files
    if args.control:
        same = os.path.realpath(args.control)
        files = [args.control] + [f for f in files if os.path.realpath(f) != same]
        if len(files) < 2:
            raise NanosimError(f"--control {args.control}: give one or more other scenario "
                               "files to compare with it")
        return files
    if len(files) < 2:
        raise NanosimError("compare needs two or more scenario files")
    return files


def table_lines(table: pd.DataFrame) -> list[str]:
    """A short terminal table: final shifts and their difference to the first scenario."""
    width = max(12, *(len(str(s)) for s in table["scenario"])) + 2
    lines = [f"{'scenario':<{width}}{'shift':>8}{'10–90 %':>19}{'diff to first':>15}"
             f"{'10–90 %':>19}"]
    for row in table.itertuples(index=False):
        lines.append(f"{str(row.scenario):<{width}}{row.shift_median:>+8.3f}"
                     f"{f'[{row.shift_low:+.3f}, {row.shift_high:+.3f}]':>19}"
                     f"{row.diff_median:>+15.3f}"
                     f"{f'[{row.diff_low:+.3f}, {row.diff_high:+.3f}]':>19}")
    return lines


def effect_lines(table: pd.DataFrame, control: str) -> list[str]:
    """A short terminal table: final shifts and effects against the control."""
    width = max(12, *(len(str(s)) for s in table["scenario"])) + 2
    lines = [f"{'scenario':<{width}}{'shift':>8}{'10–90 %':>19}{'effect':>9}{'10–90 %':>19}"
             f"{'> 0':>6}"]
    for row in table.itertuples(index=False):
        effect = (f"{'control':>9}" if row.scenario == control else
                  f"{row.effect_median:>+9.3f}"
                  f"{f'[{row.effect_low:+.3f}, {row.effect_high:+.3f}]':>19}"
                  f"{row.effect_positive:>6.0%}")
        lines.append(f"{str(row.scenario):<{width}}{row.shift_median:>+8.3f}"
                     f"{f'[{row.shift_low:+.3f}, {row.shift_high:+.3f}]':>19}{effect}")
    return lines


def factorial_lines(table: pd.DataFrame, names: list[str]) -> list[str]:
    """A short terminal table of a 2 × 2 design's effects, with the design spelt out."""
    design = ", ".join(f"{k} = {n} ({role})"
                       for k, n, role in zip("ABCD", names, FACTORIAL_ORDER, strict=True))
    width = max(len(str(e)) for e in table["effect"]) + 2
    lines = [f"2 x 2 design: {design}; paired by replicate",
             f"{'effect':<{width}}{'contrast':<22}{'median':>8}{'10–90 %':>19}{'> 0':>6}"]
    for row in table.itertuples(index=False):
        lines.append(f"{row.effect:<{width}}{row.contrast:<22}{row.effect_median:>+8.3f}"
                     f"{f'[{row.effect_low:+.3f}, {row.effect_high:+.3f}]':>19}"
                     f"{row.effect_positive:>6.0%}")
    return lines


def _progress_bar(total: int):
    from tqdm import tqdm

    if not sys.stderr.isatty():
        return None
    return tqdm(total=total, desc="compare", unit="run", leave=False)
