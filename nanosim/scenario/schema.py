"""The scenario schema: one frozen pydantic model per section of a scenario file.

The schema is the validator and the source of ``docs/scenarios.md``. A section whose
keys must agree with other sections (a campaign's countries, an event's step) says so
in its :meth:`Section.check`, run once the whole scenario is typed (see ``checks``).
"""

from __future__ import annotations

import math
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

from nanosim.errors import ScenarioError
from nanosim.scenario.files import listed, shown
from nanosim.scenario.toml import dump_toml

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

    def check(self, scenario: Scenario, where: str) -> None:
        """Refuse values that contradict the rest of ``scenario`` (``where``: this section's
        key path); a section whose keys stand alone has nothing to check."""


class _Latitudes(Section):
    """A section with latitudes of acceptance and rejection."""

    def check(self, scenario: Scenario, where: str) -> None:
        if self.reject <= self.accept:
            raise ScenarioError(scenario.source, f"{where}.reject", f"must be above "
                                f"{where}.accept ({self.accept:g}): the latitude of rejection "
                                "lies beyond that of acceptance")


class _Campaigning(_Latitudes):
    """A public-diplomacy campaign: its country and targets must exist."""

    def check(self, scenario: Scenario, where: str) -> None:
        super().check(scenario, where)
        _check_distinct(self.targets, scenario, f"{where}.targets")
        scenario.check_country(self.country, f"{where}.country")
        for target in self.targets:
            scenario.check_country(target, f"{where}.targets", other_than=self.country)


def _check_distinct(values: list, scenario: Scenario, key: str) -> None:
    if len(set(values)) != len(values):
        raise ScenarioError(scenario.source, key, f"names an item twice (got {list(values)})")


# --- sections -----------------------------------------------------------------


class ScenarioMeta(Section):
    """`[scenario]`: what the run is and how long it lasts."""

    name: str = _f("Untitled scenario", "Short title shown in plots and tables.")
    description: str = _f("", "What the scenario asks.")
    steps: Whole = _f(180, "Number of steps (one step = one day).", ge=1, le=1_000_000)
    burn_in: Whole = _f(730, "Days run before day 0 with the channels and structure but no "
                           "events (none recorded); the clock, the ledger and the metrics "
                           "then start at day 0 from the burned-in state. A treatment starts "
                           "at day 0 as an event, so a scenario and its event-free twin are "
                           "identical at day 0.", ge=0, le=20_000)
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
    mode: Literal["axelrod", "repertoire"] = _f(
        "repertoire", "How symbols travel: axelrod = meetings and posts copy traits across borders "
        "too (Axelrod 1997); repertoire = across borders a meeting or post adds the other "
        "country's national symbol to what the citizen knows, and own traits change only "
        "within the country (needs perception.experience_rule and at most 32 features).")
    forgetting: Prob = _f(0.005, "Daily chance that a known foreign symbol is forgotten "
                               "(culture.mode = repertoire; without a repertoire there is "
                               "nothing to forget).")


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
    anchoring: Prob = _f(0.015, "lambda: each day every image relaxes toward the citizen's "
                              "initial image (its disposition) by this share of the gap: "
                              "x <- x + lambda * (disposition - x), Friedkin & Johnsen; 0: off.")
    experience_rule: Flag = _f(
        True, "Contact, the cultural content of posts and learning a symbol are experiences, "
        "pleasant or unpleasant, that move a view in their own direction (the experience rule) "
        "instead of messages toward a typed-in valence.")
    negativity: Real = _f(1.25, "w_neg: weight of an unpleasant experience against a pleasant one "
                                "(negativity bias); a channel's mu times it must be at most 1.",
                          ge=1.0, le=100.0)


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
    appeal: Valence = _f(0.3, "Valence of citizens' posts about their own culture; with the "
                              "experience rule, the chance (times openness, below 0 as 0) that "
                              "a novel post is pleasant.")
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
    neighbourhood: Literal["von_neumann", "moore", "manhattan2"] = _f(
        "von_neumann", "Lattice neighbourhood: the 4 nearest sites (von_neumann), the 8 around "
                       "(moore), or the 12 within Manhattan distance 2 (manhattan2).")
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


