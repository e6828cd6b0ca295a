"""The Saved results page: a folder written by ``nanosim sweep`` (the response curves and
heatmaps of ``nanosim report``), by ``nanosim sensitivity`` (its indices with intervals,
overall and per channel) or by ``nanosim compare`` (its final shifts and figures)."""

from __future__ import annotations

import os
from pathlib import Path

import solara

from nanosim.dashboard import comparison as X
from nanosim.dashboard import session
from nanosim.dashboard.catalogue import FOLDER_ENV
from nanosim.dashboard.compare_page import ComparisonView, ViewControls
from nanosim.dashboard.widgets import DataTable, ErrorLine, FigureCard, error_text, figure_png
from nanosim.errors import NanosimError

FIGURE_TITLES = {"curves": "Response curves", "heatmap": "Heatmap of the final value",
                 "lhs": "Latin hypercube points", "morris": "Morris screening (μ*, σ)",
                 "sobol": "Sobol' indices", "channels": "Indices per channel"}


def _kind(folder: Path) -> str | None:
    """"sensitivity", "sweep", "comparison", or None for a folder none of them wrote."""
    from nanosim.experiments.sweep import MANIFEST
    from nanosim.io.compare import COMPARE_FILES  # the first file marks a comparison
    from nanosim.io.sensitivity import SENSITIVITY_FILES  # the first marks an analysis

    if (folder / MANIFEST).is_file():
        return "sensitivity" if (folder / SENSITIVITY_FILES[0]).is_file() else "sweep"
    return "comparison" if (folder / COMPARE_FILES[0]).is_file() else None


def saved_folders(root: str | Path | None) -> list[str]:
    """Sweep and comparison folders in ``root`` and one level below."""
    if root is None or not Path(root).is_dir():
        return []
    root = Path(root)
    found = [root] + sorted(p for p in root.iterdir() if p.is_dir())
    return [str(p) for p in found if _kind(p)]


def open_folder(folder: str, metric: str, pair: str | None) -> dict:
    """Everything the page shows of a saved folder, for ``metric`` and ``pair`` (default:
    the first pair)."""
    path = Path(folder.strip())
    if not folder.strip():
        raise NanosimError("give the path of a folder made by `nanosim sweep` or "
                           "`nanosim compare`")
    kind = _kind(path)
    if kind == "sensitivity":
        return open_sensitivity(path)
    if kind == "sweep":
        return open_sweep(path, metric, pair)
    if kind == "comparison":
        return open_comparison(path, metric, pair)
    what = "not a folder" if not path.is_dir() else "neither a sweep folder nor a comparison"
    raise NanosimError(f"{path}: {what} (made by `nanosim sweep` or `nanosim compare`)")


def _pairs(observers, targets) -> list[str]:
    return [f"{o}:{t}" for o, t in dict.fromkeys(zip(observers, targets, strict=True))]


def open_sweep(folder: Path, metric: str, pair: str | None) -> dict:
    """A sweep's pairs, report figures (PNG), reduced table and its CSV."""
    from nanosim.experiments import report
    from nanosim.experiments.sweep import SweepStore
    from nanosim.figures.sweep import report_figures

    store = SweepStore(folder)
    fin = report.final_values(store, metric)
    pairs = _pairs(fin["observer"], fin["target"])
    pair = pair if pair in pairs else pairs[0]
    figures = {name: figure_png(fig) for name, fig in
               report_figures(store, metric, pair).items()}
    table = report.reduce_sweep(store, metric, pair)
    return {"kind": "sweep", "pairs": pairs, "pair": pair, "figures": figures, "table": table,
            "settings": store.parameters,
            "csv": table.to_csv(index=False).encode(),
            "summary": (f"{store.manifest['scenario']['name']}: "
                        f"{len(store.runs) - len(store.missing())} of {len(store.runs)} "
                        "runs present")}


def open_sensitivity(folder: Path) -> dict:
    """A sensitivity analysis: its figures, the indices of the whole shift with their
    intervals, and the ranking index of each parameter per channel."""
    from nanosim.experiments.sensitivity import RANK_BY, TOTAL
    from nanosim.io.sensitivity import read_sensitivity

    info, table = read_sensitivity(folder)
    figures = {name: (folder / f"{name}.png").read_bytes()
               for name in (info["method"], "channels") if (folder / f"{name}.png").is_file()}
    index = RANK_BY[info["method"]]
    ranked = table[table["index"] == index]
    channels = ranked.pivot(index="parameter", columns="outcome", values="value")
    channels = channels[[TOTAL, *(c for c in dict.fromkeys(ranked["outcome"]) if c != TOTAL)]]
    pair = ":".join(info["pair"])
    return {"kind": "sensitivity", "pairs": [pair], "pair": pair, "figures": figures,
            "table": table[table["outcome"] == TOTAL].drop(columns="outcome"),
            "channels": channels.reset_index(), "index": index,
            "csv": table.to_csv(index=False).encode(),
            "summary": (f"{info['scenario']}: {info['method']} sensitivity of the "
                        f"{info['label']}; {info['points']} points x {info['replicates']} "
                        "replicates")}


