"""The experience rule and symbols (MODEL.md 3.2, 3.4): its fixed point x*, learning,
forgetting and familiarity, and the keys that switch it on."""

import sys
from pathlib import Path

import numpy as np
import pytest

from nanosim import run_replicate
from nanosim.engine.channels import by_name
from nanosim.engine.channels.forgetting import forget
from nanosim.engine.kernels import PEOPLE, STATE
from nanosim.engine.kernels.bundles import NO_HELD, NO_KNOWN_ONLY, NO_SUMS, Ledger
from nanosim.engine.kernels.judgement import experience
from nanosim.engine.kernels.measures import familiarity, known_only_counts
from nanosim.engine.model import DiplomacyModel
from nanosim.errors import ScenarioError
from nanosim.scenario import load_scenario, loads_scenario
from tests.conftest import V1, small

ROOT = Path(__file__).resolve().parents[2]

sys.path.insert(0, str(ROOT / "tools"))
from experience_fixed_point import fixed_point, settled  # noqa: E402

CONTACT = by_name("contact").code

TWO_COUNTRIES = """
[scenario]
steps = {steps}
seed = 4
burn_in = 0
[population]
size = {size}
openness = 1.0
openness_sd = 0.0
[culture]
features = ["f1", "f2", "f3", "f4"]
traits = 10
diversity = 0.0
mode = "repertoire"
forgetting = {forgetting}
[perception]
experience_rule = true
anchoring = 0.0
spillover = 0.0
initial_sd = 0.2
[[country]]
name = "A"
share = 0.5
symbols = {{ f1 = "a1", f2 = "a2", f3 = "a3", f4 = "a4" }}
[[country]]
name = "B"
share = 0.5
symbols = {b_symbols}
[network]
kind = "complete"
[channels.contact]
rate = 1.0
mu = 0.1
positivity_min = 0.4
positivity_max = 0.9
learning = {learning}
[channels.social_media]
enabled = false
[channels.talk]
enabled = false
[channels.state_media]
enabled = false
[channels.relations]
enabled = false
[channels.events]
enabled = false
"""


def two_countries(shared=0, learning=0.1, forgetting=0.0, steps=100, size=200):
    """Two countries whose national symbols agree on the first ``shared`` of 4 features,
    meeting on a complete graph (contact only, experiences, a repertoire)."""
    names = [f"a{f}" if f <= shared else f"b{f}" for f in range(1, 5)]
    b_symbols = "{ " + ", ".join(f'f{f} = "{n}"' for f, n in enumerate(names, 1)) + " }"
    return loads_scenario(TWO_COUNTRIES.format(steps=steps, size=size, learning=learning,
                                               forgetting=forgetting, b_symbols=b_symbols),
                          "two_countries.toml")


def mean_metric(df, metric, since=0):
    return df[(df.metric == metric) & (df.step >= since)].value.mean()


@pytest.mark.parametrize("pleasant", [True, False])
def test_an_experience_moves_a_view_in_its_own_direction_never_against_it(pleasant):
    img = np.zeros((1, 2, 2))
    shift, counts = np.zeros((1, 2, 2, 7)), np.zeros(7, np.int64)
    book = Ledger(shift, counts, NO_SUMS, NO_HELD, NO_KNOWN_ONLY, 0.5)
    for x in np.linspace(-1.0, 1.0, 41):
        img[0, PEOPLE, 1], img[0, STATE, 1] = x, 0.0
        experience(img, book, 0.2, 0, 0.8, 0, PEOPLE, 1, pleasant, 0.4, 2.5, CONTACT)
        moved = img[0, PEOPLE, 1] - x
        expected = 0.4 * 0.8 * (1 - x) if pleasant else -0.4 * 2.5 * 0.8 * (1 + x)
        assert moved == pytest.approx(expected, abs=1e-12)
        assert (moved >= 0) if pleasant else (moved <= 0)
        assert -1.0 <= img[0, PEOPLE, 1] <= 1.0
        assert img[0, STATE, 1] == pytest.approx(0.2 * moved, abs=1e-12)  # spillover
    assert counts[CONTACT] == 41  # every experience counts, as every message does
    assert shift[0, 1, STATE, CONTACT] == pytest.approx(0.2 * shift[0, 1, PEOPLE, CONTACT])


