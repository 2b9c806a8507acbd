"""Real checks that a part of the stack answers: AMQP connect, Redis PING, MongoDB ping,
a Celery control ping, an HTTP GET. Each returns a `Health`; none raises."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from ingest.settings import Settings, mask_url
from ingest.stack.services import Check, Service


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str
    seconds: float


def _amqp(url: str, timeout: float) -> str:
    from kombu import Connection

    with Connection(url, connect_timeout=timeout) as connection:
        connection.ensure_connection(max_retries=1, timeout=timeout)
        return f"AMQP connection to {mask_url(url)} opened"


def _redis(url: str, timeout: float) -> str:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return "PING answered"


def _mongo(url: str, timeout: float) -> str:
    from pymongo import MongoClient

    client = MongoClient(url, serverSelectionTimeoutMS=int(timeout * 1000), connectTimeoutMS=int(timeout * 1000))
    try:
        client.admin.command("ping")
    finally:
        client.close()
    return "ping answered"


def _tcp(url: str, timeout: float) -> str:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout):
        return "port open"


def _http(url: str, timeout: float) -> str:
    import requests

    response = requests.get(url, timeout=(timeout, timeout))
    response.raise_for_status()
    return f"HTTP {response.status_code}"


def _answering(settings: Settings, nodes: list[str], timeout: float) -> set[str]:
    from ingest.messaging.config import make_celery

    app = make_celery(settings)
    try:
        replies = app.control.ping(destination=nodes, timeout=timeout, limit=len(nodes))
    finally:
        app.close()
    return {node for reply in replies for node in reply}


def _described(error: Exception, settings: Settings) -> str:
    first_line = str(error).splitlines()[0] if str(error) else ""
    detail = f"{type(error).__name__}: {first_line[:160]}"
    for secret_url in (settings.broker_url, settings.redis_url, settings.mongo_url):
        masked = mask_url(secret_url)
        if masked and masked != secret_url:
            detail = detail.replace(secret_url, masked)
    credentials = settings.stack_credentials
    for password in credentials.passwords() if credentials else ():
        detail = detail.replace(password, "***")
    return detail


def check_workers(services: list[Service], settings: Settings, timeout: float = 2.0) -> dict[str, Health]:
    """One control ping for every worker, answered by name. Concurrent pings from one process
    would share kombu's process-wide producer pool, which can leave them waiting for ever."""
    started = time.perf_counter()
    nodes = {service.name: service.url.removeprefix("celery://") for service in services}
    try:
        answered = _answering(settings, list(nodes.values()), timeout) if nodes else set()
        failure = f"no control ping reply within {timeout:g} s"
    except Exception as error:  # noqa: BLE001 - any failure is an unhealthy answer, reported as text
        answered, failure = set(), _described(error, settings)
    seconds = time.perf_counter() - started
    return {name: Health(node in answered, "control ping answered" if node in answered else failure, seconds)
            for name, node in nodes.items()}


def check(service: Service, settings: Settings, timeout: float = 2.0) -> Health:
    if service.check is Check.CELERY:
        return check_workers([service], settings, timeout)[service.name]
    started = time.perf_counter()
    try:
        if service.check is Check.AMQP:
            detail = _amqp(service.url, timeout)
        elif service.check is Check.REDIS:
            detail = _redis(service.url, timeout)
        elif service.check is Check.MONGO:
            detail = _mongo(service.url, timeout)
        elif service.check is Check.TCP:
            detail = _tcp(service.url, timeout)
        else:
            detail = _http(service.url, timeout)
        ok = True
    except Exception as error:  # noqa: BLE001 - any failure is an unhealthy answer, reported as text
        ok, detail = False, _described(error, settings)
    return Health(ok=ok, detail=detail, seconds=time.perf_counter() - started)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True
