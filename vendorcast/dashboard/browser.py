"""Headless Chromium driven over the DevTools protocol through a pipe (standard library only): open a page, collect
its console errors and uncaught exceptions, wait until an expression holds, read values, take a screenshot. For
the dashboard's browser test and its screenshot in the README."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

# `VENDORCAST_CHROMIUM=/path/to/chrome` picks a browser; else the first of these on the PATH.
ENV_CHROMIUM = "VENDORCAST_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# With --remote-debugging-pipe, Chromium reads commands from fd 3 and writes replies and events to fd 4.
_COMMAND_FD, _REPLY_FD = 3, 4
# Pipe ends are first moved this high, so mapping them onto fds 3 and 4 in the child never overwrites one another.
_HIGH_FD = 100


class BrowserError(RuntimeError):
    """Chromium could not be started, did not answer in time, or refused a command."""


def find_chromium() -> str | None:
    """The Chromium (or Chrome) to use, or None when the machine has none."""
    explicit = os.environ.get(ENV_CHROMIUM)
    if explicit:
        return explicit if Path(explicit).exists() else shutil.which(explicit)
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


@dataclass
class PageReport:
    """What a page logged as errors while it was open: console.error / console.assert calls, uncaught exceptions
    and the browser's own error entries (a resource that failed to load, a blocked request)."""

    errors: list[str] = field(default_factory=list)


class HeadlessChromium:
    """One headless Chromium with one page. Use as a context manager; every wait is bounded by `timeout`."""

    def __init__(self, executable: str | None = None, *, width: int = 1400, height: int = 900,
                 timeout: float = 60.0) -> None:
        found = executable or find_chromium()
        if found is None:
            raise BrowserError(f"no Chromium found: install Debian's `chromium` package or set {ENV_CHROMIUM}")
        self.executable = found
        self.width, self.height, self.timeout = width, height, timeout
        self.report = PageReport()
        self._next_id = 0
        self._buffer = b""
        self._pending_events: list[dict[str, Any]] = []
        self._session: str | None = None
        self._pid: int | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None

    # --- process ---------------------------------------------------------------------------------------------

    def __enter__(self) -> HeadlessChromium:
        self._profile = tempfile.TemporaryDirectory(prefix="vendorcast-chromium-")
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()
        child_read = fcntl.fcntl(commands_read, fcntl.F_DUPFD_CLOEXEC, _HIGH_FD)
        child_write = fcntl.fcntl(replies_write, fcntl.F_DUPFD_CLOEXEC, _HIGH_FD)
        for fd in (commands_read, replies_write):
            os.close(fd)
        arguments = [
            self.executable, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
            f"--user-data-dir={self._profile.name}", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--hide-scrollbars", "--mute-audio",
            f"--window-size={self.width},{self.height}", "about:blank",
        ]
        try:
            # posix_spawn maps the pipe ends onto fds 3 and 4 without running Python in the child (safe with threads).
            self._pid = os.posix_spawn(self.executable, arguments, dict(os.environ), file_actions=[
                (os.POSIX_SPAWN_DUP2, child_read, _COMMAND_FD),
                (os.POSIX_SPAWN_DUP2, child_write, _REPLY_FD),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            ])
        except OSError as exc:
            self._close_pipes()
            self._profile.cleanup()
            raise BrowserError(f"could not start {self.executable}: {exc}") from exc
        finally:
            os.close(child_read)
            os.close(child_write)
        target = self.send("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        self._session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                  browser=True)["sessionId"]
        for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
            self.send(domain)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False})
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._pid is not None:
            try:
                self.send("Browser.close", browser=True, timeout=5)
            except (BrowserError, OSError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()
        self._close_pipes()
        if self._profile is not None:
            self._profile.cleanup()

    def _reap(self) -> None:
        deadline = time.monotonic() + 10
        assert self._pid is not None
        while time.monotonic() < deadline:
            pid, _ = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.05)
        else:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
        self._pid = None

    def _close_pipes(self) -> None:
        for name in ("_commands", "_replies"):
            fd = getattr(self, name, None)
            if fd is not None:
                os.close(fd)
                setattr(self, name, None)

    # --- protocol --------------------------------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False,
             timeout: float | None = None) -> dict[str, Any]:
        """One DevTools command, to the page's session (or to the browser); its result."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if not browser:
            message["sessionId"] = self._session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._receive(deadline, f"{method} got no answer within {timeout or self.timeout:.0f} s")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method} failed: {reply['error'].get('message')}")
                return reply.get("result", {})
            self._observe(reply)

    def _receive(self, deadline: float, timeout_message: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._replies], [], [], remaining)[0]:
                raise BrowserError(timeout_message)
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe (did it crash?)")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def _observe(self, event: dict[str, Any]) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.report.errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            described = details.get("exception", {}).get("description") or details.get("text", "exception")
            self.report.errors.append(f"uncaught: {described}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.report.errors.append(f"{entry.get('source', 'browser')}: {entry.get('text')} {entry.get('url', '')}")
        self._pending_events.append(event)

    def _wait_for_event(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self._pending_events:
                if event.get("method") == method:
                    self._pending_events.remove(event)
                    return event
            self._observe(self._receive(deadline, f"no {method} within {self.timeout:.0f} s"))

    # --- page ------------------------------------------------------------------------------------------------

    def open(self, url: str) -> None:
        """Load a page and wait for its load event; `report` collects this page's errors from now on."""
        self._pending_events.clear()
        self.report = PageReport()
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"could not open {url}: {result['errorText']}")
        self._wait_for_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """A JavaScript expression's value in the page (promises awaited)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(f"{expression!r} threw: {details.get('exception', {}).get('description', details)}")
        return result.get("result", {}).get("value")

    def wait_until(self, expression: str) -> Any:
        """Evaluate `expression` until it is truthy; BrowserError after the timeout."""
        deadline = time.monotonic() + self.timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"{expression!r} did not hold within {self.timeout:.0f} s")
            time.sleep(0.1)

    def screenshot(self, path: str | Path, height: int | None = None) -> Path:
        """A PNG of the page from its top: `height` CSS pixels of it, or (None) its whole length."""
        if height is None:
            height = int(self.send("Page.getLayoutMetrics")["cssContentSize"]["height"])
        params = {"format": "png", "captureBeyondViewport": True,
                  "clip": {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1}}
        data = base64.b64decode(self.send("Page.captureScreenshot", params)["data"])
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


__all__ = ["ENV_CHROMIUM", "BrowserError", "HeadlessChromium", "PageReport", "find_chromium"]
