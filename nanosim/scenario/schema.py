"""Scenario files: the typed, validated, frozen description of one experiment.

One pydantic model per section of the TOML file; the schema is the validator and
the source of ``docs/scenarios.md``. Every user error becomes a
:class:`~nanosim.errors.ScenarioError` naming the file, the key path and what is
allowed.
"""

from __future__ import annotations

import math
import numbers
import tomllib
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError
from pydantic_core import PydanticCustomError

from nanosim.errors import ScenarioError

INF = math.inf


def _refuse(error_type: str, message: str):
    """A check that refuses text and true/false where a number belongs (pydantic would
    read "5" as 5 and true as 1)."""
    def check(value):
        if isinstance(value, str | bool):
            raise PydanticCustomError(error_type, message)
        return value
    return BeforeValidator(check)


Real = Annotated[float, _refuse("float_type", "Input should be a number")]
Whole = Annotated[int, _refuse("int_type", "Input should be a whole number")]  # 4.0 is 4
Flag = Annotated[bool, Strict()]  # true or false only (not "yes", 1 or "on")
Prob = Annotated[Real, Field(ge=0.0, le=1.0)]
Valence = Annotated[Real, Field(ge=-1.0, le=1.0)]


def _f(default, description, **limits):
    return Field(default, description=description, **limits)


