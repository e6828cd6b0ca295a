"""End-to-end tests of the Solara dashboard in Debian's headless Chromium (Playwright).

One dashboard server serves the whole module; each test opens its own browser context,
which is a separate session. What is checked is what a person sees on the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nanosim.cli import main
from nanosim.dashboard import catalogue
from nanosim.dashboard.widgets import format_cell
from nanosim.errors import NanosimError, ScenarioError
from nanosim.scenario import load_scenario, loads_scenario
from tests.dashboard.browser import (
    CHROMIUM,
    chromium,
    cpu_seconds,
    dashboard_server,
    open_page,
    shown_step,
    wait_for_step,
)

BROWSER = pytest.mark.skipif(not CHROMIUM.exists(),
                             reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")

BAD_SCENARIO = """
[scenario]
name = "Broken"
[[country]]
name = "A"
share = 1.0
[channels.contact]
rate = 3.5
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The folder the dashboard is given: a scenario, a sweep of it and a comparison."""
    from nanosim.experiments import compare as C
    from nanosim.experiments.sweep import plan_sweep, run_plan
    from nanosim.io.compare import write_comparison

    folder = tmp_path_factory.mktemp("dashboard-scenarios")
    (folder / "tiny.toml").write_text(
        '[scenario]\nname = "Tiny two-country world"\nsteps = 30\nseed = 3\n'
        "[population]\nsize = 200\n"
        '[[country]]\nname = "A"\nshare = 0.5\n[[country]]\nname = "B"\nshare = 0.5\n')
    plan = plan_sweep(folder / "tiny.toml", grid={"network.cross_border": [0.0, 0.5]},
                      replicates=1)
    run_plan(plan, folder / "tiny_sweep", workers=1)
    write_comparison(C.run_comparison(compared(folder), replicates=2),
                       folder / "tiny_comparison")
    return folder


def compared(folder):
    """The two scenarios of the folder's comparison: tiny, and tiny with more ties."""
    tiny = load_scenario(folder / "tiny.toml")
    return [tiny, tiny.with_overrides({"network.cross_border": 2.0, "scenario.name": "Tied"})]


@pytest.fixture(scope="module")
def server(folder):
    with dashboard_server(folder) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    with chromium() as b:
        yield b


def bundled():
    return [e for e in catalogue.scan(catalogue.BUNDLED_DIR, "bundled") if e.scenario]


def same_countries(entries):
    """The first two entries whose scenarios have the same countries."""
    for k, a in enumerate(entries):
        for b in entries[k + 1:]:
            if a.scenario.country_names == b.scenario.country_names:
                return [a, b]
    pytest.fail("no two bundled scenarios with the same countries")


def read_table(page) -> list[list[str]]:
    rows = page.locator(".nanosim-comparison-table tr")
    return [[c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()]
            for i in range(rows.count())]


@pytest.mark.browser
@BROWSER
def test_compare_page_lists_the_bundled_scenarios(browser, server):
    page = open_page(browser, server, "Compare")
    box = page.locator(".nanosim-scenarios")
    for entry in bundled():
        box.get_by_text(f"{entry.label} — {entry.scenario.run.name}").wait_for()
    box.get_by_text("tiny (folder) — Tiny two-country world").wait_for()
    page.context.close()


@pytest.mark.browser
@BROWSER
def test_comparison_in_the_browser_matches_nanosim_compare(browser, server):
    from nanosim.experiments import compare as C

    chosen = same_countries(bundled())
    page = open_page(browser, server, "Compare")
    for entry in chosen:
        page.get_by_text(f"{entry.label} — {entry.scenario.run.name}").click()
    for label, value in (("Replicates", "2"), ("Seed (blank: the first scenario's)", "5"),
                         ("Citizens (blank: each file's)", "300")):
        set_field(page, label, value)
    page.get_by_role("button", name="Run").click()
    page.locator(".nanosim-finished, .nanosim-error").first.wait_for(timeout=120_000)
    assert page.locator(".nanosim-error").count() == 0, page.locator(".nanosim-error").inner_text()
    figure = page.locator(".nanosim-figure", has_text="Perception shift over time")
    assert figure.locator("img").evaluate("img => img.naturalWidth") > 100
    shown = read_table(page)

    scenarios = [e.scenario.with_overrides({"population.size": 300}) for e in chosen]
    pair = C.check_pair(scenarios, None)
    df = C.run_comparison(scenarios, replicates=2, seed=5)
    control = C.scenario_names(df)[0]  # the first ticked, by default
    expected = C.comparison_table(df, "favourability", pair, control)
    assert shown[0] == [str(c) for c in expected.columns]
    assert shown[1:] == [[format_cell(v) for v in row]
                         for row in expected.itertuples(index=False)]
    page.get_by_text(f"effects against “{control}”").first.wait_for()

    page.get_by_label("Metric").click(force=True)  # soft power: the observer becomes "all"
    page.get_by_role("option", name="soft_power", exact=True).click()
    page.get_by_role("button", name="Run").click()
    target = pair[1]  # the target chosen stays chosen
    finished = page.locator(".nanosim-finished", has_text=f"soft power of {target} among all")
    finished.wait_for(timeout=120_000)
    expected = C.comparison_table(df, "soft_power", ("all", target), control)
    assert read_table(page)[1:] == [[format_cell(v) for v in row]
                                    for row in expected.itertuples(index=False)]
    page.context.close()


