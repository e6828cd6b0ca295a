"""The calibration file: the scenarios to fit, the parameters with their priors, and the
survey figures each mapped to a model measure on a day.

A calibration file (TOML; docs/calibration.md) has a ``[calibration]`` table, one
``[[scenario]]`` per scenario fitted, one ``[[parameter]]`` per scenario key estimated
(or ``mapping.thermometer_scale``), and ``[[data]]`` blocks that select rows of a
survey CSV (``data/surveys.csv``'s format) by observer, target, image and period and
give each period its model day. :func:`read_calibration` checks all of it before
anything runs: a parameter must be a key of every scenario it applies to, with a prior
inside the key's limits; a data row must exist and fit its measure. Every error is one
line naming the file and the key.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from nanosim.errors import ScenarioError
from nanosim.scenario import Scenario, load_scenario, scenario_path
from nanosim.scenario.files import CSV_LIMIT, listed, read_text, shown
from nanosim.scenario.load import parse_toml

# model measure: (tidy-table metric, unit of the survey figure it fits, image it measures)
MEASURES = {
    "share_favourable": ("share_favourable", "percent", "country"),
    "share_favourable_people": ("share_favourable_people", "percent", "people"),
    "share_favourable_state": ("share_favourable_state", "percent", "state"),
    "thermometer": ("favourability", "degrees", "country"),
    "thermometer_people": ("image_people", "degrees", "people"),
    "thermometer_state": ("image_state", "degrees", "state"),
}
THERMOMETER_SCALE = 50.0  # degrees per unit of mean image: 50 + scale * x, 50 = neutral
MAPPING_KEYS = {"thermometer_scale": (0.0, 100.0)}  # limits: above the first, at most the second
MAPPING = "mapping."  # a parameter key under it is a mapping's, not a scenario's
PRIORS = ("uniform", "loguniform", "normal")
METHODS = ("abc", "optuna")
SURVEY_COLUMNS = ("observer", "target", "image", "measure", "period", "value", "unit")
KEYS = {
    "": ("calibration", "scenario", "parameter", "data", "mapping", "abc", "optuna"),
    "calibration": ("name", "description", "data", "seed", "replicates"),
    "scenario": ("name", "file", "set"),
    "parameter": ("key", "name", "prior", "range", "mean", "sd", "scenarios", "truth"),
    "data": ("scenario", "observer", "target", "image", "question", "measure", "days", "sd"),
    "mapping": tuple(MAPPING_KEYS),
    "abc": ("population", "generations", "min_acceptance", "quantile", "min_epsilon"),
    "optuna": ("trials", "batch"),
}
CORNERS = 10  # the prior box's corners (2^k) are checked for up to this many parameters
DEFAULT_SD = 3.0  # points: about a 1,000-person survey's sampling error (95 % margin ±3)


@dataclass(frozen=True)
class Parameter:
    """A scenario key (or several set to one value, or a mapping constant) to estimate,
    with its prior. ``key`` names it in every table and figure."""

    key: str
    prior: str
    low: float
    high: float
    mean: float | None = None
    sd: float | None = None
    scenarios: tuple[str, ...] = ()  # the scenarios it applies to
    truth: float | None = None  # --check: the value synthetic data are made at
    keys: tuple[str, ...] = ()  # the scenario keys it sets (default: its key)

    def __post_init__(self):
        if not self.keys:
            object.__setattr__(self, "keys", (self.key,))

    @property
    def scipy(self) -> tuple[str, tuple, dict]:
        """The prior as scipy.stats names it: (distribution, arguments, keywords)."""
        if self.prior == "uniform":
            return "uniform", (self.low, self.high - self.low), {}
        if self.prior == "loguniform":
            return "loguniform", (self.low, self.high), {}
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return "truncnorm", (a, b), {"loc": self.mean, "scale": self.sd}

    def distribution(self):
        """The prior as a frozen scipy.stats distribution."""
        import scipy.stats

        name, args, kwargs = self.scipy
        return getattr(scipy.stats, name)(*args, **kwargs)

    @property
    def is_mapping(self) -> bool:
        return self.key.startswith(MAPPING)

    @property
    def check_value(self) -> float:
        """The value --check makes its synthetic data at: ``truth``, else the prior median."""
        return self.truth if self.truth is not None else float(self.distribution().median())


@dataclass(frozen=True)
class Target:
    """One survey figure, the model measure it is compared with, and the day it is read."""

    scenario: str
    observer: str
    target: str
    image: str
    period: str
    question: str  # the survey's own measure ("favourable", "feelings thermometer")
    measure: str  # the model measure (MEASURES)
    day: int
    value: float
    unit: str  # percent or degrees
    sd: float

    @property
    def series(self) -> tuple[str, str, str, str]:
        """The model series it belongs to: (scenario, observer, target, measure)."""
        return self.scenario, self.observer, self.target, self.measure


@dataclass(frozen=True)
class Settings:
    """How the fit runs: seed, runs per evaluation, and each method's settings."""

    seed: int = 0
    replicates: int = 1  # runs averaged per evaluation
    population: int = 100  # ABC particles per generation
    generations: int = 10  # ABC generations at most
    min_acceptance: float = 0.05  # ABC stops once a generation's acceptance falls below
    quantile: float = 0.5  # ABC epsilon: this quantile of the last generation's distances
    min_epsilon: float = 0.0  # ABC stops once epsilon is at most this
    trials: int = 100  # Optuna trials
    batch: int = 8  # Optuna trials asked at once


