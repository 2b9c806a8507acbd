"""The stack's servers as `ingest up` ran them before they asked for any credentials.

RabbitMQ (epmd first; `guest:guest` on the vhost `/`), Redis and FerretDB, open to anyone on
the loopback interface, started with the commands, environment and files of that layout in a
data directory and on the ports laid out from a port base. Tests start them to make a data
directory from before, then check what `ingest up` does with it.

`OldStack` starts them as plain child processes, each in a process group of its own, waits
until each answers, and stops them all (also when starting fails): RabbitMQ with
`rabbitmqctl stop`, the others with SIGTERM; whatever is left of a group is killed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Callable, Mapping

import amqp
import redis
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from ingest.stack.binaries import find_binary

PORT_OFFSETS = {"amqp": 0, "redis": 1, "mongo": 2, "erlang_dist": 5, "epmd": 6}
PROGRAMS = ("epmd", "rabbitmq-server", "rabbitmqctl", "redis-server", "ferretdb")
START_TIMEOUT = 90.0
STOP_TIMEOUT = 60.0
POLL_INTERVAL = 0.2


class OldStack:
    """RabbitMQ, Redis and FerretDB of one data directory, the open way they ran before."""

    def __init__(self, data_dir: Path, port_base: int, binaries: Mapping[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port_base = port_base
        self.binaries = dict(binaries or {})
        self._running: list[tuple[str, subprocess.Popen]] = []

    def port(self, name: str) -> int:
        return self.port_base + PORT_OFFSETS[name]

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port('amqp')}//"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.port('redis')}/0"

    @property
    def mongo_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port('mongo')}/"

    def program(self, name: str) -> Path | None:
        override_key = name.replace("-", "_").removesuffix("_server")
        return find_binary(name, self.binaries.get(override_key))

    def missing(self) -> list[str]:
        return [name for name in PROGRAMS if self.program(name) is None]

    def rabbitmq_env(self) -> dict[str, str]:
        """The variables the broker ran with; rabbitmqctl needs them to reach its node."""
        home = self.data_dir / "rabbitmq"
        return {
            "ERL_EPMD_PORT": str(self.port("epmd")),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "HOME": str(home),
            "RABBITMQ_NODENAME": f"ingest{self.port('amqp')}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port("amqp")),
            "RABBITMQ_DIST_PORT": str(self.port("erlang_dist")),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "RABBITMQ_MNESIA_BASE": str(home / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.data_dir / "logs"),
            "RABBITMQ_LOGS": "-",
            "RABBITMQ_CONFIG_FILE": str(home / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(home / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(home / "rabbitmq.pid"),
        }

    def __enter__(self) -> OldStack:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        """Start the servers and wait until each answers; RuntimeError (all stopped) if one does not."""
        missing = self.missing()
        if missing:
            raise RuntimeError(f"not installed: {', '.join(missing)}")
        taken = [port for port in sorted(map(self.port, PORT_OFFSETS)) if _in_use(port)]
        if taken:
            raise RuntimeError(f"ports already in use: {', '.join(map(str, taken))}")
        self._prepare_directories()
        try:
            self._start_all()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every server started, the broker before epmd; never leaves one running."""
        while self._running:
            name, process = self._running.pop()
            try:
                if name == "rabbitmq" and process.poll() is None:
                    self._rabbitmqctl_stop()
                _stop(process)
            finally:
                _kill_group(process)

    def _prepare_directories(self) -> None:
        (self.data_dir / "logs").mkdir(parents=True, exist_ok=True)
        for name in ("rabbitmq/mnesia", "redis", "ferretdb"):
            (self.data_dir / name).mkdir(parents=True, exist_ok=True)
        home = self.data_dir / "rabbitmq"
        (home / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port('amqp')}\n"
            "loopback_users.guest = true\n"
            "log.console = true\n"
            "log.console.level = warning\n"
            "log.file = false\n",
            encoding="utf-8",
        )
        (home / "enabled_plugins").write_text("[].\n", encoding="utf-8")

    def _start_all(self) -> None:
        epmd = str(self.program("epmd"))
        epmd_port = str(self.port("epmd"))
        self._spawn("epmd", [epmd, "-port", epmd_port, "-address", "127.0.0.1"],
                    {"ERL_EPMD_PORT": epmd_port, "ERL_EPMD_ADDRESS": "127.0.0.1"})
        self._wait("epmd", lambda: subprocess.run(
            [epmd, "-port", epmd_port, "-names"], capture_output=True, timeout=10).returncode == 0)
        self._spawn("rabbitmq", [str(self.program("rabbitmq-server"))], self.rabbitmq_env())
        redis_dir = self.data_dir / "redis"
        self._spawn("redis", [
            str(self.program("redis-server")),
            "--bind", "127.0.0.1",
            "--port", str(self.port("redis")),
            "--dir", str(redis_dir),
            "--appendonly", "yes",
            "--save", "",
            "--daemonize", "no",
        ])
        ferretdb_dir = self.data_dir / "ferretdb"
        self._spawn("ferretdb", [
            str(self.program("ferretdb")),
            "--handler=sqlite",
            f"--sqlite-url=file:{ferretdb_dir}/",
            f"--state-dir={ferretdb_dir}",
            f"--listen-addr=127.0.0.1:{self.port('mongo')}",
            "--debug-addr=-",
            "--telemetry=disable",
            "--log-level=warn",
        ])
        self._wait("rabbitmq", self._amqp_answers)
        self._wait("redis", self._redis_answers)
        self._wait("ferretdb", self._mongo_answers)

    def _spawn(self, name: str, command: list[str], env: Mapping[str, str] | None = None) -> None:
        with open(self._log(name), "ab") as log:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       env={**os.environ, **(env or {})}, cwd=self.data_dir,
                                       process_group=0)
        self._running.append((name, process))

    def _log(self, name: str) -> Path:
        return self.data_dir / "logs" / f"old-{name}.log"

    def _wait(self, name: str, answers: Callable[[], bool]) -> None:
        process = dict(self._running)[name]
        deadline = time.monotonic() + START_TIMEOUT
        while not answers():
            if process.poll() is not None or time.monotonic() > deadline:
                state = (f"exited with {process.returncode} before answering" if process.poll() is not None
                         else f"did not answer within {START_TIMEOUT:.0f} s")
                tail = "\n".join(self._log(name).read_text(errors="replace").splitlines()[-30:])
                raise RuntimeError(f"{name} {state}; last lines of {self._log(name)}:\n{tail}")
            time.sleep(POLL_INTERVAL)

    def _amqp_answers(self) -> bool:
        connection = amqp.Connection(host=f"127.0.0.1:{self.port('amqp')}", userid="guest", password="guest",
                                     virtual_host="/", connect_timeout=2)
        try:
            connection.connect()
        except (OSError, amqp.exceptions.AMQPError):
            return False
        connection.close()
        return True

    def _redis_answers(self) -> bool:
        client = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def _mongo_answers(self) -> bool:
        client = MongoClient(self.mongo_url, serverSelectionTimeoutMS=2000)
        try:
            client.admin.command("ping")
            return True
        except PyMongoError:
            return False
        finally:
            client.close()

    def _rabbitmqctl_stop(self) -> None:
        try:
            subprocess.run([str(self.program("rabbitmqctl")), "stop"], env={**os.environ, **self.rabbitmq_env()},
                           capture_output=True, timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass


def _in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM unless it already exited, then wait; SIGKILL when it does not exit in time."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _kill_group(process: subprocess.Popen) -> None:
    """The process led its own group: kill what is left of it (the Erlang VM, its port programs)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
