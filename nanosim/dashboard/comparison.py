"""A comparison as the dashboard keeps it: the full tidy table and how it was made, and
every view of it (metric, pair, control, 2 × 2 design) computed from that table alone.

The work is done by :mod:`nanosim.experiments.compare` (the same code as ``nanosim
compare``); a view is a few table reads, so changing the metric, the pair or the control
redraws without simulating; :func:`save` writes the folder ``nanosim compare`` writes,
with the same writer. Nothing here touches the browser.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nanosim.dashboard import charts, limits
from nanosim.dashboard.catalogue import Entry
from nanosim.errors import NanosimError
from nanosim.experiments import compare as C
from nanosim.experiments import results as R
from nanosim.scenario import Scenario

# the metrics offered here and on the Saved results page (nanosim compare takes any of
# nanosim.experiments.compare.COMPARABLE)
METRICS = ("favourability", "image_people", "image_state", "share_favourable", "soft_power",
           "relations", "polarization", "symbol_share", "gap")
UNITS = {  # what a metric's values are, said under the table
    "favourability": "favourability runs from −1 to +1",
    "image_people": "an image runs from −1 to +1", "image_state": "an image runs from −1 to +1",
    "share_favourable": "a share of citizens, 0 to 1 (0.10 is 10 points)",
    "soft_power": "favourability among all foreign citizens, −1 to +1",
    "relations": "official relations run from −1 to +1",
    "polarization": "the standard deviation of favourability (−1 to +1 scale)",
    "symbol_share": "a share of features, 0 to 1 (0.10 is 10 points)",
    "gap": "public favourability minus official relations, −2 to +2",
}
FIGURE_TITLES = {
    "comparison": "Perception shift over time (since day 0; median, 10–90 % band)",
    "effects": "Effect against the control over time (paired by replicate; median, 10–90 %)",
    "interaction": "Interaction over time: (D − C) − (B − A)",
    "final_shift": "Final shift since day 0, by scenario",
    "final_effect": "Final effect against the control, by scenario",
    "channels": "Shift by channel: nano (greens) vs high politics (warm colours)",
    "matrices": "Final favourability by scenario, and the differences",
}

MATPLOTLIB_FIGURE = {"final_effect": "final_shift", "interaction": "effects"}  # drawn together
FIGURE_DPI = 120  # as `nanosim compare` saves its figures


@dataclass(frozen=True)
class Request:
    """What the user asked to run: the chosen entries' labels, in the order they run."""

    labels: tuple[str, ...]
    replicates: int
    seed: int | None
    citizens: int | None
    steps: int | None


@dataclass(frozen=True, eq=False)
class Comparison:
    """A finished comparison: its tidy table (``scenario`` in run order) and its making."""

    df: pd.DataFrame
    labels: tuple[str, ...]  # the entries compared, aligned with the scenario names
    names: tuple[str, ...]
    seed: int
    replicates: int
    citizens: int
    steps: int
    event_steps: tuple[int, ...]
    sources: tuple[str, ...]
    overrides: tuple[str, ...]
    seconds: float
    version: str
    _views: dict = field(default_factory=dict, repr=False)

    @property
    def facts(self) -> dict:
        """Seed, replicates, citizens, steps and version: what reruns it."""
        return {"seed": self.seed, "replicates": self.replicates, "citizens": self.citizens,
                "steps": self.steps, "nanosim": self.version}

    def pairs(self, metric: str) -> list[tuple[str, str]]:
        """Observer → target pairs the table has for ``metric``."""
        rows = self.rows(metric)[["observer", "target"]].drop_duplicates()
        return [(str(o), str(t)) for o, t in rows.itertuples(index=False)]

    def rows(self, metric: str) -> pd.DataFrame:
        """The table's rows of one metric (kept: every view reads them)."""
        key = ("rows", metric)
        if key not in self._views:
            self._views[key] = R.select(self.df, metric)
        return self._views[key]


def count(n: int | None) -> str:
    """A number of citizens as the page says it (a saved folder may not record it)."""
    return f"{n:,}" if n is not None else "the files' own number of"


def prepare(entries: list[Entry], request: Request) -> list[Scenario]:
    """The chosen scenarios with the citizens/steps overrides applied (ScenarioError if bad,
    or if they are not one world, so that any of them can be the control)."""
    usable = {e.label: e for e in entries if e.scenario is not None}
    chosen = [usable[label] for label in request.labels if label in usable]
    if len(chosen) < 2:
        raise NanosimError("choose two or more scenarios to compare")
    overrides = _overrides(request)
    fields = {"population.size": "Citizens", "scenario.steps": "Steps"}
    scenarios = [e.scenario.with_overrides(overrides, fields) if overrides else e.scenario
                 for e in chosen]
    C.check_same_world(scenarios[0], scenarios[1:])
    return scenarios


def _overrides(request: Request) -> dict:
    out = {}
    if request.citizens is not None:
        out["population.size"] = request.citizens
    if request.steps is not None:
        out["scenario.steps"] = request.steps
    return out