@dataclass(frozen=True)
class Calibration:
    """A checked calibration file."""

    source: str
    name: str
    description: str
    scenarios: dict[str, Scenario]  # name -> scenario with its fixed overrides
    parameters: list[Parameter]
    targets: list[Target]
    settings: Settings
    mapping: dict[str, float] = field(default_factory=dict)  # fixed mapping constants

    @property
    def series(self) -> list[tuple[str, str, str, str]]:
        """The model series the data are read from, in the order of the data."""
        return list(dict.fromkeys(t.series for t in self.targets))

    def scenario_at(self, name: str, values: dict[str, float]) -> Scenario:
        """Scenario ``name`` with the parameters that apply to it set to ``values``."""
        own = {k: values[p.key] for p in self.parameters
               if not p.is_mapping and name in p.scenarios for k in p.keys}
        scenario = self.scenarios[name]
        return scenario.with_overrides(own, f"{self.source}: parameter") if own else scenario

    def mapping_at(self, values: dict[str, float]) -> dict[str, float]:
        """The mapping constants, those estimated taken from ``values``."""
        return {**self.mapping, **{p.key[len(MAPPING):]: values[p.key]
                                   for p in self.parameters if p.is_mapping}}

    def identity(self, method: str, check: bool = False) -> dict:
        """What decides the fit's result: a folder holds one calibration only."""
        return {"method": method, "check": check,
                "scenarios": {n: _sha256(s.to_toml()) for n, s in self.scenarios.items()},
                "parameters": [vars(p) | {"scenarios": list(p.scenarios)}
                               for p in self.parameters],
                "targets": [vars(t) for t in self.targets], "mapping": self.mapping,
                "settings": vars(self.settings)}

    def identity_sha256(self, method: str, check: bool = False) -> str:
        return _sha256(json.dumps(self.identity(method, check), sort_keys=True))


def read_calibration(path: str | Path) -> Calibration:
    """Read and check a calibration file (see the module's docstring)."""
    path = Path(path)
    source = str(path)
    raw = parse_toml(read_text(path), source)
    _only(raw, "", source)
    meta = _table(raw, "calibration", source)
    _only(meta, "calibration", source)
    folder = path.parent
    scenarios = _scenarios(raw, source, folder)
    settings = _settings(raw, meta, source)
    mapping = _mapping(raw, source)
    parameters = _parameters(raw, source, scenarios)
    if "data" not in meta:
        raise ScenarioError(source, "calibration.data", "required: the survey CSV's path "
                                                        "(relative to this file)")
    data_path = folder / _text(meta["data"], source, "calibration.data")
    rows = read_surveys(data_path, source)
    targets = _targets(raw, source, scenarios, rows, data_path)
    name = _text(meta.get("name", path.stem), source, "calibration.name")
    description = meta.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(source, "calibration.description", "must be text")
    return Calibration(source, name, description, scenarios, parameters, targets, settings,
                       mapping)


# --- scenarios and parameters ---------------------------------------------------------------