class Section(BaseModel):
    """A strict, frozen section: unknown keys and wrong types are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


# --- sections -----------------------------------------------------------------


class ScenarioMeta(Section):
    """`[scenario]`: what the run is and how long it lasts."""

    name: str = _f("Untitled scenario", "Short title shown in plots and tables.")
    description: str = _f("", "What the scenario asks.")
    steps: Whole = _f(180, "Number of steps (one step = one day).", ge=1, le=1_000_000)
    seed: Whole = _f(0, "Root seed; replicate r uses a stream spawned from it.", ge=0)
    replicates: Whole = _f(1, "Independent replicates of the run.", ge=1, le=100_000)
    record_every: Whole = _f(1, "Record metrics every this many steps (and at the last); with "
                               "relations off, the steps between records run faster.",
                               ge=1)
    stop_when_absorbed: Flag = _f(
        False,
        "Stop early once no neighbouring pair can share symbols any more (Axelrod's absorbing "
        "state); checked at each recorded step.",
    )


class Population(Section):
    """`[population]`: how many citizens, and how open they are."""

    size: Whole = _f(2000, "Citizens in all, split by country share.", ge=1, le=50_000_000)
    openness: Prob = _f(0.7, "Mean receptiveness to messages (multiplies assimilation).")
    openness_sd: Real = _f(0.15, "Spread of openness across citizens (clipped to [0, 1]).",
                            ge=0.0, le=1.0)


class Culture(Section):
    """`[culture]`: the symbol space (Axelrod's F features with q traits each)."""

    features: list[str] = _f(
        ["cuisine", "music", "dress", "language", "festival"],
        "Kinds of cultural symbol (F = their number).", min_length=1, max_length=64)
    traits: Whole = _f(10, "q: possible symbols per feature.", ge=1, le=32767)
    diversity: Prob = _f(0.1, "Chance each feature starts away from the national prototype.")


class Perception(Section):
    """`[perception]`: the images citizens hold and the update rule's shared settings."""

    state_weight: Prob = _f(0.5, "w in favourability = w * state image + (1 - w) * people image.")
    spillover: Prob = _f(0.2, "Share of a change to one image of a country spilling to the other.")
    boomerang: Real = _f(0.5, "Strength of the contrast (backfire) effect beyond rejection.",
                          ge=0.0, le=10.0)
    initial_distribution: Literal["normal", "uniform"] = _f(
        "normal", "Initial images: normal around the country's `initial` means, or uniform on "
        "[-1, 1] (Deffuant's set-up).")
    initial_sd: Real = _f(0.4, "Spread of initial images around their means.", ge=0.0, le=2.0)
    default_image: Valence = _f(0.0, "Initial mean image of a country not named in `initial`.")
    own_image: Valence = _f(0.6, "Initial mean image of one's own country (kept out of metrics).")


class StateSettings(Section):
    """`country.state`: the government's settings."""

    responsiveness: Prob = _f(0.02, "Weight of own public opinion on official stance per step.")
    media_reach: Prob = _f(0.15, "Share of own citizens reached by official framing per step.")
    trust: Prob = _f(0.6, "Mean citizen trust in the own government's messaging.")
    trust_sd: Real = _f(0.1, "Spread of that trust across citizens.", ge=0.0, le=1.0)


class InitialImages(Section):
    """`country.initial`: this country's citizens' initial images of other countries."""

    people: dict[str, Valence] = _f({}, "Mean image of each named country's people and culture.")
    state: dict[str, Valence] = _f({}, "Mean image of each named country's government.")


class Country(Section):
    """`[[country]]`: one country, its citizens and its state."""

    name: str = Field(description="Country name (used in events, overrides and outputs).",
                      min_length=1)
    share: Real = Field(description="Share of the population (shares must sum to 1, within "
                                    "0.001; they are rescaled to sum to 1 exactly).",
                        gt=0.0, le=1.0)
    appeal: Valence = _f(0.3, "Valence of citizens' posts about their own culture.")
    symbols: dict[str, str] = _f({}, "National symbol per feature (the prototype); unnamed "
                                     "features get a distinct symbol drawn at random.")
    initial: InitialImages = _f(InitialImages(), "Initial images of other countries.")
    state: StateSettings = _f(StateSettings(), "Government settings.")
    relations: dict[str, Valence] = _f({}, "Initial official stance toward named countries "
                                           "(others 0).")


class Network(Section):
    """`[network]`: the offline social graph and the online follower graph."""

    kind: Literal["homophilous", "lattice", "complete", "erdos_renyi", "barabasi_albert",
                  "file"] = _f("homophilous", "Social graph: small worlds within countries "
                               "plus cross-border ties (homophilous), a grid (lattice), everyone "
                               "(complete), random (erdos_renyi), preferential attachment "
                               "(barabasi_albert), or your own CSVs (file: edges and nodes).")
    degree: Whole = _f(10, "Mean degree (homophilous, erdos_renyi, barabasi_albert); below "
                           "population.size.", ge=1, le=10_000)
    rewire: Prob = _f(0.1, "Small-world rewiring probability inside countries.")
    cross_border: Real = _f(0.05, "Mean cross-border ties per citizen.", ge=0.0, le=1000.0)
    affinity: dict[str, Real] = _f({}, 'Weight of cross-border ties per pair, "A-B" = w '
                                        "(default 1; 0 forbids ties).")
    neighbourhood: Literal["von_neumann", "moore"] = _f("von_neumann", "Lattice neighbourhood.")
    torus: Flag = _f(False, "Lattice wraps around.")
    width: Whole | None = _f(None, "Lattice width (default: the square root of the population).",
                           ge=1)
    edges: str | None = _f(None, "kind = file: edge list CSV (columns source,target), relative "
                                 "to the scenario file; undirected, self-loops dropped, a "
                                 "repeated edge counts once.")
    nodes: str | None = _f(None, "kind = file: node table CSV (columns id,country); its rows "
                                 "are the citizens, so population.size and the country shares "
                                 "are not used.")
    online_share: Prob = _f(0.7, "Share of citizens on social media.")
    online_cross_border: Prob = _f(0.2, "Share of follows that cross a border.")
    follows: Real = _f(20.0, "Mean accounts each online citizen follows.", ge=0.0, le=10_000.0)


class Contact(Section):
    """`[channels.contact]`: person-to-person meetings (nano diplomacy)."""

    enabled: Flag = _f(True, "Channel on or off.")
    rate: Prob = _f(0.2, "Chance per step that a citizen meets a random social neighbour.")
    symbol_sharing: Flag = _f(True, "Meetings share symbols (Axelrod).")
    valence: Valence = _f(0.6, "Valence of a positive cross-border meeting.")
    positivity: Prob = _f(0.9, "Chance a cross-border meeting is positive.")
    negative_valence: Valence = _f(-0.6, "Valence of a negative meeting.")
    negative_weight: Real = _f(2.0, "Weight of a negative meeting relative to a positive one.",
                                ge=0.0, le=100.0)
    mu: Prob = _f(0.05, "Channel weight.")
    accept: Real = _f(2.0, "Latitude of acceptance.", ge=0.0)
    reject: Real = _f(INF, "Latitude of rejection (inf: never).", ge=0.0)


class SocialMedia(Section):
    """`[channels.social_media]`: posts about one's own culture (nano diplomacy)."""

    enabled: Flag = _f(True, "Channel on or off.")
    post_rate: Prob = _f(0.05, "Chance per step that an online citizen posts.")
    reach: Real = _f(20.0, "Followers a post reaches on average: each follower sees it with "
                            "chance min(1, reach / network.follows), so above network.follows "
                            "every follower sees every post.", ge=0.0, le=100_000.0)
    noise: Real = _f(0.1, "Spread of a post's valence around the country's appeal.",
                      ge=0.0, le=2.0)
    mu: Prob = _f(0.01, "Channel weight.")
    accept: Real = _f(0.8, "Latitude of acceptance.", ge=0.0)
    reject: Real = _f(INF, "Latitude of rejection (inf: never).", ge=0.0)
    adoption: Prob = _f(0.05, "Chance (times similarity) a foreign follower takes the symbol.")
    hostility: Prob = _f(0.0, "Chance a post attacks the poster's least-liked country.")


class Talk(Section):
    """`[channels.talk]`: peer talk with a neighbour (bounded confidence, Deffuant)."""

    enabled: Flag = _f(True, "Channel on or off.")
    rate: Prob = _f(0.05, "Chance per step that a citizen talks with a neighbour.")
    epsilon: Real = _f(0.3, "Confidence bound on the [-1, 1] scale.", ge=0.0, le=2.0)
    mu: Prob = _f(0.2, "Convergence weight.")
    images: list[Literal["people", "state"]] = _f(["people", "state"], "Images discussed.",
                                                 min_length=1)


class StateMedia(Section):
    """`[channels.state_media]`: domestic official framing (high politics)."""

    enabled: Flag = _f(True, "Channel on or off.")
    mu: Prob = _f(0.12, "Channel weight (times the citizen's trust in the state).")
    accept: Real = _f(2.0, "Latitude of acceptance.", ge=0.0)
    reject: Real = _f(INF, "Latitude of rejection (inf: never).", ge=0.0)


class Relations(Section):
    """`[channels.relations]`: official relations between states (high politics)."""

    enabled: Flag = _f(True, "Relations respond to publics and to each other.")
    reciprocity: Prob = _f(0.05, "Pull of the other state's stance per step.")


class Campaign(Section):
    """`[channels.campaign]`: a state's public diplomacy aimed at foreign publics."""

    country: str = Field(description="Campaigning country.")
    targets: list[str] = Field(description="Target countries.", min_length=1)
    reach: Prob = _f(0.01, "Expected share of each target population messaged per step.")
    valence: Valence = _f(0.8, "Valence of campaign messages about the campaigning country.")
    image: Literal["state", "people"] = _f("state", "Image the campaign targets.")
    mu: Prob = _f(0.02, "Channel weight (low: foreign publics trust it little).")
    accept: Real = _f(0.5, "Latitude of acceptance.", ge=0.0)
    reject: Real = _f(1.2, "Latitude of rejection (propaganda can backfire).", ge=0.0)


class EventNews(Section):
    """`[channels.events]`: how the news of an event reaches citizens."""

    enabled: Flag = _f(True, "Events make news that moves perceptions directly.")
    mu: Prob = _f(0.25, "Weight of the news of an event.")
    reach: Prob = _f(1.0, "Share of the two countries' citizens who hear it.")
    media_boost: Real = _f(1.0, "Incident: state media reach grows by 1 + boost * severity "
                                 "while it lasts.", ge=0.0, le=100.0)


class Channels(Section):
    """`[channels]`: every channel's settings."""

    contact: Contact = _f(Contact(), "Direct contact.")
    social_media: SocialMedia = _f(SocialMedia(), "Social media.")
    talk: Talk = _f(Talk(), "Peer talk.")
    state_media: StateMedia = _f(StateMedia(), "State media.")
    relations: Relations = _f(Relations(), "Official relations.")
    events: EventNews = _f(EventNews(), "News of events.")
    campaign: Campaign | None = _f(None, "Optional standing public-diplomacy campaign.")


# --- events ---------------------------------------------------------------------


class _Event(Section):
    step: Whole = Field(description="Step at which it starts.", ge=0)


class _Between(_Event):
    between: list[str] = Field(description="The two countries.", min_length=2, max_length=2)


class Incident(_Between):
    """A crisis: relations drop, state media intensifies, bad news spreads."""

    kind: Literal["incident"]
    severity: Prob = _f(0.5, "How far relations drop and how bad the news is.")
    duration: Whole = _f(14, "Steps during which state media is intensified.", ge=1)
    recovery: Prob = _f(0.05, "Once it is over, share of the remaining drop in relations that "
                              "diplomacy repairs per step (0: none).")


class Summit(_Between):
    """A summit: relations rise and good news spreads."""

    kind: Literal["summit"]
    strength: Prob = _f(0.3, "How far relations rise and how good the news is.")


class Treaty(_Between):
    """A treaty: like a summit, usually stronger."""

    kind: Literal["treaty"]
    strength: Prob = _f(0.5, "How far relations rise and how good the news is.")


class ExchangeProgramme(_Between):
    """Temporary cross-border ties (student exchange, twinning, tourism drive)."""

    kind: Literal["exchange_programme"]
    ties: Whole = _f(100, "Cross-border ties added.", ge=0)
    duration: Whole = _f(30, "Steps the ties last.", ge=1)


class Festival(_Event):
    """A viral cultural moment: a country's appeal and post rate rise."""

    kind: Literal["festival"]
    country: str = Field(description="Country whose culture goes viral.")
    boost: Real = _f(0.3, "Added to the country's appeal (clipped to 1).", ge=0.0, le=2.0)
    multiplier: Real = _f(3.0, "Post rate multiplier of its citizens.", ge=0.0, le=100.0)
    duration: Whole = _f(7, "Steps it lasts.", ge=1)


class PlatformBan(_Event):
    """A country's citizens are cut off from social media."""

    kind: Literal["platform_ban"]
    country: str = Field(description="Country whose citizens go offline.")
    duration: Whole = _f(1_000_000, "Steps it lasts (default: to the end).", ge=1)


class CampaignEvent(_Event):
    """A state's public-diplomacy drive for a while."""

    kind: Literal["campaign"]
    country: str = Field(description="Campaigning country.")
    targets: list[str] = Field(description="Target countries.", min_length=1)
    reach: Prob = _f(0.01, "Expected share of each target population messaged per step.")
    valence: Valence = _f(0.8, "Valence of its messages.")
    image: Literal["state", "people"] = _f("state", "Image it targets.")
    mu: Prob = _f(0.02, "Channel weight.")
    accept: Real = _f(0.5, "Latitude of acceptance.", ge=0.0)
    reject: Real = _f(1.2, "Latitude of rejection.", ge=0.0)
    duration: Whole = _f(30, "Steps it lasts.", ge=1)


Event = Annotated[
    Incident | Summit | Treaty | ExchangeProgramme | Festival | PlatformBan | CampaignEvent,
    Field(discriminator="kind"),
]
EVENT_KINDS = {cls.model_fields["kind"].annotation.__args__[0]: cls for cls in
               typing.get_args(typing.get_args(Event)[0])}


class Scenario(Section):
    """A whole scenario file. Load it with :func:`load_scenario`."""

    scenario: ScenarioMeta = _f(ScenarioMeta(), "What the run is.")
    population: Population = _f(Population(), "Citizens.")
    culture: Culture = _f(Culture(), "Symbols.")
    perception: Perception = _f(Perception(), "Images and the update rule.")
    country: list[Country] = Field(description="The countries.", min_length=1, max_length=200)
    network: Network = _f(Network(), "Networks.")
    channels: Channels = _f(Channels(), "Channels.")
    events: list[Event] = _f([], "Scheduled events.")
    source: str = Field("<scenario>", exclude=True, description="File it came from.")

    @property
    def country_names(self) -> list[str]:
        return [c.name for c in self.country]

    def country_index(self, name: str) -> int:
        return self.country_names.index(name)

    def with_overrides(self, overrides: list[str] | dict[str, Any],
                       origin: str | dict[str, str] = "override") -> Scenario:
        """A new scenario with dotted-path overrides applied (``"a.b=v"`` or ``{"a.b": v}``).

        An error in an overridden key names ``origin`` (such as ``"--set"``, or one per
        key) rather than the scenario file; any other error the overrides cause lists them.
        """
        raw = self.model_dump(exclude={"source"}, exclude_none=True)
        return _overridden(raw, overrides, self.source, origin)

    def to_toml(self) -> str:
        """The scenario as TOML text (every key, defaults included), runnable from anywhere:
        a file network's CSV paths are written out in full."""
        data = self.model_dump(exclude={"source"}, exclude_none=True)
        if self.network.kind == "file":
            base = Path(self.source).parent
            for key in ("edges", "nodes"):
                data["network"][key] = str((base / data["network"][key]).absolute())
        return dump_toml(data)


# --- loading --------------------------------------------------------------------


def as_scenario(scenario: Scenario | str | Path) -> Scenario:
    """A Scenario as it is, or loaded from its file."""
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def check_whole(where: str, key: str, value, low: int) -> int:
    """``value`` if it is a whole number >= ``low``, else a ScenarioError naming ``where``
    (the function given it) and ``key``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ScenarioError(where, key, f"must be a whole number >= {low} (got {value!r})")
    return int(value)


def load_scenario(path: str | Path, overrides: list[str] | dict | None = None,
                  origin: str | dict[str, str] = "override") -> Scenario:
    """Read, override and validate a scenario file; raise ScenarioError on any problem.

    ``origin`` names where the overrides came from, as :meth:`Scenario.with_overrides`.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path), "", "no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(str(path), "", f"cannot read: {e}") from None
    return loads_scenario(text, str(path), overrides, origin)


