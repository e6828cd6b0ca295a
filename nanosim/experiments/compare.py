"""Comparing scenarios side by side: common random numbers, shifts and paired effects.

Every scenario runs with the same root seed and the same replicate numbers, so
replicate r of every scenario draws from the same random stream (common random
numbers): differences between scenarios come from the scenarios, not from the dice.

Two quantities are kept apart. A *shift* is a scenario's own change since day 0; it
is an effect only in a world that would otherwise stay put. An *effect* is measured
against a counterfactual: against a control scenario, replicate r of the scenario
minus replicate r of the control, step by step; in a 2 × 2 design, the main effects
and the interaction (a difference in differences), each paired by replicate. Without
a control, each scenario's final shift is set beside the first scenario's (the paired
difference in shift). Figures of a comparison are drawn by
:mod:`nanosim.figures.compare`; its folder is written by :mod:`nanosim.io.compare`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from nanosim.engine.metrics import ALL, GROUP_METRICS, METRICS, PAIR_METRICS
from nanosim.errors import NanosimError, ScenarioError
from nanosim.experiments import results as R
from nanosim.experiments.budget import check_memory, comparison_bytes
from nanosim.scenario import Scenario
from nanosim.scenario.files import listed

# one value per observer→target (soft power: all→c; the groups' only with groups)
COMPARABLE = (*PAIR_METRICS, "soft_power", *GROUP_METRICS)


BY_CHANNEL = {"image_people": "shift_by_channel_people", "image_state": "shift_by_channel_state",
              "soft_power": "soft_power_by_channel"}


SHIFT_COLUMNS = ["scenario", "replicates", "shift_median", "shift_low", "shift_high"]
DIFF_COLUMNS = ["diff_median", "diff_low", "diff_high", "diff_positive"]  # to the first
EFFECT_COLUMNS = ["effect_median", "effect_low", "effect_high", "effect_positive"]
FACTORIAL_COLUMNS = ["effect", "contrast", "replicates", *EFFECT_COLUMNS]
FACTORIAL_ORDER = ("neither", "first factor only", "second factor only", "both")  # A, B, C, D
FACTORS = ("first factor", "second factor")  # default names of the 2 × 2 design's factors


class Cancelled(NanosimError):
    """The comparison was cancelled before it finished (nothing was written)."""


# --- running ------------------------------------------------------------------------


def scenario_labels(scenarios: list[Scenario]) -> list[str]:
    """Scenario names, made unique by a suffix " (2)", " (3)", ... where they repeat."""
    labels: list[str] = []
    for s in scenarios:
        name, k = s.run.name, 1
        while (name if k == 1 else f"{name} ({k})") in labels:
            k += 1
        labels.append(name if k == 1 else f"{name} ({k})")
    return labels


def comparison_plan(scenarios: list[Scenario], replicates: int | None = None,
                    seed: int | None = None) -> tuple[int, int]:
    """(replicates, root seed) shared by every scenario of a comparison.

    Defaults: the largest ``scenario.replicates`` among them and the first scenario's seed.
    """
    if not scenarios:
        raise NanosimError("nothing to compare: give two or more scenarios")
    first = scenarios[0]
    for s in scenarios[1:]:
        if s.run.steps != first.run.steps:
            raise ScenarioError(s.source, "scenario.steps",
                                f"{s.run.steps}, but {first.source} runs "
                                f"{first.run.steps}: compared scenarios run the same days "
                                "(--set scenario.steps=N sets every one)")
    n = replicates if replicates is not None else max(s.run.replicates for s in scenarios)
    root = seed if seed is not None else scenarios[0].run.seed
    if n < 1:
        raise NanosimError(f"replicates must be >= 1 (got {n})")
    return n, root


def shared_size(scenarios: list[Scenario]) -> int | None:
    """The population size the scenarios share (None where they differ)."""
    sizes = {s.population.size for s in scenarios}
    return sizes.pop() if len(sizes) == 1 else None


def run_comparison(scenarios: list[Scenario], replicates: int | None = None,
                   seed: int | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   cancel: Callable[[], bool] | None = None,
                   max_memory: int | None = None) -> pd.DataFrame:
    """Run every scenario's replicates with common random numbers; one tidy table.

    The table is the runner's tidy table of every run plus a categorical column
    ``scenario`` (names made unique). ``progress(done, total)`` is called after each
    run; ``cancel()`` is checked at every step and raises :class:`Cancelled`. A
    comparison estimated to need more than ``max_memory`` bytes (default: the memory
    available) is refused before it starts (NanosimError).
    """
    from nanosim.experiments.runner import concat_tables, run_replicate

    n, root = comparison_plan(scenarios, replicates, seed)
    check_memory(comparison_bytes(scenarios, n), f"this comparison ({len(scenarios)} "
                 f"scenarios x {n} replicates)", max_memory)
    labels = scenario_labels(scenarios)
    total = n * len(scenarios)
    tables, codes = [], []

    def check_cancel(_step: int = 0) -> None:
        if cancel is not None and cancel():
            raise Cancelled(f"comparison cancelled after {len(tables)} of {total} runs")

    for k, scenario in enumerate(scenarios):
        for r in range(n):
            check_cancel()
            table = run_replicate(scenario, r, seed=root,
                                  progress=check_cancel if cancel is not None else None)
            tables.append(table)
            codes.append(np.full(len(table), k, dtype=np.int16))
            if progress is not None:
                progress(len(tables), total)
    df = concat_tables(tables)
    scenario_col = pd.Categorical.from_codes(np.concatenate(codes), labels)
    return pd.concat([pd.DataFrame({"scenario": scenario_col}), df.reset_index(drop=True)],
                     axis=1)


# --- checking the request ----------------------------------------------------------------


def parse_pair(text: str | tuple[str, str] | None) -> tuple[str, str] | None:
    """``"OBSERVER:TARGET"`` (or a pair already split) as a tuple; None stays None."""
    if text is None or isinstance(text, tuple | list):
        return None if text is None else (str(text[0]), str(text[1]))
    observer, sep, target = text.partition(":")
    if not sep or not observer.strip() or not target.strip():
        raise NanosimError(f"--pair: {text!r} is not OBSERVER:TARGET, e.g. "
                           "Indonesia:Australia (all:Indonesia for soft_power)")
    return observer.strip(), target.strip()


def scenario_pairs(scenario: Scenario, metric: str = "favourability") -> list[tuple[str, str]]:
    """Observer→target pairs a scenario's results have for ``metric`` (own country only if
    it is alone; for soft power, ``all`` → each country, where there are foreigners; for
    the groups' metrics every pair, own country included: national groups)."""
    names = scenario.country_names
    if metric == "soft_power":
        return [(ALL, c) for c in names] if len(names) > 1 else []
    if metric in GROUP_METRICS:
        return [(o, t) for o in names for t in names]
    if len(names) == 1:
        return [(names[0], names[0])]
    return [(o, t) for o in names for t in names if o != t]


