"""Consistency checks: rules that tie keys of different sections together.

Run on a typed :class:`~nanosim.scenario.schema.Scenario`: country names, shares that
sum to 1, features and symbols, affinity pairs, the network's kind-specific keys, the
population split, then every section's and event's own :meth:`check`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from nanosim.errors import ScenarioError
from nanosim.scenario.files import listed
from nanosim.scenario.schema import Scenario

RESERVED_NAMES = ("all",)
SHARE_TOLERANCE = 1e-3  # shares rounded from data (3 x 0.3333) are fine
MAX_KNOWN_FEATURES = 32  # the symbols a citizen knows of a country are the bits of a uint32


def check_whole(where: str, key: str, value, low: int) -> int:
    """``value`` if it is a whole number >= ``low``, else a ScenarioError naming ``where``
    (the function given it) and ``key``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ScenarioError(where, key, f"must be a whole number >= {low} (got {value!r})")
    return int(value)


def affinity_pair(key: str, names: list[str], source: str) -> tuple[str, str]:
    """The two countries of an affinity key "A-B"; names may hold dashes
    ("Indonesia-Timor-Leste")."""
    splits = [(key[:i].strip(), key[i + 1:].strip()) for i, ch in enumerate(key) if ch == "-"]
    known = [p for p in splits if p[0] in names and p[1] in names]
    if len(known) == 1:
        return known[0]
    if not splits:
        raise ScenarioError(source, f'network.affinity."{key}"',
                            'affinity keys are "A-B" with two country names')
    return splits[0]  # an unknown name: the caller says which


def split_population(size: int, shares: list[float]) -> np.ndarray:
    """Whole citizens per country summing to ``size`` (largest remainder)."""
    shares = np.asarray(shares)
    total = shares.sum()
    exact = (shares if abs(total - 1.0) < 1e-9 else shares / total) * size  # rounded shares
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: size - counts.sum()]] += 1
    return counts


def check_sizes(s: Scenario, sizes) -> None:
    """Refuse events and groups asking more of the countries' citizens than they hold
    (``sizes``: citizens per country), such as an exchange programme's ties or a group's
    size."""
    for k, e in enumerate(s.events):
        e.check_sizes(s, sizes, f"events.{k}")
    for k, g in enumerate(s.group):
        g.check_sizes(s, sizes, f"group.{k}")


def check_consistency(s: Scenario) -> None:
    """Refuse a scenario whose sections contradict each other (one ScenarioError)."""
    source, names = s.source, s.country_names
    for i, name in enumerate(names):
        if name in RESERVED_NAMES or ":" in name or name != name.strip():
            raise ScenarioError(source, f"country.{i}.name",
                                f"{name!r} cannot name a country ('all' stands for every "
                                "country in outputs, ':' separates OBSERVER:TARGET, and names "
                                "have no leading or trailing spaces)")
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ScenarioError(source, "country", f"country {dup!r} is defined twice")
    total = sum(c.share for c in s.country)
    if abs(total - 1.0) > SHARE_TOLERANCE:  # within it, they are rescaled to sum to 1
        raise ScenarioError(source, "country.share",
                            f"shares must sum to 1 within {SHARE_TOLERANCE:g} (they sum to "
                            f"{total:g})")
    _check_culture(s)
    _check_experiences(s)
    _check_affinity(s)
    counts = _check_network(s)
    for name in type(s.channels).model_fields:
        section = getattr(s.channels, name)
        if section is not None:
            section.check(s, f"channels.{name}")
    for i, e in enumerate(s.events):
        e.check(s, f"events.{i}")
    _check_groups(s)
    for i, sponsorship in enumerate(s.sponsorship):
        sponsorship.check(s, f"sponsorship.{i}")
    if counts is not None:
        check_sizes(s, counts)


def _check_culture(s: Scenario) -> None:
    """Features, each country's images, relations and symbols, and the traits they need."""
    features = s.culture.features
    if len(set(features)) != len(features):
        raise ScenarioError(s.source, "culture.features", "feature names must be unique")
    for c in s.country:
        for kind in ("people", "state"):
            for other in getattr(c.initial, kind):
                s.check_country(other, f"country.{c.name}.initial.{kind}.{other}")
        for other in c.relations:
            s.check_country(other, f"country.{c.name}.relations.{other}", other_than=c.name)
        for feat in c.symbols:
            if feat not in features:
                raise ScenarioError(s.source, f"country.{c.name}.symbols.{feat}",
                                    f"unknown feature; features: {listed(features)}")
    for f in features:
        distinct = {c.symbols[f] for c in s.country if f in c.symbols}
        if len(distinct) > s.culture.traits:
            raise ScenarioError(s.source, "culture.traits",
                                f"feature {f!r} names {len(distinct)} symbols but traits = "
                                f"{s.culture.traits}; raise traits")


