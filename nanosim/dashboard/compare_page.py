"""The Compare page: run scenarios side by side (common random numbers) in the background,
then look at the full table through any metric, pair, control or 2 × 2 design, save it as
the folder ``nanosim compare`` writes, and download its tables and figures.

The page's state lives in tab variables (:func:`nanosim.dashboard.session.state`), so a
tab switch or a reload finds it as it was; the work and every view of it are in
:mod:`nanosim.dashboard.comparison`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import solara

from nanosim.dashboard import comparison as X
from nanosim.dashboard import limits, session
from nanosim.dashboard.catalogue import FOLDER_ENV, Entry
from nanosim.dashboard.widgets import (
    ChartCard,
    DataTable,
    ErrorLine,
    ScenarioUpload,
    WholeField,
    error_text,
    parse_whole,
)
from nanosim.engine.metrics import ALL
from nanosim.errors import NanosimError

FIELDS = (("replicates", "Replicates", "5"), ("seed", "Seed (blank: the first scenario's)", ""),
          ("citizens", "Citizens (blank: each file's)", ""),
          ("steps", "Steps (blank: each file's)", ""))

selected = session.state("compare.selected", ())  # labels ticked, in the order ticked
typed = session.state("compare.typed", {name: text for name, _, text in FIELDS})
uploads = session.state("compare.uploads", ())  # entries uploaded in this tab
upload_error = session.state("compare.upload_error", None)
progress = session.state("compare.progress", session.Progress())
job = session.state("compare.job", None)
result = session.state("compare.result", None)  # the last finished comparison
view = session.state("compare.view", None)  # how it is looked at
save_to = session.state("compare.save_to", "")
saved = session.state("compare.saved", None)  # (folder, error) of the last save


def parsed_fields() -> dict[str, tuple[int | None, str | None]]:
    text = typed.value
    return {
        "replicates": parse_whole(text["replicates"], 1, limits.MAX_REPLICATES),
        "seed": parse_whole(text["seed"], 0, 2**63 - 1, optional=True),
        "citizens": parse_whole(text["citizens"], 1, limits.MAX_CITIZENS, optional=True),
        "steps": parse_whole(text["steps"], 1, limits.MAX_STEPS, optional=True),
    }


def add_upload(entry: Entry) -> None:
    uploads.set(tuple(e for e in uploads.value if e.label != entry.label) + (entry,))


def run(entries: list[Entry]) -> None:
    """Start the comparison the settings describe (a tab runs one job at a time)."""
    values = {name: v for name, (v, _) in parsed_fields().items()}
    request = X.Request(tuple(label for label in selected.value
                              if any(e.label == label for e in entries)),
                        values["replicates"], values["seed"], values["citizens"],
                        values["steps"])

    def work(report, cancelled):
        return X.run(entries, request, progress=report, cancelled=cancelled)

    def done(comparison: X.Comparison):
        old = view.peek()
        metric = old.metric if old is not None else "favourability"
        try:
            shown = X.fit(comparison, old) if old is not None else X.default_view(comparison,
                                                                                   metric)
        except NanosimError:
            shown = X.default_view(comparison)
        result.set(comparison)
        view.set(shown)
        saved.set(None)

    upload_error.set(None)
    session.start_job(progress, job, work, done)


def cancel() -> None:
    current = job.value
    if current is not None:
        current.cancel()


@solara.component
def ComparePage(entries: list[Entry]):
    """Choose scenarios and settings, run in the background, see and download the results."""
    entries = entries + list(uploads.value)
    usable = [e for e in entries if e.scenario is not None]
    broken = [e for e in entries if e.scenario is None]
    fields = parsed_fields()
    settings_ok = all(problem is None for _, problem in fields.values())
    ticked = [label for label in selected.value if any(e.label == label for e in usable)]
    busy = progress.value.busy

    def toggle(label, on):
        current = [x for x in selected.value if x != label]
        selected.set(tuple(current + [label]) if on else tuple(current))

    def uploaded(entry: Entry):
        upload_error.set(None)
        add_upload(entry)
        toggle(entry.label, True)

    def set_field(name, text):
        typed.set({**typed.value, name: text})

    with solara.Div(classes=["nanosim-page"]):
        with solara.Div(classes=["nanosim-side"]):
            with solara.Card("Scenarios", classes=["nanosim-scenarios"]):
                for e in usable:
                    solara.Checkbox(label=f"{e.label} — {e.scenario.run.name}",
                                    value=e.label in selected.value,
                                    on_value=lambda on, label=e.label: toggle(label, on))
                for e in broken:
                    solara.Text(f"{e.label}: {e.error}", style={"color": "#b00020",
                                                                 "font-size": "0.8em",
                                                                 "display": "block"})
                ScenarioUpload(on_entry=uploaded, on_error=upload_error.set)
                ErrorLine(upload_error.value)
            with solara.Card("Settings"):
                for name, label, _ in FIELDS:
                    WholeField(label, typed.value[name], fields[name][1],
                               on_text=lambda text, name=name: set_field(name, text))
                solara.Text(limits.describe(), classes=["nanosim-limits"],
                            style={"font-size": "0.8em", "color": "#555"})
            with solara.Row():
                solara.Button("Run", icon_name="mdi-play", color="primary",
                              on_click=lambda: run(usable),
                              disabled=busy or len(ticked) < 2 or not settings_ok)
                solara.Button("Cancel", icon_name="mdi-stop", on_click=cancel, disabled=not busy)
        with solara.Div(classes=["nanosim-main"]):
            Results()


@solara.component
def Results():
    """Progress while running; the last results, with the view's controls, below it."""
    state = progress.value
    if state.busy:
        solara.ProgressLinear(state.percent if state.status == "running" else True)
        solara.Text(state.message or "Running…", classes=["nanosim-progress"])
    elif state.status == "cancelled":
        solara.Warning(state.message or "Cancelled.", classes=["nanosim-cancelled"])
    elif state.status == "failed":
        ErrorLine(state.message)
    comparison, shown_view = result.value, view.value
    if comparison is None or shown_view is None:
        if not state.busy:
            solara.Info("Choose two or more scenarios and press Run.")
        return
    facts = comparison.facts
    solara.Success(
        f"{len(comparison.names)} scenarios × {facts['replicates']} replicates, "
        f"{facts['steps']} steps of {X.count(facts['citizens'])} citizens, seed {facts['seed']} "
        f"(common random numbers), nanosim {facts['nanosim']}; the runs took "
        f"{comparison.seconds:.1f} s", classes=["nanosim-finished"])
    ViewControls(comparison, view)
    ComparisonView(comparison, shown_view)
    SaveCard(comparison, shown_view)


