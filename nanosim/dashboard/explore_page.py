"""The Explore page: one live model with the controls of Mesa's SolaraViz.

As in SolaraViz, **Step**, **Play/Pause** and **Reset** drive the model, a play interval
(milliseconds between frames) and a render interval (steps per frame) set the pace, and
parameters and the seed are applied on **Reset**, never to a model midway. The model and
every setting are tab variables (:func:`nanosim.dashboard.session.state`): a tab switch or
a reload finds the model at the step it had reached.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

import solara

from nanosim.dashboard import live, session
from nanosim.dashboard.catalogue import Entry
from nanosim.dashboard.widgets import CommitSlider, ErrorLine, Legend, parse_whole
from nanosim.errors import NanosimError

label = session.state("explore.label", "")  # the scenario explored
pending = session.state("explore.pending", {})  # label -> knob values for the next Reset
seed_text = session.state("explore.seed", {})  # label -> the seed typed for the next Reset
current = session.state("explore.live", None)  # the live model (Live)
tick = session.state("explore.tick", 0)  # the model's step, as last shown
playing = session.state("explore.playing", False)
interval_ms = session.state("explore.interval_ms", 50)  # play interval
render_every = session.state("explore.render_every", 1)  # steps per frame
observer = session.state("explore.observer", "")
target = session.state("explore.target", "")
hidden = session.state("explore.hidden", frozenset())  # countries toggled off in the charts
MIN_INTERVAL_MS = 20  # between frames while playing, at least: time for a Pause click


@dataclass(frozen=True, eq=False)
class Live:
    """A live model with what built it, its lock and its network sample."""

    label: str
    model: object | None
    values: dict
    seed: int
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    sample: object | None = None


def build(entry: Entry, values: dict, seed: int) -> Live:
    try:
        model = live.build_model(entry.scenario, values, seed)
    except NanosimError as e:
        return Live(entry.label, None, values, seed, str(e))
    return Live(entry.label, model, values, seed, sample=live.network_sample(model))


def reset(entry: Entry) -> None:
    """Build a fresh model from the parameters and seed set since (SolaraViz's Reset)."""
    playing.set(False)
    values = pending.value.get(entry.label) or live.knob_values(entry.scenario)
    seed, _ = parse_whole(seed_text.value.get(entry.label, ""), 0, 2**63 - 1, optional=True)
    current.set(build(entry, values, entry.scenario.run.seed if seed is None else seed))
    tick.set(0)
    names = entry.scenario.country_names
    if observer.value not in names:
        observer.set(names[0])
    if target.value not in names:
        target.set(names[1] if len(names) > 1 else names[0])
    hidden.set(frozenset())


def advance(model_live: Live, n: int) -> None:
    with model_live.lock:
        for _ in range(n):
            if not model_live.model.running:
                break
            model_live.model.step()
    tick.set(model_live.model.t)


@solara.component
def ExplorePage(entries: list[Entry]):
    """Pick a scenario; its live model stays this tab's until Reset or another scenario."""
    usable = [e for e in entries if e.scenario is not None]
    entry = next((e for e in usable if e.label == label.value), usable[0] if usable else None)
    now = current.value

    def first_model():
        if entry is not None and (now is None or now.label != entry.label):
            reset(entry)

    solara.use_effect(first_model, [entry.label if entry else ""])
    if entry is None:
        solara.Warning("No valid scenario to explore.")
        return

    def choose(new_label: str):
        label.set(new_label)
        chosen = next(e for e in usable if e.label == new_label)
        reset(chosen)

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select("Scenario", values=[e.label for e in usable], value=entry.label,
                      on_value=choose, style={"max-width": "420px"})
        solara.Text(entry.scenario.run.description, style={"font-size": "0.9em"})
    if now is not None and now.label == entry.label:
        LiveModel(entry, now)


@solara.component
def LiveModel(entry: Entry, model_live: Live):
    """Controls, parameters and charts of the tab's live model."""
    scenario = entry.scenario
    model = model_live.model
    knobs = live.knobs_for(scenario)
    values = pending.value.get(entry.label) or dict(model_live.values)
    seed_typed = seed_text.value.get(entry.label, str(model_live.seed))
    seed, seed_problem = parse_whole(seed_typed, 0, 2**63 - 1, optional=True)
    changed = values != model_live.values or (seed is not None and seed != model_live.seed)

    def play():
        # frames on the tab's event loop, between its clicks (a thread stepping and redrawing
        # beside the page re-rendered under a Pause click, which then never finished)
        if not playing.value or model is None:
            return None
        from solara.server import kernel_context

        context = kernel_context.get_current_context()
        stop = threading.Event()

        async def frames():
            while not stop.is_set() and playing.peek() and model.running:
                start = time.perf_counter()
                with context:
                    advance(model_live, render_every.peek())  # steps and redraws
                frame = time.perf_counter() - start  # the page gets as long for its clicks
                await asyncio.sleep(max(interval_ms.peek() / 1000, frame,
                                        MIN_INTERVAL_MS / 1000))
            if not model.running:
                with context:
                    playing.set(False)

        asyncio.run_coroutine_threadsafe(frames(), context.event_loop)
        return stop.set

    solara.use_effect(play, [playing.value, model])
    solara.use_effect(lambda: (lambda: playing.set(False)), [])  # leaving the tab pauses

    def set_knob(key, v):
        now = pending.peek().get(entry.label) or dict(model_live.values)
        pending.set({**pending.peek(), entry.label: {**now, key: v}})

    with solara.Div(classes=["nanosim-page"]):
        with solara.Div(classes=["nanosim-side"]):
            with solara.Card("Model"):
                with solara.Row():
                    solara.Button("Reset", icon_name="mdi-refresh", color="primary",
                                  on_click=lambda: reset(entry))
                    solara.Button("Pause" if playing.value else "Play",
                                  icon_name="mdi-pause" if playing.value else "mdi-play",
                                  on_click=lambda: playing.set(not playing.value),
                                  disabled=model is None or not model.running, color="primary")
                    solara.Button("Step", icon_name="mdi-step-forward",
                                  on_click=lambda: advance(model_live, render_every.value),
                                  disabled=playing.value or model is None or not model.running)
                solara.Text(f"Step {tick.value} of {scenario.run.steps}",
                            classes=["nanosim-step"])
                solara.SliderInt(f"Play interval (ms): {interval_ms.value}", value=interval_ms,
                                 min=0, max=1000, step=10)
                solara.SliderInt(f"Render interval (steps): {render_every.value}",
                                 value=render_every, min=1, max=20)
            with solara.Card("Model parameters", subtitle="applied on Reset",
                             classes=["nanosim-parameters"]):
                solara.InputText("Seed", value=seed_typed, continuous_update=True,
                                 on_value=lambda t: seed_text.set({**seed_text.value,
                                                                   entry.label: t}),
                                 error=seed_problem or False, message=seed_problem)
                for k in knobs:
                    CommitSlider(k.label, values[k.key], k.low, k.high, k.step,
                                 on_commit=lambda x, key=k.key: set_knob(key, x))
                if changed:
                    solara.Warning("Changed: press Reset to apply.",
                                   classes=["nanosim-pending"], dense=True)
        with solara.Div(classes=["nanosim-main"]):
            ErrorLine(model_live.error)
            if model is not None:
                names = scenario.country_names
                with solara.Row(style={"flex-wrap": "wrap"}):
                    solara.Select("Observer", values=names, value=observer.value or names[0],
                                  on_value=observer.set)
                    solara.Select("Network: view of", values=names,
                                  value=target.value or names[-1], on_value=target.set)
                Charts(model_live, tick.value, observer.value or names[0],
                       target.value or names[-1], hidden.value)


@solara.component
def Charts(model_live: Live, step: int, seen_by: str, seen: str, off: frozenset):
    """The live charts (ECharts, drawn in the browser), redrawn at each shown step."""
    model = model_live.model
    colours = live.country_colours(model)
    events = sorted({e.step for e in model.scenario.events})

    def options():
        with model_live.lock:
            table = model.recorder.table()
            return {
                "history": live.history_option(table, seen_by, colours, model.scenario.run.steps,
                                               events, off),
                "channels": live.channels_option(table, seen_by),
                "network": live.network_option(model, model_live.sample, seen, off),
                "views": live.current_views(model, seen_by),
                "groups": (live.groups_option(table, seen_by) if model.memberships.n_groups
                           else None),
            }

    opts = solara.use_memo(options, [model, step, seen_by, seen, off])
    now = ", ".join(f"{seen_by} → {n}: {v:+.3f}" for n, v in opts["views"].items())

    def toggle(name):
        hidden.set(hidden.value ^ {name})

    solara.Text(f"Mean favourability at step {step}: {now}", classes=["nanosim-views"])
    Legend([(n, c) for n, c in colours.items()], off, toggle)
    with solara.Div(classes=["nanosim-charts"]):
        with solara.Card("Views over time", classes=["nanosim-chart-history"]):
            solara.FigureEcharts(opts["history"], responsive=True,
                                 attributes={"style": "height: 380px; width: 100%;"})
        with solara.Card("Citizen network sample", classes=["nanosim-chart-network"]):
            solara.FigureEcharts(opts["network"], responsive=True,
                                 attributes={"style": "height: 380px; width: 100%;"})
    with solara.Card("Shift by channel so far", classes=["nanosim-chart-channels"]):
        solara.FigureEcharts(opts["channels"], responsive=True,
                             attributes={"style": "height: 320px; width: 100%;"})
    if opts["groups"] is not None:
        with solara.Card("Small groups: members and groups over time",
                         classes=["nanosim-chart-groups"]):
            solara.FigureEcharts(opts["groups"], responsive=True,
                                 attributes={"style": "height: 320px; width: 100%;"})