def check_pair(scenarios: list[Scenario], pair: tuple[str, str] | str | None,
               metric: str = "favourability") -> tuple[str, str]:
    """The pair to compare ``metric`` on: the given one, or the first scenario's first pair.

    Scenarios with different countries can be compared only on a pair every one of
    them has; otherwise a ScenarioError names the scenario file and the pair.
    """
    if not scenarios:
        raise NanosimError("nothing to compare: give two or more scenarios")
    given = parse_pair(pair)
    if metric == "soft_power":
        for s in scenarios:
            if not scenario_pairs(s, metric):
                raise ScenarioError(s.source, "--metric", "soft_power is a country's standing "
                                    "among foreign citizens; this scenario has one country")
        if given and given[0] != ALL:
            raise NanosimError(f"--pair: soft_power is a country's standing among all foreign "
                               f"citizens, so its observer is {ALL}: give {ALL}:{given[1]}")
    elif metric in GROUP_METRICS:
        for s in scenarios:
            if not s.has_groups:
                raise ScenarioError(s.source, "--metric", f"{metric} is recorded only in "
                                    "scenarios with groups ([[group]] or groups.per_country); "
                                    "this one has none")
    if metric != "soft_power" and given and given[0] == ALL:
        raise NanosimError(f"--pair: the observer {ALL} (all foreign citizens) is for "
                           f"--metric soft_power; {metric} is one country's view of another, "
                           "e.g. Indonesia:Australia")
    pairs = lambda s: scenario_pairs(s, metric)  # noqa: E731
    chosen = given or pairs(scenarios[0])[0]
    for s in scenarios:
        if chosen not in pairs(s):
            shared = [p for p in pairs(scenarios[0]) if all(p in pairs(x) for x in scenarios)]
            hint = (f"pairs all of them have: {', '.join(f'{o}:{t}' for o, t in shared[:6])}"
                    if shared else "they share no pair; compare scenarios with the same "
                                   "countries")
            same = all(set(x.country_names) == set(s.country_names) for x in scenarios)
            why = "" if same else "the scenarios have different countries and "
            which = ("the pair" if parse_pair(pair) else
                     "the default pair (the first scenario's first; give --pair)")
            raise ScenarioError(
                s.source, "--pair",
                f"{why}{which} {chosen[0]}:{chosen[1]} is not in this scenario (countries: "
                f"{listed(s.country_names)}); {hint}")
    return chosen


