"""The channel registry: every registered channel is complete everywhere it must appear."""

import re
from pathlib import Path

import pytest

from nanosim import run_replicate
from nanosim.dashboard.live import channels_option
from nanosim.engine.channels import CHANNELS, LEDGER, by_name
from nanosim.figures import plots
from nanosim.scenario.schema import Channels, Culture, Perception
from tests.conftest import ALL_OFF, small

DOCS = Path(__file__).resolve().parents[2] / "docs"
SECTIONS = {"channels": Channels, "culture": Culture, "perception": Perception}  # channels' keys


def test_stored_channel_codes_never_change():
    """Tables on disk store channels by code: a new channel is appended, never inserted."""
    assert [c.name for c in LEDGER][:6] == ["contact", "social_media", "talk", "state_media",
                                            "campaign", "events"]
    assert [c.code for c in LEDGER] == list(range(len(LEDGER)))


def test_channels_step_in_the_documented_order():
    """docs/model.md, "A step": events, high politics, then nano diplomacy."""
    groups = [c.group for c in CHANNELS if c.group != "other"]
    assert CHANNELS[0].name == "events"
    assert groups == sorted(groups, key=["high_politics", "nano"].index)


@pytest.mark.parametrize("channel", CHANNELS, ids=lambda c: c.name)
def test_a_registered_channel_is_complete(channel):
    assert channel.group in ("nano", "high_politics", "other")
    section, name = channel.settings.split(".")
    assert section in SECTIONS and name in SECTIONS[section].model_fields, channel.settings
    assert by_name(channel.name) is channel
    model_md = (DOCS / "model.md").read_text()
    assert f"`{channel.settings}`" in model_md or f"`[{channel.settings}]`" in model_md, \
        f"docs/model.md does not describe {channel.name}"
    if channel.code is None:  # records nothing: no colour, no row in the results
        return
    assert re.fullmatch(r"#[0-9a-f]{6}", channel.colour or ""), channel.colour
    assert plots.CHANNEL_COLOURS[channel.name] == channel.colour
    outputs_md = (DOCS / "outputs.md").read_text()
    assert f"`{channel.name}`" in outputs_md, f"docs/outputs.md does not list {channel.name}"


def test_every_ledger_channel_has_a_row_in_the_figures_and_the_dashboard():
    df = run_replicate(small({**ALL_OFF, "scenario.steps": 11, "perception.anchoring": 0.01,
                              "groups.per_country": 1}), 0)
    assert [c.name for c in LEDGER] == list(df["channel"].cat.categories[1:])
    shown = [s["name"] for s in channels_option(df, "Aland")["series"]]
    assert shown == [c.name.replace("_", " ") for c in LEDGER]