def _check_experiences(s: Scenario) -> None:
    """The experience rule's weights, and what the symbol repertoire needs."""
    p, culture = s.perception, s.culture
    if p.experience_rule:
        for channel in ("contact", "social_media", "groups"):
            mu = getattr(s.channels, channel).mu
            if mu * p.negativity > 1.0:
                raise ScenarioError(s.source, "perception.negativity", f"channels.{channel}.mu "
                                    f"({mu:g}) times negativity ({p.negativity:g}) must be at "
                                    "most 1, or an unpleasant experience overshoots -1 (lower "
                                    "either)")
    if culture.mode == "repertoire":
        if not p.experience_rule:
            raise ScenarioError(s.source, "culture.mode", '"repertoire" (the default) needs '
                                "perception.experience_rule = true (known symbols decide "
                                'experiences); the v1 model is culture.mode = "axelrod"')
        if len(culture.features) > MAX_KNOWN_FEATURES:
            raise ScenarioError(s.source, "culture.features", f'at most {MAX_KNOWN_FEATURES} '
                                f'with culture.mode = "repertoire" (got '
                                f"{len(culture.features)})")


def _check_groups(s: Scenario) -> None:
    """Each declared group, unique names, the generator; groups' experiences need the rule."""
    s.groups.check(s, "groups")
    for i, group in enumerate(s.group):
        group.check(s, f"group.{i}")
    names = [g.name for g in s.group if g.name]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ScenarioError(s.source, "group", f"group {dup!r} is named twice")
    if s.has_groups and not s.perception.experience_rule:
        raise ScenarioError(s.source, "group" if s.group else "groups.per_country",
                            "groups' gatherings and showcases are experiences: needs "
                            "perception.experience_rule = true")


def _check_affinity(s: Scenario) -> None:
    """Each affinity pair names two known countries, once, with a weight >= 0."""
    pairs: dict[frozenset, str] = {}
    for pair, weight in s.network.affinity.items():
        key = f'network.affinity."{pair}"'
        a, b = affinity_pair(pair, s.country_names, s.source)
        s.check_country(a, key, other_than=b)
        s.check_country(b, key)
        if weight < 0:
            raise ScenarioError(s.source, key, "affinity must be >= 0")
        both = frozenset((a, b))
        if both in pairs:
            raise ScenarioError(s.source, key, f'the pair is also given as "{pairs[both]}"; '
                                "give it once")
        pairs[both] = pair


def _check_network(s: Scenario) -> np.ndarray | None:
    """The network's kind-specific keys and the population split; returns the citizens
    per country, or None when a file network's node table decides (model build)."""
    source, net, size = s.source, s.network, s.population.size
    for field, needs, wrong in (("edges", "file", net.edges is not None),
                                ("nodes", "file", net.nodes is not None),
                                ("width", "lattice", net.width is not None),
                                ("torus", "lattice", net.torus),
                                ("neighbourhood", "lattice", net.neighbourhood != "von_neumann")):
        if wrong and net.kind != needs:
            raise ScenarioError(source, f"network.{field}", f'used only with network.kind = '
                                f'"{needs}" (kind is "{net.kind}")')
    counts = None
    if net.kind != "file":
        counts = split_population(size, [c.share for c in s.country])
        if not counts.all():
            empty = s.country[int(np.argmin(counts))]
            raise ScenarioError(source, "population.size", f"{size} citizens leave {empty.name!r} "
                                f"(share {empty.share:g}) with none; every country needs "
                                "citizens: raise population.size or its share")
    if net.kind in ("homophilous", "erdos_renyi", "barabasi_albert") and net.degree >= size:
        raise ScenarioError(source, "network.degree", f"must be below population.size: each of "
                            f"{size} citizens knows at most {size - 1} others (got {net.degree})")
    if net.kind == "file":
        for key in ("edges", "nodes"):
            if not getattr(net, key):
                raise ScenarioError(source, f"network.{key}",
                                    "required when network.kind = 'file' (a CSV path)")
    if net.kind == "lattice":
        width = net.width or math.isqrt(size)
        if size % width:
            raise ScenarioError(source, "network.width",
                                f"lattice needs population.size ({size}) to be a "
                                "multiple of the width (set network.width, or use a square size)")
    return counts