def check_same_world(reference: Scenario, others: list[Scenario],
                     role: str = "control") -> None:
    """Refuse scenarios that cannot be paired with ``reference`` replicate by replicate.

    A control (``role="control"``) or the first file of a 2 × 2 design
    (``role="factorial"``) must have the same countries, population size and steps as
    the scenarios compared with it; otherwise a ScenarioError names the control file
    (or, in a design, the file that differs) and what differs.
    """
    def world(s: Scenario) -> dict[str, object]:
        return {"[[country]]": sorted(s.country_names), "population.size": s.population.size,
                "scenario.steps": s.run.steps}

    def show(key: str, value) -> str:
        return ", ".join(value) if key == "[[country]]" else f"{value}"

    hints = {"[[country]]": "countries", "population.size": "population.size=N",
             "scenario.steps": "scenario.steps=N"}
    mine = world(reference)
    for s in others:
        for key, theirs in world(s).items():
            if theirs == mine[key]:
                continue
            fix = ("" if key == "[[country]]" else
                   f" (--set {hints[key]} sets every one)")
            if role == "control":
                raise ScenarioError(
                    reference.source, key,
                    f"the control has {show(key, mine[key])}, but {s.source} has "
                    f"{show(key, theirs)}: a control is the same world as the scenarios "
                    f"compared with it, without their treatment{fix}")
            raise ScenarioError(
                s.source, key,
                f"{show(key, theirs)}, but {reference.source} (the design's first file, "
                f"neither factor) has {show(key, mine[key])}: the four scenarios of a 2 × 2 "
                f"design are the same world{fix}")


def check_factorial(scenarios: list[Scenario]) -> None:
    """Refuse a 2 × 2 design that is not four scenarios of the same world."""
    if len(scenarios) != 4:
        raise NanosimError(f"--factorial takes four scenario files in the order A (neither "
                           f"factor), B (first factor only), C (second factor only), D (both); "
                           f"got {len(scenarios)}")
    check_same_world(scenarios[0], scenarios[1:], role="factorial")


def parse_factors(text: str | tuple[str, str] | None) -> tuple[str, str]:
    """``"NAME1,NAME2"`` (or a pair already split) as the 2 × 2 design's factor names."""
    if text is None:
        return FACTORS
    names = [str(x).strip() for x in (text.split(",") if isinstance(text, str) else text)]
    if len(names) != 2 or not all(names):
        raise NanosimError(f"--factors: {text!r} is not two names, e.g. crisis,nano")
    return names[0], names[1]


def check_metric(metric: str) -> str:
    """A metric whose shift can be compared (an observer→target metric, or soft power)."""
    if metric not in COMPARABLE:
        what = (f"{metric!r} has no one value per observer→target pair to compare"
                if metric in METRICS else f"unknown metric {metric!r}")
        raise NanosimError(f"--metric: {what}; allowed: {', '.join(COMPARABLE)}")
    return metric


# --- reading the table: shifts ------------------------------------------------------------


