"""What the local stack runs: one `Service` per part, derived from the settings.

A part named by an `INGEST_*_URL` setting is external: it is checked, never started.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from ingest.messaging.config import DEFAULT_QUEUE, queue_family, source_queues
from ingest.errors import MissingBinaryError
from ingest.settings import PROJECT_ROOT, Settings, mask_url
from ingest.stack.binaries import find_binary, require_binary
from ingest.stack.launch import launch_command
from ingest.stack.server_files import ServerFiles
from ingest.stack_credentials import MONGO_AUTH_DATABASE, STACK_USER


class Check(str, Enum):
    AMQP = "amqp"
    REDIS = "redis"
    MONGO = "mongo"
    CELERY = "celery"
    HTTP = "http"
    TCP = "tcp"


@dataclass(frozen=True)
class Service:
    name: str
    check: Check
    url: str
    ports: tuple[int, ...] = ()
    command: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    directory: Path | None = None
    external: bool = False
    priority: int = 100
    stop_wait: float = 20.0
    missing: str | None = None

    @property
    def display_url(self) -> str:
        return mask_url(self.url) or ""


def is_local_mongod(service: Service) -> bool:
    return service.name == "docstore" and not service.external and Path(service.command[0]).name == "mongod"


def worker_name(family: str, number: int) -> str:
    return f"ingest-worker-{family}-{number}"


class _Binaries:
    """Resolves program paths, remembering what is missing instead of raising at once, so
    that `status` and `down` work on a machine that lacks a server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.problems: list[str] = []

    def __call__(self, name: str) -> str:
        key = name.replace("-", "_").removesuffix("_server")
        try:
            return str(require_binary(name, self.settings.binaries.get(key), f"INGEST_{key.upper()}_BIN"))
        except MissingBinaryError as error:
            self.problems.append(str(error))
            return name

    def take_problem(self) -> str | None:
        problem = "; ".join(self.problems) or None
        self.problems.clear()
        return problem


def _after_epmd(epmd: str, port: int, server: str) -> tuple[str, ...]:
    """Run the server once our epmd answers; otherwise Erlang starts a stray epmd of its own."""
    script = f'until "{epmd}" -port {port} -names >/dev/null 2>&1; do sleep 0.2; done; exec "{server}"'
    return ("/bin/sh", "-c", script)


def _rabbitmq(settings: Settings, binary: _Binaries) -> list[Service]:
    files = ServerFiles.of(settings)
    home = settings.data_dir / "rabbitmq"
    epmd_port = settings.port("epmd")
    erlang_env = {"ERL_EPMD_PORT": str(epmd_port), "ERL_EPMD_ADDRESS": "127.0.0.1"}
    epmd = Service(
        name="epmd",
        check=Check.TCP,
        url=f"tcp://127.0.0.1:{epmd_port}",
        ports=(epmd_port,),
        command=(binary("epmd"), "-port", str(epmd_port), "-address", "127.0.0.1"),
        missing=binary.take_problem(),
        env=erlang_env,
        priority=10,
    )
    rabbitmq = Service(
        name="rabbitmq",
        check=Check.AMQP,
        url=settings.broker_url,
        ports=(settings.port("amqp"), settings.port("erlang_dist")),
        command=_after_epmd(epmd.command[0], epmd_port, binary("rabbitmq-server")),
        missing=binary.take_problem(),
        env={
            **erlang_env,
            "HOME": str(home),
            "RABBITMQ_NODENAME": f"ingest{settings.port('amqp')}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(settings.port("amqp")),
            "RABBITMQ_DIST_PORT": str(settings.port("erlang_dist")),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "RABBITMQ_MNESIA_BASE": str(home / "mnesia"),
            "RABBITMQ_LOG_BASE": str(settings.data_dir / "logs"),
            "RABBITMQ_LOGS": "-",
            "RABBITMQ_CONFIG_FILE": str(files.rabbitmq_config.with_suffix("")),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(files.rabbitmq_plugins),
            "RABBITMQ_PID_FILE": str(home / "rabbitmq.pid"),
        },
        directory=home,
        priority=20,
        stop_wait=60.0,
    )
    return [epmd, rabbitmq]


def _redis(settings: Settings, binary: _Binaries) -> Service:
    files = ServerFiles.of(settings)
    return Service(
        name="redis",
        check=Check.REDIS,
        url=settings.redis_url,
        ports=(settings.port("redis"),),
        command=(binary("redis-server"), str(files.redis_config)),
        missing=binary.take_problem(),
        directory=settings.data_dir / "redis",
        priority=20,
    )