def _scenarios(raw: dict, source: str, folder: Path) -> dict[str, Scenario]:
    blocks = _blocks(raw, "scenario", source, "a [[scenario]] with name and file")
    out: dict[str, Scenario] = {}
    for i, block in enumerate(blocks):
        where = f"scenario.{i}"
        _only(block, "scenario", source, where)
        name = _text(block.get("name"), source, f"{where}.name")
        if name in out:
            raise ScenarioError(source, f"{where}.name", f"scenario {shown(name)} is named twice")
        file = _text(block.get("file"), source, f"{where}.file")
        local = folder / file
        scenario = load_scenario(local if local.exists() or file.endswith(".toml")
                                 else scenario_path(file))
        fixed = block.get("set", {})
        if not isinstance(fixed, dict):
            raise ScenarioError(source, f"{where}.set", "must be a table of KEY = VALUE")
        if fixed:
            scenario = scenario.with_overrides(fixed, f"{source}: {where}.set")
        out[name] = scenario
    return out


def _parameters(raw: dict, source: str, scenarios: dict[str, Scenario]) -> list[Parameter]:
    blocks = _blocks(raw, "parameter", source, "a [[parameter]] with key and range")
    out: list[Parameter] = []
    for i, block in enumerate(blocks):
        where = f"parameter.{i}"
        _only(block, "parameter", source, where)
        key, keys = _keys(block, source, where)
        for k in keys:
            if any(k in p.keys for p in out):
                raise ScenarioError(source, f"{where}.key", f"{shown(k)} is estimated twice")
        if any(p.key == key for p in out):
            raise ScenarioError(source, f"{where}.name", f"{shown(key)} names two parameters")
        prior = block.get("prior", "uniform")
        if prior not in PRIORS:
            raise ScenarioError(source, f"{where}.prior", f"unknown prior {shown(prior)}; "
                                                          f"allowed: {', '.join(PRIORS)}")
        bounds = block.get("range")
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(_is_number(b) for b in bounds)):
            raise ScenarioError(source, f"{where}.range", "required: [LOW, HIGH], two numbers")
        low, high = (float(b) for b in bounds)
        if not low < high:
            raise ScenarioError(source, f"{where}.range", f"LOW must be below HIGH (got "
                                                          f"[{low:g}, {high:g}])")
        if prior == "loguniform" and low <= 0:
            raise ScenarioError(source, f"{where}.range", f"a loguniform prior needs LOW > 0 "
                                                          f"(got {low:g})")
        mean, sd = block.get("mean"), block.get("sd")
        if prior == "normal":
            if not _is_number(mean) or not low <= mean <= high:
                raise ScenarioError(source, f"{where}.mean", f"a normal prior needs a mean "
                                    f"within its range [{low:g}, {high:g}] (got {mean!r})")
            if not _is_number(sd) or sd <= 0:
                raise ScenarioError(source, f"{where}.sd", f"a normal prior needs sd > 0 (got "
                                                           f"{sd!r})")
        elif mean is not None or sd is not None:
            raise ScenarioError(source, f"{where}.{'mean' if mean is not None else 'sd'}",
                                "only a normal prior takes a mean and sd")
        applies = _applies(block, source, where, scenarios)
        truth = block.get("truth")
        if truth is not None and (not _is_number(truth) or not low <= truth <= high):
            raise ScenarioError(source, f"{where}.truth", f"must be a number within the range "
                                f"[{low:g}, {high:g}] (got {truth!r})")
        param = Parameter(key, prior, low, high, None if mean is None else float(mean),
                          None if sd is None else float(sd), applies,
                          None if truth is None else float(truth), keys)
        _check_limits(param, source, where, scenarios)
        out.append(param)
    _check_corners(out, source, scenarios)
    return out


def _keys(block: dict, source: str, where: str) -> tuple[str, tuple[str, ...]]:
    """A parameter's name and the scenario keys it sets: ``key = "a.b"``, or
    ``key = ["a.b", "c.d"]`` with a ``name`` (one value shared by several keys)."""
    keys = block.get("key")
    if isinstance(keys, list):
        if not keys or not all(isinstance(k, str) and k for k in keys):
            raise ScenarioError(source, f"{where}.key", "must be a key or a list of keys")
        if len(set(keys)) < len(keys):
            raise ScenarioError(source, f"{where}.key", "names a key twice")
        if "name" not in block:
            raise ScenarioError(source, f"{where}.name", "required when key lists several "
                                                         "keys (one value shared by them)")
        name = _text(block["name"], source, f"{where}.name")
        if any(k.startswith(MAPPING) for k in keys):
            raise ScenarioError(source, f"{where}.key", "a mapping constant is estimated "
                                                        "alone")
        return name, tuple(keys)
    key = _text(keys, source, f"{where}.key")
    if "name" in block:
        raise ScenarioError(source, f"{where}.name", "only a parameter of several keys takes "
                                                     "a name (its key names it)")
    return key, (key,)


