"""Groups and sponsorship in a scenario file: each section checks itself, bad input is
one line naming the file and key, and unused sections leave the scenario's text alone."""

import subprocess
import sys

import pytest

from nanosim.scenario import loads_scenario
from tests.conftest import SMALL, V1, small
from tests.scenario.test_scenario import error_of

GROUPS = SMALL + """
[[group]]
name = "Aland-Bland friendship society"
home = "Aland"
partner = "Bland"
size = 30
symbols = { cuisine = "dumplings" }

[[sponsorship]]
sponsor = "Bland"
programme = "groups"
partner = "Aland"
"""


@pytest.mark.parametrize(("overrides", "key", "allowed"), [
    ({"group.0.home": "Mars"}, "group.0.home", "unknown country 'Mars'; known: Aland"),
    ({"group.0.partner": "Mars"}, "group.0.partner", "unknown country 'Mars'"),
    ({"group.0.partner": "Aland"}, "group.0.partner", "a country cannot name itself here"),
    ({"group.0.size": 301}, "group.0.size", "at most 300: the citizens of Aland (got 301)"),
    ({"group.0.binational": True, "group.0.size": 481}, "group.0.size",
     "at most 480: the citizens of Aland and Bland (got 481)"),
    ({"group.0.size": 0}, "group.0.size", "must be in 1.. (got 0)"),
    ({"group.0.symbols": {"cuisine": "herring"}, "group.0.home": "Cland"},
     "group.0.symbols.cuisine", "'herring' is no national symbol of the group's countries; "
     "allowed: dumplings"),
    ({"group.0.symbols": {"hat": "fez"}}, "group.0.symbols.hat", "unknown feature"),
    ({"group.0.partner": None, "group.0.binational": True, "group.0.symbols": {}},
     "group.0.binational", "needs a partner country"),
    ({"groups.leave_below": 1.0}, "groups.leave_below", "must be in -1..1"),
    ({"credibility.detect": 1.5}, "credibility.detect", "must be in 0..1 (got 1.5)"),
    ({"credibility.weight": -1.5}, "credibility.weight", "must be in -1..1 (got -1.5)"),
    ({"sponsorship.0.sponsor": "Mars"}, "sponsorship.0.sponsor", "unknown country 'Mars'"),
    ({"sponsorship.0.partner": "Bland"}, "sponsorship.0.partner", "cannot name itself"),
    ({"sponsorship.0.programme": "bribes"}, "sponsorship.0.programme",
     "must be one of 'influencers', 'groups' or 'exchanges'"),
    ({"sponsorship.0.programme": "influencers"}, "sponsorship.0.partner",
     "partner is for programme = groups or exchanges"),
    ({"events": [{"kind": "sponsorship", "step": 5, "sponsor": "Mars",
                  "programme": "exchanges"}]}, "events.0.sponsor", "unknown country 'Mars'"),
    ({**V1, "sponsorship": []}, "group", "needs perception.experience_rule = true"),
    ({**V1, "group": []}, "sponsorship.0.programme", "need perception.experience_rule = true"),
])
def test_bad_groups_and_sponsorships_name_the_key_and_what_is_allowed(overrides, key, allowed):
    message = error_of(GROUPS, overrides)
    assert f": {key}: " in message and allowed in message


def test_generated_groups_need_a_foreign_partner():
    solo = '[[country]]\nname = "Solo"\nshare = 1.0\n[groups]\nper_country = 2\n'
    assert "groups.per_country: generated groups have a foreign partner" in error_of(solo)


def test_a_list_of_groups_written_as_a_table_says_how_to_write_it():
    assert "must be a list of tables: write [[group]]" in error_of(
        SMALL + '\n[group]\nhome = "Aland"\n')


def test_unused_group_and_sponsorship_sections_leave_the_text_as_it_was():
    """A sweep keeps the hash of a scenario's text: it must not change for scenarios that
    use no groups or sponsorship; a used section is written and read back."""
    text = small().to_toml()
    assert "groups" not in text and "credibility" not in text and "sponsorship" not in text
    used = loads_scenario(GROUPS, "g.toml", {"credibility.detect": 0.2})
    again = loads_scenario(used.to_toml(), "again.toml")
    assert again.group == used.group and again.sponsorship == used.sponsorship
    assert again.credibility.detect == 0.2


def test_a_bad_group_exits_2_with_one_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(GROUPS.replace('partner = "Bland"\nsize', 'partner = "Aland"\nsize'))
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "nanosim", "run", bad, "--out", out],
                          capture_output=True, text=True)
    assert done.returncode == 2 and not out.exists()
    assert done.stderr == (f"nanosim: error: {bad}: group.0.partner: a country cannot name "
                           "itself here\n")
