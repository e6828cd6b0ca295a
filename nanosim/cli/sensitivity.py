"""``nanosim sensitivity`` and ``nanosim discover``: which parameters drive a shift, through
which channels, and in which parameter boxes an outcome occurs."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from nanosim.cli.sweep import OPTIONS, execute
from nanosim.experiments import sensitivity as S

# what errors call the arguments: the options that gave them (the design's points come
# from the ranges)
NAMES = {**OPTIONS, "design": "--range"}


def command(args: argparse.Namespace) -> int:
    """``nanosim sensitivity``: run the design as a sweep in --out (resumable), analyse it."""
    start = time.perf_counter()
    plan, design = S.plan_sensitivity(args.scenario, args.method, args.ranges, args.samples,
                                      args.replicates, overrides=args.overrides,
                                      seed=args.seed, second_order=args.second_order,
                                      names=NAMES, max_memory=args.max_memory)
    pair = S.check_outcome(plan.scenario, args.metric, args.pair)
    out = Path(args.out)
    status = execute(plan, out, args.workers, args.scheduler, what=f"sensitivity ({args.method})",
                     max_memory=args.max_memory)
    if status:
        return status
    from nanosim.experiments.compare import BY_CHANNEL, pair_label
    from nanosim.io.sensitivity import write_sensitivity

    total, by_channel = S.outcomes(out, args.metric, pair)
    table = S.indices(design, total, by_channel)
    conv = S.convergence(design, table)
    noise = S.noise(total)
    label = f"final shift of {pair_label(args.metric, pair)}"
    write_sensitivity(out, design, table, conv, noise,
                      {"scenario": plan.scenario.run.name, "metric": args.metric,
                       "pair": list(pair), "label": label, "replicates": plan.replicates,
                       "channels": BY_CHANNEL.get(args.metric, "shift_by_channel")})
    rank = S.ranking(design, table)
    index = S.RANK_BY[design.method]
    print(f"{label}, ranked by {index}:")
    for r in rank.itertuples(index=False):
        print(f"  {r.parameter:40s} {r.value:9.4g}  [{r.low:.4g}, {r.high:.4g}]")
    late = conv[(conv["outcome"] == S.TOTAL) & ~conv["converged"]]
    if len(late):
        print(f"not converged: {len(late)} interval(s) of the whole shift; about "
              f"{int(late['samples_needed'].max())} samples would do (now {design.samples}); "
              "see sensitivity.md")
    print(f"analysis: {out}/ (indices.csv, sensitivity.md, figures) in "
          f"{time.perf_counter() - start:.1f} s")
    return 0


def discover(args: argparse.Namespace) -> int:
    """``nanosim discover``: PRIM boxes of a sweep folder where --where holds."""
    from nanosim.experiments import discover as D
    from nanosim.experiments.sweep import SweepStore
    from nanosim.figures.sensitivity import discover_figure
    from nanosim.io.sensitivity import write_discovery

    store = SweepStore(args.folder)
    found = D.discover(store, args.where, args.pair)
    name = store.manifest["scenario"]["name"]
    out = Path(args.out) if args.out else store.folder / "discover"
    figure = discover_figure(found.trajectory, found.boxes, found.ranges,
                             f"{found.where} ({found.pair})", name)
    write_discovery(out, found.boxes, D.markdown(found, name), figure)
    print(f"{found.of_interest} of {found.cases} runs have {found.where} ({found.pair})")
    for number, part in found.boxes.groupby("box"):
        top = part.iloc[0]
        limits = "; ".join(f"{r.parameter} in [{r.low:.4g}, {r.high:.4g}]"
                           for r in part.itertuples() if r.parameter) or "no restriction"
        print(f"  box {number}: coverage {top['coverage']:.0%}, density {top['density']:.0%}: "
              f"{limits}")
    print(f"discover: {out}/ (discover.md, boxes.csv, discover.png)")
    return 0