def _applies(block: dict, source: str, where: str,
             scenarios: dict[str, Scenario]) -> tuple[str, ...]:
    names = block.get("scenarios", list(scenarios))
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ScenarioError(source, f"{where}.scenarios", "must be a list of scenario names")
    for name in names:
        if name not in scenarios:
            raise ScenarioError(source, f"{where}.scenarios", f"unknown scenario {shown(name)}; "
                                f"known: {listed(scenarios)}")
    return tuple(names)


def _check_limits(p: Parameter, source: str, where: str,
                  scenarios: dict[str, Scenario]) -> None:
    """The key exists in each scenario it applies to and takes every value of its range."""
    if p.is_mapping:
        name = p.key[len(MAPPING):]
        if name not in MAPPING_KEYS:
            raise ScenarioError(source, f"{where}.key", f"unknown mapping constant "
                                f"{shown(p.key)}; allowed: "
                                f"{', '.join(MAPPING + k for k in MAPPING_KEYS)}")
        lo, hi = MAPPING_KEYS[name]
        if not (lo < p.low and p.high <= hi):
            raise ScenarioError(source, f"{where}.range", f"{p.key} must be in ({lo:g}, "
                                f"{hi:g}] (got [{p.low:g}, {p.high:g}])")
        return
    origin = f"{source}: {where}"
    inside = p.low + (p.high - p.low) * 0.382  # not a round number: a whole-number key fails
    for name in p.scenarios:
        for key in p.keys:
            for value in (p.low, p.high, inside):
                try:
                    scenarios[name].with_overrides({key: value}, origin)
                except ScenarioError as e:
                    if e.source == origin:  # the key itself, or its limits
                        raise
                    raise ScenarioError(source, f"{where}.range", f"at {key} = {value:g} "
                                        f"scenario {name} breaks a rule ({e.key}: "
                                        f"{e.message})") from None


def _check_corners(params: list[Parameter], source: str,
                   scenarios: dict[str, Scenario]) -> None:
    """Every corner of the prior box makes a valid scenario: ranges that together break a
    rule across keys (a minimum above its maximum) are refused before any run."""
    for name, scenario in scenarios.items():
        own = [p for p in params if not p.is_mapping and name in p.scenarios]
        if not 2 <= len(own) <= CORNERS:
            continue
        for corner in itertools.product(*((p.low, p.high) for p in own)):
            values = {k: v for p, v in zip(own, corner, strict=True) for k in p.keys}
            try:
                scenario.with_overrides(values, f"{source}: parameter")
            except ScenarioError as e:
                given = ", ".join(f"{k} = {v:g}" for k, v in values.items())
                raise ScenarioError(source, "parameter", f"the ranges together allow an "
                                    f"invalid scenario ({e.key}: {e.message}) at {given}"
                                    ) from None


# --- data ------------------------------------------------------------------------------------


def read_surveys(path: Path, source: str) -> list[dict]:
    """The rows of a survey CSV (columns as data/surveys.csv), each with its line number."""
    try:
        text = read_text(path, CSV_LIMIT, what="survey CSV")
    except ScenarioError as e:
        raise ScenarioError(source, "calibration.data", f"{path}: {e.message}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in SURVEY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ScenarioError(str(path), "", f"missing column(s) {', '.join(missing)}; a survey "
                                           f"CSV has {', '.join(SURVEY_COLUMNS)}")
    try:
        return [{**row, "line": n} for n, row in enumerate(reader, start=2)]
    except csv.Error as e:
        raise ScenarioError(str(path), "", f"cannot read: {e}") from None


