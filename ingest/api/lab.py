"""`ingest lab`: JupyterLab on the project's notebooks, on loopback, its kernels pointed at the
stack these settings name."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import requests

from ingest.errors import StackError
from ingest.settings import PROJECT_ROOT, Settings

START_TIMEOUT = 60.0   # seconds JupyterLab gets to answer before `ingest lab` gives up
POLL_INTERVAL = 0.5


@dataclass(frozen=True)
class LabServer:
    """Where a JupyterLab will answer and how to reach it."""
    port: int
    token: str
    root: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/lab?token={self.token}"

    @property
    def status_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/status?token={self.token}"


def lab_command(server: LabServer, *, as_root: bool) -> list[str]:
    """The JupyterLab command line: loopback only, no browser, no update check (nothing goes outside)."""
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={server.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={server.token}", f"--ServerApp.root_dir={server.root}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if as_root:
        command.append("--allow-root")  # JupyterLab refuses root without it
    return command


def lab_server(settings: Settings, root: Path | None = None, port: int | None = None) -> LabServer:
    return LabServer(port or settings.port("lab"), secrets.token_hex(16), root or PROJECT_ROOT / "notebooks")


def kernel_environment(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The lab's environment: this process's, with the settings' stack named explicitly, so every
    kernel talks to the same stack as the command that started the lab."""
    return {**(os.environ if base is None else base), **settings.as_env()}


def wait_until_answering(server: LabServer, process: subprocess.Popen, log_path: Path,
                         timeout: float = START_TIMEOUT, clock: Callable[[], float] = time.monotonic,
                         sleep: Callable[[float], None] = time.sleep) -> None:
    deadline = clock() + timeout
    while not _answers(server.status_url):
        if process.poll() is not None:
            raise StackError(f"JupyterLab exited with status {process.returncode} before answering; "
                             f"its log is {log_path}")
        if clock() > deadline:
            raise StackError(f"JupyterLab did not answer on port {server.port} within {timeout:g} s; "
                             f"its log is {log_path}")
        sleep(POLL_INTERVAL)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2.0).status_code == 200
    except requests.RequestException:
        return False


def run_lab(settings: Settings, *, port: int | None = None, report: Callable[[str], None] = print) -> int:
    """Start JupyterLab, say its URL once it answers, and keep it running until Ctrl-C."""
    server = lab_server(settings, port=port)
    log_path = settings.data_dir / "logs" / "jupyterlab.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(lab_command(server, as_root=os.geteuid() == 0), cwd=server.root,
                                   env=kernel_environment(settings), stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
    signal.signal(signal.SIGTERM, _exit_on_terminate)  # so that the `finally` below stops the lab too
    try:
        wait_until_answering(server, process, log_path)
        report(f"JupyterLab on {server.root}: {server.url}")
        report(f"its log is {log_path}; Ctrl-C stops it")
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15.0)
            except subprocess.TimeoutExpired:
                process.kill()


def _exit_on_terminate(signum: int, frame) -> None:
    raise SystemExit(128 + signum)
