"""Scenario files: defaults, overrides, and one clear line for every kind of bad input."""

import numpy as np
import pytest

from nanosim import Scenario, ScenarioError, load_scenario
from nanosim.scenario import loads_scenario, split_population
from tests.conftest import SMALL, small

MINIMAL = '[[country]]\nname = "Solo"\nshare = 1.0\n'


def error_of(text=SMALL, overrides=None) -> str:
    """The one-line error; an overridden key's own errors name 'override', not the file."""
    with pytest.raises(ScenarioError) as info:
        loads_scenario(text, "bad.toml", overrides)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(("override: ", "bad.toml: ") if overrides else "bad.toml: ")
    return message


def test_a_single_country_is_a_complete_scenario():
    s = loads_scenario(MINIMAL)
    assert s.run.steps == 180 and s.channels.talk.rate == 0.05
    assert s.country_names == ["Solo"]


def test_scenario_is_frozen(small_scenario):
    with pytest.raises(Exception, match="frozen"):
        small_scenario.run.steps = 5


def test_the_scenario_table_is_the_field_run():
    s = loads_scenario(MINIMAL + "[scenario]\nsteps = 7\n")
    assert s.run.steps == 7 and "[scenario]\nname = " in s.to_toml()
    assert Scenario(run=s.run, country=s.country).run.steps == 7  # by name, from Python
    assert error_of("[run]\nsteps = 7\n" + MINIMAL).startswith(
        "bad.toml: run: unknown key; allowed: scenario, population")
    assert error_of(overrides=["run.steps=7"]).startswith("override: run: unknown key")
    assert error_of(overrides=["scenario.steps=0"]) == (
        "override: scenario.steps: must be in 1..1000000 (got 0)")


def test_toml_round_trip_keeps_every_value(small_scenario):
    again = loads_scenario(small_scenario.to_toml(), "small.toml")
    assert again == small_scenario


def test_overrides_address_countries_by_name():
    s = small({"country.Aland.appeal": 0.9, "channels.talk.rate": 0.25})
    assert s.country[0].appeal == 0.9 and s.channels.talk.rate == 0.25


def test_text_overrides_are_parsed_as_toml_values(small_scenario):
    s = small_scenario.with_overrides(["channels.talk.images=['people']",
                                       "network.kind=lattice", "population.size=400"])
    assert s.channels.talk.images == ["people"] and s.network.kind == "lattice"