def _targets(raw: dict, source: str, scenarios: dict[str, Scenario], rows: list[dict],
             data_path: Path) -> list[Target]:
    blocks = _blocks(raw, "data", source, "a [[data]] block selecting survey rows")
    out: list[Target] = []
    for i, block in enumerate(blocks):
        where = f"data.{i}"
        _only(block, "data", source, where)
        if "scenario" in block:
            name = _text(block["scenario"], source, f"{where}.scenario")
            if name not in scenarios:
                raise ScenarioError(source, f"{where}.scenario", f"unknown scenario "
                                    f"{shown(name)}; known: {listed(scenarios)}")
        elif len(scenarios) == 1:
            name = next(iter(scenarios))
        else:
            raise ScenarioError(source, f"{where}.scenario", f"required with several "
                                f"scenarios; known: {listed(scenarios)}")
        scenario = scenarios[name]
        observer, target, image = (_text(block.get(k), source, f"{where}.{k}")
                                   for k in ("observer", "target", "image"))
        if observer not in scenario.country_names:
            _unknown(source, f"{where}.observer", observer, scenario)
        if target not in scenario.country_names or target == observer:
            _unknown(source, f"{where}.target", target, scenario, observer)
        measure = _text(block.get("measure"), source, f"{where}.measure")
        if measure not in MEASURES:
            raise ScenarioError(source, f"{where}.measure", f"unknown measure {shown(measure)}; "
                                f"allowed: {', '.join(MEASURES)}")
        fits = [m for m, (_, _, im) in MEASURES.items() if im == image]
        if measure not in fits:
            allowed = f"allowed: {', '.join(fits)}" if fits else "no model measure fits it"
            raise ScenarioError(source, f"{where}.measure", f"{measure} does not measure the "
                                f"{shown(image)} image; {allowed}")
        question = block.get("question")
        if question is not None:
            question = _text(question, source, f"{where}.question")
        sd = block.get("sd", DEFAULT_SD)
        if not _is_number(sd) or sd <= 0:
            raise ScenarioError(source, f"{where}.sd", f"must be a number > 0 (got {sd!r})")
        days = block.get("days")
        if not isinstance(days, dict) or not days:
            raise ScenarioError(source, f"{where}.days", 'required: a table of PERIOD = DAY, '
                                'e.g. { "2003 March" = 240 }')
        steps = scenario.run.steps
        for period, day in days.items():
            key = f'{where}.days."{period}"'
            if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= steps:
                raise ScenarioError(source, key, f"a day must be a whole number in 0..{steps} "
                                    f"(scenario.steps of {name}; got {day!r})")
            every = scenario.run.record_every
            if day % every and day != steps:
                raise ScenarioError(source, key, f"day {day} is not recorded (scenario "
                                    f"{name} records every {every} days)")
            row = _row(rows, observer, target, image, period, question, source, key, data_path)
            unit = _unit(row, data_path)
            if MEASURES[measure][1] != unit:
                raise ScenarioError(source, f"{where}.measure", f"{measure} gives "
                                    f"{MEASURES[measure][1]}, but the {shown(period)} figure "
                                    f"is in {unit}")
            out.append(Target(name, observer, target, image, str(period), row["measure"],
                              measure, day, _value(row, data_path), unit, float(sd)))
    keys = [(t.series, t.day) for t in out]
    for i, k in enumerate(keys):
        if k in keys[:i]:
            t = out[i]
            raise ScenarioError(source, "data", f"two figures are fitted to {t.measure} of "
                                f"{t.observer} -> {t.target} on day {t.day}")
    return out


def _unknown(source: str, key: str, name: str, scenario: Scenario,
             other_than: str | None = None) -> None:
    if name == other_than:
        raise ScenarioError(source, key, "observer and target must differ")
    raise ScenarioError(source, key, f"no country {shown(name)} in scenario "
                        f"{scenario.run.name!r}; known: {listed(scenario.country_names)}")


def _row(rows: list[dict], observer: str, target: str, image: str, period: str,
         question: str | None, source: str, key: str, data_path: Path) -> dict:
    found = [r for r in rows if (r["observer"], r["target"], r["image"], r["period"])
             == (observer, target, image, period)]
    if question is not None:
        found = [r for r in found if r["measure"] == question]
    if not found:
        periods = sorted({r["period"] for r in rows if (r["observer"], r["target"], r["image"])
                          == (observer, target, image)
                          and (question is None or r["measure"] == question)})
        there = (f"periods there: {listed(periods)}" if periods else
                 "it has no rows of that observer, target and image")
        raise ScenarioError(source, key, f"no row of {data_path.name} has {observer} -> "
                            f"{target}, image {image}, period {shown(period)}" +
                            (f", measure {shown(question)}" if question else "") + f"; {there}")
    if len(found) > 1:
        raise ScenarioError(source, key, f"{len(found)} rows of {data_path.name} match (survey "
                            f"measures {listed(shown(r['measure']) for r in found)}); name one "
                            "with question")
    return found[0]


