"""The Saved results page: a folder written by ``nanosim sweep`` (the response curves and
heatmaps of ``nanosim report``), by ``nanosim sensitivity`` (its indices with intervals,
overall and per channel) or by ``nanosim compare`` (its final shifts and figures)."""

from __future__ import annotations

import os
from pathlib import Path

import solara

from nanosim.dashboard.catalogue import FOLDER_ENV
from nanosim.dashboard.compare_page import METRICS, ComparisonView, comparison_results
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
    """A comparison's pairs, final shifts, their CSV and figures, as the Compare page shows."""
    from nanosim.experiments import compare as C
    from nanosim.experiments import results as R
    from nanosim.io.compare import load_comparison

    df, info = load_comparison(folder)
    rows = R.select(df, metric)
    pairs = _pairs(rows["observer"].astype(str), rows["target"].astype(str))
    if not pairs:
        raise NanosimError(f"{folder}: the comparison holds no {metric} values")
    pair = pair if pair in pairs else pairs[0]
    names = info.get("scenarios") or [str(s) for s in df["scenario"].unique()]
    return {"kind": "comparison", "pairs": pairs, "pair": pair,
            **comparison_results(df, metric, C.parse_pair(pair), info.get("event_steps", ()),
                                 info.get("control"), bool(info.get("factorial")),
                                 info.get("factors")),
            "summary": (f"Comparison of {', '.join(names)}: {info['replicates']} replicates, "
                        f"{info['steps']} steps, common random numbers")}


@solara.component
def SavedPage():
    """Open a saved folder; choose metric and pair; see its figures and table."""
    suggestions = solara.use_memo(lambda: saved_folders(os.environ.get(FOLDER_ENV)), [])
    folder = solara.use_reactive(suggestions[0] if suggestions else "")
    metric = solara.use_reactive("favourability")
    pair = solara.use_reactive(None)
    request = solara.use_reactive(None)  # (folder, metric, pair) last asked for

    def load():
        if request.value is None:
            return None
        try:
            return open_folder(*request.value)
        except NanosimError as e:  # the user's input: one line on the page, no traceback
            return {"error": error_text(e)}

    result = solara.lab.use_task(load, dependencies=[request.value], raise_error=False)

    def ask(new_pair=None):
        request.set((folder.value, metric.value, new_pair))

    with solara.Card("Folder written by nanosim sweep or nanosim compare"):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.InputText("Path of a sweep or comparison folder", value=folder,
                             style={"min-width": "480px"}, continuous_update=True)
            if suggestions:
                solara.Select("or pick one", values=suggestions, value=folder,
                              style={"max-width": "360px"})
            solara.Select("Metric", values=list(METRICS), value=metric,
                          style={"max-width": "220px"})
            solara.Button("Open", color="primary", on_click=lambda: ask(pair.value))
    if result.pending:
        solara.ProgressLinear(True)
    if result.error:
        exc = result.exception
        ErrorLine(error_text(exc))
    data = result.value if result.finished else None
    if not data:
        return
    if "error" in data:
        ErrorLine(data["error"])
        return
    with solara.Row(style={"align-items": "center"}):
        solara.Text(data["summary"], classes=["nanosim-saved-summary"])
        solara.Select("Pair", values=data["pairs"], value=data["pair"],
                      on_value=lambda p: (pair.set(p), ask(p)), style={"max-width": "260px"})
    if data["kind"] == "comparison":
        ComparisonView(data)
        return
    if data["kind"] == "sensitivity":
        SensitivityView(data)
        return
    with solara.GridFixed(columns=2, align_items="start"):
        for name, png in data["figures"].items():
            FigureCard(FIGURE_TITLES.get(name, name), png, f"{name}.png")
    with solara.Card("Reduced table (final value, median and 10–90 % band per point)"):
        solara.FileDownload(data["csv"], filename="reduced.csv", label="Download reduced.csv")
        DataTable(data["table"], settings=tuple(data.get("settings", ())))


@solara.component
def SensitivityView(data: dict):
    """A sensitivity folder: its figures, its indices with intervals, and per channel."""
    with solara.GridFixed(columns=2, align_items="start"):
        for name, png in data["figures"].items():
            FigureCard(FIGURE_TITLES.get(name, name), png, f"{name}.png")
    with solara.Card("Indices of the whole shift (low, high: 95 % bootstrap interval)"):
        solara.FileDownload(data["csv"], filename="indices.csv", label="Download indices.csv")
        DataTable(data["table"], classes=["nanosim-indices"])
    with solara.Card(f"{data['index']} of each channel's share of the shift"):
        DataTable(data["channels"], classes=["nanosim-channel-indices"])