def read_rows(page, selector: str) -> list[list[str]]:
    return page.evaluate(
        "s => [...document.querySelectorAll(s + ' tr')].map(r => [...r.querySelectorAll("
        "'th, td')].map(c => c.innerText.trim()))", selector)


def wait_for_rows(page, selector: str, table) -> None:
    """Wait until the page's table ``selector`` shows ``table`` as format_cell does."""
    rows = [[str(c) for c in table.columns]] + [
        [format_cell(v) for v in row] for row in table.itertuples(index=False)]
    page.wait_for_function(
        "([s, rows]) => JSON.stringify([...document.querySelectorAll(s + ' tr')].map(r => "
        "[...r.querySelectorAll('th, td')].map(c => c.innerText.trim()))) === "
        "JSON.stringify(rows)", arg=[selector, rows], timeout=120_000)


def pick(page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click(force=True)
    menu = page.locator(".menuable__content__active")  # the menu just opened, not a closing one
    menu.get_by_role("option", name=option, exact=True).click()
    menu.wait_for(state="detached")


@pytest.mark.browser
@BROWSER
def test_the_chosen_control_and_a_2x2_interaction_match_nanosim_compare(browser, server):
    from nanosim.experiments import compare as C

    worlds = {}
    for entry in bundled():
        worlds.setdefault((tuple(entry.scenario.country_names), entry.scenario.run.steps),
                          []).append(entry)
    entries = next(world for world in worlds.values() if len(world) >= 4)[:4]
    page = open_page(browser, server, "Compare")
    for entry in entries[:2]:
        page.get_by_text(f"{entry.label} — {entry.scenario.run.name}").click()
    for label, value in (("Replicates", "2"), ("Seed (blank: the first scenario's)", "5"),
                         ("Citizens (blank: each file's)", "200")):
        set_field(page, label, value)
    pick(page, "Control", entries[1].label)  # the second ticked is the control
    page.get_by_role("button", name="Run").click()
    page.locator(".nanosim-finished, .nanosim-error").first.wait_for(timeout=120_000)
    assert page.locator(".nanosim-error").count() == 0, page.locator(".nanosim-error").inner_text()
    scenarios = [e.scenario.with_overrides({"population.size": 200}) for e in entries]
    pair = C.check_pair(scenarios, None)
    ordered = [scenarios[1], scenarios[0]]  # the control runs first
    df = C.run_comparison(ordered, replicates=2, seed=5)
    control = C.scenario_names(df)[0]
    wait_for_rows(page, ".nanosim-comparison-table",
                  C.comparison_table(df, "favourability", pair, control))
    assert entries[1].scenario.run.name == control
    page.locator(".nanosim-figure", has_text="Effect against the control").wait_for()

    for entry in entries[2:]:
        page.get_by_text(f"{entry.label} — {entry.scenario.run.name}").click()
    page.get_by_text("2 × 2 design: main effects and interaction").click()
    pick(page, "D: both", entries[0].label)  # A = the control; B, C, D: the rest, reordered
    pick(page, "B: first factor only", entries[3].label)
    page.get_by_role("button", name="Run").click()
    design = [scenarios[1], scenarios[3], scenarios[2], scenarios[0]]
    df = C.run_comparison(design, replicates=2, seed=5)
    wait_for_rows(page, ".nanosim-factorial-table", C.factorial_table(df, "favourability", pair))
    shown = read_rows(page, ".nanosim-factorial-table")
    assert shown[-1][:2] == ["interaction", "(D − C) − (B − A)"]
    wait_for_rows(page, ".nanosim-comparison-table",
                  C.comparison_table(df, "favourability", pair, C.scenario_names(df)[0]))
    page.context.close()


def set_field(page, label: str, value: str) -> None:
    field = page.get_by_label(label)
    field.fill(value)
    field.press("Enter")


@pytest.mark.browser
@BROWSER
def test_cancel_stops_the_work_and_bad_settings_cannot_run(browser, server):
    page = open_page(browser, server, "Compare")
    for entry in same_countries(bundled()):
        page.get_by_text(f"{entry.label} — {entry.scenario.run.name}").click()
    from playwright.sync_api import expect

    run = page.get_by_role("button", name="Run")
    for bad in ("abc", "2.5", "", "0"):
        set_field(page, "Replicates", bad)
        expect(run, f"Run is enabled with Replicates = {bad!r}").to_be_disabled()
        set_field(page, "Replicates", "2")
        expect(run).to_be_enabled()
    set_field(page, "Replicates", "50")  # long enough to cancel; 5000 would not fit
    set_field(page, "Citizens (blank: each file's)", "300")
    expect(run).to_be_enabled()
    run.click()
    page.locator(".nanosim-progress").wait_for()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Cancel").click()
    page.locator(".nanosim-cancelled").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    before = cpu_seconds(server.pid)
    page.wait_for_timeout(3000)
    assert cpu_seconds(server.pid) - before < 1.0, "the cancelled comparison is still running"
    page.context.close()


@pytest.mark.browser
@BROWSER
def test_explore_steps_the_model_and_redraws_its_chart(browser, server):
    page = open_page(browser, server, "Explore")
    page.get_by_text("Step 0 of").wait_for()
    chart = page.locator(".nanosim-chart-history canvas").first
    chart.wait_for()
    page.wait_for_timeout(500)
    before = chart.screenshot()
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text("Step 1 of").wait_for()
    page.wait_for_timeout(500)
    assert shown_step(page) == 1
    assert chart.screenshot() != before
    page.context.close()


@pytest.mark.browser
@BROWSER
def test_explore_play_pause_and_play_again_keep_control(browser, server):
    page = open_page(browser, server, "Explore")
    page.get_by_text("Step 0 of").wait_for()
    play = page.get_by_role("button", name=re.compile("^(Play|Pause)$"))
    for start in ("play", "step"):
        if start == "step":
            stood = shown_step(page)
            page.get_by_role("button", name="Step", exact=True).click()
            page.get_by_text(f"Step {stood + 1} of").wait_for()
        for _ in range(2):  # play, pause; and again
            before = shown_step(page)
            play.click()
            page.get_by_role("button", name="Pause").wait_for(timeout=10_000)
            wait_for_step(page, before + 2, timeout=30)
            play.click()
            page.get_by_role("button", name="Play").wait_for(timeout=10_000)
            shown = shown_step(page)
            page.wait_for_timeout(1000)
            assert shown_step(page) == shown  # paused: the model stands still
        assert page.get_by_role("button", name="Step", exact=True).is_enabled()
    page.context.close()


@pytest.mark.browser
@BROWSER
def test_invalid_upload_shows_the_cli_message_and_the_server_stays_up(browser, server,
                                                                      tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text(BAD_SCENARIO)
    with pytest.raises(ScenarioError) as cli_error:
        loads_scenario(BAD_SCENARIO, "broken.toml")
    page = open_page(browser, server, "Compare")
    page.locator("input[type=file]").set_input_files(str(bad))
    error = page.locator(".nanosim-error")
    error.wait_for()
    assert error.inner_text().strip() == str(cli_error.value)
    page.reload()
    page.get_by_role("tab", name="Compare").click()
    page.locator(".nanosim-scenarios").get_by_text("tiny (folder)").wait_for()
    page.context.close()


@pytest.mark.browser
@BROWSER
def test_second_browser_session_has_its_own_model(browser, server):
    first = open_page(browser, server, "Explore")
    first.get_by_text("Step 0 of").wait_for()
    for n in (1, 2, 3):
        first.get_by_role("button", name="Step", exact=True).click()
        first.get_by_text(f"Step {n} of").wait_for()
    second = open_page(browser, server, "Explore")
    second.get_by_text("Step 0 of").wait_for()
    second.get_by_role("button", name="Step", exact=True).click()
    second.get_by_text("Step 1 of").wait_for()
    assert shown_step(first) == 3
    assert shown_step(second) == 1
    first.context.close()
    second.context.close()


def open_saved(page, path) -> None:
    page.get_by_label("Path of a sweep or comparison folder").fill(str(path))
    page.get_by_role("button", name="Open").click()


@pytest.mark.browser
@BROWSER
def test_saved_results_page_shows_the_report_curves_of_a_sweep_folder(browser, server, folder):
    page = open_page(browser, server, "Saved results")
    open_saved(page, folder / "tiny_sweep")
    curves = page.locator(".nanosim-figure", has_text="Response curves")
    curves.wait_for()
    assert curves.locator("img").evaluate("img => img.naturalWidth") > 100
    page.get_by_text("Tiny two-country world: 2 of 2 runs present").wait_for()
    page.get_by_role("cell", name="0.5", exact=True).wait_for()  # a setting, shown as given
    page.context.close()


@pytest.mark.browser
@BROWSER
def test_saved_results_page_shows_a_comparison_folder_for_any_pair(browser, server, folder):
    from nanosim.experiments import compare as C

    page = open_page(browser, server, "Saved results")
    open_saved(page, folder / "tiny_comparison")
    page.get_by_text("Comparison of Tiny two-country world, Tied: 2 replicates").wait_for()
    figure = page.locator(".nanosim-figure", has_text="Perception shift over time")
    assert figure.locator("img").evaluate("img => img.naturalWidth") > 100
    df = C.run_comparison(compared(folder), replicates=2)
    for pair in (("A", "B"), ("B", "A")):
        if pair == ("B", "A"):
            page.get_by_label("Pair").click(force=True)
            page.get_by_role("option", name="B:A", exact=True).click()
        expected = C.comparison_table(df, "favourability", pair)
        rows = [[str(c) for c in expected.columns]] + [
            [format_cell(v) for v in row] for row in expected.itertuples(index=False)]
        page.wait_for_function(
            "rows => JSON.stringify([...document.querySelectorAll("
            "'.nanosim-comparison-table tr')].map(r => [...r.querySelectorAll('th, td')]"
            ".map(c => c.innerText.trim()))) === JSON.stringify(rows)", arg=rows,
            timeout=60_000)
    open_saved(page, folder / "nowhere")
    page.get_by_text(f"{folder / 'nowhere'}: not a folder").wait_for()
    page.context.close()


@pytest.mark.browser
@BROWSER
def test_uploaded_scenario_is_offered_for_comparison(browser, server, tmp_path):
    good = tmp_path / "mine.toml"
    good.write_text(Path(catalogue.BUNDLED_DIR / "quickstart.toml").read_text())
    name = load_scenario(good).run.name
    page = open_page(browser, server, "Compare")
    page.locator("input[type=file]").set_input_files(str(good))
    page.locator(".nanosim-scenarios").get_by_text(f"mine (upload) — {name}").wait_for()
    page.context.close()


def test_saved_folders_are_offered_and_other_folders_refused_in_one_line(folder):
    from nanosim.dashboard.saved_page import open_folder, saved_folders

    assert saved_folders(folder) == [str(folder / "tiny_comparison"), str(folder / "tiny_sweep")]
    shown = open_folder(str(folder / "tiny_comparison"), "image_state", "B:A")
    assert shown["pairs"] == ["A:B", "B:A"] and shown["pair"] == "B:A"
    assert set(shown["figures"]) == {"comparison", "final_shift", "channels", "matrices"}
    assert shown["csv"].decode().splitlines()[1].endswith(",image_state,B,A")
    with pytest.raises(NanosimError) as e:
        open_folder(str(folder), "favourability", None)
    assert str(e.value) == (f"{folder}: neither a sweep folder nor a comparison (made by "
                            "`nanosim sweep` or `nanosim compare`)")


def test_dashboard_command_refuses_a_missing_folder_in_one_line(tmp_path, capsys):
    assert main(["dashboard", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"nanosim: error: {tmp_path / 'nowhere'}: not a folder (give a folder of " \
                  "scenario TOML files)"


def test_a_file_network_with_missing_csvs_is_listed_with_its_error(tmp_path, file_network):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "lost.toml").write_text(file_network.read_text())  # no CSVs
    entry = catalogue.scan(tmp_path / "elsewhere", "folder")[0]
    assert entry.scenario is None and entry.error.endswith("network.nodes: file not found")
    with pytest.raises(ScenarioError, match=r"^net\.toml: network\.kind: a \"file\" network"):
        catalogue.upload("net.toml", file_network.read_bytes())


def test_explore_offers_no_size_or_ties_slider_for_a_file_network(file_network):
    from nanosim.dashboard import live

    scenario = load_scenario(file_network.with_name("net.toml")).with_overrides(
        {"network.follows": 1})
    keys = [k.key for k in live.knobs_for(scenario)]
    assert "population.size" not in keys and "network.cross_border" not in keys
    assert "population.size" not in live.knob_values(scenario)
