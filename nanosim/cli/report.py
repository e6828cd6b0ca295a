"""``nanosim report``: response curves and the reduced table of a sweep folder."""

from __future__ import annotations

import argparse

from nanosim.experiments.sweep import SweepStore
from nanosim.io.report import write_report


def command(args: argparse.Namespace) -> int:
    """``nanosim report``: response curves and the reduced table of a sweep folder."""
    store = SweepStore(args.folder)
    store.verify()  # a damaged run file is named, and nothing is written
    old = len(store.unverified())
    if old:
        print(f"note: {old} run file(s) were written by an older nanosim, without checksums; "
              "they are read unverified (running the sweep again checks and records them)")
    missing = len(store.missing())
    if missing:
        print(f"note: {missing} of {len(store.runs)} runs are missing; the report uses the "
              f"{len(store.runs) - missing} present (rerun the sweep to finish it)")
    out = write_report(store, args.out, args.metric, args.pair)
    names = sorted(p.name for p in out.iterdir() if p.suffix in (".png", ".csv"))
    print(f"report: {out}/ ({', '.join(names)})")
    return 0
