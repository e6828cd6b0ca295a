"""Screenshots of every dashboard page, and the timed browser comparison.

    PYTHONPATH=. .venv/bin/python tools/screenshots.py docs/images

starts the dashboard, drives it in headless Chromium like a person would (with the
browser tests' driver, tests/dashboard/browser.py), times a comparison of three
scenarios from the click on Run to the figure on screen, and saves
``dashboard_{compare,explore,saved}.png``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from nanosim.dashboard import catalogue
from tests.dashboard.browser import chromium, dashboard_server, open_page, wait_for_step

SHOT_VIEWPORT = {"width": 1440, "height": 2000}
COMPARED = ("crisis", "crisis_with_nano", "online_nationalism")


def make_sweep(folder: Path) -> Path:
    """A small two-key sweep of the bundled crisis scenario for the Saved results page."""
    from nanosim.experiments.sweep import plan_sweep, run_plan

    out = folder / "sweep_cross_border"
    plan = plan_sweep(catalogue.BUNDLED_DIR / "crisis.toml",
                      grid={"network.cross_border": [0.0, 0.1, 0.3],
                            "channels.contact.rate": [0.1, 0.3]},
                      replicates=2, overrides={"population.size": 1000})
    run_plan(plan, out, workers=2)
    return out


def compare_in_browser(page, labels: list[str], citizens: int, replicates: int) -> float:
    """Choose scenarios, run, and return seconds from the click to the figure on screen."""
    for label in labels:
        page.get_by_text(label, exact=True).click()
    for field, value in (("Replicates", replicates), ("Citizens (blank: each file's)", citizens)):
        box = page.get_by_label(field)
        box.fill(str(value))
        box.press("Enter")
    page.wait_for_timeout(300)
    start = time.perf_counter()
    page.get_by_role("button", name="Run").click()
    page.locator(".nanosim-figure", has_text="Perception shift over time").locator(
        "img").wait_for(timeout=300_000)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", nargs="?", default="docs/images", help="folder for the PNG files")
    p.add_argument("--citizens", type=int, default=5000)
    p.add_argument("--replicates", type=int, default=5)
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    entries = {e.label: e for e in catalogue.scan(catalogue.BUNDLED_DIR, "bundled")
               if e.scenario}
    labels = [f"{n} — {entries[n].scenario.run.name}" for n in COMPARED if n in entries]
    with tempfile.TemporaryDirectory() as tmp:
        make_sweep(Path(tmp))
        with dashboard_server(tmp) as url, chromium() as browser:
            page = open_page(browser, url, "Compare")
            page.set_viewport_size(SHOT_VIEWPORT)
            seconds = compare_in_browser(page, labels, args.citizens, args.replicates)
            summary = page.locator(".nanosim-finished").inner_text()
            print(f"browser comparison: {summary}; {seconds:.1f} s from Run to the figure")
            page.wait_for_timeout(1000)
            page.screenshot(path=out / "dashboard_compare.png")

            page = open_page(browser, url, "Explore")
            page.set_viewport_size(SHOT_VIEWPORT)
            page.get_by_text("Step 0 of").wait_for()
            page.get_by_label("Scenario").click(force=True)
            page.get_by_role("option", name="quickstart", exact=True).click()
            page.locator(".nanosim-views", has_text="Indonesia → Japan").wait_for()
            page.wait_for_timeout(1000)
            page.get_by_role("button", name="Play").click()
            wait_for_step(page, 75)
            page.get_by_role("button", name="Pause").click()
            page.wait_for_timeout(1500)
            page.screenshot(path=out / "dashboard_explore.png")

            page = open_page(browser, url, "Saved results")
            page.set_viewport_size({"width": 1440, "height": 1300})
            page.get_by_role("button", name="Open").click()
            page.locator(".nanosim-figure").first.wait_for(timeout=120_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=out / "dashboard_saved.png")
    print(f"screenshots: {out}/dashboard_compare.png, dashboard_explore.png, dashboard_saved.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
