"""Error explanations: pydantic's first validation error as one line a user can act on.

The line names the key path as the user wrote it (countries by name, events by
position) and what is allowed there (the keys of a table, a range, the event kinds).
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from nanosim.errors import ScenarioError
from nanosim.scenario.files import SHOWN_CHARS, listed
from nanosim.scenario.schema import EVENT_KINDS, Scenario

LISTS_OF_TABLES = ("country", "events", "group", "sponsorship")  # written [[key]]


def explain(error: ValidationError, raw: dict, source: str) -> ScenarioError:
    """Turn pydantic's first error into one line naming the key path and what is allowed."""
    err = error.errors()[0]
    loc = list(err["loc"])
    model_path = _model_path(loc)
    key = _key_path(loc, raw)
    kind, ctx = err["type"], err.get("ctx", {})
    got = f" (got {_brief(err['input'])})" if kind not in ("missing", "extra_forbidden") else ""
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model_path[:-1])
        msg = "unknown key" + (f"; allowed: {listed(allowed, 16)}" if allowed else "")
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
    elif kind == "list_type" and isinstance(err["input"], dict) and key in LISTS_OF_TABLES:
        msg = f"must be a list of tables: write [[{key}]] (double brackets) above each one"
    elif kind == "list_type":
        quotes = isinstance(err["input"], str) and err["input"].startswith("[")
        msg = f"must be a list{got}" + ('; text in a list needs quotes, e.g. ["people"]'
                                        if quotes else "")
    elif kind in ("model_type", "dict_type"):
        allowed = _allowed_keys(model_path)
        msg = "must be a table" + (f" of keys ({listed(allowed, 16)})" if allowed else "") + got
    elif kind in ("too_short", "too_long"):
        bound = "least" if kind == "too_short" else "most"
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        msg = f"must hold at {bound} {limit} item{'s' if limit != 1 else ''}{got}"
    else:
        msg = err["msg"][:1].lower() + err["msg"][1:] + got
    return ScenarioError(source, key, msg)


def _brief(value) -> str:
    """A value from the file as an error line shows it: its repr if short, else its kind."""
    text = repr(value)
    if len(text) <= SHOWN_CHARS:
        return text
    size = f" of {len(value)} items" if isinstance(value, list | dict) else ""
    return f"a {type(value).__name__}{size}"


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
            field = file_keys(tp).get(part)
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
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _allowed_keys(model_path: list) -> list[str]:
    tp = _unwrap(_walk(model_path))
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [k for k in file_keys(tp) if k != "source"]
    return []


def file_keys(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields by the key a scenario file writes (the field's alias, if any)."""
    return {field.alias or name: field for name, field in model.model_fields.items()}


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
    if isinstance(parent, type) and issubclass(parent, BaseModel) and last in file_keys(parent):
        return field_limits(file_keys(parent)[last])
    if typing.get_origin(parent) is None and parent is not None:
        return "", ""
    return "-1", "1"  # dict values of Valence type