@solara.component
def ViewControls(comparison: X.Comparison, var: solara.Reactive):
    """Metric, observer, target, control and 2 × 2 design of the view in ``var``: each
    change redraws at once."""
    current = var.value

    def change(**kw):
        latest = var.peek()  # not the view of this render: clicks may come faster
        if kw.get("design") == ("swap",):
            kw["design"] = _swap(latest.design, kw.pop("slot"), kw.pop("name"))
        try:
            var.set(X.fit(comparison, X.View(**{**latest.__dict__, **kw})))
        except NanosimError:  # a metric this comparison has no values of: keep the view
            return

    pairs = comparison.pairs(current.metric)
    observers = list(dict.fromkeys(o for o, _ in pairs))
    targets = [t for o, t in pairs if o == current.observer]
    names = list(comparison.names)
    rest = [n for n in names if n != current.control]
    with solara.Card("View", classes=["nanosim-view"]):
        with solara.Div(classes=["nanosim-controls"]):
            solara.Select("Metric", values=list(X.METRICS), value=current.metric,
                          on_value=lambda m: change(metric=m))
            solara.Select("Observer", values=observers, value=current.observer,
                          on_value=lambda o: change(observer=o),
                          disabled=observers == [ALL])
            solara.Select("Target", values=targets, value=current.target,
                          on_value=lambda t: change(target=t))
            solara.Select("Control", values=names, value=current.control,
                          on_value=lambda c: change(control=c, design=()))
        if len(names) == 4:  # any design is made of the three scenarios besides the control
            solara.Checkbox(label="2 × 2 design: main effects and interaction",
                            value=bool(current.design),
                            on_value=lambda on: change(design=("any",) if on else ()))
        if current.design:
            first, second = current.factors
            solara.Text("A (neither factor) is the control; name the factors and choose B, C "
                        "and D:", style={"font-size": "0.85em"})
            with solara.Div(classes=["nanosim-controls"]):
                solara.InputText("First factor", value=first, continuous_update=False,
                                 on_value=lambda v: change(factors=(v, current.factors[1])))
                solara.InputText("Second factor", value=second, continuous_update=False,
                                 on_value=lambda v: change(factors=(current.factors[0], v)))
            with solara.Div(classes=["nanosim-controls"]):
                for k, role in enumerate((f"B: {first} only", f"C: {second} only",
                                          "D: both")):
                    solara.Select(role, values=rest, value=current.design[k],
                                  on_value=lambda n, k=k: change(design=("swap",), slot=k,
                                                                 name=n))


