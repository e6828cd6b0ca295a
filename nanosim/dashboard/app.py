"""The nanosim dashboard: Compare scenarios, Explore a live model, read Sweeps.

Served by ``nanosim dashboard [FOLDER]`` (Solara). Every piece of state lives inside
components, so each browser session has its own models and results.
"""

from __future__ import annotations

import solara

from nanosim.dashboard import catalogue
from nanosim.dashboard.explore_page import ExplorePage


@solara.component
def Page():
    entries = solara.use_memo(catalogue.catalogue, [])  # scanned once per session
    uploads = solara.use_reactive([])
    tab = solara.use_reactive(0)
    all_entries = entries + uploads.value
    solara.Title("nanosim dashboard")
    with solara.AppBar():
        solara.Text("nanosim — nano power diplomacy vs high politics")
    with solara.lab.Tabs(value=tab, lazy=True):
        with solara.lab.Tab("Compare"):
            solara.Text("Compare page is coming.")
        with solara.lab.Tab("Explore"):
            ExplorePage(all_entries)
        with solara.lab.Tab("Sweeps"):
            solara.Text("Sweeps page is coming.")
