"""The package's layers: imports go one way, scenario -> engine -> experiments -> io/figures
-> cli/dashboard, the library never imports the command line, no two packages import
each other and no modules import each other in a circle.

Every ``import`` statement of every module is read (those inside functions too), so
a lazy import counts as much as one at the top of a file; only the circle of modules
is judged on the imports a module runs when it is imported (its top level).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nanosim"
LAYERS = {"scenario": 0, "engine": 1, "experiments": 2, "io": 3, "figures": 3, "cli": 4,
          "dashboard": 4}
BASE = {"nanosim", "nanosim.errors"}  # below every layer: they import none of them
ENTRY = {"nanosim.__main__"}  # ``python -m nanosim``: the command line itself
COMMAND_LINE = ("nanosim.cli", "argparse")


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, top_level: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) of every import statement in a module (or of those at
    its top level only)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in (tree.body if top_level else ast.walk(tree)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            # ``from nanosim import figures``: the names may be modules themselves
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names
                      if f"{base}.{a.name}" in MODULES]
    return found


def layer_of(module: str) -> str | None:
    """The layer (first-level package) a nanosim module belongs to; None for the base."""
    parts = module.split(".")
    if parts[0] != "nanosim" or module in BASE or module in ENTRY:
        return None
    return parts[1] if parts[1] in LAYERS else None


MODULES = modules()
EDGES = [(name, line, target) for name, path in MODULES.items()
         for line, target in imports(name, path)]


def test_every_module_of_the_package_is_in_a_layer_or_the_base():
    loose = [m for m in MODULES if m not in BASE | ENTRY and layer_of(m) is None]
    assert not loose, f"modules in no layer (add their package to LAYERS): {loose}"


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_no_import_goes_up_a_layer(layer):
    wrong = [f"{name}:{line} imports {target}" for name, line, target in EDGES
             if layer_of(name) == layer and layer_of(target) is not None
             and LAYERS[layer_of(target)] > LAYERS[layer]]
    assert not wrong, "imports from a lower layer to a higher one:\n" + "\n".join(wrong)


def test_the_base_imports_no_layer():
    wrong = [f"{name}:{line} imports {target}" for name, line, target in EDGES
             if name in BASE and layer_of(target) is not None]
    assert not wrong, "\n".join(wrong)


def test_the_library_never_imports_the_command_line():
    wrong = [f"{name}:{line} imports {target}" for name, line, target in EDGES
             if layer_of(name) != "cli" and name not in ENTRY
             and any(target == c or target.startswith(c + ".") for c in COMMAND_LINE)]
    assert not wrong, "library modules importing the command line:\n" + "\n".join(wrong)


def test_no_two_packages_import_each_other():
    graph: dict[str, set[str]] = {}
    for name, _, target in EDGES:
        here, there = layer_of(name), layer_of(target)
        if here and there and here != there:
            graph.setdefault(here, set()).add(there)
    cycles = [cycle for start in sorted(graph) if (cycle := _cycle_from(start, graph))]
    assert not cycles, "circular imports between packages: " + "; ".join(
        " -> ".join(c) for c in cycles)


def test_no_modules_import_each_other_in_a_circle():
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        graph[name] = {t for _, t in imports(name, path, top_level=True)
                       if t in MODULES and t != name}
    cycles = [cycle for start in sorted(graph) if (cycle := _cycle_from(start, graph))]
    assert not cycles, "circular imports between modules: " + "; ".join(
        " -> ".join(c) for c in cycles)


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path of imports from ``start`` back to itself, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None