def test_load_scenario_reads_files(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text(MINIMAL)
    assert load_scenario(path).source == str(path)


@pytest.mark.parametrize(("overrides", "key", "allowed"), [
    ({"channels.social_media.post_rate": -0.1}, "channels.social_media.post_rate", "0..1"),
    ({"channels.contact.positivity": 1.5}, "channels.contact.positivity", "0..1"),
    ({"channels.talk.speed": 1}, "channels.talk.speed", "allowed: enabled, rate"),
    ({"country.Aland.share": 0.9}, "country.share", "sum to 1"),
    ({"country.Aland.appeal": "high"}, "country.Aland.appeal", "must be a number (got 'high')"),
    ({"network.kind": "star"}, "network.kind", "'lattice'"),
    ({"events.0.step": 30}, "events.0.step", "allowed 0..29"),
    ({"events.0.between": ["Aland", "Mars"]}, "events.0.between", "unknown country 'Mars'"),
    ({"events.0.kind": "war"}, "events.0.kind", "allowed: incident"),
    ({"events.0.ties": 3}, "events.0.ties", "unknown key"),
    ({"network.affinity": {"Aland-Mars": 1.0}}, 'network.affinity."Aland-Mars"', "known: Aland"),
    ({"channels.campaign.targets": ["Cland"]}, "channels.campaign.targets", "cannot name itself"),
    ({"country.Aland.initial.people.Mars": 0.1}, "country.Aland.initial.people.Mars", "unknown"),
    ({"country.Mars.appeal": 0.1}, "country.Mars.appeal", "known countries: Aland"),
    ({"population.size": 0}, "population.size", "1..50000000"),
    ({"country.Aland.symbols.hat": "fez"}, "country.Aland.symbols.hat", "features: cuisine"),
    ({"network.kind": "file"}, "network.edges", "required"),
    ({"channels.talk.enabled": "yes"}, "channels.talk.enabled", "must be true or false"),
    ({"channels.talk.enabled": 1}, "channels.talk.enabled", "must be true or false"),
    ({"population.size": True}, "population.size", "must be a whole number (got True)"),
    ({"network.degree": 2.5}, "network.degree", "must be a whole number (got 2.5)"),
    ({"population.size": "500"}, "population.size", "must be a whole number (got '500')"),
    ({"country.Aland.name": "all"}, "country.0.name", "'all' cannot name a country"),
    ({"country.Aland.name": "A:B"}, "country.0.name", "':' separates OBSERVER:TARGET"),
    ({"country.Aland.name": " Aland"}, "country.0.name", "leading or trailing spaces"),
    ({"network.edges": "e.csv"}, "network.edges", 'used only with network.kind = "file"'),
    ({"network.torus": True}, "network.torus", 'used only with network.kind = "lattice"'),
    ({"network.affinity": {"Aland-Bland": 2.0, "Bland-Aland": 0.0}},
     'network.affinity."Bland-Aland"', 'also given as "Aland-Bland"'),
    ({"channels.contact.accept": 1.5, "channels.contact.reject": 0.5},
     "channels.contact.reject", "must be above channels.contact.accept (1.5)"),
    ({"channels.talk.images": ["people", "people"]}, "channels.talk.images", "names an item twice"),
    ({"events.0.between": ["Aland", "Bland", "Aland"]}, "events.0.between",
     "must hold at most 2 items (got ['Aland', 'Bland', 'Aland'])"),
    ({"country.Aland.share": None}, "country.Aland.share", "required key is missing"),
    ({"population.size": 2}, "population.size",
     "2 citizens leave 'Cland' (share 0.2) with none; every country needs citizens"),
    ({"events": [{"kind": "exchange_programme", "step": 5, "between": ["Aland", "Bland"],
                  "ties": 54_001}]}, "events.0.ties",
     "at most 54000: the 300 x 180 citizens of Aland and Bland (got 54001)"),
    ({"network.degree": 600}, "network.degree",
     "must be below population.size: each of 600 citizens knows at most 599 others (got 600)"),
    ({"channels.talk.rate": "0.5"}, "channels.talk.rate", "must be a number (got '0.5')"),
    ({"channels.talk.rate": True}, "channels.talk.rate", "must be a number (got True)"),
    ({"country.Aland.initial.people.Bland": "0.2"}, "country.Aland.initial.people.Bland",
     "must be a number"),
])
def test_bad_values_name_the_key_and_what_is_allowed(overrides, key, allowed):
    message = error_of(overrides=overrides)
    assert f": {key}: " in message and allowed in message


def test_affinity_keys_may_name_countries_with_dashes_and_spaces():
    text = SMALL.replace("Bland", "Timor-Leste").replace("{ Timor-Leste =", '{ "Timor-Leste" =')
    s = loads_scenario(text, "t.toml", {"network.affinity": {"Aland - Timor-Leste": 0.5}})
    assert s.network.affinity == {"Aland - Timor-Leste": 0.5}


def test_shares_rounded_from_data_are_rescaled():
    text = SMALL.replace("share = 0.5", "share = 0.4999")
    s = loads_scenario(text, "t.toml")
    assert split_population(1000, [c.share for c in s.country]).sum() == 1000
    assert "within 0.001 (they sum to 0.99" in error_of(text.replace("0.4999", "0.49"))


def test_numbers_from_numpy_and_whole_floats_are_numbers():
    s = small({"network.degree": np.int64(4), "channels.talk.rate": np.float32(0.5),
               "population.size": 300.0})
    assert (s.network.degree, s.channels.talk.rate, s.population.size) == (4, 0.5, 300)


def test_toml_syntax_error_is_one_line():
    assert "TOML syntax error" in error_of("[scenario\nname = 1")


def test_missing_country_name_is_reported():
    assert "country.0.name: required key is missing" in error_of("[[country]]\nshare = 1.0\n")


def test_a_quoted_key_part_may_hold_a_dash_as_in_toml():
    s = small(['network.affinity."Aland-Bland"=0.25', "channels.talk.enabled=false"])
    assert s.network.affinity == {"Aland-Bland": 0.25} and s.channels.talk.enabled is False
    message = error_of(overrides=['network.affinity."Aland-Mars"=1'])
    assert ': network.affinity."Aland-Mars": unknown country \'Mars\'' in message


def test_a_sweep_file_given_as_a_scenario_says_what_it_is():
    assert error_of('[sweep]\nscenario = "crisis.toml"\n') == (
        "bad.toml: sweep: this is a sweep file, not a scenario: run it with `nanosim sweep`")


def test_an_override_error_names_the_override_not_the_file():
    assert error_of(overrides=["network.nosuch=1"]).startswith(
        "override: network.nosuch: unknown key; allowed: kind, degree")
    assert error_of(overrides={"network": {"degree": -1}}).startswith(
        "override: network.degree: must be in 1..")
    with pytest.raises(ScenarioError, match=r"^--seed: scenario.seed: must be"):
        loads_scenario(SMALL, "bad.toml", {"scenario.seed": -1}, {"scenario.seed": "--seed"})


def test_an_error_the_overrides_cause_elsewhere_lists_them():
    message = error_of(overrides=["scenario.steps=8"])
    assert message.startswith("bad.toml: events.0.step: step 10 is after the last step")
    assert message.endswith("or make scenario.steps at least 11 (overrides: scenario.steps=8)")


def test_a_files_own_error_is_not_blamed_on_the_overrides():
    message = error_of(SMALL.replace("size = 600", "size = -600"), ["network.degree=4"])
    assert message == "bad.toml: population.size: must be in 1..50000000 (got -600)"


@pytest.mark.parametrize("text, overrides, expected", [
    (SMALL.replace("[[country]]", "[country]", 1).split("[[country]]")[0]
     + SMALL[SMALL.index("[network]"):].split("[[events]]")[0], None,
     "bad.toml: country: must be a list of tables: write [[country]] (double brackets) above "
     "each one"),
    (SMALL, ["population=5"],
     "override: population: must be a table of keys (size, openness, openness_sd) (got 5)"),
    (SMALL, ["channels.talk.images=[people]"],
     """override: channels.talk.images: must be a list (got '[people]'); text in a list needs """
     """quotes, e.g. ["people"]"""),
])
def test_a_table_or_list_in_the_wrong_shape_says_how_to_write_it(text, overrides, expected):
    assert error_of(text, overrides) == expected


def test_a_table_override_sets_only_the_keys_it_names():
    base = small()
    s = small({"network": {"degree": 4}, "country.Bland": {"appeal": 0.9},
               "events.0": {"severity": 0.5}})
    assert s.network.degree == 4 and s.network.cross_border == base.network.cross_border
    assert s.network.follows == base.network.follows
    assert s.country[1].appeal == 0.9 and s.country[1].symbols == base.country[1].symbols
    assert s.events[0].severity == 0.5 and s.events[0].step == base.events[0].step
    assert small("population.size=500").population.size == 500  # one override, as a string


def test_bad_override_syntax_is_reported():
    with pytest.raises(ScenarioError, match="key=value"):
        small(["channels.talk.rate"])


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.toml")


def test_scenario_reference_is_generated_from_the_schema():
    from pathlib import Path

    from nanosim.scenario.docgen import render

    doc = Path(__file__).parents[2] / "docs" / "scenarios.md"
    assert doc.read_text() == render() + "\n", "run `make docs` to regenerate docs/scenarios.md"
