"""``python -m benchmarks.run``: measure nanosim against its peers and at scale.

Writes ``benchmarks/results.md`` and ``benchmarks/results.json``. Every
configuration runs in a fresh Python process (so its peak memory is its own);
figures are medians over repeats. Sections:

1. the bounded-confidence special case: nanosim's engine, two Mesa per-agent
   models and ndlib's AlgorithmicBiasModel (gamma = 0): each one's build, first
   step and steady rate (interactions per second over the steps after the first);
2. the full model at 10^4, 10^5 and 10^6 citizens (10 countries, 365 steps,
   every channel on): build, simulation, metrics, peak memory;
3. the slope: time per step against N;
4. the quickstart scenario and the start-up of ``nanosim run``;
5. ``nanosim sensitivity`` (Morris) and ``nanosim calibrate`` end to end, against
   their targets of 5 and 15 minutes on two workers (about 20 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.workloads import STEADY_STEPS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = (10_000, 100_000, 1_000_000)
SLOPE_EXTRA = (30_000, 300_000)
PEERS = {"mesa_lists": "Mesa (neighbour lists)", "mesa_cells": "Mesa (cell network)",
         "ndlib": "ndlib"}  # the special case's peers: case, and name in the report
HEADLINE = "mesa_lists"  # the fastest idiomatic Mesa model: the ratio to quote
PEER_SIZES = SIZES[:2]  # the peers always run at these sizes
PEER_BUDGET = 60.0  # seconds: above PEER_SIZES a peer runs only if it should finish in this
CHILD_TIMEOUT = 900


# --- one configuration, in a child process -----------------------------------------------


def run_case(args: argparse.Namespace) -> dict:
    from benchmarks import workloads as w

    if args.case == "nanosim":
        return w.measure_special(args.n, args.interactions, args.repeats)
    if args.case in ("mesa_lists", "mesa_cells"):
        return w.measure_mesa(args.case.removeprefix("mesa_"), args.n, args.interactions,
                              args.repeats)
    if args.case == "ndlib":
        return w.measure_ndlib(args.n, args.interactions, args.repeats)
    if args.case == "full":
        return w.measure_full(args.n, args.steps)
    if args.case == "quickstart":
        return w.measure_quickstart(str(ROOT / "scenarios" / "quickstart.toml"))
    raise SystemExit(f"unknown case {args.case!r}")


def child(case: str, **options) -> dict | None:
    """Run one case in a fresh interpreter; its JSON result, or None if it failed."""
    cmd = [sys.executable, "-m", "benchmarks.run", "--case", case]
    for key, value in options.items():
        cmd += [f"--{key}", str(value)]
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                              timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        print(f"  {case} {options}: timed out", file=sys.stderr)
        return None
    if done.returncode != 0:
        print(f"  {case} {options} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - start
    print(f"  {case} {options}: {result['wall_seconds']:.1f} s", file=sys.stderr)
    return result


# --- the sections ----------------------------------------------------------------------


def special_case(repeats: int) -> dict:
    out: dict[str, list[dict]] = {"nanosim": [], **{peer: [] for peer in PEERS}}
    for n in SIZES:
        r = child("nanosim", n=n, interactions=max(5 * n, 2_000_000), repeats=repeats)
        if r:
            out["nanosim"].append(r)
    for peer in PEERS:
        previous = None
        for n in SIZES:
            if n not in PEER_SIZES and previous is not None:
                forecast = previous["wall_seconds"] * n / previous["n"]
                if forecast > PEER_BUDGET:
                    out[peer].append({"n": n, "skipped": f"forecast {forecast:.0f} s"})
                    continue
            r = child(peer, n=n, interactions=max(5 * n, 100_000),
                      repeats=max(1, repeats // 2))
            if r is None:
                break
            out[peer].append(r)
            previous = r
    return out


def full_model(repeats: int, sizes=SIZES) -> list[dict]:
    rows = []
    for n in sizes:
        runs = [r for r in (child("full", n=n, steps=365) for _ in range(repeats)) if r]
        if runs:
            rows.append(median_run(runs))
    return rows


def full_model_rows(repeats: int) -> list[dict]:
    """The full model at SIZES (repeated) and at SLOPE_EXTRA (once), by N."""
    return sorted(full_model(repeats) + full_model(1, SLOPE_EXTRA), key=lambda r: r["n"])


def median_run(runs: list[dict]) -> dict:
    """Per-field medians of repeated runs of one configuration."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, float):
            out[key] = statistics.median(r[key] for r in runs)
    out["peak_rss"] = max(r["peak_rss"] for r in runs)
    out["repeats"] = len(runs)
    return out


