"""``nanosim compare``: run scenarios side by side and write the comparison folder."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from nanosim.cli.run import load_with_options
from nanosim.errors import NanosimError
from nanosim.experiments.compare import (
    check_metric,
    check_pair,
    comparison_plan,
    comparison_table,
    event_steps,
    pair_label,
    parse_pair,
    run_comparison,
)
from nanosim.experiments.runner import Timer
from nanosim.io.compare import COMPARE_FILES, write_comparison
from nanosim.io.outputs import check_out


def command(args: argparse.Namespace) -> int:
    """``nanosim compare``: run scenarios side by side and write the comparison folder."""
    if len(args.scenarios) < 2:
        raise NanosimError("compare needs two or more scenario files")
    metric = check_metric(args.metric)
    pair = parse_pair(args.pair)
    scenarios = [load_with_options(path, args) for path in args.scenarios]
    pair = check_pair(scenarios, pair, metric)
    check_out(args.out, COMPARE_FILES, "nanosim compare")
    n, root = comparison_plan(scenarios, args.replicates, args.seed)
    others = [f"{p} (seed {s.run.seed})"
              for p, s in zip(args.scenarios, scenarios, strict=True) if s.run.seed != root]
    if others and args.seed is None:
        print(f"note: every scenario runs with the first file's seed, {root} (common random "
              f"numbers), also {', '.join(others)}")
    timer = Timer()
    bar = _progress_bar(n * len(scenarios))
    df = run_comparison(scenarios, n, root,
                        progress=(lambda done, total: bar.update(done - bar.n)) if bar else None)
    if bar:
        bar.close()
    out = write_comparison(df, args.out, metric, pair, csv=args.csv,
                           event_steps=event_steps(scenarios), seed=root,
                           sources=args.scenarios, overrides=args.overrides)
    print(f"{len(scenarios)} scenarios x {n} replicates (seed {root}, common random numbers) "
          f"in {timer.seconds:.1f} s; final shift of {pair_label(metric, pair)}")
    print("\n".join(table_lines(comparison_table(df, metric, pair))))
    print(f"figure: {out / 'comparison.png'}")
    print(f"results: {out}/ (comparison.md, comparison.parquet, final_shift.png, channels.png)")
    return 0


def table_lines(table: pd.DataFrame) -> list[str]:
    """A short terminal table of the comparison."""
    width = max(12, *(len(str(s)) for s in table["scenario"])) + 2
    lines = [f"{'scenario':<{width}}{'shift':>8}{'10–90 %':>19}{'vs first':>10}{'10–90 %':>19}"]
    for row in table.itertuples(index=False):
        lines.append(f"{str(row.scenario):<{width}}{row.median:>+8.3f}"
                     f"{f'[{row.low:+.3f}, {row.high:+.3f}]':>19}{row.diff_median:>+10.3f}"
                     f"{f'[{row.diff_low:+.3f}, {row.diff_high:+.3f}]':>19}")
    return lines


def _progress_bar(total: int):
    from tqdm import tqdm

    if not sys.stderr.isatty():
        return None
    return tqdm(total=total, desc="compare", unit="run", leave=False)
