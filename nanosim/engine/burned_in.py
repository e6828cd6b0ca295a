"""Burned-in models, kept for reuse within a process.

The burn-in runs no events and records nothing, so a scenario and its twins that differ
only in their events and in how long and how often they record (a treatment and its
control, the four cells of a 2 x 2) reach the same state at day 0 under common random
numbers. :func:`start` runs each such burn-in once per seed and replicate and hands out
copies; the results are the same bytes as building each model afresh (tests).

Models of more than a quarter of :data:`BUDGET` bytes are not kept.
"""

from __future__ import annotations

import copy
import os
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from nanosim.engine.model import DiplomacyModel
from nanosim.engine.network import edge_list_files
from nanosim.scenario import Scenario, as_scenario

BUDGET = 512 * 2**20  # bytes of burned-in models kept per process

# what the burn-in does not read: events, and how long and how often the run records
_NEUTRAL_RUN = {"name": "", "description": "", "steps": 1, "seed": 0, "replicates": 1,
                "record_every": 1, "stop_when_absorbed": False}

_kept: OrderedDict[tuple, DiplomacyModel] = OrderedDict()
_kept_bytes: dict[tuple, int] = {}
_lock = threading.Lock()


def start(scenario: Scenario | str, replicate: int = 0, *, seed: int | None = None,
          citizen_agents: bool | None = False,
          progress: Callable[[int], None] | None = None) -> DiplomacyModel:
    """A model of ``scenario`` at day 0, as ``DiplomacyModel(scenario, replicate, ...)``
    builds it, reusing the burned-in state of a twin built before in this process."""
    scenario = as_scenario(scenario)
    if not scenario.run.burn_in:
        return DiplomacyModel(scenario, replicate, seed=seed, citizen_agents=citizen_agents,
                              progress=progress)
    key = _key(scenario, replicate, seed, citizen_agents)
    with _lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
    if kept is not None:
        model = copy.deepcopy(kept)
        model.restart(scenario)
        return model
    model = DiplomacyModel(scenario, replicate, seed=seed, citizen_agents=citizen_agents,
                           progress=progress)
    size = model_bytes(model)
    if size <= BUDGET // 4:
        _keep(key, copy.deepcopy(model), size)
    return model


def forget() -> None:
    """Drop every kept model."""
    with _lock:
        _kept.clear()
        _kept_bytes.clear()


def model_bytes(model: DiplomacyModel) -> int:
    """The bytes of the model's arrays (and of the arrays of its graphs and groups)."""
    total = 0
    for value in vars(model).values():
        if isinstance(value, np.ndarray):
            total += value.nbytes
        elif hasattr(value, "__dict__") or hasattr(value, "_fields"):
            parts = value._asdict().values() if hasattr(value, "_asdict") else vars(value).values()
            total += sum(v.nbytes for v in parts if isinstance(v, np.ndarray))
    return total


def _key(scenario: Scenario, replicate: int, seed: int | None,
         citizen_agents: bool | None) -> tuple:
    root = scenario.run.seed if seed is None else seed
    twin = scenario.model_copy(update={"events": [],
                                       "run": scenario.run.model_copy(update=_NEUTRAL_RUN)})
    files = ()
    if scenario.network.kind == "file":  # the network is read from files: the files too
        files = tuple((os.path.abspath(f), os.stat(f).st_mtime_ns, os.stat(f).st_size)
                      for f in edge_list_files(scenario) if os.path.exists(f))
    return (twin.model_dump_json(), files, int(root), int(replicate), citizen_agents)


def _keep(key: tuple, model: DiplomacyModel, size: int) -> None:
    with _lock:
        _kept[key] = model
        _kept_bytes[key] = size
        while sum(_kept_bytes.values()) > BUDGET:
            oldest, _ = _kept.popitem(last=False)
            del _kept_bytes[oldest]
