"""The nanosim dashboard: Compare scenarios, Explore a live model, open Saved results.

Served by ``nanosim dashboard [FOLDER]`` (Solara). Every piece of state lives inside
components, so each browser session has its own models and results; nothing about a
model or a result is held at module level.
"""

from __future__ import annotations

import threading

import solara

from nanosim.dashboard import catalogue
from nanosim.dashboard.compare_page import ComparePage
from nanosim.dashboard.explore_page import ExplorePage
from nanosim.dashboard.saved_page import SavedPage


def warm_up() -> None:
    """Load the compiled kernels and matplotlib once at server start: a quick first click."""
    from nanosim.dashboard import live

    usable = [e for e in catalogue.catalogue() if e.scenario is not None]
    if usable:
        scenario = usable[0].scenario
        model = live.build_model(scenario, {**live.knob_values(scenario),
                                            "population.size": 60})
        model.step()
    from nanosim.dashboard.widgets import figure_png
    from nanosim.figures.run import perception_figure

    figure_png(perception_figure(model.recorder.table()))  # fonts and the Agg backend


threading.Thread(target=warm_up, name="nanosim-warm-up", daemon=True).start()


@solara.component
def Page():
    entries = solara.use_memo(catalogue.catalogue, [])  # scanned once per session
    uploads = solara.use_reactive([])
    tab = solara.use_reactive(0)
    all_entries = entries + uploads.value

    def add_upload(entry: catalogue.Entry):
        uploads.set([e for e in uploads.value if e.label != entry.label] + [entry])

    solara.Title("nanosim dashboard")
    with solara.AppBar():
        solara.Text("nano power diplomacy vs high politics")
    with solara.lab.Tabs(value=tab, lazy=True):
        with solara.lab.Tab("Compare"):
            ComparePage(all_entries, on_upload=add_upload)
        with solara.lab.Tab("Explore"):
            ExplorePage(all_entries)
        with solara.lab.Tab("Saved results"):
            SavedPage()
