"""Scenarios: the typed, validated description of one simulated world.

A scenario file (TOML), or a bundled scenario named by its name, is loaded, overridden
(``--set a.b=v``), validated against the schema and checked for consistency; the result
is a frozen :class:`Scenario`.

Modules: ``schema`` (the sections), ``load`` (reading and validating), ``explain``
(validation errors as one line), ``checks`` (rules across sections), ``overrides``
(dotted-path keys), ``toml`` (writing), ``library`` (the bundled scenarios) and
``docgen`` (docs/scenarios.md).
"""

from nanosim.scenario.checks import (
    affinity_pair,
    check_sizes,
    check_whole,
    split_population,
)
from nanosim.scenario.explain import field_limits
from nanosim.scenario.library import bundled_path, bundled_scenarios, library_folder
from nanosim.scenario.load import as_scenario, load_scenario, loads_scenario, scenario_path
from nanosim.scenario.overrides import apply_overrides, parse_override, parse_value
from nanosim.scenario.schema import EVENT_KINDS, Scenario
from nanosim.scenario.toml import dump_toml

__all__ = ["EVENT_KINDS", "Scenario", "affinity_pair", "apply_overrides", "as_scenario",
           "bundled_path", "bundled_scenarios", "check_sizes",
           "check_whole", "dump_toml", "field_limits", "library_folder", "load_scenario",
           "loads_scenario", "parse_override", "parse_value", "scenario_path",
           "split_population"]