def pair_values(df: pd.DataFrame, metric: str, pair: tuple[str, str]) -> pd.DataFrame:
    """``metric`` of one pair at every step, per scenario and run: scenario, replicate, step,
    value (the level, not a shift)."""
    check_metric(metric)
    observer, target = pair
    rows = R.select(df, metric, observer, target)
    missing = [n for n in scenario_names(df) if not (rows["scenario"] == n).any()]
    if missing or rows.empty:
        where = f" in scenario {missing[0]!r} of these results" if missing else " in these results"
        raise NanosimError(f"no {metric} rows for {observer} → {target}{where}")
    out = rows[["scenario", "replicate", "step", "value"]].reset_index(drop=True)
    out["scenario"] = pd.Categorical(out["scenario"].astype(str), categories=scenario_names(df))
    return out


def pair_shifts(df: pd.DataFrame, metric: str, pair: tuple[str, str]) -> pd.DataFrame:
    """Shift of ``metric`` for one pair since the first recorded step, per scenario and run.

    Columns: scenario, replicate, step, value (the shift).
    """
    rows = pair_values(df, metric, pair)
    base = rows[rows["step"] == rows["step"].min()].set_index(["scenario", "replicate"])["value"]
    start = base.reindex(pd.MultiIndex.from_frame(rows[["scenario", "replicate"]])).to_numpy()
    return rows.assign(value=rows["value"].to_numpy() - start)


def final_pair_shifts(df: pd.DataFrame, metric: str, pair: tuple[str, str]) -> pd.DataFrame:
    """Each run's final shift for one pair: scenario, replicate, value."""
    rows = pair_shifts(df, metric, pair)
    last = rows.groupby(["scenario", "replicate"], observed=True)["step"].transform("max")
    return rows[rows["step"] == last][["scenario", "replicate", "value"]].reset_index(drop=True)


# --- reading the table: effects against counterfactuals ------------------------------------


def paired_effects(values: pd.DataFrame, control: str) -> pd.DataFrame:
    """Each scenario's effect against ``control``, replicate by replicate and step by step.

    ``values`` has columns scenario, replicate, step, value (:func:`pair_values`); the
    result has the same columns, ``value`` being the scenario's value minus the control's
    value of the same replicate at the same step, for every scenario but the control.
    """
    names = scenario_names(values)
    if control not in names:
        raise NanosimError(f"the control {control!r} is not one of the compared scenarios "
                           f"({listed(names)})")
    keys = ["replicate", "step"]
    base = values[values["scenario"] == control][[*keys, "value"]]
    others = values[values["scenario"] != control]
    out = others.merge(base, on=keys, suffixes=("", "_control"), validate="many_to_one")
    out["value"] = out["value"] - out["value_control"]
    out["scenario"] = pd.Categorical(out["scenario"].astype(str),
                                     categories=[n for n in names if n != control])
    return out[["scenario", *keys, "value"]].reset_index(drop=True)


def factorial_contrasts(factors: tuple[str, str] = FACTORS) -> list[tuple[str, str]]:
    """(effect, contrast) of a 2 × 2 design with scenarios A (neither factor), B (first
    only), C (second only), D (both), in the order they are reported."""
    first, second = factors
    return [(f"{first} (main effect)", "½[(B − A) + (D − C)]"),
            (f"{second} (main effect)", "½[(C − A) + (D − B)]"),
            (f"{first} without {second}", "B − A"),
            (f"{first} with {second}", "D − C"),
            ("interaction", "(D − C) − (B − A)")]


def factorial_effects(values: pd.DataFrame, factors: tuple[str, str] = FACTORS) -> pd.DataFrame:
    """The main effects, simple effects and interaction of a 2 × 2 design, per run and step.

    ``values`` (:func:`pair_values`) holds four scenarios, in the order A (neither factor),
    B (first factor only), C (second factor only), D (both). Every contrast is taken
    replicate by replicate; the main effects are averaged over the other factor's two
    levels. Columns: effect, replicate, step, value.
    """
    names = scenario_names(values)
    if len(names) != 4:
        raise NanosimError(f"a 2 × 2 design has four scenarios, in the order A (neither "
                           f"factor), B (first only), C (second only), D (both); got "
                           f"{len(names)}")
    wide = values.pivot(index=["replicate", "step"], columns="scenario", values="value")
    a, b, c, d = (wide[n].to_numpy() for n in names)
    paired = ~np.isnan(a + b + c + d)
    contrasts = [((b - a) + (d - c)) / 2, ((c - a) + (d - b)) / 2, b - a, d - c,
                 (d - c) - (b - a)]
    labels = [label for label, _ in factorial_contrasts(factors)]
    index = wide.index.to_frame(index=False)[paired]
    out = pd.concat([index.assign(effect=label, value=v[paired])
                     for label, v in zip(labels, contrasts, strict=True)], ignore_index=True)
    out["effect"] = pd.Categorical(out["effect"], categories=labels)
    return out[["effect", "replicate", "step", "value"]]


