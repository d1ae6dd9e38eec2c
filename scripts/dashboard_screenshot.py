"""The README's dashboard screenshot: the sample vendor's lake (vendorcast.dashboard.sample), its dashboard, and
the top of the page in headless Chromium, as docs/dashboard.png.

    .venv/bin/python scripts/dashboard_screenshot.py [--lake demo-output/sample-lake] [--output docs/dashboard.png]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from vendorcast.dashboard.browser import HeadlessChromium
from vendorcast.dashboard.page import build_dashboard
from vendorcast.dashboard.sample import build_sample_lake

WIDTH, HEIGHT = 1400, 1900
# A documentation image, committed: keep it small.
MAX_BYTES = 500_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path, default=Path("demo-output/sample-lake"))
    parser.add_argument("--output", type=Path, default=Path("docs/dashboard.png"))
    args = parser.parse_args()
    shutil.rmtree(args.lake, ignore_errors=True)
    build_sample_lake(args.lake)
    page = build_dashboard(args.lake, args.lake.parent / "sample-dashboard.html", title="Acme Home (sample vendor)")
    with HeadlessChromium(width=WIDTH, height=HEIGHT, timeout=120) as browser:
        browser.open(page.path.resolve().as_uri())
        browser.wait_until("document.body.dataset.rendered")
        if browser.report.errors:
            print("the page logged errors:", *browser.report.errors, sep="\n  ", file=sys.stderr)
            return 1
        browser.screenshot(args.output, height=HEIGHT)
    size = args.output.stat().st_size
    print(f"{args.output}: {size / 1000:.0f} kB from {page.path} ({page.asins} ASINs)")
    return 0 if size <= MAX_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
