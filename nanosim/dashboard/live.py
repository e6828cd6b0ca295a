"""The Explore page's live model: its knobs, a network sample, and its figures.

Nothing here touches the browser: functions take a scenario or a model and return a
model, arrays or matplotlib figures, so they can be tested and reused as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nanosim.engine.events import BY_KIND as EVENTS_BY_KIND
from nanosim.engine.model import DiplomacyModel
from nanosim.experiments import results as R
from nanosim.figures import plots
from nanosim.scenario import Scenario

EXPLORE_MAX_CITIZENS = 20_000
EXPLORE_DEFAULT_CITIZENS = 2_000
NETWORK_SAMPLE = 150


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


def build_model(scenario: Scenario, values: dict[str, float], replicate: int = 0
                ) -> DiplomacyModel:
    """A fresh model of ``scenario`` with the knob values applied (ScenarioError if invalid)."""
    overrides = {k: (int(v) if k == "population.size" else float(v)) for k, v in values.items()}
    return DiplomacyModel(scenario.with_overrides(overrides), replicate, citizen_agents=False)


def favourability(model: DiplomacyModel) -> np.ndarray:
    """Each citizen's current favourability of each country (citizens x countries)."""
    w = model.scenario.perception.state_weight
    return w * model.images[:, 1, :] + (1 - w) * model.images[:, 0, :]


@dataclass(frozen=True)
class NetworkSample:
    """A connected-looking sample of citizens, its ties, and a fixed layout."""

    nodes: np.ndarray  # citizen ids
    edges: np.ndarray  # (k, 2) positions in ``nodes``
    xy: np.ndarray  # (len(nodes), 2)


def network_sample(model: DiplomacyModel, size: int = NETWORK_SAMPLE, seed: int = 0
                   ) -> NetworkSample:
    """A snowball sample: a few citizens of each country and their neighbours, laid out."""
    import networkx as nx

    rng = np.random.default_rng(seed)
    g = model.graph
    seeds = _seed_citizens(model, max(1, size // 4), rng)
    chosen: dict[int, None] = dict.fromkeys(int(i) for i in seeds)
    for i in seeds:
        if g.well_mixed or len(chosen) >= size:
            break
        neighbours = g.indices[g.indptr[i]:g.indptr[i + 1]]
        for j in rng.permutation(neighbours)[:3]:
            chosen.setdefault(int(j), None)
    nodes = np.fromiter(chosen, dtype=np.int64)
    position = {int(v): k for k, v in enumerate(nodes)}
    edges = [] if g.well_mixed else [
        (position[int(i)], position[int(j)]) for i in nodes
        for j in g.indices[g.indptr[i]:g.indptr[i + 1]] if int(j) in position and i < j]
    graph = nx.Graph()
    graph.add_nodes_from(range(len(nodes)))
    graph.add_edges_from(edges)
    layout = nx.spring_layout(graph, seed=seed, iterations=60)
    xy = np.array([layout[k] for k in range(len(nodes))])
    return NetworkSample(nodes, np.array(edges, dtype=np.int64).reshape(-1, 2), xy)


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
COUNTRY_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                   "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def network_option(model: DiplomacyModel, sample: NetworkSample, target: str) -> dict:
    """ECharts graph of the sample: colour = country, size and shade = view of ``target``;
    members of a group (now) ringed in black."""
    c = model.country_names.index(target)
    view = favourability(model)[sample.nodes, c]
    home = model.home[sample.nodes]
    shade = np.clip((view + 1) / 2, 0, 1)
    groups = model.memberships
    belongs = (groups.belongs[sample.nodes] if groups.n_groups
               else np.zeros(len(sample.nodes), np.int32))
    nodes = [{"name": f"citizen {int(i)}" + (f", in {k} group{'s' * (k > 1)}" if k else ""),
              "x": float(x), "y": float(y), "category": int(h),
              "symbolSize": round(4 + 16 * float(s), 2), "value": round(float(v), 3),
              "itemStyle": {"opacity": round(0.25 + 0.75 * float(s), 3),
                            **({"borderColor": MEMBER_RING, "borderWidth": 2} if k else {})}}
             for i, (x, y), h, s, v, k in zip(sample.nodes, sample.xy, home, shade, view,
                                              belongs.tolist(), strict=True)]
    title = f"Bigger, darker: likes {target} more" + (
        "; ringed: group members" if groups.n_groups else "")
    return {
        "animation": False,
        "title": {"text": title, "textStyle": {"fontSize": 12}},
        "tooltip": {},
        "legend": {"top": 22, "data": list(model.country_names)},
        "color": list(COUNTRY_COLOURS),
        "series": [{
            "type": "graph", "layout": "none", "roam": True,
            "categories": [{"name": n} for n in model.country_names],
            "data": nodes,
            "links": [{"source": int(a), "target": int(b)} for a, b in sample.edges],
            "lineStyle": {"color": "#888888", "width": 1.0, "opacity": 0.7},
        }],
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
        colour = COUNTRY_COLOURS[k % len(COUNTRY_COLOURS)]
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


def history_option(table: pd.DataFrame, observer: str) -> dict:
    """ECharts lines: favourability of ``observer``'s public (solid) and state (dashed)."""
    series = []
    targets = [str(t) for t in R.select(table, "favourability", observer=observer)
               ["target"].unique()]
    for k, target in enumerate(targets):
        colour = COUNTRY_COLOURS[k % len(COUNTRY_COLOURS)]
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
        "title": {"text": f"How {observer} sees other countries", "textStyle": {"fontSize": 12}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 22, "type": "scroll"},
        "grid": {"top": 70, "left": 60, "right": 20, "bottom": 40},
        "xAxis": {"type": "value", "name": "step (day)", "nameLocation": "middle",
                  "nameGap": 25, "min": 0},
        "yAxis": {"type": "value", "min": -1, "max": 1, "name": "favourability / relations",
                  "nameLocation": "middle", "nameGap": 32},
        "series": series,
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
        "yAxis": {"type": "value", "name": "favourability shift"},
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
