"""`ingest lab`: the JupyterLab command and environment it starts with."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.api.lab import LabServer, kernel_environment, lab_command, lab_server, wait_until_answering
from ingest.errors import StackError
from ingest.settings import PROJECT_ROOT, Settings


def test_the_lab_listens_on_loopback_only_without_browser_or_update_check():
    server = LabServer(17607, "t0ken", Path("/x/notebooks"))
    command = lab_command(server, as_root=False)
    assert command[1:3] == ["-m", "jupyterlab"]
    assert {"--no-browser", "--ServerApp.ip=127.0.0.1", "--ServerApp.port=17607", "--ServerApp.port_retries=0",
            "--IdentityProvider.token=t0ken", "--ServerApp.root_dir=/x/notebooks",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"} <= set(command)
    assert "--allow-root" not in command
    assert lab_command(server, as_root=True)[-1] == "--allow-root"
    assert server.url == "http://127.0.0.1:17607/lab?token=t0ken"


def test_the_lab_serves_the_projects_notebooks_on_the_stacks_own_port(tmp_path):
    settings = Settings.from_env({"INGEST_PORT_BASE": "18000", "INGEST_DATA_DIR": str(tmp_path)})
    server = lab_server(settings)
    assert server.port == 18007 and server.root == PROJECT_ROOT / "notebooks"
    assert len(server.token) == 32 and server.token != lab_server(settings).token


def test_kernels_are_pointed_at_the_same_stack(tmp_path):
    settings = Settings.from_env({"INGEST_PORT_BASE": "18000", "INGEST_DATA_DIR": str(tmp_path)})
    environment = kernel_environment(settings, {"PATH": "/bin", "INGEST_PORT_BASE": "17600"})
    assert environment["PATH"] == "/bin"
    assert environment["INGEST_PORT_BASE"] == "18000" and environment["INGEST_DATA_DIR"] == str(tmp_path)


class ExitedProcess:
    returncode = 1

    def poll(self) -> int:
        return self.returncode


class RunningProcess:
    def poll(self) -> None:
        return None


def test_a_lab_that_exits_or_never_answers_is_reported_with_its_log(tmp_path):
    server = LabServer(1, "t", tmp_path)  # port 1: nothing answers there
    with pytest.raises(StackError, match="exited with status 1 .*jupyterlab.log"):
        wait_until_answering(server, ExitedProcess(), tmp_path / "jupyterlab.log", sleep=lambda seconds: None)
    moments = iter([0.0, 10.0, 61.0])
    with pytest.raises(StackError, match="did not answer on port 1 within 60 s"):
        wait_until_answering(server, RunningProcess(), tmp_path / "jupyterlab.log",
                             clock=lambda: next(moments), sleep=lambda seconds: None)
