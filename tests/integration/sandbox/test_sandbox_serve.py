"""`serve`, as `vendorcast sandbox serve` runs it: prints where it listens, serves, stops on Ctrl-C."""

import re
import signal
import subprocess
import sys

import httpx
import pytest

from vendorcast.sandbox.settings import SandboxSettings

pytestmark = pytest.mark.integration

PROGRAM = """
from datetime import date
from vendorcast.sandbox import SandboxSettings, serve
serve(SandboxSettings(n_asins=5, history_start=date(2025, 1, 1)), scale=600)
"""


def test_serve_prints_its_url_and_clock_and_stops_on_ctrl_c():
    settings = SandboxSettings()
    process = subprocess.Popen([sys.executable, "-c", PROGRAM], stdout=subprocess.PIPE, text=True)
    try:
        banner = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", banner).group(0)
        lines = [process.stdout.readline() for _ in range(5)]
        assert any("VENDORCAST_TIME_SCALE=600" in line for line in lines)
        token = httpx.post(
            f"{url}/auth/o2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": settings.refresh_token,
                "client_id": settings.lwa_client_id,
                "client_secret": settings.lwa_client_secret,
            },
        )
        assert token.status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