class Contact(_Latitudes):
    """`[channels.contact]`: person-to-person meetings (nano diplomacy)."""

    enabled: Flag = _f(True, "Channel on or off.")
    rate: Prob = _f(0.2, "Chance per step that a citizen meets a random social neighbour.")
    symbol_sharing: Flag = _f(True, "Meetings share symbols (Axelrod).")
    valence: Valence = _f(0.6, "Valence of a positive cross-border meeting.")
    positivity: Prob = _f(0.9, "Chance a cross-border meeting is positive.")
    negative_valence: Valence = _f(-0.6, "Valence of a negative meeting.")
    negative_weight: Real = _f(2.0, "Weight of a negative meeting relative to a positive one.",
                                ge=0.0, le=100.0)
    positivity_min: Prob = _f(0.6, "Experience rule: chance a cross-border meeting is pleasant "
                                   "when the two know nothing of each other's culture.")
    positivity_max: Prob = _f(0.9, "Experience rule: that chance when each knows all of the "
                                   "other's national symbols (linear in between).")
    learning: Prob = _f(0.1, "culture.mode = repertoire: chance each side of a cross-border "
                             "meeting learns a national symbol of the other's it does not know.")
    mu: Prob = _f(0.05, "Channel weight.")
    accept: Real = _f(2.0, "Latitude of acceptance.", ge=0.0)
    reject: Real = _f(INF, "Latitude of rejection (inf: never).", ge=0.0)

    def check(self, scenario: Scenario, where: str) -> None:
        super().check(scenario, where)
        if self.positivity_min > self.positivity_max:
            raise ScenarioError(scenario.source, f"{where}.positivity_min", f"must be at most "
                                f"{where}.positivity_max ({self.positivity_max:g}), got "
                                f"{self.positivity_min:g}")


class SocialMedia(_Latitudes):
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
    adoption: Prob = _f(0.05, "Chance (times similarity) a foreign follower takes the symbol; "
                              "with culture.mode = repertoire, chance a novel pleasant post's "
                              "symbol is learned.")
    hostility: Prob = _f(0.0, "Chance a post attacks the poster's least-liked country.")
    recognition: Prob = _f(0.9, "Experience rule: chance a post showing a symbol the follower "
                                "holds or knows is pleasant.")


class Talk(Section):
    """`[channels.talk]`: peer talk with a neighbour (bounded confidence, Deffuant)."""

    enabled: Flag = _f(True, "Channel on or off.")
    rate: Prob = _f(0.05, "Chance per step that a citizen talks with a neighbour.")
    epsilon: Real = _f(0.3, "Confidence bound on the [-1, 1] scale.", ge=0.0, le=2.0)
    mu: Prob = _f(0.2, "Convergence weight.")
    images: list[Literal["people", "state"]] = _f(["people", "state"], "Images discussed.",
                                                 min_length=1)

    def check(self, scenario: Scenario, where: str) -> None:
        _check_distinct(self.images, scenario, f"{where}.images")


class StateMedia(_Latitudes):
    """`[channels.state_media]`: domestic official framing (high politics)."""

    enabled: Flag = _f(True, "Channel on or off.")
    mu: Prob = _f(0.12, "Channel weight (times the citizen's trust in the state).")
    accept: Real = _f(2.0, "Latitude of acceptance.", ge=0.0)
    reject: Real = _f(INF, "Latitude of rejection (inf: never).", ge=0.0)


class Relations(Section):
    """`[channels.relations]`: official relations between states (high politics)."""

    enabled: Flag = _f(True, "Relations respond to publics and to each other.")
    reciprocity: Prob = _f(0.05, "Pull of the other state's stance per step.")


class Campaign(_Campaigning):
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


class GroupActivities(Section):
    """`[channels.groups]`: what small groups do together (nano diplomacy).

    Each activity of a group (`activity` per day, set per group) is a gathering, where
    every member meets another at random, or a showcase, where every member shows one of
    the group's symbols to a social neighbour outside it. Meetings are judged as contact
    judges them (`channels.contact.positivity_min`, `positivity_max`), shown symbols as
    social media judges a post (`channels.social_media.recognition`, the shown
    country's `appeal`)."""

    enabled: Flag = _f(True, "Groups meet and showcase, and members join and leave (where the "
                             "scenario has groups).")
    showcase: Prob = _f(0.3, "Share of activities that are showcases (the rest are gatherings).")
    mu: Prob = _f(0.05, "Channel weight of an experience at an activity.")
    learning: Prob = _f(0.1, "culture.mode = repertoire: chance each side of a meeting learns a "
                             "national symbol from the other, and that a pleasant novel symbol "
                             "shown at a showcase is learned.")


