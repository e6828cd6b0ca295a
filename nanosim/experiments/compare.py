"""Comparing scenarios side by side: common random numbers and paired differences.

Every scenario runs with the same root seed and the same replicate numbers, so
replicate r of every scenario draws from the same random stream (common random
numbers): differences between scenarios come from the scenarios, not from the dice.
Replicate r of scenario B is paired with replicate r of the first scenario, and the
spread of those paired differences is reported. Figures of a comparison are drawn
by :mod:`nanosim.figures.compare`; its folder is written by :mod:`nanosim.io.compare`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from nanosim.engine.metrics import ALL, METRICS, PAIR_METRICS
from nanosim.errors import NanosimError, ScenarioError
from nanosim.experiments import results as R
from nanosim.scenario import Scenario

COMPARABLE = (*PAIR_METRICS, "soft_power")  # one value per observer→target (soft power: all→c)


BY_CHANNEL = {"image_people": "shift_by_channel_people", "image_state": "shift_by_channel_state",
              "soft_power": "soft_power_by_channel"}


TABLE_COLUMNS = ["scenario", "replicates", "median", "low", "high", "diff_median", "diff_low",
                 "diff_high", "diff_positive"]


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


def run_comparison(scenarios: list[Scenario], replicates: int | None = None,
                   seed: int | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   cancel: Callable[[], bool] | None = None) -> pd.DataFrame:
    """Run every scenario's replicates with common random numbers; one tidy table.

    The table is the runner's tidy table of every run plus a categorical column
    ``scenario`` (names made unique). ``progress(done, total)`` is called after each
    run; ``cancel()`` is checked at every step and raises :class:`Cancelled`.
    """
    from nanosim.experiments.runner import concat_tables, run_replicate

    n, root = comparison_plan(scenarios, replicates, seed)
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
    it is alone; for soft power, ``all`` → each country, where there are foreigners)."""
    names = scenario.country_names
    if metric == "soft_power":
        return [(ALL, c) for c in names] if len(names) > 1 else []
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
    elif given and given[0] == ALL:
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
                f"{', '.join(s.country_names)}); {hint}")
    return chosen


def check_metric(metric: str) -> str:
    """A metric whose shift can be compared (an observer→target metric, or soft power)."""
    if metric not in COMPARABLE:
        what = (f"{metric!r} has no one value per observer→target pair to compare"
                if metric in METRICS else f"unknown metric {metric!r}")
        raise NanosimError(f"--metric: {what}; allowed: {', '.join(COMPARABLE)}")
    return metric


# --- reading the table ----------------------------------------------------------------------


def pair_shifts(df: pd.DataFrame, metric: str, pair: tuple[str, str]) -> pd.DataFrame:
    """Shift of ``metric`` for one pair since the first recorded step, per scenario and run.

    Columns: scenario, replicate, step, value (the shift).
    """
    check_metric(metric)
    observer, target = pair
    parts = []
    for name, part in df.groupby("scenario", observed=True, sort=False):
        rows = R.shifts(R.select(part, metric, observer, target), metric)
        if rows.empty:
            raise NanosimError(f"no {metric} rows for {observer} → {target} in scenario "
                               f"{name!r} of these results")
        parts.append(rows[["replicate", "step", "value"]].assign(scenario=name))
    if not parts:
        raise NanosimError(f"no {metric} rows for {observer} → {target} in these results")
    out = pd.concat(parts, ignore_index=True)
    out["scenario"] = pd.Categorical(out["scenario"], categories=scenario_names(df))
    return out[["scenario", "replicate", "step", "value"]]


def final_pair_shifts(df: pd.DataFrame, metric: str, pair: tuple[str, str]) -> pd.DataFrame:
    """Each run's final shift for one pair: scenario, replicate, value."""
    rows = pair_shifts(df, metric, pair)
    last = rows.groupby(["scenario", "replicate"], observed=True)["step"].transform("max")
    return rows[rows["step"] == last][["scenario", "replicate", "value"]].reset_index(drop=True)


def comparison_table(df: pd.DataFrame, metric: str = "favourability",
                     pair: tuple[str, str] | None = None) -> pd.DataFrame:
    """Final shift per scenario (median, 10 %, 90 %) and its paired difference to the first.

    The difference of scenario B is taken replicate by replicate (B's replicate r minus
    the first scenario's replicate r: common random numbers); ``diff_median``,
    ``diff_low``, ``diff_high`` are the median and 10–90 % of those differences and
    ``diff_positive`` the share of replicates where B's shift is larger.
    """
    pair = pair or first_pair(df, metric)
    final = final_pair_shifts(df, metric, pair)
    names = scenario_names(df)
    first = final[final["scenario"] == names[0]].set_index("replicate")["value"]
    rows = []
    for name in names:
        own = final[final["scenario"] == name].set_index("replicate")["value"]
        diff = (own - first).dropna()
        lo, hi = R.BAND
        rows.append({
            "scenario": name, "replicates": int(own.size),
            "median": own.median(), "low": own.quantile(lo), "high": own.quantile(hi),
            "diff_median": diff.median(), "diff_low": diff.quantile(lo),
            "diff_high": diff.quantile(hi), "diff_positive": float((diff > 0).mean()),
        })
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


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


def comparison_markdown(df: pd.DataFrame, table: pd.DataFrame, metric: str,
                        pair: tuple[str, str]) -> str:
    """The comparison as a short Markdown report."""
    n = int(df["replicate"].nunique())
    first = table["scenario"].iloc[0]
    lines = [
        f"# Comparison: {pair_label(metric, pair)}", "",
        f"{len(table)} scenarios × {n} replicates, common random numbers (replicate r of "
        "every scenario uses the same random stream). Final shift = value at the last "
        "step minus value at step 0. Intervals are 10–90 % across replicates; the "
        f"difference to “{first}” is taken replicate by replicate (paired), and "
        "“B larger” is the share of replicates where the scenario's shift exceeds the "
        "first one's.", "",
        "| scenario | final shift (median) | 10–90 % | difference to first | 10–90 % "
        "| B larger |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in table.itertuples(index=False):
        lines.append(f"| {row.scenario} | {row.median:+.3f} | [{row.low:+.3f}, {row.high:+.3f}] "
                     f"| {row.diff_median:+.3f} | [{row.diff_low:+.3f}, {row.diff_high:+.3f}] "
                     f"| {row.diff_positive:.0%} |")
    lines += ["", "![shift over time](comparison.png)", "",
              "![final shift](final_shift.png)", "", "![channels](channels.png)", ""]
    return "\n".join(lines)