def _document_store(settings: Settings, binary: _Binaries) -> Service:
    """mongod when installed, with authorization on (its user is made through the localhost
    exception, see `ingest.stack.mongod_user`); otherwise FerretDB with its SCRAM authentication,
    whose first start makes the stack's user (`--setup-*`, the password from its environment)."""
    port = settings.port("mongo")
    mongod = find_binary("mongod", settings.binaries.get("mongod"))
    if mongod:
        directory = settings.data_dir / "mongo"
        command: tuple[str, ...] = (
            str(mongod), "--dbpath", str(directory), "--port", str(port), "--bind_ip", "127.0.0.1", "--auth",
        )
    else:
        directory = settings.data_dir / "ferretdb"
        command = launch_command("ferretdb", (
            binary("ferretdb"),
            "--handler=sqlite",
            f"--sqlite-url=file:{directory}/",
            f"--state-dir={directory}",
            f"--listen-addr=127.0.0.1:{port}",
            "--debug-addr=-",
            "--telemetry=disable",
            "--log-level=warn",
            "--test-enable-new-auth",
            f"--setup-database={MONGO_AUTH_DATABASE}",
            f"--setup-username={STACK_USER}",
        ))
    return Service(
        name="docstore", check=Check.MONGO, url=settings.mongo_url, ports=(port,), command=command,
        env={"INGEST_DATA_DIR": str(settings.data_dir)}, directory=directory, priority=20,
        missing=binary.take_problem(),
    )


def _workers(settings: Settings) -> list[Service]:
    """A pool per source family (each queue the registered sources declare), so that a source
    held by its limit or answering slowly never takes threads (or the interpreter) from another
    source's tasks. Every pool also serves the default queue, which carries only probes."""
    return [
        _worker(settings, queue_family(queue), (queue, DEFAULT_QUEUE), number)
        for queue in source_queues()
        for number in range(1, settings.worker_processes + 1)
    ]


def _worker(settings: Settings, family: str, queues: tuple[str, ...], number: int) -> Service:
    name = worker_name(family, number)
    return Service(
        name=name,
        check=Check.CELERY,
        url=f"celery://{name}@{socket.gethostname()}",
        command=(
            sys.executable, "-m", "celery", "-A", "workers.app", "worker",
            "--loglevel=INFO",
            f"--hostname={name}@%h",
            f"--pool={settings.worker_pool}",
            f"--concurrency={settings.worker_concurrency}",
            f"--queues={','.join(queues)}",
            "--without-gossip", "--without-mingle",
        ),
        env=settings.as_env(),
        directory=PROJECT_ROOT,
        priority=50,
        stop_wait=30.0,
    )


def _sandbox(settings: Settings) -> Service:
    port = settings.port("sandbox")
    return Service(
        name="sandbox",
        check=Check.HTTP,
        url=f"{settings.sandbox_url}/_admin/health",
        ports=(port,),
        command=(sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port)),
        env=settings.as_env(),
        priority=30,
    )


def _flower(settings: Settings) -> Service:
    port = settings.port("flower")
    return Service(
        name="flower",
        check=Check.HTTP,
        url=f"{settings.flower_url}/healthcheck",
        ports=(port,),
        command=launch_command("flower", (
            sys.executable, "-m", "celery", "-A", "workers.app", "flower",
            "--address=127.0.0.1", f"--port={port}",
        )),
        env=settings.as_env(),
        priority=60,
    )


def external_services(settings: Settings) -> list[Service]:
    named = [
        ("rabbitmq", Check.AMQP, settings.external_broker_url),
        ("redis", Check.REDIS, settings.external_redis_url),
        ("docstore", Check.MONGO, settings.external_mongo_url),
    ]
    return [Service(name=name, check=check, url=url, external=True) for name, check, url in named if url]


def plan(settings: Settings, *, sandbox: bool = False, flower: bool = False) -> list[Service]:
    """Every part of the stack, local and external, in start order."""
    binary = _Binaries(settings)
    services: list[Service] = list(external_services(settings))
    if not settings.external_broker_url:
        services += _rabbitmq(settings, binary)
    if not settings.external_redis_url:
        services.append(_redis(settings, binary))
    if not settings.external_mongo_url:
        services.append(_document_store(settings, binary))
    if sandbox:
        services.append(_sandbox(settings))
    services += _workers(settings)
    if flower:
        services.append(_flower(settings))
    return sorted(services, key=lambda service: service.priority)
