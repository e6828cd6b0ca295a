"""``python -m nanosim.cli.validation``: reproduce Deffuant (2000) and Axelrod (1997)
(Table 2 and the range of interaction).

Runs the validation protocol (docs/validation.md), writes its figures and tables
and prints the tables.
"""

from __future__ import annotations

import argparse
import os
import sys

from nanosim.experiments.validation import (
    axelrod_summary,
    deffuant_summary,
    range_summary,
    results_markdown,
    run_protocol,
)
from nanosim.io.validation import write_results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nanosim.cli.validation",
                                description="Reproduce Deffuant et al. (2000) and Axelrod "
                                            "(1997) with nanosim; write figures and tables.")
    p.add_argument("--out", required=True, help="folder for the figures and tables")
    p.add_argument("--quick", action="store_true",
                   help="a few thresholds and replicates only (a smoke test, not validation)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="worker processes (results do not depend on it; default 2)")
    args = p.parse_args(argv)
    runs = run_protocol(args.quick, args.workers)
    d_runs, a_runs, r_runs = runs["deffuant"], runs["axelrod"], runs["range"]
    written = write_results(args.out, d_runs, a_runs, r_runs, runs["settings"])
    print(results_markdown(deffuant_summary(d_runs), axelrod_summary(a_runs),
                           range_summary(r_runs)))
    seconds = runs["seconds"]
    print(f"Deffuant: {len(d_runs)} runs in {seconds['deffuant']:.0f} s; Axelrod Table 2: "
          f"{len(a_runs)} runs in {seconds['axelrod']:.0f} s; range of interaction: "
          f"{len(r_runs)} runs in {seconds['range']:.0f} s ({args.workers} worker(s))")
    print("wrote " + ", ".join(str(w) for w in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
