"""The Explore page's live model: its knobs, a network sample, and its charts.

Nothing here touches the browser: functions take a scenario or a model and return a
model, arrays or ECharts options (plain dicts), so they can be tested and reused as
they are (examples/tutorial.ipynb shows them in Jupyter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nanosim.dashboard.charts import COLOURS, event_series
from nanosim.dashboard.limits import EXPLORE_MAX_CITIZENS
from nanosim.engine import burned_in
from nanosim.engine.events import BY_KIND as EVENTS_BY_KIND
from nanosim.engine.model import DiplomacyModel
from nanosim.experiments import results as R
from nanosim.figures import plots
from nanosim.scenario import Scenario

EXPLORE_DEFAULT_CITIZENS = 2_000
NETWORK_SAMPLE = 150
CROSS_BORDER = "#111111"  # a tie between citizens of two countries (black)


@dataclass(frozen=True)
class Knob:
    """A slider over one scenario key."""

    key: str
    label: str
    low: float
    high: float
    step: float


KNOBS = (
    Knob("population.size", "citizens", 100, EXPLORE_MAX_CITIZENS, 100),
    Knob("channels.contact.rate", "contact rate (nano)", 0.0, 1.0, 0.01),
    Knob("channels.social_media.post_rate", "social media post rate (nano)", 0.0, 0.5, 0.005),
    Knob("channels.talk.rate", "peer talk rate (nano)", 0.0, 1.0, 0.01),
    Knob("channels.state_media.mu", "state media weight (high politics)", 0.0, 0.5, 0.005),
    Knob("network.cross_border", "cross-border ties per citizen", 0.0, 2.0, 0.01),
    Knob("network.online_share", "online share", 0.0, 1.0, 0.01),
)


def knobs_for(scenario: Scenario) -> list[Knob]:
    """The sliders for a scenario: the common ones of its switched-on channels (a file
    network's size and ties stay as its CSVs give them), plus the slider of each event
    whose kind offers one (an incident's severity)."""
    channels = scenario.channels
    fixed = ("population.size", "network.cross_border") if scenario.network.kind == "file" \
        else ()  # a file network's node table and edges decide these
    knobs = [k for k in KNOBS if k.key not in fixed and (
        not k.key.startswith("channels.") or getattr(channels, k.key.split(".")[1]).enabled)]
    for i, e in enumerate(scenario.events):
        kind = EVENTS_BY_KIND[e.kind]
        if kind.slider:
            knobs.append(Knob(f"events.{i}.{kind.slider}", f"{kind.slider} of {kind.title(e)}",
                              0.0, 1.0, 0.01))
    return knobs


def knob_values(scenario: Scenario) -> dict[str, float]:
    """The scenario's own value of every knob (the population capped for the browser)."""
    values = {k.key: _get(scenario, k.key) for k in knobs_for(scenario)}
    if "population.size" in values:
        values["population.size"] = min(scenario.population.size, EXPLORE_DEFAULT_CITIZENS)
    return values


def build_model(scenario: Scenario, values: dict[str, float], seed: int | None = None
                ) -> DiplomacyModel:
    """A fresh model of ``scenario`` with the knob values (and ``seed``, default the
    scenario's) applied; ScenarioError if invalid. A reset reuses the burned-in state."""
    overrides = {k: (int(v) if k == "population.size" else float(v)) for k, v in values.items()}
    if seed is not None:
        overrides["scenario.seed"] = int(seed)
    return burned_in.start(scenario.with_overrides(overrides), 0)


def favourability(model: DiplomacyModel) -> np.ndarray:
    """Each citizen's current favourability of each country (citizens x countries)."""
    w = model.scenario.perception.state_weight
    return w * model.images[:, 1, :] + (1 - w) * model.images[:, 0, :]


@dataclass(frozen=True)
class NetworkSample:
    """A connected sample of citizens, its ties, which of them cross a border, a layout."""

    nodes: np.ndarray  # citizen ids
    edges: np.ndarray  # (k, 2) positions in ``nodes``
    crossing: np.ndarray  # (k,) True where the tie joins citizens of two countries
    xy: np.ndarray  # (len(nodes), 2)


def network_sample(model: DiplomacyModel, size: int = NETWORK_SAMPLE, seed: int = 0
                   ) -> NetworkSample:
    """A snowball sample grown tie by tie from a few citizens of each country (those with
    a cross-border tie first), so that it is connected where the network is, laid out so
    that linked citizens stand apart (Kamada-Kawai)."""
    import networkx as nx

    rng = np.random.default_rng(seed)
    g = model.graph
    seeds = _seed_citizens(model, max(1, min(size // 10, 3 * model.n_countries)), rng)
    chosen: dict[int, None] = dict.fromkeys(int(i) for i in seeds)
    frontier = list(chosen)
    while frontier and len(chosen) < size and not g.well_mixed:
        i = frontier.pop(0)
        neighbours = g.indices[g.indptr[i]:g.indptr[i + 1]]
        for j in rng.permutation(neighbours)[:4]:
            if int(j) not in chosen and len(chosen) < size:
                chosen[int(j)] = None
                frontier.append(int(j))
    nodes = np.fromiter(chosen, dtype=np.int64)
    position = {int(v): k for k, v in enumerate(nodes)}
    edges = np.array([] if g.well_mixed else [
        (position[int(i)], position[int(j)]) for i in nodes
        for j in g.indices[g.indptr[i]:g.indptr[i + 1]] if int(j) in position and i < j],
        dtype=np.int64).reshape(-1, 2)
    home = model.home[nodes]
    crossing = home[edges[:, 0]] != home[edges[:, 1]] if len(edges) else np.zeros(0, bool)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(nodes)))
    graph.add_edges_from(map(tuple, edges))
    # Kamada-Kawai places citizens as far apart as their distance in ties: a spring layout
    # drew the dense clusters of one country on top of each other
    layout = (nx.kamada_kawai_layout(graph) if len(edges) else
              nx.circular_layout(graph))
    xy = np.array([layout[k] for k in range(len(nodes))])
    return NetworkSample(nodes, edges, crossing, xy)


def _seed_citizens(model: DiplomacyModel, count: int, rng: np.random.Generator) -> np.ndarray:
    """Citizens spread over countries: members of a group first, then those with a
    cross-border tie."""
    g = model.graph
    crossing = np.zeros(model.n_citizens, dtype=bool)
    if not g.well_mixed:
        rows = np.repeat(np.arange(model.n_citizens), np.diff(g.indptr))
        crossing[rows[model.home[rows] != model.home[g.indices]]] = True
    priority = rng.random(model.n_citizens) + crossing  # crossing citizens sort first
    if model.memberships.n_groups:  # and members before them
        priority += 2 * (model.memberships.belongs > 0)
    per_country = max(1, count // model.n_countries)
    picks = [model.starts[c] + np.argsort(-priority[model.starts[c]:model.starts[c] + n])
             [:per_country] for c, n in enumerate(model.sizes)]
    return np.concatenate(picks).astype(np.int64)


MEMBER_RING = "#000000"  # the ring marking a group member in the network sample


def country_colours(model: DiplomacyModel) -> dict[str, str]:
    """Each country's colour in the Explore charts and their legend."""
    return {n: COLOURS[k % len(COLOURS)] for k, n in enumerate(model.country_names)}


def network_option(model: DiplomacyModel, sample: NetworkSample, target: str,
                   hidden: frozenset[str] = frozenset()) -> dict:
    """ECharts picture of the sample: citizens as dots (colour = country, size and shade =
    view of ``target``; members of a group now ringed in black), ties as lines,
    cross-border ties in black; countries in ``hidden`` left out (the page's legend).
    Drawn on hidden axes, so the wheel zooms it."""
    c = model.country_names.index(target)
    view = favourability(model)[sample.nodes, c]
    home = model.home[sample.nodes]
    shade = np.clip((view + 1) / 2, 0, 1)
    groups = model.memberships
    belongs = (groups.belongs[sample.nodes] if groups.n_groups
               else np.zeros(len(sample.nodes), np.int32))
    colours = country_colours(model)
    series = []
    for k, country in enumerate(model.country_names):
        mine = np.flatnonzero(home == k)
        series.append({
            "name": country, "type": "scatter", "z": 3,
            "itemStyle": {"color": colours[country]},
            "data": [{"value": [round(float(sample.xy[i, 0]), 4),
                                round(float(sample.xy[i, 1]), 4), round(float(view[i]), 3),
                                int(belongs[i])],
                      "symbolSize": round(5 + 9 * float(shade[i]), 2),
                      "itemStyle": {"opacity": round(0.3 + 0.7 * float(shade[i]), 3),
                                    **({"borderColor": MEMBER_RING, "borderWidth": 2}
                                       if belongs[i] else {})}}
                     for i in mine],
            "tooltip": {"formatter": f"a citizen of {country}<br/>view of {target}: {{@[2]}}"
                                     + ("<br/>groups: {@[3]}" if groups.n_groups else "")},
        })
    shown = {k for k, n in enumerate(model.country_names) if n not in hidden}
    for cross, name, style in ((False, "tie", {"color": "#888888", "width": 1, "opacity": 0.5}),
                               (True, "cross-border tie", {"color": CROSS_BORDER, "width": 2,
                                                           "opacity": 0.9})):
        ties = [e for e, x in zip(sample.edges, sample.crossing, strict=True) if x == cross
                and home[e[0]] in shown and home[e[1]] in shown]
        series.append({"name": name, "type": "lines", "coordinateSystem": "cartesian2d",
                       "silent": True, "z": 2 if cross else 1, "lineStyle": style,
                       "data": [{"coords": [[round(float(sample.xy[a, 0]), 4),
                                             round(float(sample.xy[a, 1]), 4)],
                                            [round(float(sample.xy[b, 0]), 4),
                                             round(float(sample.xy[b, 1]), 4)]]}
                                for a, b in ties]})
    hidden_axis = {"type": "value", "show": False, "scale": True}
    return {
        "animation": False,
        "aria": {"enabled": True, "label": {"description": (
            f"A sample of {len(sample.nodes)} citizens and {len(sample.edges)} ties "
            f"({int(sample.crossing.sum())} across a border), coloured by country, bigger "
            f"and darker the more they like {target}")}},
        "title": {"text": f"Bigger, darker: likes {target} more; black: cross-border tie"
                          + ("; ringed: group members" if groups.n_groups else ""),
                  "textStyle": {"fontSize": 12}},
        "tooltip": {"trigger": "item", "confine": True},
        "legend": {"show": False, "data": list(model.country_names),
                   "selected": {n: n not in hidden for n in model.country_names}},
        "grid": {"top": 30, "left": 10, "right": 10, "bottom": 10},
        "xAxis": hidden_axis, "yAxis": hidden_axis,
        "dataZoom": [{"type": "inside", "xAxisIndex": 0, "filterMode": "none"},
                     {"type": "inside", "yAxisIndex": 0, "filterMode": "none"}],
        "series": series,
    }


def groups_option(table: pd.DataFrame, observer: str) -> dict:
    """ECharts lines: members of ``observer``'s citizens in groups linking them to each
    country (solid), and the groups of ``observer`` with two members or more (dashed,
    right axis), over time; a scenario without groups has no such metrics."""
    series = []
    members = R.select(table, "group_members", observer=observer)
    ever = members.groupby("target", observed=True)["value"].max()
    targets = [str(t) for t, top in ever.items() if top > 0]  # links it has had members in
    for k, target in enumerate(targets):
        colour = COLOURS[k % len(COLOURS)]
        link = "national" if target == observer else f"with {target}"
        for metric, what, dash, axis in (("group_members", "members", "solid", 0),
                                         ("group_count", "groups", "dashed", 1)):
            rows = R.select(table, metric, observer=observer, target=target)
            series.append({
                "name": f"{what} {link}", "type": "line", "showSymbol": False,
                "yAxisIndex": axis, "lineStyle": {"type": dash}, "itemStyle": {"color": colour},
                "data": [[int(s), float(v)] for s, v in
                         zip(rows["step"], rows["value"], strict=True)],
            })
    return {
        "animation": False,
        "title": {"text": f"{observer}'s small groups", "textStyle": {"fontSize": 12}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 22, "type": "scroll"},
        "grid": {"top": 70, "left": 60, "right": 50, "bottom": 40},
        "xAxis": {"type": "value", "name": "step (day)", "nameLocation": "middle",
                  "nameGap": 25, "min": 0},
        "yAxis": [{"type": "value", "name": "members", "min": 0},
                  {"type": "value", "name": "groups", "min": 0, "splitLine": {"show": False}}],
        "series": series,
    }


def history_option(table: pd.DataFrame, observer: str, colours: dict[str, str],
                   steps: int, event_steps=(), hidden: frozenset[str] = frozenset()) -> dict:
    """ECharts lines: favourability of ``observer``'s public (solid) and state (dashed)
    toward each country (its colour; ``hidden`` ones left out) over the run's ``steps``,
    with its events marked."""
    series = []
    targets = [str(t) for t in R.select(table, "favourability", observer=observer)
               ["target"].unique() if str(t) not in hidden]
    for target in targets:
        colour = colours[target]
        for metric, who, dash in (("favourability", "public", "solid"),
                                  ("relations", "state", "dashed")):
            rows = R.select(table, metric, observer=observer, target=target)
            series.append({
                "name": f"{who} → {target}", "type": "line", "showSymbol": False,
                "lineStyle": {"type": dash, "width": 2 if who == "public" else 1.2},
                "itemStyle": {"color": colour},
                "data": [[int(s), round(float(v), 4)] for s, v in
                         zip(rows["step"], rows["value"], strict=True)],
            })
    return {
        "animation": False,
        "aria": {"enabled": True, "label": {"description": (
            f"How {observer}'s public (solid) and state (dashed) see "
            f"{', '.join(targets)}, day by day")}},
        "title": {"text": f"How {observer} sees other countries: public solid, state dashed",
                  "textStyle": {"fontSize": 12}},
        "tooltip": {"trigger": "axis", "confine": True},
        "toolbox": {"right": 8, "feature": {"dataZoom": {"filterMode": "none"},
                                            "restore": {}}},
        "dataZoom": [{"type": "inside", "filterMode": "none"}],
        "grid": {"top": 40, "left": 36, "right": 24, "bottom": 28, "containLabel": True},
        "xAxis": {"type": "value", "name": "day", "nameLocation": "middle",
                  "nameGap": 25, "min": 0, "max": steps},
        "yAxis": {"type": "value", "min": -1, "max": 1, "name": "favourability / relations",
                  "nameLocation": "middle", "nameGap": 36},
        "series": series + event_series(event_steps),
    }


def channels_option(table: pd.DataFrame, observer: str) -> dict:
    """ECharts bars: shift made so far by each channel in ``observer``'s view of others."""
    shares = R.channel_shares(table[table["observer"] == observer])
    targets = [str(t) for t in shares["target"].unique()]
    series = []
    for channel, colour in plots.CHANNEL_COLOURS.items():
        part = shares[shares["channel"] == channel].set_index("target")["mean"]
        series.append({"name": channel.replace("_", " "), "type": "bar",
                       "itemStyle": {"color": colour},
                       "data": [float(f"{part.get(t, 0.0):.4g}") for t in targets]})
    return {
        "animation": False,
        "title": {"text": f"Which channel moved {observer}'s views so far",
                  "textStyle": {"fontSize": 12}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 22},
        "grid": {"top": 70, "left": 60, "right": 20, "bottom": 30},
        "xAxis": {"type": "category", "data": [f"{observer} → {t}" for t in targets]},
        "yAxis": {"type": "value", "name": "favourability shift", "nameLocation": "middle",
                  "nameGap": 40},
        "series": series,
    }


def current_views(model: DiplomacyModel, observer: str) -> dict[str, float]:
    """Mean favourability of ``observer``'s citizens toward each other country, right now."""
    d = model.country_names.index(observer)
    fav = favourability(model)[model.starts[d]:model.starts[d] + model.sizes[d]].mean(axis=0)
    return {n: float(fav[c]) for c, n in enumerate(model.country_names) if c != d}


def _get(scenario: Scenario, key: str) -> float:
    node = scenario
    for part in key.split("."):
        node = node[int(part)] if isinstance(node, list | tuple) else getattr(node, part)
    return float(node)
