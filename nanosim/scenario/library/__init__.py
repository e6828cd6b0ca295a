"""The bundled scenarios: TOML files shipped inside the package, found by name.

A name is a file's path in this folder without ``.toml``: ``crisis``,
``validation/axelrod``. The files are read through :mod:`importlib.resources`, so
they are found in an installed wheel as in a checkout.
"""

from __future__ import annotations

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
    """The file of the bundled scenario ``name``; a ScenarioError listing the names if
    there is none."""
    names = bundled_scenarios()
    if name not in names:
        raise ScenarioError(name, "", f"no such file or bundled scenario; bundled: "
                                      f"{', '.join(names)}")
    return library_folder() / f"{name}.toml"
