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
    "sweep": "nanosim.sweep",  # the module, callable: nanosim.sweep(...) runs a sweep
    "load_sweep": "nanosim.sweep",
    "compare": "nanosim.compare",  # modules of helpers, as the docs use them
    "report": "nanosim.report",
    "results": "nanosim.results",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        module = importlib.import_module(_EXPORTS[name])
        return module if module.__name__ == f"nanosim.{name}" else getattr(module, name)
    raise AttributeError(f"module 'nanosim' has no attribute {name!r}")
