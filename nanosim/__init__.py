"""nanosim: nano power diplomacy versus high politics, as an agent-based model.

    from nanosim import load_scenario, DiplomacyModel, run

Names are imported on first use, so the command line starts quickly.
"""

__version__ = "0.1.0"

_EXPORTS = {  # public name: (module, attribute; None for the module itself)
    "Citizen": ("nanosim.engine.agents", "Citizen"),
    "DiplomacyModel": ("nanosim.engine.model", "DiplomacyModel"),
    "NanosimError": ("nanosim.errors", "NanosimError"),
    "Scenario": ("nanosim.scenario", "Scenario"),
    "ScenarioError": ("nanosim.errors", "ScenarioError"),
    "State": ("nanosim.engine.agents", "State"),
    "load_scenario": ("nanosim.scenario", "load_scenario"),
    "run": ("nanosim.experiments.runner", "run"),
    "run_replicate": ("nanosim.experiments.runner", "run_replicate"),
    "sweep": ("nanosim.experiments.sweep", "sweep"),
    "load_sweep": ("nanosim.experiments.sweep", "load_sweep"),
    "calibrate": ("nanosim.experiments.calibration", "calibrate"),
    "read_calibration": ("nanosim.experiments.calibration", "read_calibration"),
    "compare": ("nanosim.experiments.compare", None),  # modules of helpers, as the docs use them
    "report": ("nanosim.experiments.report", None),
    "results": ("nanosim.experiments.results", None),
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        module_name, attribute = _EXPORTS[name]
        module = importlib.import_module(module_name)
        return module if attribute is None else getattr(module, attribute)
    raise AttributeError(f"module 'nanosim' has no attribute {name!r}")