def final_step(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows at the last step of a table of paired values (every run ends together)."""
    return rows[rows["step"] == rows["step"].max()]


def comparison_table(df: pd.DataFrame, metric: str = "favourability",
                     pair: tuple[str, str] | None = None,
                     control: str | None = None) -> pd.DataFrame:
    """Final shift per scenario (median, 10 %, 90 %) and its effect against ``control``.

    ``shift_*`` is each scenario's final shift since step 0. With a ``control`` (a scenario
    name), ``effect_*`` are the median and 10–90 % of the scenario's final value minus the
    control's, replicate by replicate (common random numbers), and ``effect_positive`` the
    share of replicates where it is above zero; the control's own row is zero. Without one,
    ``diff_*`` and ``diff_positive`` are the same of each scenario's final shift minus the
    first scenario's: a difference in shift, not an effect against a counterfactual.
    """
    pair = pair or first_pair(df, metric)
    final = final_pair_shifts(df, metric, pair)
    names = scenario_names(df)
    own = {n: final[final["scenario"] == n].set_index("replicate")["value"] for n in names}
    if control is not None:
        effects = final_step(paired_effects(pair_values(df, metric, pair), control))
        against = {n: effects[effects["scenario"] == n].set_index("replicate")["value"]
                   for n in names if n != control}
        against[control] = pd.Series(0.0, index=own[control].index)
    rows = []
    for name in names:
        row = {"scenario": name, "replicates": int(own[name].size),
               **_summary(own[name], "shift", positive=False)}
        if control is None:
            row.update(_summary((own[name] - own[names[0]]).dropna(), "diff"))
        else:
            row.update(_summary(against[name], "effect"))
        rows.append(row)
    return pd.DataFrame(rows, columns=SHIFT_COLUMNS + (DIFF_COLUMNS if control is None
                                                       else EFFECT_COLUMNS))


def factorial_table(df: pd.DataFrame, metric: str = "favourability",
                    pair: tuple[str, str] | None = None,
                    factors: tuple[str, str] = FACTORS) -> pd.DataFrame:
    """The 2 × 2 design's effects at the final step: one row per contrast of
    :func:`factorial_contrasts`, with the median, 10–90 % and share above zero across
    replicates (the four scenarios of ``df`` in the order A, B, C, D)."""
    pair = pair or first_pair(df, metric)
    effects = final_step(factorial_effects(pair_values(df, metric, pair), factors))
    rows = []
    for label, contrast in factorial_contrasts(factors):
        value = effects[effects["effect"] == label]["value"]
        rows.append({"effect": label, "contrast": contrast, "replicates": int(value.size),
                     **_summary(value, "effect")})
    return pd.DataFrame(rows, columns=FACTORIAL_COLUMNS)


def effects_over_time(df: pd.DataFrame, metric: str, pair: tuple[str, str],
                      control: str, factorial: bool = False,
                      factors: tuple[str, str] = FACTORS) -> pd.DataFrame:
    """Every effect of a comparison per replicate and step, each named with what it is
    measured against: effect, against, replicate, step, value (``effects.csv``)."""
    values = pair_values(df, metric, pair)
    effects = paired_effects(values, control)
    parts = [effects.assign(effect=effects["scenario"].astype(str), against=control)]
    if factorial:
        names = scenario_names(values)
        design = ", ".join(f"{k} = {n}" for k, n in zip("ABCD", names, strict=True))
        parts.append(factorial_effects(values, factors).assign(against=f"2 × 2: {design}"))
    out = pd.concat([p[["effect", "against", "replicate", "step", "value"]] for p in parts],
                    ignore_index=True)
    out["effect"] = out["effect"].astype(str)
    return out


def initial_effect(df: pd.DataFrame, metric: str, pair: tuple[str, str],
                   control: str) -> float:
    """The largest effect against ``control`` at the first recorded step, in absolute value:
    zero when the worlds start the same, so that every effect arises after day 0."""
    effects = paired_effects(pair_values(df, metric, pair), control)
    first = effects[effects["step"] == effects["step"].min()]["value"]
    return float(first.abs().max()) if not first.empty else 0.0


def _summary(values: pd.Series, prefix: str, positive: bool = True) -> dict:
    """Median and 10–90 % of ``values`` (and the share above zero) as ``prefix_*`` keys."""
    lo, hi = R.BAND
    out = {f"{prefix}_median": values.median(), f"{prefix}_low": values.quantile(lo),
           f"{prefix}_high": values.quantile(hi)}
    if positive:
        out[f"{prefix}_positive"] = float((values > 0).mean())
    return out
def channel_table(df: pd.DataFrame, metric: str, pair: tuple[str, str]) -> pd.DataFrame:
    """Final shift made by each channel for one pair, per scenario (results.channel_shares)."""
    by_channel = BY_CHANNEL.get(check_metric(metric), "shift_by_channel")
    observer, target = pair
    parts = []
    for name, part in df.groupby("scenario", observed=True, sort=False):
        table = R.channel_shares(R.select(part, by_channel, observer, target), by_channel)
        parts.append(table.assign(scenario=name))
    out = pd.concat(parts, ignore_index=True)
    out["scenario"] = pd.Categorical(out["scenario"], categories=scenario_names(df))
    out["channel"] = out["channel"].astype(str)
    return out


def event_steps(scenarios: list[Scenario]) -> list[int]:
    """Steps at which any of the scenarios has an event (to mark on time axes)."""
    return sorted({e.step for s in scenarios for e in s.events})


def scenario_names(df: pd.DataFrame) -> list[str]:
    """The compared scenarios' names, in the order they were given."""
    col = df["scenario"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [str(c) for c in col.cat.categories if (col == c).any()]
    return [str(c) for c in dict.fromkeys(col)]


def first_pair(df: pd.DataFrame, metric: str) -> tuple[str, str]:
    """The first observer→target pair with ``metric`` rows (the default pair)."""
    rows = R.select(df, metric)[["observer", "target"]].drop_duplicates()
    if rows.empty:
        raise NanosimError(f"no {metric} rows in these results")
    o, t = rows.iloc[0]
    return str(o), str(t)


def pair_label(metric: str, pair: tuple[str, str]) -> str:
    """How figures and reports name ``metric`` of one pair: ``favourability: A → B``, or
    for soft power (observer ``all``) ``soft power of B among all foreign citizens``."""
    if pair[0] == ALL:
        return f"{metric.replace('_', ' ')} of {pair[1]} among all foreign citizens"
    return f"{metric.replace('_', ' ')}: {pair[0]} → {pair[1]}"


def readable_table(table: pd.DataFrame, control: str | None, last: int) -> pd.DataFrame:
    """:func:`comparison_table` as the reports show it: headings in words, values to three
    decimals with their sign, intervals as [low, high], shares in per cent."""
    names = list(table["scenario"])
    if control is None:
        heads = ["scenario", "shift since day 0 (median)", "10–90 %",
                 f"difference in shift to “{names[0]}”", "10–90 % ", "shift larger"]
        rows = [[str(r.scenario), f"{r.shift_median:+.3f}",
                 f"[{r.shift_low:+.3f}, {r.shift_high:+.3f}]", f"{r.diff_median:+.3f}",
                 f"[{r.diff_low:+.3f}, {r.diff_high:+.3f}]", f"{r.diff_positive:.0%}"]
                for r in table.itertuples(index=False)]
    else:
        heads = ["scenario", "shift since day 0 (median)", "10–90 %",
                 f"effect against “{control}” at day {last}", "10–90 % ", "effect > 0"]
        rows = [[str(r.scenario), f"{r.shift_median:+.3f}",
                 f"[{r.shift_low:+.3f}, {r.shift_high:+.3f}]",
                 *(["control", "", ""] if r.scenario == control else
                   [f"{r.effect_median:+.3f}", f"[{r.effect_low:+.3f}, {r.effect_high:+.3f}]",
                    f"{r.effect_positive:.0%}"])]
                for r in table.itertuples(index=False)]
    return pd.DataFrame(rows, columns=heads)


def readable_factorial(design: pd.DataFrame) -> pd.DataFrame:
    """:func:`factorial_table` as the reports show it (see :func:`readable_table`)."""
    return pd.DataFrame([[str(r.effect), str(r.contrast), f"{r.effect_median:+.3f}",
                          f"[{r.effect_low:+.3f}, {r.effect_high:+.3f}]",
                          f"{r.effect_positive:.0%}"] for r in design.itertuples(index=False)],
                        columns=["effect", "contrast", "median", "10–90 %", "> 0"])


def _markdown_rows(table: pd.DataFrame) -> list[str]:
    """A readable table as Markdown rows: words left-aligned, numbers right-aligned."""
    align = ["---" if not any(c[:1] in "+-[0123456789" for c in table[h] if c) else "---:"
             for h in table.columns]
    return ["| " + " | ".join(h.strip() for h in table.columns) + " |",
            "|" + "|".join(align) + "|",
            *("| " + " | ".join(row) + " |" for row in table.itertuples(index=False))]


def comparison_markdown(df: pd.DataFrame, table: pd.DataFrame, metric: str,
                        pair: tuple[str, str], control: str | None = None,
                        factorial: pd.DataFrame | None = None) -> str:
    """The comparison as a short Markdown report: shifts, and effects against the control
    (or the difference in shift to the first scenario), and a 2 × 2 design's effects."""
    n = int(df["replicate"].nunique())
    last = int(df["step"].max())
    names = list(table["scenario"])
    lines = [
        f"# Comparison: {pair_label(metric, pair)}", "",
        f"{len(table)} scenarios × {n} replicates, common random numbers (replicate r of "
        "every scenario uses the same random stream). Intervals are 10–90 % across "
        f"replicates. The *shift* is a scenario's own change from day 0 to day {last}; it "
        "is not an effect unless the world without the treatment stays put.", "",
    ]
    if control is None:
        lines += [
            f"The *difference in shift to “{names[0]}”* (the first scenario) is taken "
            "replicate by replicate (paired), and “shift larger” is the share of replicates "
            "where the scenario's shift exceeds the first one's. Give `--control FILE` for "
            "effects against a control.", "",
            *_markdown_rows(readable_table(table, control, last)),
        ]
    else:
        lines += [
            f"The *effect against “{control}”* (the control) is the scenario's value minus "
            f"the control's at day {last}, replicate by replicate (paired: same seeds, same "
            "random numbers); “effect > 0” is the share of replicates where it is positive.",
            "",
            *_markdown_rows(readable_table(table, control, last)),
        ]
        start = initial_effect(df, metric, pair, control)
        if start > 0:
            lines += ["", f"The scenarios differ from the control already at day 0 (by up to "
                      f"{start:.3f}): their effects include that difference."]
    if factorial is not None:
        lines += ["", "## 2 × 2 design", "",
                  ", ".join(f"{k} = {name} ({role})" for k, name, role
                            in zip("ABCD", names, FACTORIAL_ORDER, strict=True)) + ". "
                  "Each contrast is taken replicate by replicate at day "
                  f"{last}; the main effects average over the other factor's two levels. The "
                  "interaction is a difference in differences: how much the first factor's "
                  "effect changes when the second is present (a difference the second factor "
                  "makes alike with or without the first is a main effect, not an "
                  "interaction).", "",
                  *_markdown_rows(readable_factorial(factorial))]
    lines += ["", "![shift over time](comparison.png)", ""]
    if control is not None:
        lines += ["![effects over time](effects.png)", ""]
    lines += ["![final shift and effect](final_shift.png)", "", "![channels](channels.png)", ""]
    return "\n".join(lines)
