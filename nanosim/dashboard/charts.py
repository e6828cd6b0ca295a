"""ECharts options of the dashboard's interactive figures (drawn in the browser).

ECharts is the charting library Solara ships (``solara.FigureEcharts``): its script comes
with solara-assets, so the figures work offline; each figure here is a plain dict of
numbers, built from the same tables as the matplotlib figures of
:mod:`nanosim.figures.compare` (which remain the downloads). Every chart has hover
values, zoom (mouse wheel or drag; the toolbox resets it), legend toggles, a text
description for screen readers (``aria``), and dotted markers at the scenarios' events.
"""

from __future__ import annotations

import pandas as pd

from nanosim.figures.plots import CHANNEL_COLOURS

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")  # matplotlib's tab10, as the figures use
EVENTS = "events"


def colour(k: int) -> str:
    return COLOURS[k % len(COLOURS)]


def _r(x) -> float | None:
    return None if pd.isna(x) else round(float(x), 4)


def base(description: str, legend: list[str] | None = None, zoom_x: bool = True) -> dict:
    """What every chart shares: no animation, a description, tooltips, the toolbox and
    (when ``legend`` names are given) a legend of toggles that wraps onto more lines."""
    option = {
        "animation": False,
        "aria": {"enabled": True, "label": {"description": description}},
        "tooltip": {"trigger": "item", "confine": True},
        "toolbox": {"right": 0, "top": "middle", "orient": "vertical", "itemSize": 13,
                    "feature": {"dataZoom": {"filterMode": "none"}, "restore": {}}},
        "grid": {"left": 40, "right": 34, "top": 36 + 22 * _legend_rows(legend),
                 "bottom": 28, "containLabel": True},
    }
    if legend:
        option["legend"] = {"type": "plain", "top": 4, "left": 8, "right": 8,
                            "data": legend, "textStyle": {"fontSize": 12}}
    if zoom_x:
        option["dataZoom"] = [{"type": "inside", "filterMode": "none"}]
    return option


