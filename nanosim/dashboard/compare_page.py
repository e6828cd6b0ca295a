"""The Compare page: run scenarios side by side (common random numbers): shifts, and effects
against a control the user picks (with four scenarios, a 2 × 2 design's interaction).

The work is done by :mod:`nanosim.experiments.compare` (the same code as ``nanosim compare``);
this page only chooses its inputs, runs it in the background and shows its outputs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import solara

from nanosim.dashboard.catalogue import Entry
from nanosim.dashboard.widgets import (
    DataTable,
    ErrorLine,
    FigureCard,
    ScenarioUpload,
    WholeField,
    error_text,
    figure_png,
    parse_whole,
)
from nanosim.engine.metrics import ALL
from nanosim.errors import NanosimError
from nanosim.scenario import Scenario

# the metrics offered here and on the Saved results page (nanosim compare takes any of
# nanosim.experiments.compare.COMPARABLE)
METRICS = ("favourability", "image_people", "image_state", "share_favourable", "soft_power",
           "relations", "polarization", "symbol_share", "gap")
MAX_CITIZENS = 1_000_000  # per scenario here; `nanosim compare` takes any size
MAX_REPLICATES = 10_000
MAX_STEPS = 1_000_000
FIGURE_TITLES = {
    "comparison": "Perception shift over time (since day 0; median, 10–90 % band)",
    "effects": "Effect against the control over time (median, 10–90 % band)",
    "final_shift": "Final shift and effect by scenario",
    "channels": "Shift by channel: nano vs high politics",
    "matrices": "Final favourability by scenario, and the differences",
}


@dataclass(frozen=True)
class Request:
    """What the user asked to compare: ``labels`` in the order they run, the control (or
    the 2 × 2 design's A) first, then B, C, D of a ``factorial`` design."""

    labels: tuple[str, ...]
    replicates: int
    seed: int | None
    citizens: int | None
    steps: int | None
    metric: str
    observer: str
    target: str
    factorial: bool = False

    @property
    def pair(self) -> str:
        return f"{self.observer}:{self.target}"


def prepare(entries: list[Entry], request: Request) -> list[Scenario]:
    """The chosen scenarios, the control first, with the citizens/steps overrides applied
    (ScenarioError if bad, or if they are not one world the control can be paired with)."""
    from nanosim.experiments import compare as C

    usable = {e.label: e for e in entries if e.scenario is not None}
    chosen = [usable[label] for label in request.labels if label in usable]
    if len(chosen) < 2:
        raise NanosimError("choose two or more scenarios to compare")
    overrides = {}
    if request.citizens is not None:
        overrides["population.size"] = request.citizens
    if request.steps is not None:
        overrides["scenario.steps"] = request.steps
    fields = {"population.size": "Citizens", "scenario.steps": "Steps"}
    scenarios = [e.scenario.with_overrides(overrides, fields) if overrides else e.scenario
                 for e in chosen]
    if request.factorial:
        C.check_factorial(scenarios)
    else:
        C.check_same_world(scenarios[0], scenarios[1:])
    return scenarios


def compare(scenarios: list[Scenario], request: Request, progress=None, cancel=None) -> dict:
    """Run the comparison and turn it into what the page shows: table, CSV, PNG figures."""
    from nanosim.experiments import compare as C

    pair = C.check_pair(scenarios, request.pair, request.metric)
    start = time.perf_counter()
    df = C.run_comparison(scenarios, replicates=request.replicates, seed=request.seed,
                          progress=progress, cancel=cancel)
    seconds = time.perf_counter() - start
    control = C.scenario_labels(scenarios)[0]
    results = comparison_results(df, request.metric, pair, C.event_steps(scenarios), control,
                                 request.factorial)
    return {
        **results,
        "seconds": seconds, "total_seconds": time.perf_counter() - start,
        "summary": (f"{C.pair_label(request.metric, pair)} — {len(scenarios)} scenarios × "
                    f"{request.replicates} replicates, {scenarios[0].run.steps} steps of "
                    f"{scenarios[0].population.size:,} citizens; effects against "
                    f"“{control}”"),
        "asked": (request.metric, pair[0], pair[1]),
    }


def comparison_results(df, metric: str, pair: tuple[str, str], event_steps=(),
                       control: str | None = None, factorial: bool = False,
                       factors: tuple[str, str] | None = None) -> dict:
    """What the pages show of a comparison's table: final shifts and effects against the
    ``control`` (none: the difference in shift to the first), a 2 × 2 design's effects,
    their CSVs and PNG figures."""
    from nanosim.experiments import compare as C
    from nanosim.figures.compare import comparison_figures, scenario_matrices_figure

    factors = tuple(factors or C.FACTORS)
    table = C.comparison_table(df, metric, pair, control)
    figures = dict(comparison_figures(df, metric, pair, event_steps, control, factorial,
                                      factors))
    figures["matrices"] = scenario_matrices_figure(df)
    labelled = table.assign(metric=metric, observer=pair[0], target=pair[1],
                            **({"control": control} if control is not None else {}))
    out = {"table": table, "csv": labelled.to_csv(index=False).encode(), "control": control,
           "figures": {name: figure_png(fig, dpi=100) for name, fig in figures.items()}}
    if factorial:
        design = C.factorial_table(df, metric, pair, factors)
        names = C.scenario_names(df)
        out["factorial"] = design
        out["design"] = ", ".join(f"{k} = {n} ({role})" for k, n, role
                                  in zip("ABCD", names, C.FACTORIAL_ORDER, strict=True))
        out["factorial_csv"] = design.assign(
            metric=metric, observer=pair[0], target=pair[1],
            **{k: n for k, n in zip("ABCD", names, strict=True)}).to_csv(index=False).encode()
    return out


def common_countries(scenarios: list[Scenario]) -> list[str]:
    """Countries every scenario has, in the first scenario's order."""
    if not scenarios:
        return []
    names = scenarios[0].country_names
    return [n for n in names if all(n in s.country_names for s in scenarios[1:])]


@solara.component
def ComparePage(entries: list[Entry], on_upload):
    """Choose scenarios and settings, run in the background, see and download the results."""
    usable = [e for e in entries if e.scenario is not None]
    broken = [e for e in entries if e.scenario is None]
    selected = solara.use_reactive(())
    # a fixed loop: the same hooks in the same order on every render
    typed = {name: solara.use_reactive(text) for name, text in  # noqa: SH103
             (("replicates", "5"), ("seed", ""), ("citizens", ""), ("steps", ""))}
    parsed = {
        "replicates": parse_whole(typed["replicates"].value, 1, MAX_REPLICATES),
        "seed": parse_whole(typed["seed"].value, 0, 2**63 - 1, optional=True),
        "citizens": parse_whole(typed["citizens"].value, 1, MAX_CITIZENS, optional=True),
        "steps": parse_whole(typed["steps"].value, 1, MAX_STEPS, optional=True),
    }
    settings_ok = all(problem is None for _, problem in parsed.values())
    metric = solara.use_reactive("favourability")
    upload_error = solara.use_reactive(None)
    request = solara.use_reactive(None)
    control = solara.use_reactive("")
    factorial = solara.use_reactive(False)
    roles = {k: solara.use_reactive("") for k in "BCD"}  # noqa: SH103  (fixed: B, C, D)

    ticked = [label for label in selected.value if any(e.label == label for e in usable)]
    ctrl = control.value if control.value in ticked else (ticked or [""])[0]
    rest = [label for label in ticked if label != ctrl]
    design = len(ticked) == 4 and factorial.value
    picked = [roles[k].value if roles[k].value in rest else rest[i]
              for i, k in enumerate("BCD")] if design else rest
    design_ok = not design or len(set(picked)) == 3

    chosen = [e.scenario for e in usable if e.label in selected.value]
    countries = common_countries(chosen or [e.scenario for e in usable[:1]])
    observer = solara.use_reactive(countries[0] if countries else "")
    target = solara.use_reactive(countries[1] if len(countries) > 1 else "")
    attempt = solara.use_reactive(0)  # Run again with the same settings still reruns
    soft = metric.value == "soft_power"  # a country's standing among all foreigners
    observers = [ALL] if soft else countries
    obs = observer.value if observer.value in observers else (observers or [""])[0]
    targets = ((countries if len(countries) > 1 else []) if soft
               else [c for c in countries if c != obs])
    tgt = target.value if target.value in targets else (targets or [""])[0]

    def work():
        from nanosim.experiments import compare as C

        req = request.value
        if req is None:
            return None
        try:
            scenarios = prepare(usable, req)
        except NanosimError as e:
            return {"error": error_text(e)}
        shown = [-1]

        def progress(done, total):
            percent = int(100 * done / max(total, 1))
            if percent != shown[0] and job.is_current():
                shown[0] = percent
                job.progress = percent

        # stop at the next step once cancelled, or once a newer run has replaced this one
        stopped = lambda: not job.is_current()  # noqa: E731
        try:
            return compare(scenarios, req, progress=progress, cancel=stopped)
        except C.Cancelled:
            raise
        except NanosimError as e:  # the user's input: one line on the page, no traceback
            return {"error": error_text(e)}

    job = solara.lab.use_task(work, dependencies=[request.value, attempt.value],
                              raise_error=False)

    def run():
        upload_error.set(None)
        value = {name: v for name, (v, _) in parsed.items()}
        request.set(Request((ctrl, *picked), value["replicates"], value["seed"],
                            value["citizens"], value["steps"], metric.value, obs, tgt,
                            factorial=design))
        attempt.set(attempt.value + 1)

    def cancel():
        job.cancel()

    def toggle(label, on):
        current = [x for x in selected.value if x != label]
        selected.set(tuple(current + [label]) if on else tuple(current))

    def uploaded(entry: Entry):
        upload_error.set(None)
        on_upload(entry)
        toggle(entry.label, True)

    with solara.Columns([1, 3]):
        with solara.Column():
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
            with solara.Card("Effects against", classes=["nanosim-effects"]):
                solara.Select("Control", values=ticked, value=ctrl, on_value=control.set)
                if len(ticked) == 4:
                    solara.Checkbox(label="2 × 2 design: main effects and interaction",
                                    value=factorial)
                if design:
                    solara.Text("A (neither factor) is the control.",
                                style={"font-size": "0.85em"})
                    for k, role, value in zip("BCD", ("B: first factor only",
                                                      "C: second factor only", "D: both"),
                                              picked, strict=True):
                        solara.Select(role, values=rest, value=value, on_value=roles[k].set)
                    if not design_ok:
                        solara.Warning("B, C and D must be three different scenarios.")
            with solara.Card("Settings"):
                for name, label in (("replicates", "Replicates"),
                                    ("seed", "Seed (blank: the first scenario's)"),
                                    ("citizens", "Citizens (blank: each file's)"),
                                    ("steps", "Steps (blank: each file's)")):
                    WholeField(label, typed[name], parsed[name][1])
                solara.Select("Metric", values=list(METRICS), value=metric)
                solara.Select("Observer", values=observers, value=obs, on_value=observer.set)
                solara.Select("Target", values=targets, value=tgt, on_value=target.set)
                if chosen and not targets:
                    solara.Warning("These scenarios share fewer than two countries: there is "
                                   "no observer → target pair to compare.")
            with solara.Row():
                solara.Button("Run", icon_name="mdi-play", color="primary", on_click=run,
                              disabled=(job.pending or len(ticked) < 2 or not targets
                                        or not settings_ok or not design_ok))
                solara.Button("Cancel", icon_name="mdi-stop", on_click=cancel,
                              disabled=not job.pending)
        with solara.Column():
            Results(job, (metric.value, obs, tgt))


@solara.component
def Results(job, asked: tuple[str, str, str]):
    """Progress while running; then the table, the figures and their downloads."""
    if job.pending:
        solara.ProgressLinear(job.progress if job.progress is not None else True)
        solara.Text("Drawing the figures…" if job.progress == 100 else
                    f"Running… {job.progress or 0} %", classes=["nanosim-progress"])
        return
    if job.cancelled:
        solara.Warning("Cancelled.", classes=["nanosim-cancelled"])
        return
    if job.error:
        exc = job.exception
        ErrorLine(error_text(exc))
        return
    data = job.value if job.finished else None
    if not data:
        solara.Info("Choose two or more scenarios and press Run.")
        return
    if "error" in data:
        ErrorLine(data["error"])
        return
    solara.Success(f"{data['summary']}: runs {data['seconds']:.1f} s, with the figures "
                   f"{data['total_seconds']:.1f} s",
                   classes=["nanosim-finished"])
    if data["asked"] != asked:
        solara.Warning("The metric or pair has changed since this run: press Run to update.",
                       classes=["nanosim-stale"])
    ComparisonView(data)


@solara.component
def ComparisonView(data: dict):
    """A comparison's final shifts and effects, a 2 × 2 design's effects (with their CSVs)
    and figures (with their PNGs)."""
    control = data.get("control")
    title = (f"Final shifts since day 0, and effects against “{control}” (paired by "
             "replicate)" if control is not None else
             "Final shifts since day 0, and the difference in shift to the first scenario")
    with solara.Card(title, classes=["nanosim-table"]):
        DataTable(data["table"], classes=["nanosim-comparison-table"])
        solara.FileDownload(data["csv"], filename="comparison.csv",
                            label="Download comparison.csv")
    if "factorial" in data:
        with solara.Card("2 × 2 design: main effects and interaction (paired by replicate)",
                         classes=["nanosim-table"]):
            solara.Text(data["design"], classes=["nanosim-design"])
            DataTable(data["factorial"], classes=["nanosim-factorial-table"])
            solara.FileDownload(data["factorial_csv"], filename="factorial.csv",
                                label="Download factorial.csv")
    figures = data["figures"]
    with solara.GridFixed(columns=2, align_items="start"):
        for name, png in figures.items():
            if name != "matrices":
                FigureCard(FIGURE_TITLES.get(name, name), png, f"{name}.png")
    if "matrices" in figures:
        FigureCard(FIGURE_TITLES["matrices"], figures["matrices"], "matrices.png")