def open_comparison(folder: Path, metric: str, pair: str | None) -> dict:
    """A comparison folder as the Compare page keeps a comparison, with the view the
    folder was written for (or ``metric`` and ``pair``)."""
    from nanosim.experiments import compare as C
    from nanosim.io.compare import load_comparison

    df, info = load_comparison(folder)
    comparison = X.from_folder(df, info)
    pairs = [f"{o}:{t}" for o, t in comparison.pairs(metric)]
    if not pairs:
        raise NanosimError(f"{folder}: the comparison holds no {metric} values")
    pair = pair if pair in pairs else pairs[0]
    names = comparison.names
    control = info.get("control") or names[0]
    design = tuple(names[1:]) if info.get("factorial") else ()
    view = X.fit(comparison, X.View(metric, *C.parse_pair(pair), control, design))
    return {"kind": "comparison", "pairs": pairs, "pair": pair, "comparison": comparison,
            "view": view,
            "summary": (f"Comparison of {', '.join(names)}: {info['replicates']} replicates, "
                        f"{info['steps']} steps, common random numbers")}


folder_text = session.state("saved.folder", None)  # None: the first folder offered
metric_choice = session.state("saved.metric", "favourability")
asked = session.state("saved.asked", None)  # (folder, metric, pair) last opened
opened = session.state("saved.opened", None)  # what open_folder gave for it
comparison_view = session.state("saved.view", None)  # a saved comparison's view


def open_in_tab(folder: str, view: X.View) -> None:
    """Show the Saved results page with ``folder`` opened (the Compare page's link)."""
    folder_text.set(folder)
    metric_choice.set(view.metric)
    asked.set((folder, view.metric, f"{view.observer}:{view.target}"))
    session.page.set(2)


@solara.component
def SavedPage():
    """Open a saved folder; choose metric and pair; see its figures and table."""
    suggestions = solara.use_memo(lambda: saved_folders(os.environ.get(FOLDER_ENV)), [])
    folder = folder_text.value if folder_text.value is not None else (
        suggestions[0] if suggestions else "")
    request = asked.value

    def load():
        if request is None:
            return None
        done = opened.peek()
        if done is not None and done.get("request") == request:
            return done  # opened before this page was last shown
        try:
            data = {**open_folder(*request), "request": request}
        except NanosimError as e:  # the user's input: one line on the page, no traceback
            data = {"error": error_text(e), "request": request}
        if data.get("kind") == "comparison":
            comparison_view.set(data["view"])  # before the page shows the folder
        opened.set(data)
        return data

    result = solara.lab.use_task(load, dependencies=[request], raise_error=False)

    def ask(new_pair=None):
        typed = folder_text.peek()  # what is typed now, not at this render
        asked.set((typed if typed is not None else folder, metric_choice.peek(), new_pair))

    with solara.Card("Folder written by nanosim sweep or nanosim compare"):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.InputText("Path of a sweep or comparison folder", value=folder,
                             on_value=folder_text.set, style={"min-width": "320px"},
                             continuous_update=True)
            if suggestions:
                solara.Select("or pick one", values=suggestions,
                              value=folder if folder in suggestions else None,
                              on_value=folder_text.set, style={"max-width": "360px"})
            solara.Select("Metric", values=list(X.METRICS), value=metric_choice,
                          style={"max-width": "220px"})
            solara.Button("Open", color="primary", on_click=lambda: ask(None))
    if result.pending:
        solara.ProgressLinear(True)
    if result.error:
        ErrorLine(error_text(result.exception))
    data = opened.value
    if not data or data.get("request") != request:
        return
    if "error" in data:
        ErrorLine(data["error"])
        return
    if data["kind"] == "comparison":
        solara.Text(data["summary"], classes=["nanosim-saved-summary"])
        comparison, shown = data["comparison"], comparison_view.value
        if shown is not None:
            ViewControls(comparison, comparison_view)
            ComparisonView(comparison, shown)
        return
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text(data["summary"], classes=["nanosim-saved-summary"])
        solara.Select("Pair", values=data["pairs"], value=data["pair"],
                      on_value=ask, style={"max-width": "260px"})
    if data["kind"] == "sensitivity":
        SensitivityView(data)
        return
    with solara.Div(classes=["nanosim-charts"]):
        for name, png in data["figures"].items():
            FigureCard(FIGURE_TITLES.get(name, name), png, f"{name}.png")
    with solara.Card("Reduced table (final value, median and 10–90 % band per point)"):
        solara.FileDownload(data["csv"], filename="reduced.csv", label="Download reduced.csv")
        DataTable(data["table"], settings=tuple(data.get("settings", ())))


@solara.component
def SensitivityView(data: dict):
    """A sensitivity folder: its figures, its indices with intervals, and per channel."""
    with solara.Div(classes=["nanosim-charts"]):
        for name, png in data["figures"].items():
            FigureCard(FIGURE_TITLES.get(name, name), png, f"{name}.png")
    with solara.Card("Indices of the whole shift (low, high: 95 % bootstrap interval)"):
        solara.FileDownload(data["csv"], filename="indices.csv", label="Download indices.csv")
        DataTable(data["table"], classes=["nanosim-indices"])
    with solara.Card(f"{data['index']} of each channel's share of the shift"):
        DataTable(data["channels"], classes=["nanosim-channel-indices"])
