"""Loading scenarios: a file (or a bundled scenario by name), or TOML text, overridden,
validated against the schema and checked for consistency, as a frozen Scenario."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from pydantic import ValidationError

from nanosim.errors import ScenarioError
from nanosim.scenario.checks import check_consistency
from nanosim.scenario.explain import explain
from nanosim.scenario.files import listed, read_text
from nanosim.scenario.library import bundled_path
from nanosim.scenario.overrides import apply_overrides, key_parts, parse_override
from nanosim.scenario.schema import Scenario


def as_scenario(scenario: Scenario | str | Path) -> Scenario:
    """A Scenario as it is, or loaded from its file (or bundled name)."""
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def scenario_path(name: str | Path) -> Path:
    """The file a scenario argument names: the path itself if it exists (or ends .toml),
    else the bundled scenario of that name (``crisis``, ``validation/axelrod``)."""
    path = Path(name)
    return path if path.exists() or path.suffix == ".toml" else bundled_path(str(name))


def load_scenario(path: str | Path, overrides: list[str] | dict | None = None,
                  origin: str | dict[str, str] = "override") -> Scenario:
    """Read, override and validate a scenario file; raise ScenarioError on any problem.

    ``path`` is a file, or the name of a bundled scenario (see :func:`scenario_path`);
    ``origin`` names where the overrides came from, as :meth:`Scenario.with_overrides`.
    """
    path = scenario_path(path)
    return loads_scenario(read_text(path), str(path), overrides, origin)


def loads_scenario(text: str, source: str = "<scenario>",
                   overrides: list[str] | dict | None = None,
                   origin: str | dict[str, str] = "override") -> Scenario:
    """Validate scenario TOML text (``source`` names it in errors)."""
    raw = parse_toml(text, source)
    if "sweep" in raw:
        raise ScenarioError(source, "sweep", "this is a sweep file, not a scenario: run it with "
                                             "`nanosim sweep`")
    try:
        return overridden(raw, overrides, source, origin) if overrides else \
            _from_raw(raw, source)
    except RecursionError:
        raise ScenarioError(source, "", "tables or lists nested too deeply") from None


def parse_toml(text: str, source: str) -> dict:
    """TOML text as a dict; ScenarioError (one line) for bad syntax or too deep nesting."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(source, "", f"TOML syntax error: {e}") from None
    except RecursionError:
        raise ScenarioError(source, "", "tables or lists nested too deeply") from None


def overridden(raw: dict, overrides, source: str, origin: str | dict[str, str]) -> Scenario:
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
        if _same_branch(key_parts(key), key_parts(error.key)):
            where = origin if isinstance(origin, str) else origin.get(key, "override")
            raise ScenarioError(where, error.key, error.message) from None
    _from_raw(raw, source)  # the file's own error, whatever the overrides
    given = listed(f"{key}={_as_text(value)}" for key, value in overrides.items())
    raise ScenarioError(error.source, error.key, f"{error.message} (overrides: {given})") \
        from None


def _same_branch(a: list[str], b: list[str]) -> bool:
    """Whether one dotted key lies inside the other (an index matches any named item)."""
    return all(x == y or x.isdigit() != y.isdigit() for x, y in zip(a, b, strict=False))


def _as_text(value) -> str:
    return json.dumps(value, default=str)


def _from_raw(raw: dict, source: str) -> Scenario:
    if "source" in raw:
        raise ScenarioError(source, "source", "unknown key")
    try:
        scenario = Scenario.model_validate({**raw, "source": source}, by_name=False)
    except ValidationError as e:
        raise explain(e, raw, source) from None
    check_consistency(scenario)
    return scenario