@pytest.mark.parametrize(("p", "w"), [(0.6, 1.25), (0.8, 2.0), (0.7, 3.0), (0.3, 1.5)])
def test_a_contact_only_world_settles_at_the_fixed_point(p, w):
    """x* = (p - (1 - p) w) / (p + (1 - p) w): 300 citizens, 200 days, the second half
    averaged; the simulated mean is within 0.02 of the formula (measured: within 0.005)."""
    assert settled(p, w, replicates=1, size=300, steps=200) == pytest.approx(
        fixed_point(p, w), abs=0.02)


def test_the_v2_model_is_the_default_and_v1_its_special_case():
    s = small()
    assert s.perception.experience_rule and s.culture.mode == "repertoire"
    assert "familiarity" in DiplomacyModel(s).timeseries().metric.cat.categories
    v1 = DiplomacyModel(small(V1))
    assert v1.known.shape == (0, 3) and v1.dispositions is None
    assert "familiarity" not in v1.timeseries().metric.cat.categories


def test_switching_symbol_learning_off_changes_the_final_people_images():
    """digital_age, small: without learning (contact.learning, social_media.adoption)
    citizens know fewer of each other's symbols, and their people images end elsewhere
    (in v1 they ended bit-identical)."""
    base = load_scenario("digital_age").with_overrides({
        "population.size": 1500, "scenario.steps": 120, "scenario.burn_in": 0})
    off = base.with_overrides({"channels.contact.learning": 0.0,
                               "channels.social_media.adoption": 0.0})
    runs = [DiplomacyModel(s) for s in (base, off)]
    for model in runs:
        model.run_to_end()
    learned, never = runs
    assert learned.known.any() and not never.known.any()
    foreign = learned.home[:, None] != np.arange(3)[None, :]
    moved = np.abs(learned.images[:, PEOPLE] - never.images[:, PEOPLE])[foreign]
    assert moved.mean() > 0.01


def test_familiarity_rises_with_learning_and_falls_back_with_forgetting():
    s = two_countries(learning=0.3, forgetting=0.05, steps=150)
    model = DiplomacyModel(s)
    for _ in range(40):
        model.step()
    learned = familiarity(model.symbols, model.known, model.prototypes, model.starts,
                          model.sizes)
    assert learned[0, 1] > 0.25 and learned[1, 0] > 0.25
    model.scenario = s.with_overrides({"channels.contact.enabled": False})
    for _ in range(60):
        model.step()
    kept = familiarity(model.symbols, model.known, model.prototypes, model.starts, model.sizes)
    assert kept[0, 1] < 0.1 * learned[0, 1]  # (1 - 0.05)^60 = 0.046 of it expected
    df = model.timeseries()
    assert mean_metric(df, "familiarity", 100) == pytest.approx(kept[0, 1] / 2 + kept[1, 0] / 2)
    never = DiplomacyModel(two_countries(learning=0.0, steps=40))
    never.run_to_end()
    assert mean_metric(never.timeseries(), "familiarity") == 0.0


