"""Where the dashboard finds scenarios: the bundled ones, a folder, and uploads."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nanosim.dashboard.limits import check_citizens
from nanosim.engine.network import check_files
from nanosim.errors import ScenarioError
from nanosim.experiments.budget import check_memory, run_bytes
from nanosim.scenario import Scenario, library_folder, load_scenario, loads_scenario
from nanosim.scenario.files import TOML_LIMIT, format_bytes

BUNDLED_DIR = library_folder()
FOLDER_ENV = "NANOSIM_DASHBOARD_DIR"  # set by ``nanosim dashboard FOLDER`` for the server


@dataclass(frozen=True)
class Entry:
    """One scenario on offer, or the one-line reason it cannot be used."""

    label: str
    origin: str  # "bundled", "folder" or "upload"
    scenario: Scenario | None = None
    error: str | None = None


def scan(folder: str | Path, origin: str) -> list[Entry]:
    """Every ``*.toml`` directly in ``folder``, loaded (invalid files keep their error)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.glob("*.toml")):
        try:
            scenario = load_scenario(path)
            check_files(scenario)  # a file network's CSVs, as `nanosim validate` reads them
            entries.append(Entry(_label(path.stem, origin), origin, scenario))
        except ScenarioError as e:
            entries.append(Entry(_label(path.stem, origin), origin, error=e.brief()))
    return entries


def catalogue(folder: str | Path | None = None) -> list[Entry]:
    """The bundled scenarios followed by those of ``folder`` (default: $NANOSIM_DASHBOARD_DIR)."""
    folder = folder if folder is not None else os.environ.get(FOLDER_ENV) or None
    entries = scan(BUNDLED_DIR, "bundled")
    if folder is not None and Path(folder).resolve() != BUNDLED_DIR:
        entries += scan(folder, "folder")
    return entries


def upload(name: str, data: bytes) -> Entry:
    """An uploaded TOML file as an entry; raises ScenarioError (one line) if it is invalid,
    NanosimError if it is above the dashboard's citizens per scenario
    (:mod:`nanosim.dashboard.limits`) or one run of it would not fit in memory."""
    if len(data) > TOML_LIMIT:
        raise ScenarioError(name, "", f"is above the {format_bytes(TOML_LIMIT)} limit for a "
                                      "TOML file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(name, "", "not a UTF-8 text file") from None
    scenario = loads_scenario(text, name)
    if scenario.network.kind == "file":
        raise ScenarioError(name, "network.kind", 'a "file" network needs its CSVs beside it: '
                            "put them in the folder given to `nanosim dashboard FOLDER`")
    check_citizens(scenario, Path(name).name[:40])
    check_memory(run_bytes(scenario), f"{Path(name).name[:40]}: one run of it")
    return Entry(_label(Path(name).stem, "upload"), "upload", scenario)


def _label(stem: str, origin: str) -> str:
    return stem if origin == "bundled" else f"{stem} ({origin})"
