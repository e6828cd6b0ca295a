"""The nanosim dashboard: Compare scenarios, Explore a live model, open Saved results.

Served by ``nanosim dashboard [FOLDER]`` (Solara). Every piece of a page's state is a tab
variable (:mod:`nanosim.dashboard.session`): one value per browser tab, kept across tab
switches and taken back after a reload; no model or result is shared between tabs.
"""

from __future__ import annotations

import threading

import solara

from nanosim.dashboard import catalogue, session
from nanosim.dashboard.compare_page import ComparePage
from nanosim.dashboard.compare_page import uploads as compare_uploads
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


STYLE = """
.nanosim-page { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.nanosim-side { flex: 1 1 300px; max-width: 420px; min-width: 0; }
.nanosim-main { flex: 3 1 560px; min-width: 0; }
.nanosim-charts { display: grid; gap: 12px; align-items: start;
                  grid-template-columns: repeat(auto-fill, minmax(min(100%, 520px), 1fr)); }
.nanosim-figure, .nanosim-table, .nanosim-view, .nanosim-save { margin-bottom: 12px; }
.nanosim-controls { display: flex; flex-wrap: wrap; gap: 0 16px; align-items: center; }
.nanosim-controls > * { flex: 1 1 180px; min-width: 0; }
.nanosim-legend { max-height: 5.5em; overflow-y: auto; display: flex; flex-wrap: wrap;
                  gap: 0 4px; margin: 4px 0; }
.nanosim-table table { overflow-x: auto; display: block; }
.nanosim-table th { white-space: normal; }
.nanosim-table td { white-space: nowrap; font-variant-numeric: tabular-nums; }
.v-card__title { word-break: normal; overflow-wrap: anywhere; hyphens: none; }
"""


@solara.component
def Page():
    entries = solara.use_memo(catalogue.catalogue, [])  # scanned once per session

    solara.Title("nanosim dashboard")
    solara.Style(STYLE)
    session.TabToken()
    with solara.AppBar():
        solara.Text("nano power diplomacy vs high politics")
    if not session.ready.value:  # until the browser says which tab this is
        solara.ProgressLinear(True)
        return
    with solara.lab.Tabs(value=session.page, lazy=True):
        with solara.lab.Tab("Compare"):
            ComparePage(entries)
        with solara.lab.Tab("Explore"):
            ExplorePage(entries + list(compare_uploads.value))
        with solara.lab.Tab("Saved results"):
            SavedPage()
