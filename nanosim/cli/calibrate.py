"""``nanosim calibrate``: fit scenarios to survey data, or test that a fit recovers known
parameters (``--check``).

While it runs, SIGTERM stops it as Ctrl-C does: every finished evaluation is kept in the
folder and the same command continues the calibration.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from nanosim.cli.sweep import terminate_as_interrupt
from nanosim.errors import NanosimError


def command(args: argparse.Namespace) -> int:
    """Read and check the calibration file, run the fit into --out (resumable), report."""
    from nanosim.experiments.calibration import calibrate, read_calibration
    from nanosim.experiments.calibration.journal import Journal

    if args.out is None and not args.check:
        raise NanosimError("--out: required (the calibration folder), unless --check is given")
    cal = read_calibration(args.file)
    where = (f"Dask scheduler {args.scheduler}" if args.scheduler else
             f"{args.workers or 'all'} local worker(s)")
    what = "recovery test" if args.check else "calibration"
    print(f"{what} {cal.name!r} ({args.method}): {len(cal.parameters)} parameter(s), "
          f"{len(cal.targets)} data point(s) in {len(cal.series)} series, "
          f"{len(cal.scenarios)} scenario(s); on {where}", flush=True)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="nanosim-check."))
    try:
        with terminate_as_interrupt() as stopped_by:
            result = calibrate(cal, out, args.method, budget=args.budget,
                               workers=args.workers, scheduler=args.scheduler,
                               check=args.check, max_memory=args.max_memory,
                               report=lambda line: print(line, flush=True))
    except KeyboardInterrupt:
        kept = len(Journal(out)) if out.is_dir() else 0
        print(f"nanosim: interrupted; {kept} finished evaluation(s) are kept in {out}; run the "
              "same command again to continue", file=sys.stderr)
        return 128 + stopped_by.get("signal", signal.SIGINT)
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    _print_parameters(result)
    if args.out is not None:
        from nanosim.io.calibration import write_calibration

        write_calibration(out, result)
        print(f"calibration: {out}/ (calibration.md, fit.png, posterior.png, "
              f"{'posterior' if result.method == 'abc' else 'trials'}.parquet, calibrated "
              f"scenario) in {result.seconds:.1f} s")
    return 0


def _print_parameters(result) -> None:
    abc = result.method == "abc"
    interval = "80 % interval" if abc else "best 10 %"
    print(f"{'parameter':<36}{'median' if abc else 'best':>10}  {interval:<22}verdict"
          + ("           truth  covered" if result.check else ""))
    table = result.parameters
    for i, r in enumerate(table.itertuples(index=False)):
        line = (f"{r.parameter:<36}{r.estimate:>10.4g}  {f'[{r.low:.4g}, {r.high:.4g}]':<22}"
                f"{r.verdict:<16}")
        if result.check:
            c = result.coverage.iloc[i]
            line += f"{c['truth']:>7.4g}  {'yes' if c['covered'] else 'NO'}"
        print(line)
    if result.check:
        covered = int(result.coverage["covered"].sum())
        print(f"recovery: {covered} of {len(table)} true values lie in their 80 % interval")
