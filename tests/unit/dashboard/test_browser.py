"""The headless Chromium driver: it reports what a page logs as errors (and only that), waits for a condition,
reads values and takes screenshots. Skipped, saying why, where the machine has no Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from vendorcast.dashboard.browser import BrowserError, HeadlessChromium, find_chromium

needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="no Chromium found: install Debian's `chromium` package (.ci/run does) or set VENDORCAST_CHROMIUM",
)


def _page(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(f"<!DOCTYPE html><html><head><title>{name}</title></head><body>{body}</body></html>")
    return path.as_uri()


@needs_chromium
def test_console_errors_and_uncaught_exceptions_are_reported(tmp_path: Path) -> None:
    noisy = _page(tmp_path, "noisy.html", "<script>console.log('fine'); console.warn('careful'); "
                                          "console.error('broken', 42); missingFunction();</script>")
    quiet = _page(tmp_path, "quiet.html", "<script>console.log('all good'); document.body.dataset.done = 'yes';"
                                          "</script>")
    with HeadlessChromium(timeout=60) as browser:
        browser.open(noisy)
        assert browser.report.errors[0] == "console.error: broken 42"
        assert browser.report.errors[1].startswith("uncaught: ReferenceError: missingFunction is not defined")
        assert len(browser.report.errors) == 2
        # Each page gets its own report.
        browser.open(quiet)
        assert browser.wait_until("document.body.dataset.done") == "yes"
        assert browser.report.errors == []


@needs_chromium
def test_a_failed_load_is_reported(tmp_path: Path) -> None:
    page = _page(tmp_path, "missing-script.html", '<script src="not-there.js"></script>')
    with HeadlessChromium(timeout=60) as browser:
        browser.open(page)
        assert any("not-there.js" in error for error in browser.report.errors), browser.report.errors


@needs_chromium
def test_wait_until_gives_up_after_the_timeout(tmp_path: Path) -> None:
    with HeadlessChromium(timeout=2) as browser:
        browser.open(_page(tmp_path, "never.html", "<p>never ready</p>"))
        with pytest.raises(BrowserError, match=r"'window\.ready' did not hold within 2 s"):
            browser.wait_until("window.ready")
        with pytest.raises(BrowserError, match="threw: ReferenceError"):
            browser.evaluate("notDefined.value")


@needs_chromium
def test_screenshot_is_a_png_of_the_requested_height(tmp_path: Path) -> None:
    page = _page(tmp_path, "tall.html", '<div style="height: 3000px; background: #1f5fbf"></div>')
    with HeadlessChromium(width=800, height=600, timeout=60) as browser:
        browser.open(page)
        whole = browser.screenshot(tmp_path / "whole.png")
        top = browser.screenshot(tmp_path / "top.png", height=500)
    for path, height in ((whole, 3000), (top, 500)):
        png = path.read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width_px, height_px = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert width_px == 800 and height_px >= height


def test_a_missing_browser_is_one_clear_error() -> None:
    with pytest.raises(BrowserError, match="could not start /nonexistent/chromium"), \
            HeadlessChromium("/nonexistent/chromium"):
        pass
