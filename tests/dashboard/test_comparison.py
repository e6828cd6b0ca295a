"""The dashboard's comparison without a browser: every view of the kept table equals what
``nanosim compare`` computes, the saved folder is the CLI's, the downloads say how the
numbers were made, the limits refuse what a tab may not run, the charts are JSON."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from nanosim.dashboard import charts, limits, live
from nanosim.dashboard import comparison as X
from nanosim.dashboard.catalogue import Entry, upload
from nanosim.errors import NanosimError
from nanosim.experiments import compare as C
from nanosim.io.compare import load_comparison, write_comparison
from nanosim.scenario import loads_scenario

TINY = ('[scenario]\nname = "{name}"\nsteps = 30\nseed = 3\n[population]\nsize = 200\n'
        '[network]\ncross_border = {ties}\n'
        '[[country]]\nname = "A"\nshare = 0.5\n[[country]]\nname = "B"\nshare = 0.5\n'
        '[[events]]\nkind = "incident"\nstep = {event}\nbetween = ["A", "B"]\n'
        'severity = 0.8\n')


def tiny(name: str, ties: float, event: int = 10) -> Entry:
    text = TINY.format(name=name, ties=ties, event=event)
    return Entry(name.lower(), "folder", loads_scenario(text, f"{name.lower()}.toml"))


@pytest.fixture(scope="module")
def entries():
    return [tiny("Thin", 0.1), tiny("Dense", 1.5), tiny("Thin late", 0.1, 20),
            tiny("Dense late", 1.5, 20)]


@pytest.fixture(scope="module")
def made(entries):
    request = X.Request(tuple(e.label for e in entries), 3, 7, None, None)
    return X.run(entries, request)


def test_every_view_equals_nanosim_compare_without_running_again(made, entries):
    df = C.run_comparison([e.scenario for e in entries], replicates=3, seed=7)
    assert made.facts == {"seed": 7, "replicates": 3, "citizens": 200, "steps": 30,
                          "nanosim": made.version}
    for metric, pair, control in (("favourability", ("A", "B"), "Thin"),
                                  ("image_state", ("B", "A"), "Dense late"),
                                  ("soft_power", ("all", "B"), "Dense")):
        view = X.fit(made, X.View(metric, *pair, control))
        shown = X.show(made, view)
        expected = C.comparison_table(df, metric, pair, control)
        pd.testing.assert_frame_equal(
            shown["table"].set_index("scenario").sort_index(),
            expected.set_index("scenario").sort_index(), check_exact=False, atol=1e-12)
        assert shown["readable"].columns[3] == f"effect against “{control}” at day 30"


def test_a_2x2_design_of_any_assignment_equals_the_cli_factorial(made, entries):
    view = X.fit(made, X.View("favourability", "A", "B", "Thin late",
                              ("Dense late", "Thin", "Dense")))
    shown = X.show(made, view)
    by_name = {e.scenario.run.name: e.scenario for e in entries}
    design = [by_name[n] for n in ("Thin late", "Dense late", "Thin", "Dense")]
    df = C.run_comparison(design, replicates=3, seed=7)
    pd.testing.assert_frame_equal(shown["factorial"],
                                  C.factorial_table(df, "favourability", ("A", "B")))
    assert shown["design"].startswith("A = Thin late (neither), B = Dense late")
    assert "interaction" in shown["charts"]


def test_saving_writes_the_folder_nanosim_compare_writes(made, entries, tmp_path):
    view = X.fit(made, X.View("favourability", "A", "B", "Dense"))
    out = X.save(made, view, tmp_path / "saved")
    order = [entries[1], entries[0], entries[2], entries[3]]  # --control dense.toml first
    df = C.run_comparison([e.scenario for e in order], replicates=3, seed=7)
    cli = write_comparison(df, tmp_path / "cli", "favourability", ("A", "B"), csv=True,
                           event_steps=made.event_steps, seed=7,
                           sources=[e.scenario.source for e in order], control="Dense",
                           citizens=C.shared_size([e.scenario for e in order]))
    df, info = load_comparison(out)
    cli_df, cli_info = load_comparison(cli)
    pd.testing.assert_frame_equal(df, cli_df)
    assert info["control"] == "Dense" and info["scenarios"][0] == "Dense"
    assert {k: v for k, v in info.items() if k != "versions"} == {
        k: v for k, v in cli_info.items() if k != "versions"}
    assert (out / "comparison.md").read_text() == (cli / "comparison.md").read_text()
    assert info["citizens"] == 200
    assert X.from_folder(df, info).names == tuple(info["scenarios"])
    assert X.from_folder(df, info).facts["citizens"] == 200


def test_a_2x2_design_names_its_factors_in_the_table_and_the_saved_folder(made, entries,
                                                                           tmp_path):
    view = X.fit(made, X.View("favourability", "A", "B", "Thin", ("Dense", "Thin late",
                                                                 "Dense late"),
                              ("ties", " late ")))
    assert view.factors == ("ties", "late")
    effects = X.show(made, view)["factorial"]["effect"].tolist()
    assert effects[:2] == ["ties (main effect)", "late (main effect)"]
    df, info = load_comparison(X.save(made, view, tmp_path / "saved"))
    assert info["factors"] == ["ties", "late"] and info["factorial"]
    blank = X.fit(made, X.View("favourability", "A", "B", "Thin", view.design, ("", "late")))
    assert blank.factors == (C.FACTORS[0], "late")


def test_downloads_carry_seed_replicates_citizens_steps_and_version(made):
    view = X.default_view(made)
    summary = pd.read_csv(io.BytesIO(X.summary_csv(made, X.show(made, view))))
    assert {"seed", "replicates", "citizens", "steps", "nanosim", "metric", "control"} <= set(
        summary.columns)
    assert summary["seed"].unique().tolist() == [7] and summary["steps"].unique().tolist() == [30]
    tidy = pd.read_parquet(io.BytesIO(X.tidy_parquet(made)))
    assert len(tidy) == len(made.df) and tidy["citizens"].unique().tolist() == [200]
    assert X.figure_png(made, view, "final_effect")[:8] == b"\x89PNG\r\n\x1a\n"


def test_charts_are_json_with_event_markers(made):
    shown = X.show(made, X.default_view(made))
    text = json.dumps(shown["charts"])
    assert set(shown["charts"]) == {"comparison", "effects", "final_shift", "final_effect",
                                    "channels"}
    over_time = shown["charts"]["comparison"]
    marks = [s for s in over_time["series"] if s["name"] == charts.EVENTS]
    assert [d["xAxis"] for d in marks[0]["markLine"]["data"]] == ["10", "20"]
    assert over_time["aria"]["enabled"] and "NaN" not in text


def test_limits_refuse_big_comparisons_and_uploads(entries):
    big = entries[0].scenario.with_overrides({"population.size": limits.MAX_CITIZENS})
    with pytest.raises(NanosimError, match="citizens × replicates × scenarios"):
        limits.check_comparison([big, big], limits.MAX_CITIZEN_RUNS // limits.MAX_CITIZENS)
    long = entries[0].scenario.with_overrides({"scenario.steps": limits.MAX_STEPS})
    with pytest.raises(NanosimError, match="would need about .* more than the limit of"):
        limits.check_comparison([long, long], 40)
    text = TINY.format(name="Huge", ties=0.1, event=10).replace("size = 200",
                                                              "size = 1200000")
    with pytest.raises(NanosimError, match=r"^huge.toml: 1,200,000 citizens, more than the "):
        upload("huge.toml", text.encode())


def test_the_network_sample_is_connected_and_marks_cross_border_ties(entries):
    import networkx as nx

    model = live.build_model(entries[1].scenario, live.knob_values(entries[1].scenario), 5)
    sample = live.network_sample(model)
    graph = nx.Graph(list(map(tuple, sample.edges)))
    largest = max(nx.connected_components(graph), key=len)
    assert len(largest) >= 0.5 * len(sample.nodes)
    home = model.home[sample.nodes]
    assert (sample.crossing == (home[sample.edges[:, 0]] != home[sample.edges[:, 1]])).all()
    assert sample.crossing.any() and not sample.crossing.all()
    gaps = [((sample.xy[a] - sample.xy[b]) ** 2).sum() ** 0.5 for a, b in sample.edges]
    assert min(gaps) > 1e-3  # linked citizens are not drawn on top of each other