def test_familiarity_is_the_share_of_national_symbols_held_or_known():
    """The kernel (and the recorded metric, from the running symbol counts) against the
    definition in plain numpy; a symbol both held and known counts once."""
    model = DiplomacyModel(two_countries(learning=0.3, steps=30))
    model.run_to_end()
    features = model.prototypes.shape[1]

    def defined(known):
        held = model.symbols[:, None, :] == model.prototypes[None, :, :]  # citizen, country, f
        bits = (known[:, :, None] >> np.arange(features, dtype=np.uint32)) & 1
        either = (held | (bits == 1)).sum(axis=2) / features
        return np.array([either[model.home == d].mean(axis=0) for d in range(2)])

    def kernel(known):
        return familiarity(model.symbols, model.known if known is None else known,
                           model.prototypes, model.starts, model.sizes)

    assert model.known.any()
    np.testing.assert_allclose(model.recorder.rows["familiarity"][-1], defined(model.known),
                               rtol=1e-12, atol=0)
    np.testing.assert_allclose(kernel(None), defined(model.known), rtol=1e-12, atol=0)
    mixed = np.random.default_rng(3).integers(0, 2**features, model.known.shape, np.uint32)
    mixed[::3] = 0
    assert (model.symbols[:, None, :] == model.prototypes[None]).any()  # held and known too
    np.testing.assert_allclose(kernel(mixed), defined(mixed), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["digital_age", "groups"])
def test_the_kept_count_of_symbols_known_only_matches_a_scan_after_every_step(name):
    """Learning (meetings, posts, groups), symbols copied within a country and forgetting
    each keep the Recorder's count of national symbols known and not held exact."""
    s = load_scenario(ROOT / "scenarios" / f"{name}.toml",
                      {"population.size": 2000, "culture.forgetting": 0.05})
    model = DiplomacyModel(s.model_copy(update={"events": []}))  # events rescan: not this
    kept = model.recorder.known_only
    assert kept.shape == (model.n_countries, model.n_countries)
    copied = learned = forgotten = 0
    for _ in range(40):
        symbols, known = model.symbols.copy(), model.known.copy()
        model.step()
        copied += (symbols != model.symbols).sum()
        learned += (model.known & ~known).any()
        forgotten += (known & ~model.known).any()
        np.testing.assert_array_equal(kept, known_only_counts(
            model.symbols, model.known, model.prototypes, model.starts, model.sizes))
    assert copied > 100 and learned == 40 and forgotten == 40
    assert kept.sum() > 0


def test_forgetting_clears_each_known_bit_with_its_daily_chance():
    known = np.full((20_000, 2), 0b11111, np.uint32)
    state = np.array([1, 2, 3, 4], np.uint64)
    forget(state, known, 0.1, 5, NO_KNOWN_ONLY, np.zeros((20_000, 5), np.int16),
           np.ones((2, 5), np.int16), np.zeros(20_000, np.int32))
    bits = np.unpackbits(known.view(np.uint8)).sum()
    lost = 1 - bits / (20_000 * 2 * 5)
    assert lost == pytest.approx(0.1, abs=3 * np.sqrt(0.09 / 200_000))
    assert (known >> 5 == 0).all()  # only the features' bits


def test_more_shared_national_symbols_settle_warmer_people_images():
    """Prototypes agreeing on k of 4 features: the settled mutual people image rises with
    k, against the k = 0 world with the same seed (with learning and forgetting)."""
    images = [mean_metric(run_replicate(two_countries(k, 0.05, 0.02, steps=200), 0),
                          "image_people", 100) for k in range(4)]
    effects = np.diff(images)
    assert (effects > 0).all(), images


@pytest.mark.parametrize(("overrides", "key", "says"), [
    ({"perception.experience_rule": True, "perception.negativity": 4.0,
      "channels.contact.mu": 0.3}, "perception.negativity", "at most 1"),
    ({"channels.contact.positivity_min": 0.95}, "channels.contact.positivity_min",
     "at most channels.contact.positivity_max"),
    ({"perception.experience_rule": True, "culture.mode": "repertoire",
      "culture.features": ["cuisine", "music", "dress", *(f"f{k}" for k in range(30))]},
     "culture.features", "at most 32"),
    ({"perception.experience_rule": False}, "culture.mode", "experience_rule"),
    ({"perception.negativity": 0.5}, "perception.negativity", "in 1..100"),
    ({"culture.mode": "v3"}, "culture.mode", "axelrod"),
])
def test_bad_experience_keys_are_refused_in_one_line(overrides, key, says):
    with pytest.raises(ScenarioError) as info:
        small(overrides)
    message = str(info.value)
    assert key in message and says in message and "\n" not in message, message