def loads_scenario(text: str, source: str = "<scenario>",
                   overrides: list[str] | dict | None = None,
                   origin: str | dict[str, str] = "override") -> Scenario:
    """Validate scenario TOML text (``source`` names it in errors)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(source, "", f"TOML syntax error: {e}") from None
    if "sweep" in raw:
        raise ScenarioError(source, "sweep", "this is a sweep file, not a scenario: run it with "
                                             "`nanosim sweep`")
    return _overridden(raw, overrides, source, origin) if overrides else _from_raw(raw, source)


def _overridden(raw: dict, overrides, source: str, origin: str | dict[str, str]) -> Scenario:
    """``raw`` with ``overrides`` applied, validated; errors blamed where they belong."""
    if isinstance(overrides, str):
        overrides = [overrides]
    if not isinstance(overrides, dict):
        overrides = dict(parse_override(o, origin if isinstance(origin, str) else "override")
                         for o in overrides)
    try:
        return _from_raw(apply_overrides(raw, overrides, source), source)
    except ScenarioError as e:
        error = e
    for key in overrides:  # the override's own key, a key inside it, or a section it made
        if _same_branch(_key_parts(key), _key_parts(error.key)):
            where = origin if isinstance(origin, str) else origin.get(key, "override")
            raise ScenarioError(where, error.key, error.message) from None
    _from_raw(raw, source)  # the file's own error, whatever the overrides
    given = ", ".join(f"{key}={_as_text(value)}" for key, value in overrides.items())
    raise ScenarioError(error.source, error.key, f"{error.message} (overrides: {given})") \
        from None


def _same_branch(a: list[str], b: list[str]) -> bool:
    """Whether one dotted key lies inside the other (an index matches any named item)."""
    return all(x == y or x.isdigit() != y.isdigit() for x, y in zip(a, b, strict=False))


def _as_text(value) -> str:
    import json

    return json.dumps(value, default=str)


def _from_raw(raw: dict, source: str) -> Scenario:
    if "source" in raw:
        raise ScenarioError(source, "source", "unknown key")
    try:
        scenario = Scenario.model_validate({**raw, "source": source})
    except ValidationError as e:
        raise _explain(e, raw, source) from None
    _check_consistency(scenario, source)
    return scenario


def _explain(error: ValidationError, raw: dict, source: str) -> ScenarioError:
    """Turn pydantic's first error into one line naming the key path and what is allowed."""
    err = error.errors()[0]
    loc = list(err["loc"])
    model_path = _model_path(loc)
    key = _key_path(loc, raw)
    kind, ctx = err["type"], err.get("ctx", {})
    got = f" (got {err['input']!r})" if kind not in ("missing", "extra_forbidden") else ""
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model_path[:-1])
        msg = "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    elif kind == "missing":
        msg = "required key is missing"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        lo, hi = _limits(model_path)
        msg = f"must be in {lo}..{hi}{got}" if lo or hi else err["msg"] + got
    elif kind == "literal_error":
        msg = f"must be one of {ctx.get('expected')}{got}"
    elif kind == "union_tag_invalid":
        msg = f"unknown event kind {ctx.get('tag')!r}; allowed: {', '.join(EVENT_KINDS)}"
        key = _key_path(loc + ["kind"], raw)
    elif kind == "union_tag_not_found":
        msg = f"missing 'kind'; allowed: {', '.join(EVENT_KINDS)}"
    elif kind == "bool_type":
        msg = f"must be true or false{got}"
    elif kind in ("int_type", "int_from_float"):
        msg = f"must be a whole number{got}"
    elif kind == "float_type" and err["input"] is None:
        msg = "required key is missing"
    elif kind == "float_type":
        msg = f"must be a number{got}"
    elif kind == "list_type" and isinstance(err["input"], dict) and key in ("country", "events"):
        msg = f"must be a list of tables: write [[{key}]] (double brackets) above each one"
    elif kind == "list_type":
        quotes = isinstance(err["input"], str) and err["input"].startswith("[")
        msg = f"must be a list{got}" + ('; text in a list needs quotes, e.g. ["people"]'
                                        if quotes else "")
    elif kind in ("model_type", "dict_type"):
        allowed = _allowed_keys(model_path)
        msg = "must be a table" + (f" of keys ({', '.join(allowed)})" if allowed else "") + got
    elif kind in ("too_short", "too_long"):
        bound = "least" if kind == "too_short" else "most"
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        msg = f"must hold at {bound} {limit} item{'s' if limit != 1 else ''}{got}"
    else:
        msg = err["msg"][:1].lower() + err["msg"][1:] + got
    return ScenarioError(source, key, msg)


