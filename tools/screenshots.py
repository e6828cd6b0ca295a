"""Screenshots of every dashboard page, and the timed browser comparison.

    PYTHONPATH=. .venv/bin/python tools/screenshots.py docs/images

starts the dashboard, drives it in headless Chromium like a person would (with the
browser tests' driver, tests/dashboard/browser.py), times a comparison of three
scenarios from the click on Run to the figure on screen and a change of metric from the
click to the redrawn table, and saves ``dashboard_{compare,explore,saved}.png`` at
1440 px and ``dashboard_{compare,explore,saved}_1024.png`` at 1024 px wide.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from nanosim.dashboard import catalogue
from tests.dashboard.browser import chromium, dashboard_server, open_page, wait_for_step

WIDTHS = {1440: "", 1024: "_1024"}  # viewport width: file name suffix
SHOT_HEIGHT = 2000
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
        "canvas").first.wait_for(timeout=300_000)
    return time.perf_counter() - start


def redraw_in_browser(page, metric: str) -> float:
    """Seconds from choosing another metric to the table showing it (no new runs)."""
    view = page.locator(".nanosim-view")
    view.get_by_label("Metric", exact=True).click(force=True)
    start = time.perf_counter()
    page.locator(".menuable__content__active").get_by_role("option", name=metric,
                                                            exact=True).click()
    page.locator(".nanosim-table", has_text=metric.replace("_", " ")).first.wait_for()
    return time.perf_counter() - start


def shoot(page, out: Path, name: str) -> None:
    """The page at each width (the layout reflows), as ``name[_1024].png``."""
    for width, suffix in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": SHOT_HEIGHT})
        page.wait_for_timeout(1500)
        page.screenshot(path=out / f"{name}{suffix}.png")


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
            page.set_viewport_size({"width": 1440, "height": SHOT_HEIGHT})
            seconds = compare_in_browser(page, labels, args.citizens, args.replicates)
            summary = page.locator(".nanosim-finished").inner_text()
            print(f"browser comparison: {summary}; {seconds:.1f} s from Run to the figure")
            redraw = redraw_in_browser(page, "share_favourable")
            print(f"metric changed to share_favourable: {redraw:.2f} s to the redrawn table")
            shoot(page, out, "dashboard_compare")

            page = open_page(browser, url, "Explore")
            page.get_by_text("Step 0 of").wait_for()
            page.get_by_label("Scenario").click(force=True)
            page.get_by_role("option", name="quickstart", exact=True).click()
            page.locator(".nanosim-views", has_text="Indonesia → Japan").wait_for()
            page.wait_for_timeout(1000)
            page.get_by_role("button", name="Play").click()
            wait_for_step(page, 75)
            page.get_by_role("button", name="Pause").click()
            shoot(page, out, "dashboard_explore")

            page = open_page(browser, url, "Saved results")
            page.get_by_role("button", name="Open", exact=True).click()
            page.locator(".nanosim-figure").first.wait_for(timeout=120_000)
            shoot(page, out, "dashboard_saved")
    print(f"screenshots: {out}/dashboard_{{compare,explore,saved}}{{,_1024}}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
