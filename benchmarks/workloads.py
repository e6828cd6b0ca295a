"""The nanosim workloads of the benchmark, each measured in its own fresh process.

Every ``measure_*`` function returns a plain dict (it is printed as JSON by
``python -m benchmarks.run --case ...``), including the process's peak resident
memory, so that each configuration's peak is its own.
"""

from __future__ import annotations

import os
import resource
import time
from functools import partial

EPSILON = 0.2  # bounded confidence on [0, 1] (nanosim's scale is [-1, 1]: 0.4)
MU = 0.5  # Deffuant's classic value, and ndlib's fixed one
DEGREE = 10
REWIRE = 0.1
COUNTRIES = 10
STEADY_STEPS = 5  # steps timed after the first, at the least


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def current_rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def special_case_scenario(n: int, steps: int):
    """Peer talk only, people image only, one country, Watts–Strogatz degree 10 (Deffuant)."""
    from nanosim.scenario import loads_scenario

    text = f"""
[scenario]
name = "Bounded confidence, one country"
steps = {steps}
record_every = {steps}
burn_in = 0
[population]
size = {n}
openness = 1.0
openness_sd = 0.0
[perception]
spillover = 0.0
initial_distribution = "uniform"
anchoring = 0.0
[[country]]
name = "A"
share = 1.0
[network]
kind = "homophilous"
degree = {DEGREE}
rewire = {REWIRE}
cross_border = 0.0
online_share = 0.0
[channels.talk]
rate = 1.0
epsilon = {2 * EPSILON}
mu = {MU}
images = ["people"]
[channels.contact]
enabled = false
[channels.social_media]
enabled = false
[channels.state_media]
enabled = false
[channels.relations]
enabled = false
[channels.events]
enabled = false
"""
    return loads_scenario(text, "<benchmark: special case>")


def full_model_scenario(n: int, steps: int = 365, countries: int = COUNTRIES):
    """Ten countries, every channel on, a standing campaign and one event of each kind."""
    from nanosim.scenario import loads_scenario

    names = [f"C{k}" for k in range(countries)]
    parts = [f"""
[scenario]
name = "Full model, {countries} countries"
steps = {steps}
burn_in = 0                  # the year after day 0 is timed; a burn-in day costs what a day does
[population]
size = {n}
[channels.social_media]
hostility = 0.05
[channels.campaign]
country = "C0"
targets = {names[1:4]!r}
"""]
    for k, name in enumerate(names):
        parts.append(f"""
[[country]]
name = "{name}"
share = {1 / countries}
appeal = {0.2 + 0.05 * k:.2f}
relations = {{ {names[(k + 1) % countries]} = 0.3 }}
""")
    at = [max(0, min(steps - 1, round(steps * f))) for f in (0.15, 0.3, 0.45, 0.6)]
    parts.append(f"""
[[events]]
step = {at[0]}
kind = "incident"
between = ["C0", "C1"]
severity = 0.8
[[events]]
step = {at[1]}
kind = "summit"
between = ["C2", "C3"]
[[events]]
step = {at[2]}
kind = "festival"
country = "C4"
[[events]]
step = {at[3]}
kind = "exchange_programme"
between = ["C0", "C1"]
ties = {max(1, n // 100)}
""")
    return loads_scenario("".join(parts).replace("'", '"'), "<benchmark: full model>")


def time_stepping(build, step, steady: int):
    """One repeat of a stepped model: its build, its first step, then ``steady`` more steps.

    The three are timed apart, so one-off work (compiling, a library's lazy set-up on
    first use) shows in the build or the first step and not in the steady rate. Returns
    the model and the times (wall and CPU seconds).
    """
    t0, c0 = time.perf_counter(), time.process_time()
    model = build()
    t1, c1 = time.perf_counter(), time.process_time()
    step(model)
    t2, c2 = time.perf_counter(), time.process_time()
    for _ in range(steady):
        step(model)
    t3, c3 = time.perf_counter(), time.process_time()
    return model, {"build": t1 - t0, "build_cpu": c1 - c0, "first": t2 - t1, "first_cpu": c2 - c1,
                   "steady": t3 - t2, "steady_cpu": c3 - c2}


def stepping_summary(n: int, steady: int, per_step: int, runs: list[dict]) -> dict:
    """The repeats of ``time_stepping``: build and first step in seconds, steady rates."""
    interactions = steady * per_step
    return {"n": n, "steady_steps": steady, "interactions": interactions,
            "build_seconds": [r["build"] for r in runs],
            "build_cpu_seconds": [r["build_cpu"] for r in runs],
            "first_step_seconds": [r["first"] for r in runs],
            "first_step_cpu_seconds": [r["first_cpu"] for r in runs],
            "rates": [interactions / r["steady"] for r in runs],
            "cpu_rates": [interactions / r["steady_cpu"] for r in runs],
            "load_average": os.getloadavg()[0]}


def steady_steps(n: int, interactions: int) -> int:
    """Steps timed after the first: enough for ``interactions``, and at least STEADY_STEPS."""
    return max(STEADY_STEPS, round(interactions / n))


