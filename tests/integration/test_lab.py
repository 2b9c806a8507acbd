"""`ingest lab` as a user runs it: JupyterLab on loopback, its URL printed once it answers, its
kernels on the running stack, and nothing left running after Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import requests

from tests.ports import free_port


def test_ingest_lab_prints_a_url_that_answers_and_stops_with_its_command(settings, tmp_path):
    port = free_port()
    environment = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
                       JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
                       JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    command = subprocess.Popen([sys.executable, "-m", "ingest", "lab", "--port", str(port)], env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = command.stdout.readline()
        assert first.startswith("JupyterLab on ") and "notebooks" in first, first  # no note: the stack is up
        url = re.search(r"http://127\.0\.0\.1:(\d+)/lab\?token=(\w+)", first)
        assert url and int(url.group(1)) == port
        status = requests.get(f"http://127.0.0.1:{port}/api/status", params={"token": url.group(2)}, timeout=10)
        assert status.status_code == 200
        refused = requests.get(f"http://127.0.0.1:{port}/api/status", params={"token": "wrong"}, timeout=10)
        assert refused.status_code == 403
    finally:
        command.send_signal(signal.SIGINT)
        command.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/status", timeout=1)
        except requests.ConnectionError:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"JupyterLab still answers on port {port} after its command stopped")