def quickstart() -> dict:
    """The quickstart (1 replicate) after the JIT is loaded, and ``nanosim run`` twice."""
    result = child("quickstart") or {}
    exe = str(Path(sys.executable).with_name("nanosim"))
    scenario = str(ROOT / "scenarios" / "quickstart.toml")
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(2):
            start = time.perf_counter()
            subprocess.run([exe, "run", scenario, "--replicates", "1", "--out",
                            f"{tmp}/run{k}"], check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import nanosim.cli, nanosim.cli.run, "
                    "nanosim.experiments.runner, nanosim.io.outputs"], check=True)
    result["import_seconds"] = time.perf_counter() - start
    result["cli_wall_seconds"] = walls
    return result


MORRIS = [  # docs/sensitivity.md's worked example at the size its speed target names
    "sensitivity", "crisis", "--method", "morris", "--samples", "20", "--replicates", "3",
    "--workers", "2", "--set", "population.size=5000", "--pair", "Indonesia:Australia",
    "--range", "network.cross_border=0:0.5", "--range", "network.online_cross_border=0:0.5",
    "--range", "channels.talk.rate=0:0.2", "--range", "channels.state_media.mu=0.05:0.3",
    "--range", "channels.contact.positivity=0.6:1.0",
    "--range", "country.Indonesia.state.media_reach=0.05:0.4",
    "--range", "events.0.severity=0.4:1.0", "--range", "events.0.recovery=0.01:0.1"]
WORKFLOWS = {  # name: (nanosim arguments, target in seconds, what is timed)
    "sensitivity": (MORRIS, 300, "`nanosim sensitivity` Morris, 8 parameters x 20 "
                    "trajectories x 3 replicates of 5,000-citizen, 180-day runs (540 runs)"),
    "calibration": (["calibrate", "calibration/pew_2003.toml", "--workers", "2"], 900,
                    "`nanosim calibrate calibration/pew_2003.toml`: ABC-SMC, 6 parameters, "
                    "5,000 citizens, until a generation's acceptance falls below the target"),
}


def workflows() -> dict:
    """The researcher's commands with speed targets, end to end on two workers, in a
    fresh folder each (kernels already cached by the other sections)."""
    exe = str(Path(sys.executable).with_name("nanosim"))
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (args, target, what) in WORKFLOWS.items():
            folder = Path(tmp) / name
            start = time.perf_counter()
            subprocess.run([exe, *args, "--out", str(folder)], cwd=ROOT, check=True,
                           capture_output=True)
            out[name] = {"seconds": time.perf_counter() - start, "target": target,
                         "what": what}
            report_md = folder / "calibration.md"
            if report_md.exists():  # why the fit stopped, in its own words
                out[name]["stopped"] = stop_reason(report_md.read_text())
    return out


def stop_reason(report_md: str) -> str:
    """Why a calibration stopped, as its calibration.md says it."""
    import re

    found = re.search(r"It stopped because (.*?)\.\s", report_md, re.S)
    return f"stopped because {found.group(1)}" if found else ""


# --- reporting ---------------------------------------------------------------------------


def median(values) -> float:
    return statistics.median(values)


def mega(x: float) -> str:
    """A rate in millions, to three significant figures or one decimal."""
    return f"{x / 1e6:.1f}" if x >= 1e7 else f"{x / 1e6:.3g}"