class Channels(Section):
    """`[channels]`: every channel's settings."""

    contact: Contact = _f(Contact(), "Direct contact.")
    social_media: SocialMedia = _f(SocialMedia(), "Social media.")
    talk: Talk = _f(Talk(), "Peer talk.")
    state_media: StateMedia = _f(StateMedia(), "State media.")
    relations: Relations = _f(Relations(), "Official relations.")
    events: EventNews = _f(EventNews(), "News of events.")
    campaign: Campaign | None = _f(None, "Optional standing public-diplomacy campaign.")
    groups: GroupActivities = _f(GroupActivities(), "Small groups' activities.")


# --- small groups and sponsorship -----------------------------------------------


class Group(Section):
    """`[[group]]`: one small voluntary group: a friendship society, a diaspora community,
    an arts troupe abroad, a sister-city club.

    Its members are citizens of `home` (and, if binational, of `partner`) who view the
    other country's people warmly enough to join (`[groups]`)."""

    name: str = _f("", "Its name on the dashboard (default: home-partner and its number).")
    home: str = Field(description="Country whose citizens it gathers.")
    partner: str | None = _f(None, "Foreign country it links its members to (none: a national "
                                   "group with no partner).")
    binational: Flag = _f(False, "Citizens of the partner country join it too, so its "
                                 "gatherings cross the border (needs a partner).")
    size: Whole = _f(20, "Members at the start (citizens who would join, chosen at random); "
                         "afterwards the scale of its recruiting (groups.join).", ge=1)
    activity: Real = _f(0.1, "Activities (gatherings or showcases) per day.", ge=0.0, le=10.0)
    symbols: dict[str, str] = _f({}, "Symbols it shows, feature = name, each a national symbol "
                                     "of its home or partner (as named in that country's "
                                     "symbols); default: every national symbol of the partner "
                                     "(of the home, with no partner).")

    def check(self, scenario: Scenario, where: str) -> None:
        scenario.check_country(self.home, f"{where}.home")
        if self.partner is not None:
            scenario.check_country(self.partner, f"{where}.partner", other_than=self.home)
        elif self.binational:
            raise ScenarioError(scenario.source, f"{where}.binational", "a binational group "
                                "needs a partner country (set partner)")
        owners = [c for c in scenario.country if c.name in (self.home, self.partner)]
        for feature, name in self.symbols.items():
            if feature not in scenario.culture.features:
                raise ScenarioError(scenario.source, f"{where}.symbols.{feature}", "unknown "
                                    f"feature; features: {listed(scenario.culture.features)}")
            allowed = [c.symbols[feature] for c in owners if feature in c.symbols]
            if name not in allowed:
                raise ScenarioError(scenario.source, f"{where}.symbols.{feature}", f"{shown(name)}"
                                    " is no national symbol of the group's countries; allowed: "
                                    f"{listed(allowed) if allowed else 'none (name one in the '
                                    'country.symbols of its home or partner)'}")

    def check_sizes(self, scenario: Scenario, sizes, where: str) -> None:
        countries = [self.home] + ([self.partner] if self.binational else [])
        people = sum(int(sizes[scenario.country_index(c)]) for c in countries)
        if self.size > people:
            raise ScenarioError(scenario.source, f"{where}.size", f"at most {people}: the "
                                f"citizens of {' and '.join(countries)} (got {self.size})")


class Groups(Section):
    """`[groups]`: groups generated per country, and how citizens join and leave every group.

    Each day a group approaches `join` × its size citizens of its countries at random; a
    candidate joins with chance openness × (v − leave_below) / (1 − leave_below) (v: their
    view of the other country's people, of their own with no partner; none below
    leave_below). A member leaves once v falls below `leave_below`, and with chance
    `leave` a day in any case. A group thus settles near the sum over the N citizens of its
    country of r / (r + leave) members (r = size × join × their chance / N), fewer when
    views cool."""

    per_country: Whole = _f(0, "Groups generated in each country, each with a foreign partner "
                               "drawn as cross-border ties are (affinity times population).",
                            ge=0, le=100_000)
    size: Real = _f(20.0, "Median size of a generated group.", ge=1.0, le=1_000_000.0)
    size_spread: Real = _f(0.5, "Spread of generated sizes: sigma of a log-normal around size "
                                "(0: all the same).", ge=0.0, le=5.0)
    binational: Prob = _f(0.25, "Share of generated groups that are binational.")
    activity: Real = _f(0.1, "Activities per day of a generated group.", ge=0.0, le=10.0)
    join: Real = _f(0.05, "Citizens a group approaches per day, per member of its size.",
                    ge=0.0, le=100.0)
    leave: Prob = _f(0.01, "Daily chance a member leaves whatever their view.")
    leave_below: Real = _f(0.0, "A member whose view of the partner's people falls below this "
                                "leaves; nobody below it joins.", ge=-1.0, lt=1.0)

    def check(self, scenario: Scenario, where: str) -> None:
        if self.per_country and len(scenario.country) < 2:
            raise ScenarioError(scenario.source, f"{where}.per_country", "generated groups "
                                "have a foreign partner: needs at least two countries")


