"""The Saved results page opens a sensitivity folder: its indices with their intervals and
the per-channel view (the folder read directly, then in headless Chromium)."""

from __future__ import annotations

import pytest

from tests.dashboard.browser import CHROMIUM, chromium, dashboard_server, open_page

TINY = ('[scenario]\nname = "Tiny two-country world"\nsteps = 20\nseed = 3\n'
        "[population]\nsize = 200\n"
        '[[country]]\nname = "A"\nshare = 0.5\n[[country]]\nname = "B"\nshare = 0.5\n')


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """A Morris analysis of two parameters of a tiny world (3 trajectories, 1 replicate)."""
    from nanosim.cli import main

    folder = tmp_path_factory.mktemp("saved-sensitivity")
    (folder / "tiny.toml").write_text(TINY)
    out = folder / "tiny_sensitivity"
    assert main(["sensitivity", str(folder / "tiny.toml"), "--out", str(out), "--method",
                 "morris", "--range", "network.cross_border=0:2", "--range",
                 "channels.talk.rate=0:0.5", "--samples", "3", "--replicates", "1",
                 "--workers", "1"]) == 0
    return out


def test_a_sensitivity_folder_opens_with_its_indices_and_channels(analysed):
    from nanosim.dashboard.saved_page import open_folder, saved_folders

    assert saved_folders(analysed.parent) == [str(analysed)]
    shown = open_folder(str(analysed), "favourability", None)
    assert shown["kind"] == "sensitivity" and shown["pairs"] == ["A:B"]
    assert set(shown["figures"]) == {"morris", "channels"}
    table = shown["table"]
    assert list(table.columns) == ["parameter", "index", "value", "low", "high"]
    star = table[table["index"] == "mu_star"]
    assert set(star["parameter"]) == {"network.cross_border", "channels.talk.rate"}
    assert (star["low"] <= star["value"]).all() and (star["value"] <= star["high"]).all()
    assert shown["channels"].columns[:2].tolist() == ["parameter", "total"]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")
def test_saved_results_page_shows_a_sensitivity_folder(analysed):
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    with dashboard_server(analysed.parent) as url, chromium() as browser:
        page = open_page(browser, url, "Saved results")
        page.get_by_label("Path of a sweep or comparison folder").fill(str(analysed))
        page.get_by_role("button", name="Open", exact=True).click()
        figure = page.locator(".nanosim-figure", has_text="Morris screening")
        figure.wait_for()
        assert figure.locator("img").evaluate("img => img.naturalWidth") > 100
        page.locator(".nanosim-indices").get_by_text("mu_star").first.wait_for()
        page.locator(".nanosim-channel-indices").get_by_text("network.cross_border").wait_for()
        page.context.close()