def _unit(row: dict, data_path: Path) -> str:
    unit = row["unit"].strip().split(" ")[0].lower()
    if unit not in ("percent", "degrees"):
        raise ScenarioError(str(data_path), f"line {row['line']}", f"unit {shown(row['unit'])} "
                            "fits no model measure (percent or degrees)")
    return unit


def _value(row: dict, data_path: Path) -> float:
    try:
        value = float(row["value"])
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ScenarioError(str(data_path), f"line {row['line']}", f"value {shown(row['value'])} "
                                                                   "is not a number")
    return value


# --- settings --------------------------------------------------------------------------------


def _settings(raw: dict, meta: dict, source: str) -> Settings:
    abc, opt = (_table(raw, name, source) for name in ("abc", "optuna"))
    _only(abc, "abc", source)
    _only(opt, "optuna", source)
    d = Settings()
    return Settings(
        seed=_whole(meta, "seed", d.seed, 0, source, "calibration"),
        replicates=_whole(meta, "replicates", d.replicates, 1, source, "calibration"),
        population=_whole(abc, "population", d.population, 2, source, "abc"),
        generations=_whole(abc, "generations", d.generations, 1, source, "abc"),
        min_acceptance=_share(abc, "min_acceptance", d.min_acceptance, source, "abc"),
        quantile=_share(abc, "quantile", d.quantile, source, "abc", above_zero=True),
        min_epsilon=_non_negative(abc, "min_epsilon", d.min_epsilon, source, "abc"),
        trials=_whole(opt, "trials", d.trials, 1, source, "optuna"),
        batch=_whole(opt, "batch", d.batch, 1, source, "optuna"))


def _mapping(raw: dict, source: str) -> dict[str, float]:
    """The mapping constants: the defaults, and those the file sets."""
    table = _table(raw, "mapping", source)
    _only(table, "mapping", source)
    out = {"thermometer_scale": THERMOMETER_SCALE}
    for name, value in table.items():
        lo, hi = MAPPING_KEYS[name]
        if not _is_number(value) or not lo < value <= hi:
            raise ScenarioError(source, f"mapping.{name}", f"must be a number in ({lo:g}, "
                                f"{hi:g}] (got {value!r})")
        out[name] = float(value)
    return out


def _whole(table: dict, key: str, default: int, least: int, source: str, where: str) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise ScenarioError(source, f"{where}.{key}", f"must be a whole number >= {least} "
                                                      f"(got {value!r})")
    return value


def _share(table: dict, key: str, default: float, source: str, where: str,
           above_zero: bool = False) -> float:
    value = table.get(key, default)
    if not _is_number(value) or not (0 < value if above_zero else 0 <= value) or value > 1:
        raise ScenarioError(source, f"{where}.{key}", f"must be a number in "
                            f"{'(0' if above_zero else '[0'}, 1] (got {value!r})")
    return float(value)


def _non_negative(table: dict, key: str, default: float, source: str, where: str) -> float:
    value = table.get(key, default)
    if not _is_number(value) or value < 0:
        raise ScenarioError(source, f"{where}.{key}", f"must be a number >= 0 (got {value!r})")
    return float(value)


# --- reading helpers -------------------------------------------------------------------------


def _only(table: dict, section: str, source: str, where: str | None = None) -> None:
    allowed = KEYS[section]
    for key in table:
        if key not in allowed:
            at = f"{where if where is not None else section}.{key}".lstrip(".")
            raise ScenarioError(source, at, f"unknown key; allowed: {', '.join(allowed)}")


def _table(raw: dict, name: str, source: str) -> dict:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ScenarioError(source, name, f"must be a table: write [{name}] above its keys")
    return value


def _blocks(raw: dict, name: str, source: str, what: str) -> list[dict]:
    blocks = raw.get(name)
    if blocks is None or blocks == []:
        raise ScenarioError(source, name, f"required: at least {what}")
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise ScenarioError(source, name, f"must be a list of tables: write [[{name}]] above "
                                          "each one")
    return blocks


def _text(value, source: str, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ScenarioError(source, key, "required: a text value" if value is None
                            else f"must be text (got {type(value).__name__})")
    return value


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
