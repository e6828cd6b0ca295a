"""Writing scenario data as TOML text (the standard library reads TOML but does not write it)."""

from __future__ import annotations

import math


def dump_toml(data: dict) -> str:
    """Minimal TOML writer for scenario data (tables, arrays of tables, scalars, lists)."""
    lines: list[str] = []

    def scalar(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return "inf" if v == math.inf else ("-inf" if v == -math.inf else repr(v))
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
