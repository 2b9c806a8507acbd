"""supervisord for the local stack: its config under `data/`, starting it, and talking to it.

supervisord runs every local part as a program and restarts one that dies. Its XML-RPC
interface listens on a unix socket under `data/`, never on a network port.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport

from ingest.errors import SupervisorStartError
from ingest.private_files import write_private
from ingest.settings import Settings
from ingest.stack.services import Service

UNIX_SOCKET_PATH_MAX = 100


@dataclass(frozen=True)
class SupervisorPaths:
    config: Path
    socket: Path
    pidfile: Path
    logfile: Path
    logs: Path

    @classmethod
    def of(cls, settings: Settings) -> SupervisorPaths:
        home = settings.data_dir / "supervisor"
        socket = home / "supervisor.sock"
        if len(str(socket)) > UNIX_SOCKET_PATH_MAX:
            digest = hashlib.sha256(str(home).encode()).hexdigest()[:12]
            socket = Path(tempfile.gettempdir()) / f"ingest-{digest}.sock"
        return cls(
            config=home / "supervisord.conf",
            socket=socket,
            pidfile=home / "supervisord.pid",
            logfile=settings.data_dir / "logs" / "supervisord.log",
            logs=settings.data_dir / "logs",
        )

    def log_of(self, name: str) -> Path:
        return self.logs / f"{name}.log"


def _quote(value: str) -> str:
    return '"' + value.replace("%", "%%").replace("\\", "\\\\").replace('"', '\\"') + '"'


def _command(parts: tuple[str, ...]) -> str:
    return " ".join(
        _quote(part) if not part or any(c in part for c in ' "%\\{},') else part for part in parts
    )


def render_config(services: list[Service], paths: SupervisorPaths) -> str:
    lines = [
        "; Written by `ingest up`; edits are overwritten.",
        "[unix_http_server]",
        f"file={paths.socket}",
        "chmod=0700",
        "",
        "[supervisord]",
        f"logfile={paths.logfile}",
        f"pidfile={paths.pidfile}",
        f"childlogdir={paths.logs}",
        "logfile_maxbytes=10MB",
        "logfile_backups=2",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{paths.socket}",
    ]
    for service in services:
        if service.external:
            continue
        lines += [
            "",
            f"[program:{service.name}]",
            f"command={_command(service.command)}",
            f"priority={service.priority}",
            "autostart=true",
            "autorestart=true",
            "startsecs=1",
            "startretries=5",
            "stopasgroup=true",
            "killasgroup=true",
            f"stopwaitsecs={int(service.stop_wait)}",
            "redirect_stderr=true",
            f"stdout_logfile={paths.log_of(service.name)}",
            "stdout_logfile_maxbytes=20MB",
            "stdout_logfile_backups=2",
        ]
        if service.directory:
            lines.append(f"directory={service.directory}")
        if service.env:
            pairs = ",".join(f"{key}={_quote(value)}" for key, value in sorted(service.env.items()))
            lines.append(f"environment={pairs}")
    return "\n".join(lines) + "\n"


def write_config(text: str, paths: SupervisorPaths) -> bool:
    """Write the config (mode 0600: it may hold the URLs of external servers). True if it changed."""
    paths.logs.mkdir(parents=True, exist_ok=True)
    if paths.config.is_file() and paths.config.read_text(encoding="utf-8") == text:
        return False
    write_private(paths.config, text)
    return True


def rpc(paths: SupervisorPaths, timeout: float = 5.0) -> xmlrpc.client.ServerProxy:
    transport = SupervisorTransport(None, None, f"unix://{paths.socket}")
    transport.timeout = timeout
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)


def is_running(paths: SupervisorPaths) -> bool:
    if not paths.socket.exists():
        return False
    try:
        return rpc(paths, timeout=2.0).supervisor.getState()["statename"] == "RUNNING"
    except (OSError, xmlrpc.client.Error):
        return False


def start(paths: SupervisorPaths) -> None:
    """Start supervisord as a daemon with the written config; returns once it has forked."""
    completed = subprocess.run(
        [sys.executable, "-m", "supervisor.supervisord", "-c", str(paths.config)],
        capture_output=True, text=True, timeout=30,
    )
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip()
        raise SupervisorStartError(f"supervisord did not start: {detail}")


def process_info(paths: SupervisorPaths) -> dict[str, dict]:
    """supervisord's view of each program: statename, pid, description, ..."""
    return {info["name"]: info for info in rpc(paths).supervisor.getAllProcessInfo()}


def tail_log(paths: SupervisorPaths, name: str, lines: int = 25) -> str:
    log = paths.log_of(name)
    if not log.is_file():
        return f"(no log at {log})"
    with log.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 16_384))
        text = handle.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])