def run(entries: list[Entry], request: Request, progress=None, cancelled=None) -> Comparison:
    """Check the request against the tab's limits, then run it (common random numbers)."""
    from nanosim import __version__

    scenarios = prepare(entries, request)
    n, seed = C.comparison_plan(scenarios, request.replicates, request.seed)
    limits.check_comparison(scenarios, n)
    start = time.perf_counter()
    df = C.run_comparison(scenarios, replicates=n, seed=seed,
                          progress=(lambda done, total: progress(int(100 * done / total)))
                          if progress else None, cancel=cancelled)
    labels = tuple(e for e in request.labels)
    return Comparison(df, labels, tuple(C.scenario_labels(scenarios)), seed, n,
                      C.shared_size(scenarios), scenarios[0].run.steps,
                      tuple(C.event_steps(scenarios)), tuple(s.source for s in scenarios),
                      tuple(f"{k}={v}" for k, v in _overrides(request).items()),
                      time.perf_counter() - start, __version__)


def from_folder(df: pd.DataFrame, info: dict) -> Comparison:
    """A comparison folder (``nanosim.io.compare.load_comparison``) as the pages keep it."""
    names = tuple(info.get("scenarios") or C.scenario_names(df))
    citizens = info.get("citizens") or next(  # folders before it was recorded: --set
        (int(o.split("=", 1)[1]) for o in info.get("overrides", ())
         if o.startswith("population.size=")), None)
    return Comparison(df, names, names, info.get("seed"), int(info["replicates"]),
                      citizens, int(info["steps"]), tuple(info.get("event_steps", ())),
                      tuple(info.get("sources", ())), tuple(info.get("overrides", ())), 0.0,
                      (info.get("versions") or {}).get("nanosim", "?"))


@dataclass(frozen=True)
class View:
    """How to look at a comparison: metric, pair, the control and a 2 × 2 design's B, C, D
    (scenario names; ``design`` empty for no design) with the names of its two factors."""

    metric: str
    observer: str
    target: str
    control: str
    design: tuple[str, ...] = ()
    factors: tuple[str, str] = C.FACTORS

    @property
    def pair(self) -> tuple[str, str]:
        return (self.observer, self.target)

    def order(self, comparison: Comparison) -> list[str]:
        """The scenarios with the control first (for a design: A, B, C, D)."""
        rest = [n for n in comparison.names if n != self.control]
        return [self.control, *(self.design or rest)]


def default_view(comparison: Comparison, metric: str = "favourability") -> View:
    o, t = comparison.pairs(metric)[0]
    return View(metric, o, t, comparison.names[0])


def fit(comparison: Comparison, view: View) -> View:
    """``view`` made valid for ``comparison``: a pair it has for the metric, a control among
    its scenarios, a design of three others (or none)."""
    pairs = comparison.pairs(view.metric)
    if not pairs:
        raise NanosimError(f"this comparison holds no {view.metric} values")
    pair = next((p for p in pairs if p == view.pair), None) or next(
        (p for p in pairs if p[0] == view.observer), None) or next(
        (p for p in pairs if p[1] == view.target), pairs[0])  # what changed stays chosen
    control = view.control if view.control in comparison.names else comparison.names[0]
    rest = [n for n in comparison.names if n != control]
    design = view.design if (len(comparison.names) == 4 and sorted(view.design) == sorted(rest)
                             ) else ((tuple(rest) if view.design else ()) if len(rest) == 3
                                     else ())
    factors = tuple(name.strip() or default for name, default in
                    zip(view.factors, C.FACTORS, strict=True))
    return View(view.metric, pair[0], pair[1], control, design, factors)


def ordered(comparison: Comparison, view: View) -> pd.DataFrame:
    """The table with its scenarios in the view's order (control first; A, B, C, D)."""
    df = comparison.df
    names = view.order(comparison)
    if list(C.scenario_names(df)) == names:
        return df
    key = ("ordered", tuple(names))
    if key not in comparison._views:
        comparison._views[key] = df.assign(
            scenario=df["scenario"].cat.reorder_categories(names))
    return comparison._views[key]