def _model_path(loc: list) -> list:
    """The loc without event-kind tags (pydantic inserts them for the union)."""
    out = []
    for i, part in enumerate(loc):
        if isinstance(part, str) and part in EVENT_KINDS and i >= 2 and loc[i - 2] == "events":
            out.append(("kind", part))
            continue
        out.append(part)
    return out


def _key_path(loc: list, raw: dict) -> str:
    """Dotted key as the user wrote it: countries by name, event kinds dropped."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, str) and part in EVENT_KINDS and i >= 2 and loc[i - 2] == "events":
            continue
        if isinstance(part, int) and i == 1 and loc[0] == "country":
            countries = raw.get("country", [])
            name = countries[part].get("name") if part < len(countries) and isinstance(
                countries[part], dict) else None
            parts.append(str(name) if name else str(part))
            continue
        parts.append(str(part))
    return ".".join(parts)


def _walk(model_path: list):
    """The schema type found at a model path (None if it cannot be followed)."""
    tp: Any = Scenario
    for part in model_path:
        if isinstance(part, tuple):  # an event kind tag
            tp = EVENT_KINDS[part[1]]
            continue
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(part)
            if field is None:
                return None
            tp = field.annotation
        elif origin in (list, dict):
            tp = typing.get_args(tp)[-1]
        else:
            return None
    return tp


def _unwrap(tp):
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, __import__("types").UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _allowed_keys(model_path: list) -> list[str]:
    tp = _unwrap(_walk(model_path))
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [k for k in tp.model_fields if k != "source"]
    return []


def field_limits(field) -> tuple[str, str]:
    """The (low, high) bounds of a pydantic field as text ('' where unbounded)."""
    lo = hi = ""
    metas = list(field.metadata)
    ann = field.annotation
    if typing.get_origin(ann) is Annotated:
        for a in typing.get_args(ann)[1:]:
            metas.extend(getattr(a, "metadata", []))
    for m in metas:
        for name in ("ge", "gt"):
            if getattr(m, name, None) is not None:
                lo = _num(getattr(m, name)) + (" (exclusive)" if name == "gt" else "")
        for name in ("le", "lt"):
            if getattr(m, name, None) is not None:
                hi = _num(getattr(m, name))
    return lo, hi


def _num(x) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _limits(model_path: list) -> tuple[str, str]:
    parent = _unwrap(_walk(model_path[:-1]))
    last = model_path[-1]
    if isinstance(parent, type) and issubclass(parent, BaseModel) and last in parent.model_fields:
        return field_limits(parent.model_fields[last])
    if typing.get_origin(parent) is None and parent is not None:
        return "", ""
    return "-1", "1"  # dict values of Valence type


# --- consistency across sections ---------------------------------------------


RESERVED_NAMES = ("all",)
SHARE_TOLERANCE = 1e-3  # shares rounded from data (3 x 0.3333) are fine


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


def campaigns_of(s: Scenario) -> list[tuple[str, Any]]:
    """The standing campaign and the campaign events, with their key paths."""
    camp = s.channels.campaign
    return ([("channels.campaign", camp)] if camp else []) + [
        (f"events.{i}", e) for i, e in enumerate(s.events) if e.kind == "campaign"]


def split_population(size: int, shares: list[float]) -> np.ndarray:
    """Whole citizens per country summing to ``size`` (largest remainder)."""
    shares = np.asarray(shares)
    total = shares.sum()
    exact = (shares if abs(total - 1.0) < 1e-9 else shares / total) * size  # rounded shares
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: size - counts.sum()]] += 1
    return counts


def check_exchange_ties(s: Scenario, sizes) -> None:
    """Refuse an exchange programme asking for more ties than its two countries' citizens
    can form (``sizes``: citizens per country)."""
    for k, e in enumerate(s.events):
        if e.kind == "exchange_programme":
            a, b = (s.country_index(name) for name in e.between)
            pairs = int(sizes[a]) * int(sizes[b])
            if e.ties > pairs:
                raise ScenarioError(s.source, f"events.{k}.ties", f"at most {pairs}: the "
                                    f"{sizes[a]} x {sizes[b]} citizens of {e.between[0]} and "
                                    f"{e.between[1]} (got {e.ties})")


def _check_consistency(s: Scenario, source: str) -> None:
    names = s.country_names
    known = set(names)
    allowed = ", ".join(names)

    def need(name: str, key: str, self_name: str | None = None):
        if name not in known:
            raise ScenarioError(source, key, f"unknown country {name!r}; known: {allowed}")
        if self_name is not None and name == self_name:
            raise ScenarioError(source, key, "a country cannot name itself here")

    for i, name in enumerate(names):
        if name in RESERVED_NAMES or ":" in name or name != name.strip():
            raise ScenarioError(source, f"country.{i}.name",
                                f"{name!r} cannot name a country ('all' stands for every "
                                "country in outputs, ':' separates OBSERVER:TARGET, and names "
                                "have no leading or trailing spaces)")
    if len(known) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ScenarioError(source, "country", f"country {dup!r} is defined twice")
    total = sum(c.share for c in s.country)
    if abs(total - 1.0) > SHARE_TOLERANCE:  # within it, they are rescaled to sum to 1
        raise ScenarioError(source, "country.share",
                            f"shares must sum to 1 within {SHARE_TOLERANCE:g} (they sum to "
                            f"{total:g})")
    features = s.culture.features
    if len(set(features)) != len(features):
        raise ScenarioError(source, "culture.features", "feature names must be unique")
    for c in s.country:
        for kind in ("people", "state"):
            for other in getattr(c.initial, kind):
                need(other, f"country.{c.name}.initial.{kind}.{other}")
        for other in c.relations:
            need(other, f"country.{c.name}.relations.{other}", c.name)
        for feat in c.symbols:
            if feat not in features:
                raise ScenarioError(source, f"country.{c.name}.symbols.{feat}",
                                    f"unknown feature; features: {', '.join(features)}")
    for f in features:
        distinct = {c.symbols[f] for c in s.country if f in c.symbols}
        if len(distinct) > s.culture.traits:
            raise ScenarioError(source, "culture.traits",
                                f"feature {f!r} names {len(distinct)} symbols but traits = "
                                f"{s.culture.traits}; raise traits")
    pairs: dict[frozenset, str] = {}
    for pair in s.network.affinity:
        key = f'network.affinity."{pair}"'
        a, b = affinity_pair(pair, names, source)
        need(a, key, b)
        need(b, key)
        if s.network.affinity[pair] < 0:
            raise ScenarioError(source, key, "affinity must be >= 0")
        both = frozenset((a, b))
        if both in pairs:
            raise ScenarioError(source, key, f'the pair is also given as "{pairs[both]}"; '
                                "give it once")
        pairs[both] = pair
    net = s.network
    for field, needs, wrong in (("edges", "file", net.edges is not None),
                                ("nodes", "file", net.nodes is not None),
                                ("width", "lattice", net.width is not None),
                                ("torus", "lattice", net.torus),
                                ("neighbourhood", "lattice", net.neighbourhood != "von_neumann")):
        if wrong and net.kind != needs:
            raise ScenarioError(source, f"network.{field}", f'used only with network.kind = '
                                f'"{needs}" (kind is "{net.kind}")')
    size = s.population.size
    counts = None  # citizens per country; a file network's node table decides (model build)
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
    for key, section in (("channels.contact", s.channels.contact),
                         ("channels.social_media", s.channels.social_media),
                         ("channels.state_media", s.channels.state_media),
                         *campaigns_of(s)):
        if section.reject <= section.accept:
            raise ScenarioError(source, f"{key}.reject", f"must be above {key}.accept "
                                f"({section.accept:g}): the latitude of rejection lies beyond "
                                "that of acceptance")
    for key, values in (("channels.talk.images", s.channels.talk.images),
                        *((f"{k}.targets", c.targets) for k, c in campaigns_of(s))):
        if len(set(values)) != len(values):
            raise ScenarioError(source, key, f"names an item twice (got {list(values)})")
    if net.kind == "file":
        for key in ("edges", "nodes"):
            if not getattr(net, key):
                raise ScenarioError(source, f"network.{key}",
                                    "required when network.kind = 'file' (a CSV path)")
    if net.kind == "lattice":
        width = net.width or math.isqrt(s.population.size)
        if s.population.size % width:
            raise ScenarioError(source, "network.width",
                                f"lattice needs population.size ({s.population.size}) to be a "
                                "multiple of the width (set network.width, or use a square size)")
    for key, c in campaigns_of(s):
        need(c.country, f"{key}.country")
        for t in c.targets:
            need(t, f"{key}.targets", c.country)
    for i, e in enumerate(s.events):
        key = f"events.{i}"
        if e.step >= s.scenario.steps:
            raise ScenarioError(source, f"{key}.step",
                                f"step {e.step} is after the last step (scenario.steps = "
                                f"{s.scenario.steps}; allowed 0..{s.scenario.steps - 1}); "
                                f"move or drop this event, or make scenario.steps at least "
                                f"{e.step + 1}")
        if hasattr(e, "between"):
            need(e.between[0], f"{key}.between")
            need(e.between[1], f"{key}.between", e.between[0])
        if e.kind in ("festival", "platform_ban"):
            need(e.country, f"{key}.country")
    if counts is not None:
        check_exchange_ties(s, counts)


# --- overrides --------------------------------------------------------------------


def parse_override(text: str, source: str = "--set") -> tuple[str, Any]:
    """Split ``key=value``; the value is read as TOML (``0.1``, ``true``, ``[1, 2]``) or text."""
    if "=" not in text:
        raise ScenarioError(source, text, "an override is key=value, e.g. "
                                          "channels.talk.rate=0.2")
    key, _, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not key:
        raise ScenarioError(source, text, "empty key in override")
    return key, parse_value(value)


def parse_value(value: str) -> Any:
    """A value typed on the command line: TOML where it parses, else a plain string."""
    try:
        return tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return value


def apply_overrides(raw: dict, overrides: str | list[str] | dict[str, Any],
                    source: str) -> dict:
    """Apply dotted-path overrides to raw scenario data (countries addressed by name).

    A table value (``{"network": {"degree": 4}}``) sets the keys it names and keeps the
    others, as TOML's dotted keys do.
    """
    import copy

    raw = copy.deepcopy(raw)
    if isinstance(overrides, str):
        overrides = [overrides]
    items = (overrides.items() if isinstance(overrides, dict)
             else (parse_override(o, source) for o in overrides))
    for key, value in items:
        _set_path(raw, key, value, source)
    return raw


def _key_parts(key: str) -> list[str]:
    """A dotted key's parts; as in TOML, a part in double quotes may hold dots or dashes."""
    parts, part, quoted = [], "", False
    for ch in key:
        if ch == '"':
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append(part.strip())
            part = ""
        else:
            part += ch
    return [*parts, part.strip()]