class Credibility(Section):
    """`[credibility]`: how recipients see through sponsored nano diplomacy (persuasion
    knowledge, Friestad & Wright 1994)."""

    detect: Prob = _f(0.5, "Chance that a recipient sees that an experience is paid for.")
    weight: Real = _f(0.5, "How a detected sponsored experience counts: 1 as a voluntary one, "
                           "0 not at all, below 0 it backfires (an unpleasant experience "
                           "weighing -weight).", ge=-1.0, le=1.0)


class _Sponsoring(Section):
    """A state (or a company of its country) paying for nano diplomacy."""

    sponsor: str = Field(description="Country whose state (or company) pays.")
    programme: Literal["influencers", "groups", "exchanges"] = Field(
        description="What it pays for: influencers (the most-followed of its online citizens "
                    "post for pay), groups (the groups linking it to the partner), exchanges "
                    "(the exchange programmes between it and the partner).")
    partner: str | None = _f(None, "groups, exchanges: the country on the other side (none: "
                                   "any).")
    share: Prob = _f(0.05, "influencers: share of the sponsor's online citizens paid, the "
                           "most-followed first.")

    def check(self, scenario: Scenario, where: str) -> None:
        super().check(scenario, where)
        scenario.check_country(self.sponsor, f"{where}.sponsor")
        if self.partner is not None:
            if self.programme == "influencers":
                raise ScenarioError(scenario.source, f"{where}.partner", "influencers post to "
                                    "all their followers: partner is for programme = groups "
                                    "or exchanges")
            scenario.check_country(self.partner, f"{where}.partner", other_than=self.sponsor)
        if not scenario.perception.experience_rule:
            raise ScenarioError(scenario.source, f"{where}.programme", "sponsored experiences "
                                "need perception.experience_rule = true")


class Sponsorship(_Sponsoring):
    """`[[sponsorship]]`: a standing sponsorship, for the whole run (its burn-in too)."""


# --- events ---------------------------------------------------------------------


class _Event(Section):
    step: Whole = Field(description="Step at which it starts.", ge=0)

    def check(self, scenario: Scenario, where: str) -> None:
        steps = scenario.run.steps
        if self.step >= steps:
            raise ScenarioError(scenario.source, f"{where}.step",
                                f"step {self.step} is after the last step (scenario.steps = "
                                f"{steps}; allowed 0..{steps - 1}); move or drop this event, "
                                f"or make scenario.steps at least {self.step + 1}")
        super().check(scenario, where)

    def check_sizes(self, scenario: Scenario, sizes, where: str) -> None:
        """Refuse what the countries' citizens (``sizes``: citizens per country) cannot
        give; known once the population is split, or a node table read."""


class _Between(_Event):
    between: list[str] = Field(description="The two countries.", min_length=2, max_length=2)

    def check(self, scenario: Scenario, where: str) -> None:
        super().check(scenario, where)
        scenario.check_country(self.between[0], f"{where}.between")
        scenario.check_country(self.between[1], f"{where}.between", other_than=self.between[0])


class _InCountry(_Event):
    """An event in one country (its ``country`` key)."""

    def check(self, scenario: Scenario, where: str) -> None:
        super().check(scenario, where)
        scenario.check_country(self.country, f"{where}.country")


class Incident(_Between):
    """A crisis: relations drop, state media intensifies, bad news spreads."""

    kind: Literal["incident"]
    severity: Prob = _f(0.5, "How far relations drop and how bad the news is.")
    duration: Whole = _f(14, "Steps during which state media is intensified.", ge=1)
    recovery: Prob = _f(0.05, "Once it is over, share of the remaining drop in relations that "
                              "diplomacy repairs per step (0: none).")


