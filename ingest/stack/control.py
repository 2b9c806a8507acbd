"""`ingest up | down | status`: the local stack's lifecycle.

`up` checks everything it can before it starts anything (binaries, free ports, external
servers), so bad input fails fast and touches nothing. It returns only once every part
answers a real check, and on a running stack it changes nothing.
"""

from __future__ import annotations

import os
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from typing import Callable

from ingest import credentials
from ingest.errors import MissingBinaryError, PortInUseError, ServiceUnavailableError, StackError
from ingest.settings import Settings
from ingest.private_files import make_private_directory
from ingest.stack import health, supervisor
from ingest.stack.mongod_user import ensure_mongod_user
from ingest.stack.securing import Secured, finish_upgrade, secure_data_dir
from ingest.stack.services import Check, Service, is_local_mongod, plan
from ingest.stack.supervisor import SupervisorPaths

POLL_INTERVAL = 0.25
FAILED_STATES = {"FATAL", "EXITED", "BACKOFF"}


class PartState(str, Enum):
    RUNNING = "running"
    STARTING = "starting"
    STOPPED = "stopped"
    FAILED = "failed"
    EXTERNAL = "external"


@dataclass(frozen=True)
class PartStatus:
    name: str
    state: PartState
    pid: int | None
    url: str
    healthy: bool
    detail: str

    def as_dict(self) -> dict:
        return {
            "state": self.state.value, "pid": self.pid, "url": self.url,
            "healthy": self.healthy, "detail": self.detail,
        }


def _check_all(services: list[Service], settings: Settings, timeout: float) -> dict[str, health.Health]:
    workers = [service for service in services if service.check is Check.CELERY]
    others = [service for service in services if service.check is not Check.CELERY]
    with ThreadPoolExecutor(max_workers=len(others) + 1) as pool:
        pinged = pool.submit(health.check_workers, workers, settings, timeout)
        checked = pool.map(lambda service: health.check(service, settings, timeout), others)
        results = {service.name: result for service, result in zip(others, checked)} | pinged.result()
    return {service.name: results[service.name] for service in services}


def _preflight(services: list[Service], settings: Settings) -> None:
    for service in services:
        if service.missing:
            raise MissingBinaryError(service.missing)
    for service, result in _check_all([s for s in services if s.external], settings, 3.0).items():
        if not result.ok:
            variable = {"rabbitmq": "INGEST_BROKER_URL", "redis": "INGEST_REDIS_URL"}.get(
                service, "INGEST_MONGO_URL"
            )
            url = next(s.display_url for s in services if s.name == service)
            raise ServiceUnavailableError(
                f"{variable} ({url}) does not answer: {result.detail}. Start that server, or unset "
                f"{variable} so that `ingest up` starts a local one."
            )
    for service in services:
        for port in service.ports:
            if not health.port_is_free(port):
                raise PortInUseError(
                    f"port {port} ({service.name}) is already in use by another process. Stop that "
                    f"process, or move the whole stack with INGEST_PORT_BASE=<n> (it uses ports "
                    f"n to n+6; now n={settings.port_base})."
                )


def _wait_healthy(
    services: list[Service], settings: Settings, paths: SupervisorPaths, report: Callable[[str], None]
) -> None:
    deadline = time.monotonic() + settings.up_timeout
    pending = list(services)
    width = max((len(service.name) for service in services), default=0)
    while pending:
        info = supervisor.process_info(paths)
        for service in pending:
            state = info.get(service.name, {}).get("statename")
            if state == "FATAL":
                raise ServiceUnavailableError(
                    f"{service.name} could not start (supervisord gave up on it).\n"
                    f"--- last lines of {paths.log_of(service.name)}:\n{supervisor.tail_log(paths, service.name)}"
                )
        if any(is_local_mongod(service) for service in pending):
            ensure_mongod_user(settings)
        results = _check_all(pending, settings, 2.0)
        for service in list(pending):
            if results[service.name].ok:
                report(f"  {service.name:<{width}} healthy  {service.display_url}  ({results[service.name].detail})")
                pending.remove(service)
        if not pending:
            return
        if time.monotonic() > deadline:
            service = pending[0]
            raise ServiceUnavailableError(
                f"{service.name} did not answer within {settings.up_timeout:.0f} s "
                f"({results[service.name].detail}); raise INGEST_UP_TIMEOUT if the machine is slow.\n"
                f"--- last lines of {paths.log_of(service.name)}:\n{supervisor.tail_log(paths, service.name)}"
            )
        time.sleep(POLL_INTERVAL)


def _secure(services: list[Service], settings: Settings, report: Callable[[str], None]) -> Secured:
    local = {service.name for service in services if not service.external}
    secured = secure_data_dir(settings, redis="redis" in local, rabbitmq="rabbitmq" in local,
                              docstore="docstore" in local)
    if secured.made_private:
        report(f"  {settings.data_dir} made private to its owner (mode 0700)")
    for service in services:
        if service.directory and not service.external and service.directory.parent == settings.data_dir:
            make_private_directory(service.directory)
    if "rabbitmq" in local:
        (settings.data_dir / "rabbitmq" / "mnesia").mkdir(exist_ok=True)
    return secured


