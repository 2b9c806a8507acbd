"""`python -m sandbox` serves in the foreground with a scenario file, as supervisord runs it."""

from __future__ import annotations

import subprocess
import sys
import time

import requests

from sandbox.server import free_port
from tests.recordings import REPO_ROOT


def test_module_entry_point_with_a_yaml_scenario(tmp_path):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("apis:\n  mastodon:\n    rate_limits: [{limit: 2, window: 60}]\n", encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port), "--size", "500",
         "--seed", "3", "--scenario", str(scenario)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = requests.get(url + "/_admin/health", timeout=1).json()
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert health == {"ok": True, "seed": 3, "size": 500}
        statuses = [requests.get(url + "/mastodon/api/v1/timelines/public", timeout=5).status_code
                    for _ in range(3)]
        assert statuses == [200, 200, 429]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_bad_scenario_file_stops_with_a_message(tmp_path):
    scenario = tmp_path / "scenario.json"
    scenario.write_text('{"apis": {"mastodon": {"drop": "often"}}}', encoding="utf-8")
    finished = subprocess.run([sys.executable, "-m", "sandbox", "--port", str(free_port()), "--scenario",
                               str(scenario)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    assert finished.returncode == 2
    assert "apis.mastodon.drop" in finished.stderr