class UnilateralAct(_Event):
    """A state's sustained act that other publics condemn (a war, an occupation): a
    one-sided shock, unlike an incident between two states."""

    kind: Literal["unilateral_act"]
    actor: str = Field(description="The acting country, whose state image the act hurts.")
    observers: list[str] = Field(description="The countries whose publics hear of it and whose "
                                 "states' relations toward the actor drop.", min_length=1)
    severity: Prob = _f(0.5, "How far the observers' relations toward the actor drop and how bad "
                             "the news is.")
    duration: Whole = _f(60, "Steps it lasts: relations stay down and the news keeps coming.",
                         ge=1)
    daily_reach: Prob = _f(0.05, "Share of each observer's citizens who hear fresh news of it "
                                 "each step while it lasts (all of them hear it on the first).")
    recovery: Prob = _f(0.05, "Once it is over, share of the remaining drop in relations that "
                              "diplomacy repairs per step (0: none).")

    def check(self, scenario: Scenario, where: str) -> None:
        super().check(scenario, where)
        scenario.check_country(self.actor, f"{where}.actor")
        for name in self.observers:
            scenario.check_country(name, f"{where}.observers", other_than=self.actor)
        if len(set(self.observers)) < len(self.observers):
            raise ScenarioError(scenario.source, f"{where}.observers",
                                "names a country twice; name each once")


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
    meetings: Prob = _f(0.0, "Chance each pair (a guest and their host) meets each day: an "
                             "experience for both, as a cross-border meeting (needs "
                             "perception.experience_rule); 0: the ties only join the graph.")

    def check(self, scenario: Scenario, where: str) -> None:
        super().check(scenario, where)
        if self.meetings > 0 and not scenario.perception.experience_rule:
            raise ScenarioError(scenario.source, f"{where}.meetings", "needs "
                                "perception.experience_rule = true (meetings are experiences)")

    def check_sizes(self, scenario: Scenario, sizes, where: str) -> None:
        a, b = (scenario.country_index(name) for name in self.between)
        pairs = int(sizes[a]) * int(sizes[b])
        if self.ties > pairs:
            raise ScenarioError(scenario.source, f"{where}.ties", f"at most {pairs}: the "
                                f"{sizes[a]} x {sizes[b]} citizens of {self.between[0]} and "
                                f"{self.between[1]} (got {self.ties})")


class OpenBorders(_Between):
    """Cross-border ties grow between two countries over a while, and stay."""

    kind: Literal["open_borders"]
    ties: Real = _f(1.0, "Extra cross-border ties per citizen of the two countries by the end "
                         "(a tie drawn twice counts once).", gt=0.0, le=1000.0)
    duration: Whole = _f(365, "Steps over which the ties are added, in equal daily batches.",
                         ge=1)

    def check(self, scenario: Scenario, where: str) -> None:
        super().check(scenario, where)
        if scenario.network.kind == "complete":
            raise ScenarioError(scenario.source, f"{where}.kind", "open_borders adds ties, but "
                                'network.kind = "complete" has every tie already')

    def check_sizes(self, scenario: Scenario, sizes, where: str) -> None:
        a, b = (scenario.country_index(name) for name in self.between)
        pairs = int(sizes[a]) * int(sizes[b])
        if self.total_ties(scenario, sizes) > pairs:
            raise ScenarioError(scenario.source, f"{where}.ties", f"too many: {self.ties:g} per "
                                f"citizen of the {sizes[a]} and {sizes[b]} citizens of "
                                f"{self.between[0]} and {self.between[1]} is more than their "
                                f"{pairs} pairs")

    def total_ties(self, scenario: Scenario, sizes) -> int:
        """Ties added in all: ``ties`` per citizen of the two countries, each tie shared by
        one citizen of each (as ``network.cross_border`` counts them)."""
        a, b = (scenario.country_index(name) for name in self.between)
        return round(self.ties * (int(sizes[a]) + int(sizes[b])) / 2)

    def ties_on_day(self, total: int, day: int) -> int:
        """Of ``total`` ties, those added on ``day`` (0 .. duration - 1): equal batches."""
        return total * (day + 1) // self.duration - total * day // self.duration


class Festival(_InCountry):
    """A viral cultural moment: a country's appeal and post rate rise."""

    kind: Literal["festival"]
    country: str = Field(description="Country whose culture goes viral.")
    boost: Real = _f(0.3, "Added to the country's appeal (clipped to 1).", ge=0.0, le=2.0)
    multiplier: Real = _f(3.0, "Post rate multiplier of its citizens.", ge=0.0, le=100.0)
    duration: Whole = _f(7, "Steps it lasts.", ge=1)


class PlatformBan(_InCountry):
    """A country's citizens are cut off from social media."""

    kind: Literal["platform_ban"]
    country: str = Field(description="Country whose citizens go offline.")
    duration: Whole = _f(1_000_000, "Steps it lasts (default: to the end).", ge=1)