def _rabbitmq_env(services: list[Service]) -> dict[str, str] | None:
    """The environment rabbitmqctl needs to reach the local broker; None when it is external."""
    broker = next((service for service in services if service.name == "rabbitmq" and not service.external), None)
    return None if broker is None else {**os.environ, **broker.env}


def up(
    settings: Settings, *, sandbox: bool = False, flower: bool = False,
    report: Callable[[str], None] = print,
) -> list[Service]:
    """Start what is not running, wait until every part answers. Idempotent."""
    services = plan(settings, sandbox=sandbox, flower=flower)
    paths = SupervisorPaths.of(settings)
    if supervisor.is_running(paths) and settings.stack_credentials is None:
        report("the running stack has no passwords yet: stopping it to start it again secured")
        down(settings, report=report)
    running = supervisor.process_info(paths) if supervisor.is_running(paths) else None
    if running is not None:
        wanted = {service.name for service in services if not service.external}
        if wanted <= set(running) and all(running[n]["statename"] == "RUNNING" for n in wanted):
            unhealthy = {n: r for n, r in _check_all(services, settings, 2.0).items() if not r.ok}
            if not unhealthy:
                finish_upgrade(settings, _rabbitmq_env(services), report)
                report("the stack is already up; nothing changed")
                return services
        _preflight([s for s in services if s.name not in running], settings)
    else:
        _preflight(services, settings)
    _secure(services, settings, report)
    services = plan(settings, sandbox=sandbox, flower=flower)  # now with the stack's credentials
    config = supervisor.render_config(services, paths)
    if running is not None:
        if supervisor.write_config(config, paths):
            _apply_config_change(paths)
        for name in wanted:
            if supervisor.process_info(paths).get(name, {}).get("statename") not in {"RUNNING", "STARTING"}:
                supervisor.rpc(paths).supervisor.startProcess(name, False)
    else:
        supervisor.write_config(config, paths)
        report(f"starting supervisord ({paths.config})")
        credentials.note_worker_variables(settings, os.environ)
        supervisor.start(paths)
        _wait_for_supervisor(paths)
    try:
        _wait_healthy(services, settings, paths, report)
        finish_upgrade(settings, _rabbitmq_env(services), report)
    except StackError:
        down(settings, report=lambda _line: None)
        raise
    return services


def _apply_config_change(paths: SupervisorPaths) -> None:
    proxy = supervisor.rpc(paths)
    added, changed, removed = proxy.supervisor.reloadConfig()[0]
    for name in removed + changed:
        proxy.supervisor.stopProcessGroup(name)
        proxy.supervisor.removeProcessGroup(name)
    for name in changed + added:
        proxy.supervisor.addProcessGroup(name)


def _wait_for_supervisor(paths: SupervisorPaths, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not supervisor.is_running(paths):
        if time.monotonic() > deadline:
            raise StackError(f"supervisord did not come up; see {paths.logfile}")
        time.sleep(0.1)


def down(settings: Settings, report: Callable[[str], None] = print) -> bool:
    """Stop every local part and supervisord itself. Keeps `data/`. False if nothing ran."""
    paths = SupervisorPaths.of(settings)
    if not supervisor.is_running(paths):
        report("the stack is not running")
        return False
    proxy = supervisor.rpc(paths, timeout=120.0)
    proxy.supervisor.stopAllProcesses(True)
    pid = proxy.supervisor.getPID()
    try:
        proxy.supervisor.shutdown()
    except (OSError, xmlrpc.client.Error):
        pass
    _wait_for_exit(pid)
    report("the stack is down; data kept in " + str(settings.data_dir))
    return True


def _wait_for_exit(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def status(settings: Settings, *, sandbox: bool | None = None, flower: bool | None = None) -> dict[str, PartStatus]:
    """Each part's state, pid, URL and health. Parts not configured are not listed."""
    paths = SupervisorPaths.of(settings)
    running = supervisor.process_info(paths) if supervisor.is_running(paths) else {}
    services = plan(
        settings,
        sandbox="sandbox" in running if sandbox is None else sandbox,
        flower="flower" in running if flower is None else flower,
    )
    results = _check_all(services, settings, 1.5)
    parts: dict[str, PartStatus] = {}
    for service in services:
        info = running.get(service.name)
        if service.external:
            state = PartState.EXTERNAL
        elif info is None or info["statename"] in {"STOPPED", "STOPPING"}:
            state = PartState.STOPPED
        elif info["statename"] in FAILED_STATES:
            state = PartState.FAILED
        elif info["statename"] == "STARTING":
            state = PartState.STARTING
        else:
            state = PartState.RUNNING
        parts[service.name] = PartStatus(
            name=service.name,
            state=state,
            pid=(info or {}).get("pid") or None,
            url=service.display_url,
            healthy=results[service.name].ok,
            detail=results[service.name].detail,
        )
    return parts
