"""Headless Chromium driven over the DevTools protocol's websocket: start it, open a page, run
JavaScript in it, click, and take a screenshot. Only what the browser tests need."""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import websocket

CHROMIUM_NAMES = ("chromium", "chromium-browser")
WINDOW_WIDTH, WINDOW_HEIGHT = 1400, 1800


class DevToolsError(RuntimeError):
    pass


def find_chromium() -> str | None:
    """INGEST_CHROMIUM_BIN, or a Chromium on the PATH; None when there is none."""
    configured = os.environ.get("INGEST_CHROMIUM_BIN")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def stop_process_group(process: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM to the process group `process` leads (started with start_new_session=True), then
    SIGKILL to what is still there after `grace` seconds."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=grace)


class Chromium:
    """A headless Chromium with a profile of its own in `profile_dir`, listening for the DevTools
    protocol on a port it picks. `page()` opens a tab; `close()` stops the browser."""

    def __init__(self, binary: str, profile_dir: Path, *, start_timeout: float = 60.0) -> None:
        profile_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = profile_dir.parent / "chromium.log"
        arguments = [
            binary, "--headless", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            f"--user-data-dir={profile_dir}", f"--window-size={WINDOW_WIDTH},{WINDOW_HEIGHT}",
            "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio",
        ]
        if os.geteuid() == 0:
            # Chromium refuses to start its sandbox as root.
            arguments.append("--no-sandbox")
        arguments.append("about:blank")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        try:
            self.connection = DevToolsConnection(self._browser_url(profile_dir / "DevToolsActivePort", start_timeout))
        except BaseException:
            stop_process_group(self.process)
            raise

    def _browser_url(self, active_port_file: Path, timeout: float) -> str:
        """The browser's websocket URL, from the file Chromium writes once it listens."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DevToolsError(f"chromium exited with {self.process.returncode}: {self.log_tail()}")
            lines = active_port_file.read_text().split() if active_port_file.exists() else []
            if len(lines) == 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
            time.sleep(0.2)
        raise DevToolsError(f"chromium did not open its DevTools port within {timeout:g} s: {self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def page(self) -> Page:
        target = self.connection.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.connection.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self.connection, session)
        page.call("Page.enable")
        page.call("Emulation.setDeviceMetricsOverride",
                  {"width": WINDOW_WIDTH, "height": WINDOW_HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        return page

    def close(self) -> None:
        try:
            self.connection.call("Browser.close", timeout=10.0)
        except (DevToolsError, OSError, websocket.WebSocketException):
            pass
        self.connection.close()
        stop_process_group(self.process)


class DevToolsConnection:
    """The browser's websocket: commands are answered in order of their ids; events are ignored."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        # Chromium refuses websocket clients that send an Origin it was not told to allow.
        self.socket = websocket.create_connection(url, timeout=timeout, suppress_origin=True)
        self.ids = itertools.count(1)

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60.0) -> dict:
        command_id = next(self.ids)
        message: dict[str, Any] = {"id": command_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DevToolsError(f"{method}: no answer within {timeout:g} s")
            self.socket.settimeout(remaining)
            answer = json.loads(self.socket.recv())
            if answer.get("id") != command_id:
                continue
            if "error" in answer:
                raise DevToolsError(f"{method}: {answer['error']}")
            return answer.get("result", {})

    def close(self) -> None:
        self.socket.close()


class Page:
    """One tab: navigate, evaluate JavaScript, click at an element, screenshot."""

    def __init__(self, connection: DevToolsConnection, session: str) -> None:
        self.connection = connection
        self.session = session

    def call(self, method: str, params: dict | None = None, timeout: float = 60.0) -> dict:
        return self.connection.call(method, params, self.session, timeout)

    def navigate(self, url: str) -> None:
        answer = self.call("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise DevToolsError(f"opening {url}: {answer['errorText']}")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (a promise is awaited), as JSON would carry it."""
        answer = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            raise DevToolsError(f"{expression[:80]}…: {details.get('exception', {}).get('description') or details}")
        return answer["result"].get("value")

    def wait_for(self, expression: str, timeout: float, what: str, *, interval: float = 0.5,
                 until: Callable[[Any], bool] = bool, on_value: Callable[[Any], None] | None = None) -> Any:
        """Evaluate `expression` every `interval` seconds until `until` holds for its value (until
        it is truthy, by default); answers that value. Each value read goes to `on_value`.
        TimeoutError naming `what` and the last value read."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if on_value is not None:
                on_value(value)
            if until(value):
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: not within {timeout:g} s (last value read: {value!r})")
            time.sleep(interval)

    def click(self, selector: str, text: str | None = None) -> None:
        """A left click in the middle of the first element that `selector` matches (and whose
        visible text is `text`, when given), as a mouse would."""
        box = self.evaluate(
            f"(() => {{ const text = {json.dumps(text)};"
            f" const element = [...document.querySelectorAll({json.dumps(selector)})]"
            "   .find(candidate => text === null || candidate.innerText.trim() === text);"
            " if (!element) return null; element.scrollIntoView({block: 'nearest'});"
            " const r = element.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()")
        if box is None:
            shown = selector if text is None else f"{selector} with the text {text!r}"
            raise DevToolsError(f"nothing matches {shown} to click on")
        self.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": box["x"], "y": box["y"]})
        for event in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent",
                      {"type": event, "x": box["x"], "y": box["y"], "button": "left", "clickCount": 1})

    def screenshot(self, path: Path) -> Path:
        answer = self.call("Page.captureScreenshot", {"format": "png"})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(answer["data"]))
        return path