def _legend_rows(legend: list[str] | None) -> int:
    """Lines a wrapped legend takes in a narrow chart (about 40 characters a line)."""
    if not legend:
        return 0
    chars = sum(len(n) + 6 for n in legend)
    return max(1, -(-chars // 40))


def event_series(event_steps) -> list[dict]:
    """A legend entry "events" drawing a dotted vertical line at each event's step."""
    if not len(event_steps):
        return []
    return [{"name": EVENTS, "type": "line", "data": [], "silent": True,
             "itemStyle": {"color": "#777777"},
             "markLine": {"symbol": "none", "silent": False,
                          "lineStyle": {"type": "dotted", "color": "#777777", "width": 1.5},
                          "label": {"formatter": "event, day {c}", "fontSize": 10},
                          "tooltip": {"formatter": "event on day {c}"},
                          "data": [{"xAxis": t} for t in event_steps]}}]


def band_option(table: pd.DataFrame, by: str, description: str, y_name: str,
                event_steps=(), colours: dict[str, str] | None = None) -> dict:
    """Median lines with their 10–90 % bands over steps, one per ``by`` value.

    ``table`` is :func:`nanosim.experiments.results.bands` of (``by``, step); hovering
    shows each median on that day (the bands are drawn, not listed).
    """
    names = [str(n) for n in dict.fromkeys(table[by].astype(str))]
    steps = sorted({int(s) for s in table["step"]})
    series = []
    for k, name in enumerate(names):
        part = table[table[by].astype(str) == name].set_index("step").reindex(steps)
        c = (colours or {}).get(name, colour(k))
        series.append({
            "name": name, "type": "line", "z": 3, "showSymbol": False,
            "data": [_r(m) for m in part["median"]],
            "lineStyle": {"width": 2, "color": c}, "itemStyle": {"color": c}})
        band = {"name": name, "type": "line", "stack": f"band {k}", "stackStrategy": "all",
                "symbol": "none", "silent": True, "tooltip": {"show": False}, "z": 1,
                "lineStyle": {"opacity": 0}, "emphasis": {"disabled": True}}
        series += [{**band, "data": [_r(lo) for lo in part["low"]]},
                   {**band, "data": [_r(hi - lo) for lo, hi in zip(part["low"], part["high"],
                                                                    strict=True)],
                    "areaStyle": {"color": c, "opacity": 0.18}}]
    option = base(description, names + ([EVENTS] if len(event_steps) else []))
    option["tooltip"] = {"trigger": "axis", "confine": True}
    option.update({
        "xAxis": {"type": "category", "data": [str(s) for s in steps], "name": "day",
                  "nameLocation": "middle", "nameGap": 24, "boundaryGap": False},
        "yAxis": {"type": "value", "name": y_name, "nameLocation": "middle", "nameGap": 48,
                  "scale": True},
        "series": series + event_series([str(t) for t in event_steps if t in steps]),
    })
    return option


def interval_option(table: pd.DataFrame, prefix: str, description: str, x_name: str,
                    points: pd.DataFrame | None = None, skip: str | None = None) -> dict:
    """Each scenario's median and 10–90 % interval of ``prefix`` (a row of
    :func:`nanosim.experiments.compare.comparison_table`) as a dot on a bar, with each
    replicate's value (``points``: scenario, value) as a faint dot; ``skip`` a scenario
    left out (the control of its own effects)."""
    rows = table[table["scenario"].astype(str) != (skip or "\0")]
    names = [str(n) for n in rows["scenario"]][::-1]  # the first scenario on top
    bars = [{"coords": [[_r(r[f"{prefix}_low"]), str(r["scenario"])],
                        [_r(r[f"{prefix}_high"]), str(r["scenario"])]]}
            for _, r in rows.iterrows()]
    medians = [[_r(r[f"{prefix}_median"]), str(r["scenario"]), _r(r[f"{prefix}_low"]),
                _r(r[f"{prefix}_high"])] for _, r in rows.iterrows()]
    series = [
        {"name": "10–90 %", "type": "lines", "coordinateSystem": "cartesian2d",
         "silent": True, "data": bars, "lineStyle": {"color": "#333333", "width": 2}},
        {"name": "median", "type": "scatter", "data": medians, "symbolSize": 11,
         "encode": {"x": 0, "y": 1}, "itemStyle": {"color": "#111111"}, "z": 3,
         "tooltip": {"formatter": "{@[1]}<br/>median {@[0]}<br/>10–90 %: {@[2]} to {@[3]}"}},
    ]
    legend = ["median", "10–90 %"]
    if points is not None and len(points):
        shown = points[points["scenario"].astype(str).isin(names)]
        series.append({"name": "replicates", "type": "scatter", "symbolSize": 6,
                       "data": [[_r(v), str(s)] for s, v in
                                zip(shown["scenario"], shown["value"], strict=True)],
                       "itemStyle": {"color": "#1f77b4", "opacity": 0.45},
                       "tooltip": {"formatter": "{@[1]}<br/>a replicate: {@[0]}"}})
        legend.append("replicates")
    option = base(description, legend, zoom_x=False)
    option.update({
        "xAxis": {"type": "value", "name": x_name, "nameLocation": "middle", "nameGap": 26,
                  "scale": True, "splitNumber": 4},
        "yAxis": {"type": "category", "data": names, "axisLabel": {"width": 140,
                                                                   "overflow": "break",
                                                                   "lineHeight": 14}},
        "series": series,
    })
    option["series"].append({"type": "line", "data": [], "silent": True, "markLine": {
        "symbol": "none", "silent": True, "data": [{"xAxis": 0}],
        "lineStyle": {"color": "#999999", "type": "solid", "width": 1}, "label": {"show": False}}})
    return option


def channels_option(channels: pd.DataFrame, description: str, y_name: str) -> dict:
    """Bars of the final shift each channel made (mean over replicates), per scenario;
    ``channels`` is :func:`nanosim.experiments.compare.channel_table`."""
    names = [str(n) for n in dict.fromkeys(channels["scenario"].astype(str))]
    moved = [c for c in CHANNEL_COLOURS
             if (channels[channels["channel"] == c]["mean"].abs() > 0).any()]
    series = []
    for channel in moved:
        part = channels[channels["channel"] == channel].set_index(
            channels[channels["channel"] == channel]["scenario"].astype(str))
        series.append({
            "name": channel.replace("_", " "), "type": "bar",
            "itemStyle": {"color": CHANNEL_COLOURS[channel]},
            "data": [[n, _r(part["mean"].get(n, 0.0)), _r(part["low"].get(n, 0.0)),
                      _r(part["high"].get(n, 0.0))] for n in names],
            "encode": {"x": 0, "y": 1},
            "tooltip": {"formatter": f"{{@[0]}}<br/>{channel.replace('_', ' ')}: mean "
                                     "{@[1]}<br/>10–90 %: {@[2]} to {@[3]}"}})
    option = base(description, [s["name"] for s in series], zoom_x=False)
    option.update({
        "xAxis": {"type": "category", "data": names,
                  "axisLabel": {"interval": 0, "width": 120, "overflow": "break",
                                "lineHeight": 14}},
        "yAxis": {"type": "value", "name": y_name, "nameLocation": "middle", "nameGap": 48},
        "series": series,
    })
    return option


def _esc(text: str) -> str:
    """A name inside an ECharts formatter: braces and markup shown as text."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("{", "(").replace("}", ")"))
