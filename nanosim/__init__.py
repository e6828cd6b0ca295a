"""nanosim: nano power diplomacy versus high politics, as an agent-based model.

    from nanosim import load_scenario, DiplomacyModel, run
"""

__version__ = "0.1.0"

from nanosim.errors import NanosimError, ScenarioError  # noqa: E402
from nanosim.model import DiplomacyModel  # noqa: E402
from nanosim.runner import run, run_replicate  # noqa: E402
from nanosim.scenario import Scenario, load_scenario  # noqa: E402

__all__ = ["DiplomacyModel", "NanosimError", "Scenario", "ScenarioError", "load_scenario",
           "run", "run_replicate"]
