"""The bundled scenarios: TOML files shipped inside the package, found by name.

A name is a file's path in this folder without ``.toml``: ``crisis``,
``validation/axelrod``. The files are read through :mod:`importlib.resources`, so
they are found in an installed wheel as in a checkout.
"""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from nanosim.errors import ScenarioError


def library_folder() -> Path:
    """The folder holding the bundled scenario files."""
    return Path(resources.files(__name__)).resolve()


def bundled_scenarios() -> list[str]:
    """The names of the bundled scenarios, sorted."""
    folder = library_folder()
    return sorted(path.relative_to(folder).with_suffix("").as_posix()
                  for path in folder.rglob("*.toml"))


def bundled_path(name: str) -> Path:
    """The file of the bundled scenario ``name``; a ScenarioError naming the closest names
    and listing them all (as far as one error line holds) if there is none."""
    names = bundled_scenarios()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3)
        hint = f" (closest: {', '.join(close)})" if close else ""
        raise ScenarioError(name, "", f"no such file or bundled scenario{hint}; bundled: "
                                      f"{', '.join(names)}")
    return library_folder() / f"{name}.toml"
