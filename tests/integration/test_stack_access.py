"""The stack lets in its owner only. Each server refuses a client without the stack's
credentials (and RabbitMQ refuses `guest`, which no longer exists); another user of the machine
can read neither the credentials nor the servers' files; and no password shows where others
can see it: process command lines, `ingest status`, supervisord's config, the logs.

A stranger is played by the `nobody` user (through `setpriv`, when the tests run as root);
the same refusals are also checked from this process, as any client without the credentials."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import psutil
import pytest
import redis
import requests
from amqp.exceptions import AccessRefused
from kombu import Connection
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from ingest.stack.binaries import find_binary
from ingest.stack.securing import OLD_VHOST
from ingest.stack.services import plan
from ingest.stack.supervisor import SupervisorPaths, process_info
from ingest.stack_credentials import stack_credentials_path

pytestmark = pytest.mark.stack

NOBODY = 65534
UNAUTHORIZED = 13
AUTHENTICATION_FAILED = 18
STRANGER = r'''
import json, socket, sys
import requests
from kombu import Connection
from pymongo import MongoClient

data_dir, credentials_file, amqp, redis_port, mongo, flower = sys.argv[1:]
seen = {}

def attempt(name, action):
    try:
        seen[name] = "allowed: " + repr(action())[:80]
    except Exception as error:
        seen[name] = f"refused: {type(error).__name__}: {error}"[:300]

attempt("credentials file", lambda: open(credentials_file).read())
attempt("data directory", lambda: __import__("os").listdir(data_dir))
def redis_ping():
    with socket.create_connection(("127.0.0.1", int(redis_port)), timeout=5) as connection:
        connection.sendall(b"PING\r\n")
        reply = connection.recv(200).decode()
    if not reply.startswith("+PONG"):
        raise PermissionError(reply.strip())
    return reply
attempt("redis", redis_ping)
def amqp_login(vhost):
    with Connection(f"amqp://guest:guest@127.0.0.1:{amqp}/{vhost}", connect_timeout=5) as connection:
        connection.ensure_connection(max_retries=1)
        return "connected"
attempt("rabbitmq guest /", lambda: amqp_login(""))
attempt("rabbitmq guest ingest", lambda: amqp_login("ingest"))
attempt("document store", lambda: MongoClient(f"mongodb://127.0.0.1:{mongo}/", serverSelectionTimeoutMS=5000).ingest.jobs.find_one())
def flower_page():
    response = requests.get(f"http://127.0.0.1:{flower}/api/workers", timeout=5)
    if response.status_code != 200:
        raise PermissionError(f"HTTP {response.status_code}")
    return response.text
attempt("flower", flower_page)
print(json.dumps(seen))
'''


def _passwords(settings) -> tuple[str, ...]:
    return settings.stack_credentials.passwords()


def _stranger_can_run_python() -> bool:
    if os.geteuid() != 0:
        return False
    probe = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                            sys.executable, "-c", "import kombu, pymongo, requests"],
                           capture_output=True, cwd="/", timeout=60)
    return probe.returncode == 0


def test_another_user_of_the_machine_is_refused_by_every_part(settings):
    if not _stranger_can_run_python():
        pytest.skip("playing another user needs root (setpriv to `nobody`) and an interpreter `nobody` can run; "
                    "the refusals are still checked from this process by the other tests here")
    completed = subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable, "-c", STRANGER,
         str(settings.data_dir), str(stack_credentials_path(settings.data_dir)), str(settings.port("amqp")),
         str(settings.port("redis")), str(settings.port("mongo")), str(settings.port("flower"))],
        capture_output=True, text=True, cwd="/", timeout=120)
    assert completed.returncode == 0, completed.stderr
    seen = json.loads(completed.stdout)
    allowed = {name: outcome for name, outcome in seen.items() if not outcome.startswith("refused")}
    assert not allowed, f"a stranger got in: {allowed}"
    assert "PermissionError" in seen["credentials file"] and "PermissionError" in seen["data directory"]
    assert "NOAUTH" in seen["redis"]
    assert "ACCESS_REFUSED" in seen["rabbitmq guest /"] and "ACCESS_REFUSED" in seen["rabbitmq guest ingest"]
    assert "requires authentication" in seen["document store"]
    assert "HTTP 401" in seen["flower"]


def test_redis_refuses_a_client_without_the_password_or_with_a_wrong_one(settings):
    port = settings.port("redis")
    for client in (redis.Redis(port=port), redis.Redis(port=port, password="not-the-password")):
        with pytest.raises(redis.AuthenticationError):
            client.ping()
        client.close()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(b"KEYS *\r\n")
        assert connection.recv(200).startswith(b"-NOAUTH")
    assert redis.Redis.from_url(settings.redis_url).ping()


@pytest.mark.parametrize("user, password, vhost", [
    ("guest", "guest", ""), ("guest", "guest", "ingest"), ("ingest", "not-the-password", "ingest"),
])
def test_rabbitmq_refuses_guest_and_wrong_passwords(settings, user, password, vhost):
    with pytest.raises(AccessRefused):
        with Connection(f"amqp://{user}:{password}@127.0.0.1:{settings.port('amqp')}/{vhost}",
                        connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)


def test_rabbitmq_has_one_user_and_one_vhost(settings):
    broker = next(service for service in plan(settings) if service.name == "rabbitmq")
    env = {**os.environ, **broker.env}
    rabbitmqctl = find_binary("rabbitmqctl", settings.binaries.get("rabbitmqctl"))

    def listed(command: str) -> list[str]:
        completed = subprocess.run([str(rabbitmqctl), command, "--quiet", "--no-table-headers"],
                                   capture_output=True, text=True, env=env, timeout=60, check=True)
        return [line.split("\t")[0] for line in completed.stdout.splitlines() if line]

    assert listed("list_users") == ["ingest"]
    assert listed("list_vhosts") == ["ingest"]
    assert OLD_VHOST not in listed("list_vhosts")


def test_the_document_store_refuses_anonymous_clients_and_wrong_passwords(settings):
    anonymous = MongoClient(f"mongodb://127.0.0.1:{settings.port('mongo')}/", serverSelectionTimeoutMS=5000)
    for action in (lambda: anonymous.ingest.jobs.find_one(), lambda: anonymous.ingest.stolen.insert_one({}),
                   lambda: anonymous.list_database_names()):
        with pytest.raises(OperationFailure) as refused:
            action()
        assert refused.value.code == UNAUTHORIZED
    anonymous.close()
    wrong = MongoClient(f"mongodb://ingest:not-the-password@127.0.0.1:{settings.port('mongo')}/?authSource=admin",
                        serverSelectionTimeoutMS=5000)
    with pytest.raises(OperationFailure) as refused:
        wrong.ingest.jobs.find_one()
    assert refused.value.code == AUTHENTICATION_FAILED
    wrong.close()


def test_flower_asks_for_the_stack_password(settings):
    credentials = settings.stack_credentials
    pages = (f"{settings.flower_url}/", f"{settings.flower_url}/api/workers", f"{settings.flower_url}/tasks")
    for page in pages:
        assert requests.get(page, timeout=10).status_code == 401
        assert requests.get(page, auth=(credentials.flower_user, "not-the-password"), timeout=10).status_code == 401
    assert requests.get(pages[1], auth=(credentials.flower_user, credentials.flower_password),
                        timeout=10).status_code == 200


def test_no_password_shows_in_command_lines_status_config_or_logs(settings):
    passwords = _passwords(settings)
    paths = SupervisorPaths.of(settings)
    pids = [int(paths.pidfile.read_text())] + [info["pid"] for info in process_info(paths).values() if info["pid"]]
    command_lines = []
    for pid in pids:
        process = psutil.Process(pid)
        command_lines += [" ".join(each.cmdline()) for each in (process, *process.children(recursive=True))]
    assert len(command_lines) >= len(pids)
    status = subprocess.run([sys.executable, "-m", "ingest", "status", "--json"], capture_output=True, text=True,
                            timeout=60, env={**os.environ, **settings.as_env()})
    assert json.loads(status.stdout)["parts"]["redis"]["url"].startswith("redis://:***@")
    logs = [path.read_text(errors="replace") for path in paths.logs.glob("*.log*")]
    places = {"command lines": command_lines, "ingest status": [status.stdout, status.stderr],
              "supervisord config": [paths.config.read_text()], "logs": logs}
    for place, texts in places.items():
        assert not any(password in text for password in passwords for text in texts), f"a password is in {place}"
