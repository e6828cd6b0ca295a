"""Scenarios: the typed, validated description of one simulated world.

A scenario file (TOML) is loaded, overridden (``--set a.b=v``), validated against the
schema and checked for consistency; the result is a frozen :class:`Scenario`.
"""

from nanosim.scenario.schema import (
    EVENT_KINDS,
    Scenario,
    affinity_pair,
    apply_overrides,
    as_scenario,
    campaigns_of,
    check_exchange_ties,
    check_whole,
    dump_toml,
    field_limits,
    load_scenario,
    loads_scenario,
    parse_override,
    parse_value,
    split_population,
)

__all__ = ["EVENT_KINDS", "Scenario", "affinity_pair", "apply_overrides", "as_scenario",
           "campaigns_of", "check_exchange_ties", "check_whole", "dump_toml", "field_limits",
           "load_scenario", "loads_scenario", "parse_override", "parse_value",
           "split_population"]