def seconds(x: float) -> str:
    return f"{x:.3g}" if x < 10 else f"{x:.0f}"


def gib(x: float) -> str:
    return f"{x / 2**30:.2f}"


def measured(results: dict, section: str) -> list[str]:
    """The line saying when and where a section was measured, and how loaded the machine was."""
    m = results["measured"][section]
    return [f"Measured {m['date']} on {m['machine']} (load average {m['load_before']} "
            f"before, {m['load_after']} after).", ""]


def special_case_report(results: dict) -> list[str]:
    sc = results["special_case"]
    peers = {p: {r["n"]: r for r in sc[p]} for p in PEERS}
    lines = [
        "## 1. Bounded confidence (Deffuant), one country, Watts–Strogatz degree 10",
        "",
        *measured(results, "special"),
        "Pairwise interactions per second. Every model is built, stepped once (the first "
        "step, which pays for anything set up lazily on first use), then timed over at "
        f"least {STEADY_STEPS} more steps: the *steady* rate. *CPU* rates divide by the "
        "process's CPU time (one core; immune to other jobs taking turns on the shared "
        "machine), *wall* by elapsed time. epsilon = 0.2 and mu = 0.5 on Deffuant's [0, 1] "
        "scale (nanosim: 0.4 on [-1, 1]), opinions uniform at the start. nanosim runs its "
        "real engine path (`DiplomacyModel.step()` with a one-country scenario: talk only, "
        "rate 1, people image, spillover 0, recorded at the end, so the kernels keep no "
        "running sums), after its compiled kernels are loaded; *kernel* is the talk kernel "
        "called directly for every interaction at once (`channels.talk.talks`: its CSR "
        "kernel, or its one-line-rows kernel where the graph has them: here at 10^6). The "
        "*plain* and *lean* loops are the yardsticks of `benchmarks/minimal_loop.py` on "
        "the same graph, measured beside the engine: bare exact Deffuant loops with none "
        "of the engine's bookkeeping, as first written and tuned (the lean loop reads the "
        "one-line rows too). They show the machine's phase: on this shared machine the "
        "same code runs up to about 1.8 times faster or slower from one run to the next. "
        "The peers (`benchmarks/mesa_deffuant.py`, `benchmarks/ndlib_deffuant.py`): Mesa "
        "with each agent holding the list of its neighbours (the fastest idiomatic Mesa "
        "model), Mesa with the agents on the cells of a `mesa.discrete_space.Network` (as "
        "Mesa's own network example), and ndlib's `AlgorithmicBiasModel` with gamma = 0 "
        "(its build includes its interaction-free iteration 0). They run at 10^4 and 10^5, "
        "and at 10^6 only if forecast to finish within a minute. Ratios divide steady CPU "
        "rates, all from this run.",
        "",
        "| N | nanosim engine, CPU (M/s) | engine, wall (M/s) | kernel, CPU (M/s) "
        "| plain loop, CPU (M/s) | lean loop, CPU (M/s) | "
        + " | ".join(f"{name}, CPU (M/s)" for name in PEERS.values()) + " | "
        + " | ".join(("**× {}**" if p == HEADLINE else "× {}").format(name)
                     for p, name in PEERS.items()) + " |",
        "|---:|" + "---:|" * (5 + 2 * len(PEERS)),
    ]
    quote = []
    for r in sc["nanosim"]:
        n = r["n"]
        eng = median(r["cpu_rates"])
        cells = [f"{n:,}", mega(eng), mega(median(r["rates"])),
                 mega(median(r["kernel_cpu_rates"])), mega(median(r["plain_loop_cpu_rates"])),
                 mega(median(r["lean_loop_cpu_rates"]))]
        ratios = []
        for p in PEERS:
            pr = peers[p].get(n)
            if pr is None or "skipped" in pr:
                cells.append("not run" + (f" ({pr['skipped']})" if pr else ""))
                ratios.append("–")
                continue
            rate = median(pr["cpu_rates"])
            cells.append(mega(rate))
            ratios.append(f"**{eng / rate:,.0f}×**" if p == HEADLINE else f"{eng / rate:,.0f}×")
            if p == HEADLINE:
                quote.append(f"**{eng / rate:,.0f}× at {n:,}** (plain yardstick "
                             f"{mega(median(r['plain_loop_cpu_rates']))} M/s)")
        lines.append("| " + " | ".join(cells + ratios) + " |")
    lines += [""]
    if quote:
        lines += ["The ratio to quote (docs/performance.md says why): nanosim's steady rate "
                  f"divided by that of {PEERS[HEADLINE]}, " + " and ".join(quote)
                  + " in this run.", ""]
    lines += [
        "Each model's one-off costs and steady rate, in CPU time but for the last rate "
        "(medians over repeats; the *first step* is N interactions, also given as a "
        "rate; *load* is the one-minute load average at the end of the model's "
        "measurement):",
        "",
        "| model | N | repeats | build (s) | first step (s) | first step (M/s) "
        "| steady steps | steady (M/s) | steady, wall (M/s) | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p, name in {"nanosim": "nanosim engine", **PEERS}.items():
        for r in sc[p]:
            if "skipped" in r:
                continue
            first = median(r["first_step_cpu_seconds"])
            lines.append(
                f"| {name} | {r['n']:,} | {len(r['cpu_rates'])} "
                f"| {seconds(median(r['build_cpu_seconds']))} | {seconds(first)} "
                f"| {mega(r['n'] / first)} | {r['steady_steps']} | {mega(median(r['cpu_rates']))} "
                f"| {mega(median(r['rates']))} | {r['load_average']:.1f} |")
    return lines + [""]


def report(results: dict) -> str:
    lines = [
        "# nanosim benchmarks",
        "",
        "Each section says when and on which machine it was measured, and how loaded the "
        "machine was: it is shared, so figures are medians over repeats. Regenerate with "
        "`make bench`.",
        "",
    ]
    if results.get("special_case"):
        lines += special_case_report(results)
    rows = results.get("full_model")
    if rows:
        lines += [
            "## 2. The full model: 10 countries, 365 steps, every channel on",
            "",
            *measured(results, "full"),
            "Contact, social media (with hostility), talk, state media, relations, a standing "
            "campaign and an incident, a summit, a festival and an exchange programme. "
            "*Build* includes the networks; *metrics* is recording every step plus the "
            "end-of-run measures and the tidy table; *record / step* is the cost of one "
            "step's recording against one simulated step, and *metrics / step* all the "
            "metrics' cost (the end-of-run table included) spread over the steps, against "
            "one simulated step (both from CPU times). Times are wall clock; *total, "
            "CPU* is the process's CPU time for build + run + metrics (what it costs on a "
            "core of its own). Memory is the peak resident set of the whole process; per "
            "citizen it is the growth over the process before the model was built, divided "
            "by N (at 10^4 that is mostly allocator and JIT noise).",
            "",
            "| citizens | networks (s) | build (s) | simulation (s) | metrics (s) | total (s) "
            "| total, CPU (s) | step (ms) | record / step | metrics / step "
            "| peak memory (GiB) | bytes / citizen |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            if r["n"] not in SIZES:
                continue
            total = r["build_seconds"] + r["simulation_seconds"] + r["metrics_seconds"]
            total_cpu = r["build_cpu"] + r["simulation_cpu"] + r["metrics_cpu"]
            sim_step = r["simulation_seconds"] / r["steps"]
            ratio = r["record_cpu"] / r["records"] / (r["simulation_cpu"] / r["steps"])
            overall = r["metrics_cpu"] / r["simulation_cpu"]
            lines.append(
                f"| {r['n']:,} | {r['network_seconds']:.2f} | {r['build_seconds']:.2f} "
                f"| {r['simulation_seconds']:.2f} | {r['metrics_seconds']:.2f} | {total:.1f} "
                f"| {total_cpu:.1f} | {1e3 * sim_step:.1f} | {ratio:.2f} | {overall:.2f} "
                f"| {gib(r['peak_rss'])} | {r['model_bytes'] / r['n']:.0f} |")
        lines.append("")
        lines += [
            "## 3. The slope: simulated time per step against N",
            "",
            "| citizens | step (ms) | ns per citizen-step |",
            "|---:|---:|---:|",
        ]
        for r in sorted(rows, key=lambda r: r["n"]):
            per = r["simulation_seconds"] / r["steps"]
            lines.append(f"| {r['n']:,} | {1e3 * per:.2f} | {1e9 * per / r['n']:.0f} |")
        fit = results.get("slope")
        if fit:
            lines += ["", f"Least-squares slope of log(step time) on log(N): **{fit:.2f}** "
                      "(1 = linear)."]
        lines.append("")
    qs = results.get("quickstart")
    if qs:
        walls = qs.get("cli_wall_seconds", [])
        lines += [
            "## 4. Quickstart and start-up",
            "",
            *measured(results, "quickstart"),
            "`scenarios/quickstart.toml` (20,000 citizens, 3 countries, 180 steps, every "
            "channel on), one replicate:",
            "",
            f"- simulation after the JIT is loaded: **{qs['run_seconds']:.2f} s** "
            f"(build {qs['build_seconds']:.2f} s);",
            f"- loading the cached compiled kernels: {qs['jit_load']:.2f} s; importing the "
            f"CLI's modules: {qs['import_seconds']:.2f} s;",
            "- `nanosim run scenarios/quickstart.toml --replicates 1` end to end (including "
            "writing Parquet and three figures): "
            + ", then ".join(f"{w:.1f} s" for w in walls) + ".",
            "",
        ]
    flows = results.get("workflows")
    if flows:
        lines += ["## 5. Sensitivity analysis and calibration, end to end", "",
                  *measured(results, "workflows"),
                  "| command | wall time | target | met? |", "|---|---:|---:|---|"]
        for r in flows.values():
            note = f" ({r['stopped']})" if r.get("stopped") else ""
            lines.append(f"| {r['what']}{note} | {r['seconds'] / 60:.1f} min "
                         f"| {r['target'] / 60:.0f} min "
                         f"| {'yes' if r['seconds'] < r['target'] else '**no**'} |")
        lines.append("")
    return "\n".join(lines)


def slope(rows: list[dict]) -> float | None:
    import numpy as np

    if len(rows) < 2:
        return None
    x = np.log([r["n"] for r in rows])
    y = np.log([r["simulation_seconds"] / r["steps"] for r in rows])
    return float(np.polyfit(x, y, 1)[0])


def load_average() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--interactions", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--steps", type=int, default=365, help=argparse.SUPPRESS)
    p.add_argument("--repeats", type=int, default=5, help="repeats per configuration")
    p.add_argument("--full-repeats", type=int, default=3,
                   help="repeats of each full-model size")
    p.add_argument("--only", choices=["special", "full", "quickstart", "workflows"],
                   action="append",
                   help="run only these sections, keeping the others from results.json")
    p.add_argument("--out", default=str(HERE), help="folder for results.md and results.json")
    args = p.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args)))
        return 0

    sections = set(args.only or ["special", "full", "quickstart", "workflows"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    previous = out / "results.json"
    results = json.loads(previous.read_text()) if args.only and previous.exists() else {}
    machine = f"{cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    stamps = results.setdefault("measured", {})
    for section, key, measure in (
            ("special", "special_case", lambda: special_case(args.repeats)),
            ("full", "full_model", lambda: full_model_rows(args.full_repeats)),
            ("quickstart", "quickstart", quickstart),
            ("workflows", "workflows", workflows)):
        if section not in sections:
            continue
        print(section, file=sys.stderr)
        stamp = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine,
                 "load_before": load_average()}
        results[key] = measure()
        stamps[section] = {**stamp, "load_after": load_average()}
    if "full" in sections:
        results["slope"] = slope(results["full_model"])
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (out / "results.md").write_text(report(results))
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
