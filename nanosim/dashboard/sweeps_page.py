"""The Sweeps page: a sweep folder's response curves and heatmaps, as ``nanosim report``."""

from __future__ import annotations

import os
from pathlib import Path

import solara

from nanosim.dashboard.catalogue import FOLDER_ENV
from nanosim.dashboard.widgets import DataTable, ErrorLine, FigureCard, figure_png
from nanosim.errors import NanosimError

FIGURE_TITLES = {"curves": "Response curves", "heatmap": "Heatmap of the final value",
                 "lhs": "Latin hypercube points"}
SWEEP_METRICS = ("favourability", "image_people", "image_state", "share_favourable",
                 "relations", "polarization", "symbol_share", "gap")


def sweep_folders(root: str | Path | None) -> list[str]:
    """Sweep folders (holding a manifest) in ``root`` and one level below."""
    from nanosim.sweep import MANIFEST

    if root is None or not Path(root).is_dir():
        return []
    root = Path(root)
    found = [root] if (root / MANIFEST).is_file() else []
    found += sorted(p for p in root.iterdir() if p.is_dir() and (p / MANIFEST).is_file())
    return [str(p) for p in found]


def open_sweep(folder: str, metric: str, pair: str | None) -> dict:
    """Everything the page shows of a sweep: pairs, figures (PNG), reduced table, CSV."""
    from nanosim import report
    from nanosim.sweep import SweepStore

    if not folder.strip():
        raise NanosimError("give the path of a sweep folder (made by `nanosim sweep`)")
    store = SweepStore(folder.strip())
    fin = report.final_values(store, metric)
    pairs = [f"{o}:{t}" for o, t in dict.fromkeys(zip(fin["observer"], fin["target"],
                                                      strict=True))]
    pair = pair if pair in pairs else pairs[0]
    figures = {name: figure_png(fig) for name, fig in
               report.report_figures(store, metric, pair).items()}
    table = report.reduce_sweep(store, metric, pair)
    return {"pairs": pairs, "pair": pair, "figures": figures, "table": table,
            "csv": table.to_csv(index=False).encode(), "missing": len(store.missing()),
            "runs": len(store.runs), "name": store.manifest["scenario"]["name"]}


@solara.component
def SweepsPage():
    """Open a sweep folder; choose metric and pair; see the report's figures."""
    suggestions = solara.use_memo(lambda: sweep_folders(os.environ.get(FOLDER_ENV)), [])
    folder = solara.use_reactive(suggestions[0] if suggestions else "")
    metric = solara.use_reactive("favourability")
    pair = solara.use_reactive(None)
    request = solara.use_reactive(None)  # (folder, metric, pair) last asked for

    def load():
        if request.value is None:
            return None
        try:
            return open_sweep(*request.value)
        except NanosimError as e:  # the user's input: one line on the page, no traceback
            return {"error": str(e)}

    result = solara.lab.use_task(load, dependencies=[request.value], raise_error=False)

    def ask(new_pair=None):
        request.set((folder.value, metric.value, new_pair))

    with solara.Card("Sweep folder"):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.InputText("Path of a sweep folder", value=folder,
                             style={"min-width": "480px"}, continuous_update=True)
            if suggestions:
                solara.Select("or pick one", values=suggestions, value=folder,
                              style={"max-width": "360px"})
            solara.Select("Metric", values=list(SWEEP_METRICS), value=metric,
                          style={"max-width": "220px"})
            solara.Button("Open", color="primary", on_click=lambda: ask(pair.value))
    if result.pending:
        solara.ProgressLinear(True)
    if result.error:
        exc = result.exception
        ErrorLine(str(exc) if isinstance(exc, NanosimError) else f"{type(exc).__name__}: {exc}")
    data = result.value if result.finished else None
    if not data:
        return
    if "error" in data:
        ErrorLine(data["error"])
        return
    with solara.Row(style={"align-items": "center"}):
        solara.Text(f"{data['name']}: {data['runs'] - data['missing']} of {data['runs']} runs "
                    "present")
        solara.Select("Pair", values=data["pairs"], value=data["pair"],
                      on_value=lambda p: (pair.set(p), ask(p)), style={"max-width": "260px"})
    with solara.GridFixed(columns=2, align_items="start"):
        for name, png in data["figures"].items():
            FigureCard(FIGURE_TITLES.get(name, name), png, f"{name}.png")
    with solara.Card("Reduced table (final value, median and 10–90 % band per point)"):
        solara.FileDownload(data["csv"], filename="reduced.csv", label="Download reduced.csv")
        DataTable(data["table"])
