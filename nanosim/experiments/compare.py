"""Comparing scenarios side by side: common random numbers, paired differences, figures.

``nanosim compare A.toml B.toml ...`` runs every scenario with the same root seed and
the same replicate numbers, so replicate r of every scenario draws from the same
random stream (common random numbers): differences between scenarios come from the
scenarios, not from the dice. Replicate r of scenario B is paired with replicate r
of the first scenario, and the spread of those paired differences is reported.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

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
    out["scenario"] = pd.Categorical(out["scenario"], categories=_scenarios(df))
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
    pair = pair or _first_pair(df, metric)
    final = final_pair_shifts(df, metric, pair)
    names = _scenarios(df)
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
    out["scenario"] = pd.Categorical(out["scenario"], categories=_scenarios(df))
    out["channel"] = out["channel"].astype(str)
    return out


def event_steps(scenarios: list[Scenario]) -> list[int]:
    """Steps at which any of the scenarios has an event (to mark on time axes)."""
    return sorted({e.step for s in scenarios for e in s.events})


def _scenarios(df: pd.DataFrame) -> list[str]:
    col = df["scenario"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [str(c) for c in col.cat.categories if (col == c).any()]
    return [str(c) for c in dict.fromkeys(col)]


def _first_pair(df: pd.DataFrame, metric: str) -> tuple[str, str]:
    rows = R.select(df, metric)[["observer", "target"]].drop_duplicates()
    if rows.empty:
        raise NanosimError(f"no {metric} rows in these results")
    o, t = rows.iloc[0]
    return str(o), str(t)


# --- figures -------------------------------------------------------------------------------


def comparison_figures(df: pd.DataFrame, metric: str = "favourability",
                       pair: tuple[str, str] | None = None, event_steps=()) -> dict:
    """Figures ``comparison`` (shift over time), ``final_shift`` and ``channels``.

    ``event_steps`` are marked on the time axis (see :func:`event_steps`).
    """
    pair = pair or _first_pair(df, metric)
    return {"comparison": _over_time_figure(df, metric, pair, event_steps),
            "final_shift": _final_shift_figure(df, metric, pair),
            "channels": _channels_figure(df, metric, pair)}


def pair_label(metric: str, pair: tuple[str, str]) -> str:
    """How figures and reports name ``metric`` of one pair: ``favourability: A → B``, or
    for soft power (observer ``all``) ``soft power of B among all foreign citizens``."""
    if pair[0] == ALL:
        return f"{metric.replace('_', ' ')} of {pair[1]} among all foreign citizens"
    return f"{metric.replace('_', ' ')}: {pair[0]} → {pair[1]}"


def _over_time_figure(df, metric, pair, event_steps=()):
    import matplotlib.pyplot as plt

    from nanosim.figures import plots

    rows = pair_shifts(df, metric, pair)
    table = R.bands(rows, ["scenario", "step"])
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, part in table.groupby("scenario", observed=True, sort=False):
        plots.band_plot(ax, part, str(name))
    for step in event_steps:
        ax.axvline(step, color="grey", ls=":", lw=0.8)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set(xlabel="step (day)" + ("; dotted: events" if len(event_steps) else ""),
           ylabel=f"shift in {metric.replace('_', ' ')} since step 0",
           title=f"Perception shift, {pair_label(metric, pair)}\n(median and 10–90 % of "
                 f"{int(rows['replicate'].nunique())} replicates; common random numbers)")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def _final_shift_figure(df, metric, pair):
    import matplotlib.pyplot as plt

    table = comparison_table(df, metric, pair)
    final = final_pair_shifts(df, metric, pair)
    names = list(table["scenario"])
    y = np.arange(len(names))[::-1]
    fig, axes = plt.subplots(1, 2, figsize=(10, max(3.0, 1.2 + 0.6 * len(names))), sharey=True)
    panels = ((axes[0], "median", "low", "high", "final shift since step 0"),
              (axes[1], "diff_median", "diff_low", "diff_high",
               f"difference to “{names[0]}”\n(paired by replicate)"))
    for ax, mid, lo, hi, title in panels:
        med = table[mid].to_numpy()
        err = np.vstack([med - table[lo].to_numpy(), table[hi].to_numpy() - med])
        ax.errorbar(med, y, xerr=np.abs(err), fmt="o", color="black", capsize=4,
                    label="median, 10–90 %")
        ax.axvline(0, color="grey", lw=0.6)
        ax.set(title=title, xlabel=f"shift in {metric.replace('_', ' ')}")
        ax.xaxis.set_major_locator(plt.MaxNLocator(5))  # tick labels never run together
    for k, name in enumerate(names):  # each replicate as a faint dot on the left panel
        vals = final[final["scenario"] == name]["value"].to_numpy()
        axes[0].plot(vals, np.full(vals.size, y[k]) + 0.15, "|", color="tab:blue", alpha=0.5)
    axes[0].set_yticks(y, names, fontsize=8)
    fig.suptitle(pair_label(metric, pair), fontsize=10)
    fig.tight_layout()
    return fig


def _channels_figure(df, metric, pair):
    import matplotlib.pyplot as plt

    from nanosim.figures import plots

    table = channel_table(df, metric, pair)
    names = _scenarios(df)
    channels = plots.moved_channels(table)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(names) + 3) + 1.5, 4.5))
    width = 0.8 / max(1, len(channels))
    x = np.arange(len(names))
    for k, ch in enumerate(channels):
        part = table[table["channel"] == ch].set_index("scenario").reindex(names)
        mean = part["mean"].to_numpy()
        err = np.vstack([mean - part["low"].to_numpy(), part["high"].to_numpy() - mean])
        ax.bar(x + (k - (len(channels) - 1) / 2) * width, mean, width, yerr=np.abs(err),
               label=ch.replace("_", " "), color=plots.CHANNEL_COLOURS[ch], capsize=2)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xticks(x, names, rotation=15, ha="right", fontsize=8)
    image = {"image_people": "people image", "image_state": "state image",
             "soft_power": "soft power"}.get(metric, "favourability")
    viewers = "foreigners'" if pair[0] == ALL else f"{pair[0]}'s"
    ax.set(ylabel=f"{image} shift made by channel\n(mean, 10–90 % of replicates)",
           title=f"Which channel moved {viewers} view of {pair[1]}?")
    if channels:
        ax.legend(fontsize=8, title="nano: greens,\nhigh politics: warm", title_fontsize=8,
                  loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the bars, not on them
    elif table.empty:  # a table written before its per-channel metric existed
        ax.text(0.5, 0.5, "no per-channel rows in these results\n(written by an older "
                "nanosim: run the comparison again)", transform=ax.transAxes, ha="center")
    else:
        ax.text(0.5, 0.5, "no channel moved this view", transform=ax.transAxes, ha="center")
    fig.tight_layout()
    return fig


# --- writing and printing ---------------------------------------------------------------------


COMPARE_FILES = ("comparison.json", "comparison.parquet", "comparison.csv", "comparison.md",
                 "comparison.png", "final_shift.png", "channels.png")  # the first marks it


def write_comparison(df: pd.DataFrame, out_dir: str | Path, metric: str = "favourability",
                     pair: tuple[str, str] | None = None, csv: bool = False,
                     event_steps=(), *, seed: int | None = None, sources=(),
                     overrides=()) -> Path:
    """Write the tidy table, comparison.md, comparison.json and the three figures, atomically.

    ``seed``, ``sources`` (the scenario files) and ``overrides`` (``"key=value"`` as given
    to ``--set``) are recorded in comparison.json, so the comparison can be run again.
    """
    from nanosim.figures import plots
    from nanosim.io.outputs import staged, versions, write_table

    pair = pair or _first_pair(df, metric)
    table = comparison_table(df, metric, pair)
    figures = comparison_figures(df, metric, pair, event_steps)
    out = Path(out_dir)
    with staged(out, COMPARE_FILES, "nanosim compare") as stage:
        write_table(df, stage / "comparison.parquet")
        if csv:
            df.to_csv(stage / "comparison.csv", index=False)
        (stage / "comparison.md").write_text(comparison_markdown(df, table, metric, pair))
        info = {"metric": metric, "pair": list(pair), "scenarios": _scenarios(df),
                "sources": [str(s) for s in sources], "overrides": list(overrides),
                "seed": seed, "replicates": int(df["replicate"].nunique()),
                "steps": int(df["step"].max()), "event_steps": [int(t) for t in event_steps],
                "versions": versions(),
                "table": json.loads(table.to_json(orient="records"))}
        (stage / "comparison.json").write_text(json.dumps(info, indent=2) + "\n")
        for name, fig in figures.items():
            plots.save(fig, stage / f"{name}.png")
    return out


def load_comparison(folder: str | Path) -> tuple[pd.DataFrame, dict]:
    """A folder written by ``nanosim compare``: its tidy table and ``comparison.json``."""
    folder = Path(folder)
    try:
        info = json.loads((folder / COMPARE_FILES[0]).read_text(encoding="utf-8"))
        df = pd.read_parquet(folder / "comparison.parquet")
    except FileNotFoundError as e:
        raise NanosimError(f"{folder}: not a comparison folder (no {Path(e.filename).name}; "
                           "`nanosim compare` writes one)") from None
    except (OSError, ValueError) as e:
        raise NanosimError(f"{folder}: cannot read the comparison: {e}") from None
    return df, info


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


def table_lines(table: pd.DataFrame) -> list[str]:
    """A short terminal table of the comparison."""
    width = max(12, *(len(str(s)) for s in table["scenario"])) + 2
    lines = [f"{'scenario':<{width}}{'shift':>8}{'10–90 %':>19}{'vs first':>10}{'10–90 %':>19}"]
    for row in table.itertuples(index=False):
        lines.append(f"{str(row.scenario):<{width}}{row.median:>+8.3f}"
                     f"{f'[{row.low:+.3f}, {row.high:+.3f}]':>19}{row.diff_median:>+10.3f}"
                     f"{f'[{row.diff_low:+.3f}, {row.diff_high:+.3f}]':>19}")
    return lines


def command(args: argparse.Namespace) -> int:
    """``nanosim compare``: run scenarios side by side and write the comparison folder."""
    from nanosim.cli.commands import load_with_options
    from nanosim.experiments.runner import Timer
    from nanosim.io.outputs import check_out

    if len(args.scenarios) < 2:
        raise NanosimError("compare needs two or more scenario files")
    metric = check_metric(args.metric)
    pair = parse_pair(args.pair)
    scenarios = [load_with_options(path, args) for path in args.scenarios]
    pair = check_pair(scenarios, pair, metric)
    check_out(args.out, COMPARE_FILES, "nanosim compare")
    n, root = comparison_plan(scenarios, args.replicates, args.seed)
    others = [f"{p} (seed {s.run.seed})"
              for p, s in zip(args.scenarios, scenarios, strict=True) if s.run.seed != root]
    if others and args.seed is None:
        print(f"note: every scenario runs with the first file's seed, {root} (common random "
              f"numbers), also {', '.join(others)}")
    timer = Timer()
    bar = _progress_bar(n * len(scenarios))
    df = run_comparison(scenarios, n, root,
                        progress=(lambda done, total: bar.update(done - bar.n)) if bar else None)
    if bar:
        bar.close()
    out = write_comparison(df, args.out, metric, pair, csv=args.csv,
                           event_steps=event_steps(scenarios), seed=root,
                           sources=args.scenarios, overrides=args.overrides)
    print(f"{len(scenarios)} scenarios x {n} replicates (seed {root}, common random numbers) "
          f"in {timer.seconds:.1f} s; final shift of {pair_label(metric, pair)}")
    print("\n".join(table_lines(comparison_table(df, metric, pair))))
    print(f"figure: {out / 'comparison.png'}")
    print(f"results: {out}/ (comparison.md, comparison.parquet, final_shift.png, channels.png)")
    return 0


def _progress_bar(total: int):
    from tqdm import tqdm

    if not sys.stderr.isatty():
        return None
    return tqdm(total=total, desc="compare", unit="run", leave=False)