def _swap(design: tuple[str, ...], k: int, name: str) -> tuple[str, ...]:
    """``design`` with ``name`` in place ``k`` (the one it leaves takes its old place)."""
    out = list(design)
    j = out.index(name)
    out[j], out[k] = out[k], name
    return tuple(out)


@solara.component
def ComparisonView(comparison: X.Comparison, current: X.View):
    """The table of final shifts and effects, a 2 × 2 design's effects, and the charts."""
    shown = solara.use_memo(lambda: X.show(comparison, current), [comparison, current])
    facts = comparison.facts
    with solara.Card(shown["title"], classes=["nanosim-table"]):
        DataTable(shown["readable"], classes=["nanosim-comparison-table"])
        solara.Text(f"{shown['units']}; intervals are 10–90 % across "
                    f"{facts['replicates']} replicates. Seed {facts['seed']}, "
                    f"{facts['replicates']} replicates, {X.count(facts['citizens'])} citizens, "
                    f"{facts['steps']} steps, nanosim {facts['nanosim']}.",
                    classes=["nanosim-facts"], style={"font-size": "0.85em"})
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.FileDownload(lambda: X.summary_csv(comparison, shown),
                                filename="comparison.csv", label="Download comparison.csv")
            solara.FileDownload(lambda: X.tidy_parquet(comparison), filename="tidy.parquet",
                                label="Download the tidy table (Parquet)")
            if len(comparison.df) <= limits.TIDY_CSV_ROWS:
                solara.FileDownload(lambda: X.tidy_csv(comparison), filename="tidy.csv",
                                    label="Download the tidy table (CSV)")
    if "factorial" in shown:
        with solara.Card("2 × 2 design: main effects and interaction (paired by replicate)",
                         classes=["nanosim-table"]):
            solara.Text(shown["design"], classes=["nanosim-design"])
            DataTable(shown["factorial_readable"], classes=["nanosim-factorial-table"])
            solara.FileDownload(lambda: X.factorial_csv(comparison, shown),
                                filename="factorial.csv", label="Download factorial.csv")
    with solara.Div(classes=["nanosim-charts"]):
        for name, option in shown["charts"].items():
            ChartCard(X.FIGURE_TITLES[name], option,
                      png=lambda name=name: X.figure_png(comparison, current, name),
                      filename=f"{name}.png").key(name)
    ChartCard(X.FIGURE_TITLES["matrices"], None,  # drawn again for another comparison
              png=lambda: X.figure_png(comparison, current, "matrices"),
              filename="matrices.png").key(f"matrices-{id(comparison)}")


def default_folder() -> str:
    root = Path(os.environ.get(FOLDER_ENV) or os.getcwd())
    return str(root / f"comparison-{time.strftime('%Y%m%d-%H%M%S')}")


@solara.component
def SaveCard(comparison: X.Comparison, current: X.View):
    """Save the comparison as the folder ``nanosim compare`` writes; open it in Saved
    results."""
    from nanosim.dashboard import saved_page

    folder = save_to.value or default_folder()
    done = saved.value

    def save():
        try:
            out = X.save(comparison, current, folder)
        except NanosimError as e:
            saved.set((folder, error_text(e)))
            return
        saved.set((str(out), None))
        save_to.set("")

    with solara.Card("Save comparison", classes=["nanosim-save"]):
        with solara.Div(classes=["nanosim-controls"]):
            solara.InputText("Folder (new or empty, or one nanosim compare wrote)",
                             value=folder, on_value=save_to.set, continuous_update=True,
                             style={"min-width": "320px", "flex": "1 1 320px"})
            solara.Button("Save comparison", icon_name="mdi-content-save", on_click=save)
        if done and done[1]:
            ErrorLine(done[1])
        elif done:
            with solara.Row(style={"align-items": "center"}):
                solara.Text(f"Saved to {done[0]}", classes=["nanosim-saved"])
                solara.Button("Open in Saved results", text=True,
                              on_click=lambda: saved_page.open_in_tab(done[0], current))