def _set_path(raw: dict, key: str, value: Any, source: str) -> None:
    parts = _key_parts(key)
    node: Any = raw
    for i, part in enumerate(parts[:-1]):
        where = ".".join(parts[: i + 1])
        if isinstance(node, list):
            node = _list_item(node, part, key, source)
            continue
        if part == "country" and isinstance(node.get("country"), list) and node is raw:
            node = node["country"]
            continue
        if part == "events" and node is raw:
            node = node.setdefault("events", [])
            continue
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict | list):
            raise ScenarioError(source, key, f"{where} is a value, not a section")
        node = child
    last = parts[-1]
    target = _list_item(node, last, key, source) if isinstance(node, list) else node.get(last)
    if isinstance(value, dict) and isinstance(target, dict):
        for k, v in value.items():
            _set_path(raw, f'{key}."{k}"', v, source)
        return
    if isinstance(node, list):
        raise ScenarioError(source, key, "cannot replace a whole country or event; give a "
                                         "table of its keys, or set one key")
    node[last] = value


def _list_item(items: list, part: str, key: str, source: str) -> dict:
    for item in items:
        if isinstance(item, dict) and item.get("name") == part:
            return item
    if part.isdigit() and int(part) < len(items):
        return items[int(part)]
    names = [i.get("name") for i in items if isinstance(i, dict) and "name" in i]
    allowed = f"known countries: {', '.join(names)}" if names else f"indices 0..{len(items) - 1}"
    raise ScenarioError(source, key, f"no entry {part!r}; {allowed}")


# --- writing ------------------------------------------------------------------------


def dump_toml(data: dict) -> str:
    """Minimal TOML writer for scenario data (tables, arrays of tables, scalars, lists)."""
    lines: list[str] = []

    def scalar(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return "inf" if v == INF else ("-inf" if v == -INF else repr(v))
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{_k(k)} = {scalar(x)}" for k, x in v.items()) + " }"
        raise TypeError(type(v))

    def table(prefix: str, d: dict, array: bool = False):
        simple = {k: v for k, v in d.items() if not _is_table(v)}
        lines.append(f"[[{prefix}]]" if array else f"[{prefix}]")
        lines.extend(f"{_k(k)} = {scalar(v)}" for k, v in simple.items())
        lines.append("")
        for k, v in d.items():
            if isinstance(v, dict) and _is_table(v):
                table(f"{prefix}.{_k(k)}", v)

    for k, v in data.items():
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for item in v:
                table(k, item, array=True)
        elif isinstance(v, dict):
            table(k, v)
    return "\n".join(lines)


def _is_table(v) -> bool:
    return isinstance(v, dict) and any(isinstance(x, dict) for x in v.values())


def _k(key: str) -> str:
    return key if key.replace("_", "").isalnum() else f'"{key}"'