def measure_special(n: int, interactions: int, repeats: int) -> dict:
    """nanosim's engine on the special case: talk activations per second while stepping.

    Also the bare kernel, and the yardstick loops of ``benchmarks.minimal_loop`` on the
    same graph, each repeat beside the engine's.
    """
    from benchmarks import minimal_loop
    from nanosim.engine.channels import talk
    from nanosim.engine.model import DiplomacyModel

    steady = steady_steps(n, interactions)
    scenario = special_case_scenario(n, 1 + steady)
    DiplomacyModel(special_case_scenario(200, 2), citizen_agents=False).run_to_end()  # load JIT
    runs, kernel_rates = [], []
    bare: dict[str, list[float]] = {}
    for r in range(repeats):
        _, run = time_stepping(partial(DiplomacyModel, scenario, r, citizen_agents=False),
                               lambda model: model.step(), steady)
        runs.append(run)
        # the bare kernel on a fresh state of the same graph, called as the engine calls it
        # here (no running sums: only the last step is recorded)
        model = DiplomacyModel(scenario, r, citizen_agents=False)
        ledger = model.recorder.ledger_for_step(1)
        cpu = time.process_time()
        talk.talks(model, ledger, steady * n)
        kernel_rates.append(steady * n / (time.process_time() - cpu))
        for name, rate in minimal_loop.rates(model.graph, steady * n, r).items():
            bare.setdefault(name, []).append(rate)
    return {**stepping_summary(n, steady, n, runs), "kernel_cpu_rates": kernel_rates,
            "plain_loop_cpu_rates": bare["plain"], "lean_loop_cpu_rates": bare["lean"],
            "peak_rss": peak_rss_bytes()}


def measure_mesa(variant: str, n: int, interactions: int, repeats: int) -> dict:
    """A Mesa peer (``mesa_deffuant.MODELS[variant]``): build, first step, steady rate."""
    from benchmarks.mesa_deffuant import MODELS

    steady = steady_steps(n, interactions)
    runs = [time_stepping(partial(MODELS[variant], n, DEGREE, REWIRE, EPSILON, MU, rng=r),
                          lambda model: model.step(), steady)[1]
            for r in range(repeats)]
    return {**stepping_summary(n, steady, n, runs), "peak_rss": peak_rss_bytes()}


def measure_ndlib(n: int, interactions: int, repeats: int) -> dict:
    """ndlib's peer: build (with its interaction-free iteration 0), first iteration, steady."""
    from benchmarks import ndlib_deffuant as nd

    steady = steady_steps(n, interactions)
    runs, per = [], n
    for r in range(repeats):
        model, run = time_stepping(partial(nd.build, n, DEGREE, REWIRE, EPSILON, seed=r + 1),
                                   lambda model: nd.run(model, 1), steady)
        runs.append(run)
        per = nd.interactions_per_iteration(model)
    return {**stepping_summary(n, steady, per, runs), "peak_rss": peak_rss_bytes()}


def measure_full(n: int, steps: int = 365) -> dict:
    """The full model: network build, simulation, metrics, peak memory (one fresh process)."""
    from nanosim.engine import network
    from nanosim.engine.model import DiplomacyModel

    start = time.perf_counter()
    warm = DiplomacyModel(full_model_scenario(2000, 20), citizen_agents=False)
    warm.run_to_end()
    warm.recorder.table()  # pandas sets up its string categories once per process
    jit_load = time.perf_counter() - start
    scenario = full_model_scenario(n, steps)
    baseline = current_rss_bytes()

    timers = {"network": 0.0, "record": 0.0, "final": 0.0}
    cpu = {"record": 0.0, "final": 0.0, "network": 0.0}
    calls = {"record": 0}

    def timed(fn, key):
        def wrapper(*args, **kwargs):
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                timers[key] += time.perf_counter() - t0
                cpu[key] += time.process_time() - c0
                calls[key] = calls.get(key, 0) + 1
        return wrapper

    originals = network.homophilous, network.followers
    network.homophilous = timed(network.homophilous, "network")
    network.followers = timed(network.followers, "network")
    try:
        start, c0 = time.perf_counter(), time.process_time()
        model = DiplomacyModel(scenario, citizen_agents=False)
        build, build_cpu = time.perf_counter() - start, time.process_time() - c0
    finally:
        network.homophilous, network.followers = originals
    recorder = model.recorder
    recorder.record = timed(recorder.record, "record")
    start, c0 = time.perf_counter(), time.process_time()
    model.run_to_end()  # steps, recording every step
    table = timed(recorder.table, "final")()  # the end-of-run measures, then the table
    total_run, total_cpu = time.perf_counter() - start, time.process_time() - c0
    metrics = timers["record"] + timers["final"]
    metrics_cpu = cpu["record"] + cpu["final"]
    return {
        "n": n, "countries": model.n_countries, "steps": model.t, "jit_load": jit_load,
        "network_seconds": timers["network"], "build_seconds": build,
        "simulation_seconds": total_run - metrics, "metrics_seconds": metrics,
        "record_seconds": timers["record"], "records": calls["record"],
        "final_seconds": timers["final"], "build_cpu": build_cpu,
        "network_cpu": cpu["network"], "simulation_cpu": total_cpu - metrics_cpu,
        "metrics_cpu": metrics_cpu, "record_cpu": cpu["record"],
        "rows": len(table), "peak_rss": peak_rss_bytes(),
        "model_bytes": max(0, peak_rss_bytes() - baseline),
        "messages": int(model.recorder.counts.sum()),
    }


def measure_quickstart(path: str) -> dict:
    """The quickstart scenario, one replicate: build and simulation after the JIT is loaded."""
    from nanosim.engine.model import DiplomacyModel
    from nanosim.scenario import load_scenario

    scenario = load_scenario(path, {"scenario.replicates": 1})
    start = time.perf_counter()
    DiplomacyModel(scenario.with_overrides({"population.size": 300}),
                   citizen_agents=False).run_to_end()
    jit_load = time.perf_counter() - start
    start = time.perf_counter()
    model = DiplomacyModel(scenario, citizen_agents=False)
    build = time.perf_counter() - start
    start = time.perf_counter()
    model.run_to_end()
    model.recorder.table()
    return {"jit_load": jit_load, "build_seconds": build,
            "run_seconds": time.perf_counter() - start, "peak_rss": peak_rss_bytes()}
