"""nanosim: nano power diplomacy versus high politics, as an agent-based model.

    from nanosim import load_scenario, DiplomacyModel, run

Names are imported on first use, so the command line starts quickly.
"""

__version__ = "0.1.0"

_EXPORTS = {
    "DiplomacyModel": "nanosim.model",
    "NanosimError": "nanosim.errors",
    "Scenario": "nanosim.scenario",
    "ScenarioError": "nanosim.errors",
    "load_scenario": "nanosim.scenario",
    "run": "nanosim.runner",
    "run_replicate": "nanosim.runner",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'nanosim' has no attribute {name!r}")
