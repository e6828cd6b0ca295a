"""``nanosim report``: response curves and the reduced table of a sweep folder."""

from __future__ import annotations

import argparse

from nanosim.experiments.sweep import SweepStore
from nanosim.io.report import write_report


def command(args: argparse.Namespace) -> int:
    """``nanosim report``: response curves and the reduced table of a sweep folder."""
    store = SweepStore(args.folder)
    missing = len(store.missing())
    if missing:
        print(f"note: {missing} of {len(store.runs)} runs are missing; the report uses the "
              f"{len(store.runs) - missing} present (rerun the sweep to finish it)")
    out = write_report(store, args.out, args.metric, args.pair)
    names = sorted(p.name for p in out.iterdir() if p.suffix in (".png", ".csv"))
    print(f"report: {out}/ ({', '.join(names)})")
    return 0
