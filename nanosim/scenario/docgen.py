"""Generate docs/scenarios.md from the scenario schema, so the reference cannot drift.

    python -m nanosim.scenario.docgen > docs/scenarios.md
"""

from __future__ import annotations

import inspect
import json
import types
import typing

from pydantic import BaseModel

from nanosim.scenario import schema as S
from nanosim.scenario.explain import field_limits


def _section_model(annotation) -> type[BaseModel]:
    """The table model of a section field (``Campaign | None`` gives ``Campaign``)."""
    return next(a for a in (annotation, *typing.get_args(annotation))
                if isinstance(a, type) and issubclass(a, BaseModel))


SECTIONS = [
    ("[scenario]", S.ScenarioMeta), ("[population]", S.Population), ("[culture]", S.Culture),
    ("[perception]", S.Perception), ("[[country]]", S.Country),
    ("country.state", S.StateSettings), ("country.initial", S.InitialImages),
    ("[network]", S.Network),
    *((f"[channels.{name}]", _section_model(field.annotation))  # every channel's section
      for name, field in S.Channels.model_fields.items()),
    ("[[group]]", S.Group), ("[groups]", S.Groups), ("[[sponsorship]]", S.Sponsorship),
    ("[credibility]", S.Credibility),
]
HEADER = """# Scenario file reference

Generated from the schema by `python -m nanosim.scenario.docgen` (`make docs`); the
validator and this page are the same code. A scenario is one TOML file; every
key has a default except each country's `name` and `share` (a scenario needs at
least one `[[country]]`), so a scenario can be short. Unknown keys, wrong types (a quoted
"5" where a number belongs, `1` where `true` or `false` does) and
out-of-range values are errors naming the file, the key path and what is allowed.

Override any key from the command line with `--set key.path=value` (values are
read as TOML: `0.1`, `true`, `"text"`, `[1, 2]`); countries are addressed by name
(`country.Indonesia.appeal=0.7`), events by position (`events.0.severity=0.5`), and a
key part holding a dash is quoted as in TOML (`network.affinity."Indonesia-Japan"=0.5`).
From Python, `load_scenario(path, {"population.size": 500})` does the same; a table
value sets only the keys it names (`{"network": {"degree": 4}}` keeps the rest of
`[network]`).
"""


def type_name(tp) -> str:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return type_name(typing.get_args(tp)[0])
    if origin is typing.Literal:
        return " \\| ".join(f'"{a}"' for a in typing.get_args(tp))
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(type_name(a) for a in typing.get_args(tp))}]"
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(type_name(a) for a in typing.get_args(tp) if a is not type(None)) + (
            " (optional)" if type(None) in typing.get_args(tp) else "")
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "table"
    return getattr(tp, "__name__", str(tp))


def default_text(field) -> str:
    if field.is_required():
        return "required"
    d = field.default
    if isinstance(d, BaseModel):
        return "(table)"
    if d is None:
        return "none"
    if isinstance(d, bool):
        return str(d).lower()
    if isinstance(d, float) and d == float("inf"):
        return "inf"
    return f"`{json.dumps(d)}`" if isinstance(d, str | list | dict) else f"`{d}`"


def section_table(title: str, model: type[BaseModel]) -> list[str]:
    about = inspect.cleandoc(model.__doc__ or "").split(":", 1)[-1].strip()
    lines = [f"## `{title}`", "", about[:1].upper() + about[1:], "",
             "| key | type | default | range | meaning |", "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if name == "source" or (name == "kind" and model in S.EVENT_KINDS.values()):
            continue  # an event's kind heads its own table
        lo, hi = field_limits(field)
        rng = f"{lo or '−∞'} … {hi or '∞'}" if lo or hi else ""
        meaning = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{name}` | {type_name(field.annotation)} | {default_text(field)} | "
                     f"{rng} | {meaning} |")
    return lines + [""]


def render() -> str:
    out = [HEADER]
    for title, model in SECTIONS:
        out.extend(section_table(title, model))
    out += ["## `[[events]]`", "",
            "Each event has `step` (0 … steps − 1: it happens during that step and shows from "
            "the next recorded step on) and `kind`; the other keys depend on the kind.", ""]
    for kind, model in S.EVENT_KINDS.items():
        out.extend(section_table(f'kind = "{kind}"', model)[0:1])
        out.append("")
        out.append(inspect.cleandoc(model.__doc__ or ""))
        out.append("")
        out.extend(section_table("", model)[4:])
    return "\n".join(out)


if __name__ == "__main__":
    print(render())
