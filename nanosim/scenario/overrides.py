"""Overrides: dotted-path keys (``channels.talk.rate=0.2``) set in raw scenario data.

Countries are addressed by name, events by position; a key part in double quotes may
hold dots or dashes, as in TOML.
"""

from __future__ import annotations

import copy
import tomllib
from typing import Any

from nanosim.errors import ScenarioError
from nanosim.scenario.files import listed, shown


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
    except RecursionError:
        raise ScenarioError("--set", "", "a value nested too deeply") from None


def apply_overrides(raw: dict, overrides: str | list[str] | dict[str, Any],
                    source: str) -> dict:
    """Apply dotted-path overrides to raw scenario data (countries addressed by name).

    A table value (``{"network": {"degree": 4}}``) sets the keys it names and keeps the
    others, as TOML's dotted keys do.
    """
    raw = copy.deepcopy(raw)
    if isinstance(overrides, str):
        overrides = [overrides]
    items = (overrides.items() if isinstance(overrides, dict)
             else (parse_override(o, source) for o in overrides))
    for key, value in items:
        _set_path(raw, key, value, source)
    return raw


def key_parts(key: str) -> list[str]:
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
    parts = key_parts(key)
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
    allowed = f"known countries: {listed(names)}" if names else f"indices 0..{len(items) - 1}"
    raise ScenarioError(source, key, f"no entry {shown(part)}; {allowed}")