class CampaignEvent(_Event, _Campaigning):
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


class SponsorshipEvent(_Event, _Sponsoring):
    """A state starts paying for nano diplomacy: what it pays for is sponsored while it lasts."""

    kind: Literal["sponsorship"]
    duration: Whole = _f(1_000_000, "Steps it lasts (default: to the end).", ge=1)


Event = Annotated[
    Incident | UnilateralAct | Summit | Treaty | ExchangeProgramme | OpenBorders | Festival
    | PlatformBan | CampaignEvent | SponsorshipEvent,
    Field(discriminator="kind"),
]
EVENT_KINDS = {cls.model_fields["kind"].annotation.__args__[0]: cls for cls in
               typing.get_args(typing.get_args(Event)[0])}


class Scenario(Section):
    """A whole scenario file. Load it with :func:`load_scenario`.

    Its ``[scenario]`` table is the field ``run`` (``s.run.steps``); files, overrides and
    errors say ``scenario.steps``, as the table is written.
    """

    model_config = ConfigDict(populate_by_name=True)  # Scenario(run=...) from Python

    run: ScenarioMeta = _f(ScenarioMeta(), "What the run is.", alias="scenario")
    population: Population = _f(Population(), "Citizens.")
    culture: Culture = _f(Culture(), "Symbols.")
    perception: Perception = _f(Perception(), "Images and the update rule.")
    country: list[Country] = Field(description="The countries.", min_length=1, max_length=200)
    network: Network = _f(Network(), "Networks.")
    channels: Channels = _f(Channels(), "Channels.")
    events: list[Event] = _f([], "Scheduled events.")
    group: list[Group] = _f([], "Declared small groups.", max_length=100_000)
    groups: Groups = _f(Groups(), "Generated groups and membership.")
    sponsorship: list[Sponsorship] = _f([], "Standing sponsorships.", max_length=1000)
    credibility: Credibility = _f(Credibility(), "Persuasion knowledge.")
    source: str = Field("<scenario>", exclude=True, description="File it came from.")

    @property
    def country_names(self) -> list[str]:
        return [c.name for c in self.country]

    def country_index(self, name: str) -> int:
        return self.country_names.index(name)

    def check_country(self, name: str, key: str, other_than: str | None = None) -> None:
        """Refuse ``name`` at ``key`` unless it names a country (other than ``other_than``)."""
        if name not in self.country_names:
            raise ScenarioError(self.source, key, f"unknown country {shown(name)}; known: "
                                f"{listed(self.country_names)}")
        if name == other_than:
            raise ScenarioError(self.source, key, "a country cannot name itself here")

    def with_overrides(self, overrides: list[str] | dict[str, Any],
                       origin: str | dict[str, str] = "override") -> Scenario:
        """A new scenario with dotted-path overrides applied (``"a.b=v"`` or ``{"a.b": v}``).

        An error in an overridden key names ``origin`` (such as ``"--set"``, or one per
        key) rather than the scenario file; any other error the overrides cause lists them.
        """
        from nanosim.scenario.load import overridden  # the loader builds Scenarios

        raw = self.model_dump(exclude={"source"}, exclude_none=True, by_alias=True)
        return overridden(raw, overrides, self.source, origin)

    @property
    def has_groups(self) -> bool:
        """Whether the scenario has small groups (declared or generated)."""
        return bool(self.group) or self.groups.per_country > 0

    @property
    def has_sponsorship(self) -> bool:
        """Whether anything in the scenario is ever sponsored (standing or as an event)."""
        return bool(self.sponsorship) or any(e.kind == "sponsorship" for e in self.events)

    def to_toml(self) -> str:
        """The scenario as TOML text (every key, defaults included), runnable from anywhere:
        a file network's CSV paths are written out in full.

        The sections that came with groups and sponsorship are left out where they hold
        their defaults (which reading the text gives back), so the text of a scenario that
        does not use them, and the hash a sweep keeps of it, is what it was before them."""
        data = self.model_dump(exclude={"source"}, exclude_none=True, by_alias=True)
        for parent, key, section in ((data, "groups", Groups), (data, "credibility", Credibility),
                                     (data["channels"], "groups", GroupActivities)):
            if parent[key] == section().model_dump():
                del parent[key]
        if self.network.kind == "file":
            base = Path(self.source).parent
            for key in ("edges", "nodes"):
                data["network"][key] = str((base / data["network"][key]).absolute())
        return dump_toml(data)