def show(comparison: Comparison, view: View) -> dict:
    """Everything the page shows of ``comparison`` seen through ``view``: the tables (as
    numbers and as the CLI's readable text) and the charts' options."""
    metric, pair, control = view.metric, view.pair, view.control
    rows = _pair_rows(comparison, view)
    table = C.comparison_table(rows, metric, pair, control)
    last = int(rows["step"].max())
    values = C.pair_values(rows, metric, pair)
    shifts = C.pair_shifts(rows, metric, pair)
    finals = C.final_pair_shifts(rows, metric, pair)
    label = metric.replace("_", " ")
    what = C.pair_label(metric, pair)
    out = {
        "view": view, "table": table, "readable": C.readable_table(table, control, last),
        "title": (f"Final shifts since day 0, and effects against “{control}” "
                  f"(paired by replicate) — {what}"),
        "units": UNITS.get(metric, ""),
        "charts": {
            "comparison": charts.band_option(
                R.bands(shifts, ["scenario", "step"]), "scenario",
                f"Shift of {what} since day 0 per scenario, median and 10–90 % band",
                f"shift in {label}", comparison.event_steps),
            "effects": charts.band_option(
                R.bands(C.paired_effects(values, control), ["scenario", "step"]),
                "scenario", f"Effect on {what} against {control}, per scenario",
                f"effect on {label}", comparison.event_steps,
                {n: charts.colour(k) for k, n in enumerate(view.order(comparison)) if k}),
            "final_shift": charts.interval_option(
                table, "shift", f"Final shift of {what} per scenario", f"shift in {label}",
                finals),
            "final_effect": charts.interval_option(
                table, "effect", f"Final effect on {what} against {control}",
                f"effect on {label}", _final_effects(values, control), skip=control),
            "channels": charts.channels_option(
                C.channel_table(rows, metric, pair), f"Shift of {what} by channel",
                f"shift in {label}"),
        },
    }
    if view.design:
        design = C.factorial_table(rows, metric, pair, view.factors)
        effects = C.factorial_effects(values, view.factors)
        out["factorial"] = design
        out["factorial_readable"] = C.readable_factorial(design)
        out["design"] = ", ".join(f"{k} = {n} ({role})" for k, n, role in
                                  zip("ABCD", view.order(comparison), C.FACTORIAL_ORDER,
                                      strict=True))
        out["charts"]["interaction"] = charts.band_option(
            R.bands(effects[effects["effect"] == "interaction"].assign(effect="interaction"),
                    ["effect", "step"]), "effect",
            f"Interaction (D − C) − (B − A) on {what} over time", f"effect on {label}",
            comparison.event_steps, {"interaction": "#000000"})
    return out


def _pair_rows(comparison: Comparison, view: View) -> pd.DataFrame:
    """The rows a view reads — its metric and its channel metric, of its pair only — with
    the scenarios in the view's order: a few thousand rows, so a view is quick."""
    by_channel = C.BY_CHANNEL.get(view.metric, "shift_by_channel")
    names = view.order(comparison)
    key = ("view rows", view.metric, view.pair, tuple(names))
    if key not in comparison._views:
        rows = pd.concat([R.select(comparison.rows(m), m, *view.pair)
                          for m in (view.metric, by_channel)])
        comparison._views[key] = rows.assign(
            scenario=rows["scenario"].cat.reorder_categories(names))
    return comparison._views[key]


def _final_effects(values: pd.DataFrame, control: str) -> pd.DataFrame:
    effects = C.final_step(C.paired_effects(values, control))
    return effects[["scenario", "value"]]


# --- files: the tables to download, the folder to save -----------------------------------


def summary_csv(comparison: Comparison, shown: dict) -> bytes:
    """comparison.csv: the table of final shifts and effects, with what made it."""
    view = shown["view"]
    return shown["table"].assign(metric=view.metric, observer=view.observer,
                                 target=view.target, control=view.control,
                                 **comparison.facts).to_csv(index=False).encode()


def factorial_csv(comparison: Comparison, shown: dict) -> bytes:
    view = shown["view"]
    return shown["factorial"].assign(
        metric=view.metric, observer=view.observer, target=view.target,
        **dict(zip("ABCD", view.order(comparison), strict=True)),
        **comparison.facts).to_csv(index=False).encode()


def tidy(comparison: Comparison) -> pd.DataFrame:
    """The full tidy table with seed, replicates, citizens, steps and version as columns."""
    return comparison.df.assign(**comparison.facts)


def tidy_parquet(comparison: Comparison) -> bytes:
    buf = io.BytesIO()
    tidy(comparison).to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()


def tidy_csv(comparison: Comparison) -> bytes:
    return tidy(comparison).to_csv(index=False).encode()


def figure_png(comparison: Comparison, view: View, name: str) -> bytes:
    """The publication-quality matplotlib version of one figure (as ``nanosim compare``
    draws it), as PNG bytes."""
    import matplotlib.pyplot as plt

    from nanosim.dashboard.widgets import figure_png as png
    from nanosim.figures.compare import comparison_figures, scenario_matrices_figure

    if name == "matrices":
        return png(scenario_matrices_figure(comparison.df), dpi=FIGURE_DPI)
    figures = comparison_figures(_pair_rows(comparison, view), view.metric, view.pair,
                                 comparison.event_steps, view.control, bool(view.design),
                                 view.factors)
    figure = figures.pop(MATPLOTLIB_FIGURE.get(name, name))
    for other in figures.values():
        plt.close(other)
    return png(figure, dpi=FIGURE_DPI)


def save(comparison: Comparison, view: View, out: str | Path) -> Path:
    """Write the folder ``nanosim compare`` writes for this view (its writer), and return it."""
    from nanosim.io.compare import write_comparison

    df = ordered(comparison, view).sort_values("scenario", kind="stable")  # rows as the CLI's
    return write_comparison(df.reset_index(drop=True), out, view.metric, view.pair, csv=True,
                            event_steps=comparison.event_steps, seed=comparison.seed,
                            sources=[dict(zip(comparison.names, comparison.sources,
                                              strict=False)).get(n, n)
                                     for n in view.order(comparison)],
                            overrides=comparison.overrides,
                            control=view.control, factorial=bool(view.design),
                            factors=view.factors,
                            citizens=comparison.citizens)
