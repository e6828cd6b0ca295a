"""The Explore page: one live model with Mesa-style controls, sliders and live charts."""

from __future__ import annotations

import asyncio
import threading

import solara

from nanosim.dashboard import live
from nanosim.dashboard.catalogue import Entry
from nanosim.dashboard.widgets import CommitSlider, ErrorLine
from nanosim.errors import NanosimError

PLAY_PAUSE_SECONDS = 0.05  # breathing room between frames while playing


@solara.component
def ExplorePage(entries: list[Entry]):
    """Pick a scenario; its live model is rebuilt fresh for this browser session."""
    usable = [e for e in entries if e.scenario is not None]
    label = solara.use_reactive(usable[0].label if usable else "")
    if not usable:
        solara.Warning("No valid scenario to explore.")
        return
    entry = next((e for e in usable if e.label == label.value), usable[0])
    with solara.Row(style={"align-items": "center"}):
        solara.Select("Scenario", values=[e.label for e in usable], value=label,
                      style={"max-width": "420px"})
        solara.Text(entry.scenario.run.description, style={"font-size": "0.9em"})
    LiveModel(entry).key(f"live-{entry.label}")


@solara.component
def LiveModel(entry: Entry):
    """Controls, sliders and charts of one model; all state lives in this component."""
    scenario = entry.scenario
    knobs = live.knobs_for(scenario)
    values = solara.use_reactive(live.knob_values(scenario))
    replicate = solara.use_reactive(0)
    generation = solara.use_reactive(0)  # Reset bumps it: same settings, fresh model
    playing = solara.use_reactive(False)
    steps_per_frame = solara.use_reactive(1)
    tick = solara.use_reactive(0)  # the model's step, as last shown
    names = scenario.country_names
    observer = solara.use_reactive(names[0])
    target = solara.use_reactive(names[1] if len(names) > 1 else names[0])

    def build():
        try:
            return live.build_model(scenario, values.value, replicate.value), None
        except NanosimError as e:
            return None, str(e)

    model, error = solara.use_memo(
        build, [tuple(sorted(values.value.items())), replicate.value, generation.value])
    lock = solara.use_memo(threading.Lock, [model])
    sample = solara.use_memo(lambda: model and live.network_sample(model), [model])

    def on_new_model():
        playing.set(False)
        tick.set(0)

    solara.use_effect(on_new_model, [model])

    def advance(n: int):
        with lock:
            for _ in range(n):
                if not model.running:
                    break
                model.step()
        tick.set(model.t)

    async def play_loop():
        # on the session's event loop, between the clicks: a thread stepping and redrawing
        # beside it kept re-rendering under a Pause click, which then never finished
        while playing.value and model is not None and model.running:
            advance(steps_per_frame.value)
            await asyncio.sleep(PLAY_PAUSE_SECONDS)
        if model is not None and not model.running:
            playing.set(False)

    solara.lab.use_task(play_loop, dependencies=[playing.value, model], prefer_threaded=False)

    def set_knob(key, v):
        values.set({**values.value, key: v})

    with solara.Columns([2, 5]):
        with solara.Column():
            with solara.Card("Model"):
                with solara.Row():
                    solara.Button("Step", icon_name="mdi-step-forward", on_click=lambda: advance(1),
                                  disabled=playing.value or model is None or not model.running)
                    solara.Button("Pause" if playing.value else "Play",
                                  icon_name="mdi-pause" if playing.value else "mdi-play",
                                  on_click=lambda: playing.set(not playing.value),
                                  disabled=model is None or not model.running, color="primary")
                    solara.Button("Reset", icon_name="mdi-refresh",
                                  on_click=lambda: generation.set(generation.value + 1))
                steps = scenario.run.steps
                solara.Text(f"Step {tick.value} of {steps}", classes=["nanosim-step"])
                solara.SliderInt(f"steps per frame: {steps_per_frame.value}",
                                 value=steps_per_frame, min=1, max=20)
                solara.SliderInt(f"replicate (seed stream): {replicate.value}",
                                 value=replicate, min=0, max=20)
            with solara.Card("Parameters", subtitle="changing one rebuilds the model"):
                for k in knobs:
                    CommitSlider(k.label, values.value[k.key], k.low, k.high, k.step,
                                 on_commit=lambda x, key=k.key: set_knob(key, x))
        with solara.Column():
            ErrorLine(error)
            if model is not None:
                with solara.Row():
                    solara.Select("Observer", values=names, value=observer)
                    solara.Select("Network: view of", values=names, value=target)
                Charts(model, lock, sample, tick.value, observer.value, target.value)


@solara.component
def Charts(model, lock, sample, step: int, observer: str, target: str):
    """The live charts (ECharts, drawn in the browser), redrawn at each shown step."""

    def options():
        with lock:
            table = model.recorder.table()
            return {
                "history": live.history_option(table, observer),
                "channels": live.channels_option(table, observer),
                "network": live.network_option(model, sample, target),
                "views": live.current_views(model, observer),
                "groups": (live.groups_option(table, observer) if model.memberships.n_groups
                           else None),
            }

    opts = solara.use_memo(options, [model, step, observer, target])
    now = ", ".join(f"{observer} → {n}: {v:+.3f}" for n, v in opts["views"].items())
    solara.Text(f"Mean favourability at step {step}: {now}", classes=["nanosim-views"])
    with solara.Columns([1, 1]):
        with solara.Card("Views over time", classes=["nanosim-chart-history"]):
            solara.FigureEcharts(opts["history"], attributes={"style": "height: 380px;"})
        with solara.Card("Citizen network sample", classes=["nanosim-chart-network"]):
            solara.FigureEcharts(opts["network"], attributes={"style": "height: 380px;"})
    with solara.Card("Shift by channel so far", classes=["nanosim-chart-channels"]):
        solara.FigureEcharts(opts["channels"], attributes={"style": "height: 320px;"})
    if opts["groups"] is not None:
        with solara.Card("Small groups: members and groups over time",
                         classes=["nanosim-chart-groups"]):
            solara.FigureEcharts(opts["groups"], attributes={"style": "height: 320px;"})
