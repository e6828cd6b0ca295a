"""End-to-end tests of the Solara dashboard in Debian's headless Chromium (Playwright).

One dashboard server serves the whole module; each test opens its own browser context,
which is a separate session. What is checked is what a person sees on the page.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from nanosim.cli import main
from nanosim.dashboard import catalogue
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


@pytest.mark.browser
@BROWSER
def test_compare_page_lists_the_bundled_scenarios(browser, server):
    page = open_page(browser, server, "Compare")
    box = page.locator(".nanosim-scenarios")
    for entry in bundled():
        box.get_by_text(f"{entry.label} — {entry.scenario.run.name}").wait_for()
    box.get_by_text("tiny (folder) — Tiny two-country world").wait_for()
    page.context.close()


def tick(page, entries) -> None:
    for entry in entries:
        page.get_by_text(f"{entry.label} — {entry.scenario.run.name}").click()


def settings(page, **fields) -> None:
    labels = {"replicates": "Replicates", "seed": "Seed (blank: the first scenario's)",
              "citizens": "Citizens (blank: each file's)", "steps": "Steps (blank: each file's)"}
    for name, value in fields.items():
        set_field(page, labels[name], str(value))


def run_and_wait(page) -> None:
    page.get_by_role("button", name="Run").click()
    page.locator(".nanosim-finished, .nanosim-error").first.wait_for(timeout=180_000)
    assert page.locator(".nanosim-error").count() == 0, page.locator(".nanosim-error").inner_text()


def readable(table, control, last) -> list[list[str]]:
    from nanosim.experiments import compare as C

    shown = C.readable_table(table, control, last)
    return [[c.strip() for c in shown.columns]] + [list(r) for r in shown.itertuples(index=False)]


def wait_for_text_rows(page, selector: str, rows, timeout=120_000) -> float:
    """Wait until the table ``selector`` shows ``rows``; returns the seconds it took."""
    import time

    from playwright.sync_api import TimeoutError as Timeout

    start = time.perf_counter()
    try:
        page.wait_for_function(
            "([s, rows]) => JSON.stringify([...document.querySelectorAll(s + ' tr')].map(r => "
            "[...r.querySelectorAll('th, td')].map(c => c.innerText.trim()))) === "
            "JSON.stringify(rows)", arg=[selector, rows], timeout=timeout,
            polling=250)  # a timer: animation frames can starve on a busy machine
    except Timeout:
        raise AssertionError(f"{selector} never showed {rows}; it shows "
                             f"{read_rows(page, selector)}") from None
    return time.perf_counter() - start


@pytest.mark.browser
@BROWSER
def test_the_kept_table_redraws_for_metric_and_control_and_saves_as_nanosim_compare(
        browser, server, tmp_path, folder):
    import pandas as pd

    from nanosim.experiments import compare as C
    from nanosim.io.compare import load_comparison

    chosen = same_countries(bundled())
    page = open_page(browser, server, "Compare")
    tick(page, chosen)
    settings(page, replicates=2, seed=5, citizens=300)
    run_and_wait(page)
    scenarios = [e.scenario.with_overrides({"population.size": 300}) for e in chosen]
    pair = C.check_pair(scenarios, None)
    df = C.run_comparison(scenarios, replicates=2, seed=5)
    names = C.scenario_names(df)
    last = int(df["step"].max())
    wait_for_text_rows(page, ".nanosim-comparison-table",
                       readable(C.comparison_table(df, "favourability", pair, names[0]),
                                names[0], last))
    page.get_by_text("Seed 5, 2 replicates, 300 citizens, 180 steps, nanosim").wait_for()

    view = page.locator(".nanosim-view")  # no new simulation: the kept table, redrawn
    seconds = choose_until_rows(
        view, "Metric", "soft_power", ["favourability"],
        readable(C.comparison_table(df, "soft_power", ("all", pair[1]), names[0]), names[0],
                 last))
    assert page.locator(".nanosim-progress").count() == 0
    ordered = C.run_comparison(scenarios[::-1], replicates=2, seed=5)  # the control first
    seconds = max(seconds, choose_until_rows(
        view, "Control", names[1], names,
        readable(C.comparison_table(ordered, "soft_power", ("all", pair[1]), names[1]),
                 names[1], last)))
    assert seconds < 10.0, f"the view took {seconds:.1f} s"  # loaded CI; docs: measured times

    with page.expect_download() as download:
        page.get_by_role("button", name="Download comparison.csv").click()
    csv = pd.read_csv(download.value.path())
    assert csv[["seed", "replicates", "citizens", "steps", "control"]].iloc[0].tolist() == [
        5, 2, 300, 180, names[1]]

    save_as(page, tmp_path / "saved", folder)  # folder: the dashboard's
    saved, info = load_comparison(tmp_path / "saved")
    # exact, values too (a saved table reads back unchanged): 1 s, where the default
    # compares the categorical columns element by element in Python (30 s)
    pd.testing.assert_frame_equal(saved, ordered, check_exact=True)
    assert (info["control"], info["metric"], info["seed"]) == (names[1], "soft_power", 5)
    page.get_by_role("button", name="Open in Saved results").click()
    page.locator(".nanosim-saved-summary").wait_for()
    wait_for_text_rows(page, ".nanosim-comparison-table",
                       readable(C.comparison_table(ordered, "soft_power", ("all", pair[1]),
                                                   names[1]), names[1], last))
    page.context.close()


def shows_rows(page, selector: str, rows, timeout) -> float | None:
    """The seconds the table ``selector`` took to show ``rows``; None if it did not within
    ``timeout`` ms."""
    try:
        return wait_for_text_rows(page, selector, rows, timeout)
    except AssertionError:
        return None


def save_as(page, out: Path, dashboard_folder: Path) -> None:
    """Save the shown comparison into ``out`` until the page says it did.

    The click can reach the server before the folder typed just before it (ipywidgets
    holds back a field's new value while the server is busy, not a click): the comparison
    then goes to the default folder, a new one in the dashboard's folder, which is
    removed (other tests list that folder) before trying again.
    """
    box = page.get_by_label("Folder (new or empty, or one nanosim compare wrote)")
    said = page.locator(".nanosim-saved")
    for _ in range(3):
        before = said.inner_text() if said.count() else ""
        box.fill(str(out))
        page.get_by_role("button", name="Save comparison").click()
        page.wait_for_function("([s, before]) => { const e = document.querySelector(s);"
                               " return e !== null && e.innerText !== before; }",
                               arg=[".nanosim-saved", before], polling=250)
        where = Path(said.inner_text().removeprefix("Saved to ").strip())
        if where == out:
            return
        assert where.parent == dashboard_folder, f"saved to {where}"
        shutil.rmtree(where)
    raise AssertionError(f"the comparison was never saved to {out}")


def read_rows(page, selector: str) -> list[list[str]]:
    return page.evaluate(
        "s => [...document.querySelectorAll(s + ' tr')].map(r => [...r.querySelectorAll("
        "'th, td')].map(c => c.innerText.trim()))", selector)


def pick(scope, label: str, option: str) -> None:
    """Choose ``option`` in the select ``label`` and wait until it shows it (again, up to
    twice, if a redraw of the page hid the field or took the click)."""
    from playwright.sync_api import Error

    page = scope.page if hasattr(scope, "page") else scope
    field = scope.locator(".v-select", has=page.get_by_label(label, exact=True))
    why = ""
    for _ in range(3):
        try:
            field.wait_for(state="visible", timeout=15_000)
            scope.get_by_label(label, exact=True).click(force=True)
            menu = page.locator(".menuable__content__active")  # just opened, not a closing one
            menu.get_by_role("option", name=option, exact=True).click(timeout=15_000)
            menu.wait_for(state="detached", timeout=15_000)
            field.locator(".v-select__selection", has_text=option).first.wait_for(timeout=15_000)
            return
        except Error as e:  # a timeout, or a field the page was redrawing when clicked
            offered = page.locator(".menuable__content__active [role=option]").all_inner_texts()
            why = f"{str(e).splitlines()[0]}; the open menu offered {offered}"
            page.keyboard.press("Escape")
    raise AssertionError(f"{label}: {option} could not be chosen ({why})")


def choose(view, label: str, option: str, others: list[str], took) -> None:
    """Pick ``option`` in the select ``label`` until ``took()`` (which waits) says the page
    took it: the select shows a pick at once, but one the page took while redrawing never
    reaches the server. Picking the shown value again sends nothing, so a retry goes
    through another of ``others`` first."""
    for attempt in range(3):
        if attempt:
            pick(view, label, next(o for o in others if o != option))
        pick(view, label, option)
        if took():
            return
    raise AssertionError(f"the page never took {option!r} for {label}")


def choose_until_rows(view, label: str, option: str, others: list[str], rows) -> float:
    """``choose`` ``option`` in ``label`` until the comparison table shows ``rows``; the
    seconds the table took after the pick that reached the server."""
    took = []

    def shown() -> bool:
        took.append(shows_rows(view.page, ".nanosim-comparison-table", rows, 20_000))
        return took[-1] is not None

    choose(view, label, option, others, shown)
    return took[-1]


def choose_control(view, name: str, others: list[str]) -> None:
    """Pick ``name`` as the control until the table marks it so (see ``choose``)."""
    from playwright.sync_api import TimeoutError as Timeout

    marked = ("([s, name]) => [...document.querySelectorAll(s + ' tr')].some(r => {"
              "const c = [...r.querySelectorAll('td')].map(c => c.innerText.trim());"
              "return c[0] === name && c.includes('control'); })")

    def took() -> bool:
        try:
            view.page.wait_for_function(marked, arg=[".nanosim-comparison-table", name],
                                        timeout=15_000, polling=250)
            return True
        except Timeout:
            return False

    choose(view, "Control", name, others, took)


def shown(locator, timeout: float = 15_000) -> bool:
    """Whether ``locator`` comes to be visible within ``timeout`` ms."""
    from playwright.sync_api import TimeoutError as Timeout

    try:
        locator.wait_for(timeout=timeout)
        return True
    except Timeout:
        return False


def tick_until(scope, text: str, shows: str) -> None:
    """Tick the checkbox ``text`` until the field labelled ``shows`` appears (once more if
    a redraw of the page took the click)."""
    from playwright.sync_api import TimeoutError as Timeout

    box = scope.get_by_role("checkbox", name=text)
    for _ in range(3):
        if not box.is_checked():  # a click the page took while redrawing leaves it clear
            scope.get_by_text(text).click()
        try:
            scope.get_by_label(shows, exact=True).wait_for(timeout=15_000)
            return
        except Timeout:
            pass
    raise AssertionError(f"ticking {text!r} never showed {shows!r}")


@pytest.mark.browser
@BROWSER
def test_a_2x2_design_of_four_scenarios_matches_nanosim_compare(browser, server):
    from nanosim.experiments import compare as C

    worlds = {}
    for entry in bundled():
        worlds.setdefault((tuple(entry.scenario.country_names), entry.scenario.run.steps),
                          []).append(entry)
    entries = next(world for world in worlds.values() if len(world) >= 4)[:4]
    page = open_page(browser, server, "Compare")
    tick(page, entries)
    settings(page, replicates=2, seed=5, citizens=200)
    run_and_wait(page)
    scenarios = [e.scenario.with_overrides({"population.size": 200}) for e in entries]
    names = [s.run.name for s in scenarios]
    pair = C.check_pair(scenarios, None)
    view = page.locator(".nanosim-view")
    choose_control(view, names[1], names)
    tick_until(view, "2 × 2 design: main effects and interaction", shows="D: both")
    line = page.locator(".nanosim-design")
    choose(view, "D: both", names[0], [names[2]],  # A = the control; B, C, D: the rest
           lambda: shown(line.filter(has_text=f"D = {names[0]}")))
    choose(view, "B: first factor only", names[3], [names[2]],
           lambda: shown(line.filter(has_text=f"B = {names[3]} (first factor only)")))
    page.locator(".nanosim-design", has_text=f"A = {names[1]} (neither), B = {names[3]} "
                 f"(first factor only), C = {names[2]} (second factor only), D = {names[0]}"
                 ).wait_for()
    design = [scenarios[1], scenarios[3], scenarios[2], scenarios[0]]
    df = C.run_comparison(design, replicates=2, seed=5)
    table = C.readable_factorial(C.factorial_table(df, "favourability", pair))
    wait_for_text_rows(page, ".nanosim-factorial-table",
                       [list(table.columns)] + [list(r) for r in table.itertuples(index=False)])
    assert read_rows(page, ".nanosim-factorial-table")[-1][:2] == ["interaction",
                                                                   "(D − C) − (B − A)"]
    page.locator(".nanosim-figure", has_text="Interaction over time").wait_for()
    for label, name in (("First factor", "alpha"), ("Second factor", "beta")):  # as --factors
        field = page.get_by_label(label, exact=True)
        field.fill(name)
        field.press("Enter")
    table = C.readable_factorial(C.factorial_table(df, "favourability", pair, ("alpha", "beta")))
    wait_for_text_rows(page, ".nanosim-factorial-table",
                       [list(table.columns)] + [list(r) for r in table.itertuples(index=False)])
    page.context.close()


def set_field(page, label: str, value: str) -> None:
    field = page.get_by_label(label)
    field.fill(value)
    field.press("Enter")


def server_idle(server, within: float = 1.0) -> float:
    """CPU seconds the server used over 3 s, starting ``within`` seconds from now."""
    import time

    time.sleep(within)
    before = cpu_seconds(server.pid)
    time.sleep(3)
    return cpu_seconds(server.pid) - before


LONG = {"replicates": 20, "citizens": 20_000}  # minutes to run; fits the limits


@pytest.mark.browser
@BROWSER
def test_tab_switches_and_a_reload_keep_the_tabs_state(browser, server):
    chosen = same_countries(bundled())
    page = open_page(browser, server, "Compare")
    tick(page, chosen)
    settings(page, **LONG, seed=9)
    page.get_by_role("button", name="Run").click()
    page.locator(".nanosim-progress").wait_for()
    page.get_by_role("tab", name="Explore").click()
    page.get_by_text("Step 0 of").wait_for()
    for n in (1, 2, 3):
        page.get_by_role("button", name="Step", exact=True).click()
        page.get_by_text(f"Step {n} of").wait_for()
    page.get_by_role("tab", name="Compare").click()
    progress = page.locator(".nanosim-progress")  # the run went on meanwhile
    progress.wait_for()  # still running (its first replicate may still be burning in)
    assert progress.inner_text().startswith("Running…")
    page.get_by_role("button", name="Cancel").click()
    page.locator(".nanosim-cancelled").wait_for()

    settings(page, replicates=2, citizens=300)  # a finished run to reload: a short one
    run_and_wait(page)
    table = read_rows(page, ".nanosim-comparison-table")
    page.reload()
    page.get_by_role("tab", name="Compare").wait_for()
    page.locator(".nanosim-comparison-table").wait_for()
    assert read_rows(page, ".nanosim-comparison-table") == table
    assert page.get_by_label("Seed (blank: the first scenario's)").input_value() == "9"
    for entry in chosen:
        assert page.get_by_label(f"{entry.label} — {entry.scenario.run.name}").is_checked()
    page.get_by_role("tab", name="Explore").click()
    page.get_by_text("Step 3 of").wait_for()  # the live model, at the step it had reached
    page.context.close()


@pytest.mark.browser
@BROWSER
def test_cancel_returns_within_a_second_and_closing_the_tab_stops_its_run(browser, server):
    import time

    page = open_page(browser, server, "Compare")
    tick(page, same_countries(bundled()))
    from playwright.sync_api import expect

    run = page.get_by_role("button", name="Run")
    for bad in ("abc", "2.5", "", "0"):
        set_field(page, "Replicates", bad)
        expect(run, f"Run is enabled with Replicates = {bad!r}").to_be_disabled()
        set_field(page, "Replicates", "2")
        expect(run).to_be_enabled()
    settings(page, **LONG)
    run.click()
    page.locator(".nanosim-progress").wait_for()
    page.wait_for_timeout(1500)
    start = time.perf_counter()
    page.get_by_role("button", name="Cancel").click()
    page.locator(".nanosim-cancelled").wait_for(timeout=5_000)
    assert time.perf_counter() - start < 1.5
    # the work stops at its next step; a world being built (20,000 citizens) is finished
    assert server_idle(server, within=2.0) < 1.0, "the cancelled comparison is still running"

    run.click()  # again, and close the tab midway
    page.locator(".nanosim-progress").wait_for()
    page.wait_for_timeout(1500)
    page.close()
    assert server_idle(server, within=2.0) < 1.0, "the closed tab's comparison is still running"
    page.context.close()


@pytest.mark.browser
@BROWSER
def test_a_tab_cannot_run_more_than_its_limits(browser, server, tmp_path):
    huge = tmp_path / "huge.toml"
    text = Path(catalogue.BUNDLED_DIR / "quickstart.toml").read_text()
    huge.write_text(re.sub(r"(\[population\]\s*\nsize = )\d+", r"\g<1>1200000", text))
    assert "size = 1200000" in huge.read_text()
    page = open_page(browser, server, "Compare")
    page.locator("input[type=file]").set_input_files(str(huge))
    error = page.locator(".nanosim-error")
    error.wait_for()
    assert error.inner_text().startswith("huge.toml: 1,200,000 citizens, more than the 200,000")
    tick(page, same_countries(bundled()))
    settings(page, replicates=20, citizens=100_000)
    page.get_by_role("button", name="Run").click()
    page.locator(".nanosim-error", has_text="citizens × replicates × scenarios").wait_for()
    settings(page, replicates=2, citizens=100, steps=100_000)
    page.get_by_role("button", name="Run").click()
    page.locator(".nanosim-error", has_text="of memory, more than").wait_for()
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
def test_explore_applies_parameters_and_seed_on_reset_only(browser, server):
    page = open_page(browser, server, "Explore")
    page.get_by_text("Step 0 of").wait_for()
    for n in (1, 2):
        page.get_by_role("button", name="Step", exact=True).click()
        page.get_by_text(f"Step {n} of").wait_for()
    seed = page.get_by_label("Seed", exact=True)
    seed.fill("99")
    page.locator(".nanosim-pending").wait_for()  # stored for Reset, the model goes on
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text("Step 3 of").wait_for()
    views = page.locator(".nanosim-views").inner_text()
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Step 0 of").wait_for()
    page.locator(".nanosim-pending").wait_for(state="detached")
    assert page.get_by_label("Seed", exact=True).input_value() == "99"
    assert page.locator(".nanosim-views").inner_text() != views
    page.get_by_text("Play interval (ms): 50").wait_for()
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


def open_saved(page, path, shows) -> None:
    """Open ``path`` on the Saved results page until the page ``shows`` (a locator) it:
    the click can reach the server before the path typed just before it (see
    ``save_as``), and the page then opens what its field held before."""
    from playwright.sync_api import TimeoutError as Timeout

    for _ in range(3):
        page.get_by_label("Path of a sweep or comparison folder").fill(str(path))
        page.get_by_role("button", name="Open", exact=True).click()
        try:
            shows.wait_for(timeout=30_000)
            return
        except Timeout:
            pass
    raise AssertionError(f"opening {path} never showed {shows}")


@pytest.mark.browser
@BROWSER
def test_saved_results_page_shows_the_report_curves_of_a_sweep_folder(browser, server, folder):
    page = open_page(browser, server, "Saved results")
    curves = page.locator(".nanosim-figure", has_text="Response curves")
    open_saved(page, folder / "tiny_sweep", curves)
    assert curves.locator("img").evaluate("img => img.naturalWidth") > 100
    page.get_by_text("Tiny two-country world: 2 of 2 runs present").wait_for()
    page.get_by_role("cell", name="0.5", exact=True).wait_for()  # a setting, shown as given
    page.context.close()


@pytest.mark.browser
@BROWSER
def test_saved_results_page_shows_a_comparison_folder_for_any_pair(browser, server, folder):
    from nanosim.experiments import compare as C

    page = open_page(browser, server, "Saved results")
    open_saved(page, folder / "tiny_comparison",
               page.get_by_text("Comparison of Tiny two-country world, Tied: 2 replicates"))
    page.locator(".nanosim-figure", has_text="Perception shift over time").locator(
        "canvas").first.wait_for()
    df = C.run_comparison(compared(folder), replicates=2)
    control = "Tiny two-country world"  # a folder without a control: its first scenario
    table = ".nanosim-comparison-table"
    a_b, b_a = (readable(C.comparison_table(df, "favourability", pair, control), control, 30)
                for pair in (("A", "B"), ("B", "A")))
    wait_for_text_rows(page, table, a_b, timeout=60_000)
    choose_until_rows(page.locator(".nanosim-view"), "Observer", "B", ["A"], b_a)
    open_saved(page, folder / "nowhere", page.get_by_text(f"{folder / 'nowhere'}: not a folder"))
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
    assert (shown["view"].metric, shown["view"].pair) == ("image_state", ("B", "A"))
    assert shown["comparison"].names == ("Tiny two-country world", "Tied")
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


@pytest.mark.browser
@BROWSER
def test_explore_shows_the_groups_of_a_scenario_with_groups(browser, server):
    page = open_page(browser, server, "Explore")
    page.get_by_text("Step 0 of").wait_for()
    assert page.locator(".nanosim-chart-groups").count() == 0  # the first has no groups
    pick(page, "Scenario", "groups")
    page.get_by_text("Step 0 of").wait_for()
    # 10,000 citizens burned in for 730 days before the chart can show: minutes under load
    page.locator(".nanosim-chart-groups canvas").first.wait_for(timeout=240_000)
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text("Step 1 of").wait_for()
    assert page.get_by_text("Small groups: members and groups over time").is_visible()
    page.context.close()


def test_explore_charts_groups_over_time_and_rings_their_members():
    from nanosim.dashboard import live

    scenario = load_scenario("groups").with_overrides(
        {"population.size": 1000, "scenario.burn_in": 0, "group.0.size": 40})
    model = live.build_model(scenario, {})
    for _ in range(3):
        model.step()
    option = live.groups_option(model.timeseries(), "Indonesia")
    lines = {s["name"]: s for s in option["series"]}
    assert {"members with Australia", "groups with Australia"} <= set(lines)
    assert [len(s["data"]) for s in lines.values()] == [4] * len(lines)
    members = lines["members with Australia"]["data"]
    assert members[0][1] == float(model.timeseries().query(
        "metric == 'group_members' and step == 0 and observer == 'Indonesia' "
        "and target == 'Australia'")["value"].iloc[0]) > 40
    sample = live.network_sample(model)
    option = live.network_option(model, sample, "Australia")
    nodes = [n for s in option["series"] if s["type"] == "scatter" for n in s["data"]]
    ringed = [n for n in nodes if "borderColor" in n["itemStyle"]]
    in_groups = model.memberships.belongs[sample.nodes] > 0
    assert len(ringed) == in_groups.sum() > 0  # members are sampled first
    assert all(n["value"][3] > 0 for n in ringed)  # the groups a tooltip names
