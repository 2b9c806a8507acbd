"""A credential stays where it is used: in the request's header. Canary tokens, one from the
workers' environment and one from the credentials file, are used for real pulls (with retries,
waits in delay queues and failures), then searched for everywhere the stack keeps or says
anything: broker messages at rest and in flight, task events, every Redis key and value, every
document of every collection, every file under the data directory, every error text. The
stack's own passwords (its credentials file) are searched for in the same places, and so are the
secrets of every kind of credential that is exchanged for tokens, and the access and refresh
tokens obtained with them (which live in Redis, under ingest:auth: keys, and nowhere else). Services
listen on loopback only. The credentials file's mode is checked by the unit tests
(tests/unit/test_credentials.py, where a worker reading a looser file refuses it too); here a
looser file is refused by pull() before anything is sent."""

from __future__ import annotations

import json
import time
import uuid

import bson
import psutil
import pytest
from amqp.exceptions import NotFound
from kombu import Connection, Exchange, Queue

import ingest
from ingest import credentials
from ingest.auth.kinds import parse_credential
from ingest.auth.tokens import Token
from ingest.connectors.presets import PRESETS
from ingest.storage import mongo
from ingest.messaging.config import DEAD_LETTER_QUEUE, all_queues, make_celery, source_queues
from ingest.messaging.publisher import DELAY_BUCKETS, delay_queue
from ingest.stack_credentials import stack_credentials_path
from sandbox.counters import credential_hash
from ingest.stack.services import worker_name
from tests.reliability.support import REDDIT_ENV_CREDENTIAL

pytestmark = pytest.mark.stack

FILE_CREDENTIAL = "reddit-file-canary"
LOOPBACK = {"127.0.0.1", "::1"}
QUEUES = [*all_queues(), DEAD_LETTER_QUEUE.name,
          *(delay_queue(queue, bucket).name for queue in source_queues() for bucket in DELAY_BUCKETS)]


REDDIT_WORKER = worker_name("reddit", 1)


def _peek_queues(connection: Connection) -> list[bytes]:
    """Every message at rest in every queue, left where it was (unacknowledged, then requeued)."""
    seen = []
    for name in QUEUES:
        channel = connection.channel()
        try:
            while (message := channel.basic_get(name, no_ack=False)) is not None:
                body = message.body if isinstance(message.body, bytes) else message.body.encode("utf-8")
                seen.append(body + repr(message.properties).encode())
        except NotFound:
            continue
        finally:
            try:
                channel.close()
            except Exception:  # noqa: BLE001 - the broker closed it on NotFound
                pass
    return seen


def _redis_dump(client) -> list[bytes]:
    values = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key).decode()
        value = {"string": lambda: client.get(key), "hash": lambda: client.hgetall(key),
                 "list": lambda: client.lrange(key, 0, -1), "set": lambda: client.smembers(key),
                 "zset": lambda: client.zrange(key, 0, -1, withscores=True)}.get(kind, lambda: kind)()
        values.append(key + repr(value).encode())
    return values


def _documents(db) -> list[bytes]:
    return [bson.encode(document) for name in db.list_collection_names() for document in db[name].find()]


def _files(data_dir, excluded) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in data_dir.rglob("*")
            if path.is_file() and not path.is_socket() and path not in excluded}


def _run_pulls(stack, tap_connection) -> list[bytes]:
    """Three Reddit pulls through retries, delay queues and failures; answers what was peeked
    from the queues meanwhile."""
    base_url = stack.settings.sandbox_url + "/reddit"
    stack.sandbox.scenario({"fault_seed": 2, "apis": {"reddit": {"errors": {"500": 0.3}}}})
    # The pull starts while the Reddit pool is stopped, so its first message rests in the queue;
    # then one call in 6 s, each page waiting in the waiting room (in Redis) for its turn.
    stack.stop(REDDIT_WORKER)
    try:
        waiting = ingest.pull("reddit", base_url=base_url, subreddit="python", limit=300,
                              credential=REDDIT_ENV_CREDENTIAL, limits={"requests": 1, "window": 6.0},
                              settings=stack.settings)
        peeked = _peek_queues(tap_connection)
    finally:
        stack.start(REDDIT_WORKER)
    while waiting.status()["state"] == "running":
        peeked += _peek_queues(tap_connection)
        time.sleep(0.2)
    from_file = ingest.pull("reddit", base_url=base_url, subreddit="rust", limit=100, credential=FILE_CREDENTIAL,
                            settings=stack.settings, limits={"requests": 100, "window": 10.0})
    assert stack.wait(from_file, timeout=60)["state"] in ("completed", "completed_with_errors")
    stack.sandbox.scenario({"apis": {"reddit": {"errors": {"401": 1.0}}}})
    refused = ingest.pull("reddit", base_url=base_url, subreddit="news", limit=50, credential=REDDIT_ENV_CREDENTIAL,
                          settings=stack.settings, limits={"requests": 100, "window": 10.0})
    assert stack.wait(refused, timeout=60)["state"] == "completed_with_errors"
    assert stack.wait(waiting, timeout=120)["state"] in ("completed", "completed_with_errors")
    return peeked


def test_a_canary_credential_appears_nowhere_but_in_its_requests(healthy_stack, canary):
    stack = healthy_stack
    file_canary = f"file-canary-{uuid.uuid4().hex}"
    secrets_file = credentials.save(FILE_CREDENTIAL, file_canary, stack.settings)
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    control = make_celery(stack.settings).control
    with Connection(stack.settings.broker_url) as connection:
        tap = Queue(f"reliability.tap.{uuid.uuid4().hex[:8]}", Exchange("celeryev", type="topic"),
                    routing_key="#", exclusive=True)
        tap(connection.default_channel).declare()
        control.enable_events()  # as Flower does; workers send no task events otherwise
        try:
            peeked = _run_pulls(stack, connection)
        finally:
            control.disable_events()
        events = []
        channel = connection.channel()
        while (message := channel.basic_get(tap.name, no_ack=True)) is not None:
            events.append(message.body if isinstance(message.body, bytes) else message.body.encode("utf-8"))
    used = stack.sandbox.counters()["credentials"]
    assert credential_hash(canary) in used and credential_hash(file_canary) in used, "the canaries were never sent"
    assert peeked and events, "nothing was captured from the broker"

    db = mongo.database(stack.settings)
    errors = [json.dumps(node["error"]) for collection in (mongo.NODES, mongo.OUTCOMES)
              for node in db[collection].find({"error": {"$ne": None}})]
    assert errors, "the pulls should have left error texts"
    places = {
        "broker messages at rest": peeked,
        "task events": events,
        "redis": _redis_dump(stack.redis),
        "documents": _documents(db),
        "error texts": [text.encode() for text in errors],
        "sandbox counters": [json.dumps(stack.sandbox.counters()).encode()],
    }
    stack_file = stack_credentials_path(stack.settings.data_dir)
    files = _files(stack.settings.data_dir, excluded={secrets_file, stack_file})
    assert any("/logs/" in name for name in files), "no log files found"
    stack_passwords = stack.settings.stack_credentials.passwords()
    assert all(password.encode() in stack_file.read_bytes() for password in stack_passwords)
    for secret in (canary, file_canary, *stack_passwords):
        needle = secret.encode()
        for place, blobs in places.items():
            assert not any(needle in blob for blob in blobs), f"a credential leaked into {place}"
        leaking = [name for name, content in files.items() if needle in content]
        assert not leaking, f"a credential leaked into {leaking}"


def _exchanged_credentials(settings) -> dict[str, object]:
    """A credential of every kind that is exchanged for a token, each secret a canary."""
    sandbox = settings.sandbox_url
    stored = {
        "canary-reddit-script": {"kind": "reddit_script", "client_id": "canary-app",
                                 "client_secret": f"client-secret-{uuid.uuid4().hex}", "username": "canary-user",
                                 "password": f"password-{uuid.uuid4().hex}"},
        "canary-bsky": {"kind": "bluesky_app_password", "identifier": "canary.bsky.social",
                        "password": f"app-password-{uuid.uuid4().hex}"},
        "canary-oauth2": {"kind": "oauth2_client_credentials", "token_url": sandbox + "/oauth2/token",
                          "client_id": "canary-client", "client_secret": f"oauth-secret-{uuid.uuid4().hex}"},
    }
    return {name: parse_credential(name, value, "test") for name, value in stored.items()}


def _tokens_in_redis(client, seen: set[str]) -> None:
    for key in client.scan_iter(match="ingest:auth:*", count=1000):
        value = client.get(key) if client.type(key) == b"string" else None
        token = Token.from_json(value) if value else None
        if token is not None:
            seen.update(filter(None, (token.access, token.refresh)))


def test_no_secret_of_any_kind_and_no_token_obtained_with_it_appears_anywhere(healthy_stack):
    """Secrets stay in the credentials file; the tokens obtained with them live in the workers and
    under Redis's ingest:auth: keys only, never in a message, a record, an error text or a log."""
    stack = healthy_stack
    settings = stack.settings
    exchanged = _exchanged_credentials(settings)
    for name, credential in exchanged.items():
        credentials.save(name, credential, settings)
    stack.sandbox.scenario({"fault_seed": 4, "apis": {
        "reddit": {"auth": {"token_ttl": 1}, "latency": {"fixed": 0.1}, "errors": {"500": 0.2}},
        "bsky": {"auth": {"token_ttl": 1}, "latency": {"fixed": 0.1}, "errors": {"500": 0.2}},
        "oauth2": {"auth": {"token_ttl": 1}}, "github": {"latency": {"fixed": 0.2}}}})
    fast = {"limits": {"requests": 1000, "window": 10.0}}
    definition = {**PRESETS["github_issues"], "base_url": settings.sandbox_url + "/github",
                  "auth": {"header": "Authorization", "format": "Bearer {secret}",
                           "credential_kind": "oauth2_client_credentials"}}
    jobs = [
        ingest.pull("reddit", base_url=settings.sandbox_url + "/reddit", subreddit="python", limit=60,
                    with_comments=True, credential="canary-reddit-script", settings=settings, **fast),
        ingest.pull("bluesky", base_url=settings.sandbox_url + "/bsky", q="python", limit=600,
                    credential="canary-bsky", settings=settings, **fast),
        ingest.pull("rest", definition=definition, owner="psf", repo="requests", limit=1000,
                    credential="canary-oauth2", settings=settings, **fast),
    ]
    tokens: set[str] = set()
    peeked: list[bytes] = []
    with Connection(settings.broker_url) as connection:
        while any(job.status()["state"] == "running" for job in jobs):
            _tokens_in_redis(stack.redis, tokens)
            peeked += _peek_queues(connection)
            time.sleep(0.1)
    for job in jobs:
        assert stack.wait(job, timeout=120)["state"] in ("completed", "completed_with_errors"), job.status()
    auth = stack.sandbox.counters()["auth"]
    for issuer, account in (("reddit", "canary-user"), ("bsky", "canary.bsky.social"), ("oauth2", "canary-client")):
        counts = auth[issuer][credential_hash(account)]
        assert counts["grants"] + counts["refreshes"] >= 2, f"{issuer}: the pull outlived no token: {counts}"
    assert len(tokens) >= 6 and peeked, "too few tokens or messages were seen to prove anything"

    db = mongo.database(settings)
    errors = [json.dumps(node["error"]) for collection in (mongo.NODES, mongo.OUTCOMES)
              for node in db[collection].find({"error": {"$ne": None}})]
    assert errors, "the pulls should have left error texts"
    outside_redis = {
        "broker messages at rest": peeked,
        "documents": _documents(db),
        "error texts": [text.encode() for text in errors],
        "sandbox counters": [json.dumps(stack.sandbox.counters()).encode()],
    }
    secrets_file = credentials.credentials_path(settings)
    files = _files(settings.data_dir, excluded={secrets_file, stack_credentials_path(settings.data_dir)})
    assert any("/logs/" in name for name in files), "no log files found"
    redis_outside_tokens = [blob for blob in _redis_dump(stack.redis) if not blob.startswith(b"ingest:auth:")]
    redis_files = settings.data_dir / "redis"  # Redis's own copy on disk of the keys tokens live under
    secrets = [secret for credential in exchanged.values() for secret in credential.secrets()]
    checks = [("a secret", secret, {**outside_redis, "redis": _redis_dump(stack.redis)}, files) for secret in secrets]
    checks += [("a token", token, {**outside_redis, "redis outside ingest:auth:": redis_outside_tokens},
                {name: content for name, content in files.items() if not name.startswith(str(redis_files))})
               for token in tokens]
    for what, needle, places, searched_files in checks:
        for place, blobs in places.items():
            assert not any(needle.encode() in blob for blob in blobs), f"{what} leaked into {place}"
        leaking = [name for name, content in searched_files.items() if needle.encode() in content]
        assert not leaking, f"{what} leaked into {leaking}"


def test_a_credentials_file_readable_by_others_is_refused_before_anything_is_sent(healthy_stack):
    stack = healthy_stack
    secret = f"loose-{uuid.uuid4().hex}"
    path = credentials.save(FILE_CREDENTIAL, secret, stack.settings)
    path.chmod(0o644)
    try:
        with pytest.raises(ingest.ConfigError) as raised:
            ingest.pull("reddit", base_url=stack.settings.sandbox_url + "/reddit", subreddit="python", limit=10,
                        credential=FILE_CREDENTIAL, settings=stack.settings, limits={"requests": 100, "window": 10.0})
    finally:
        path.chmod(0o600)
    assert "mode 0644, readable by others" in str(raised.value)
    assert f"chmod 600 {path}" in str(raised.value)
    assert secret not in str(raised.value)
    assert stack.sandbox.counters()["by_api"].get("reddit", 0) == 0


def _stack_processes(stack) -> list[psutil.Process]:
    pids = [int(stack.paths.pidfile.read_text().strip())]
    pids += [info["pid"] for info in stack.supervisor.getAllProcessInfo() if info["pid"]]
    processes = []
    for pid in pids:
        process = psutil.Process(pid)
        processes += [process, *process.children(recursive=True)]
    return processes


def test_every_service_listens_on_loopback_only(healthy_stack):
    listening = []
    for process in _stack_processes(healthy_stack):
        for connection in process.net_connections(kind="inet"):
            if connection.status == psutil.CONN_LISTEN or (not connection.raddr and connection.status == psutil.CONN_NONE):
                listening.append((process.name(), connection.laddr.ip, connection.laddr.port))
    assert listening, "no listening socket found"
    exposed = [entry for entry in listening if entry[1] not in LOOPBACK]
    assert not exposed, f"listening beyond loopback: {exposed}"
    ports = {port for _, _, port in listening}
    settings = healthy_stack.settings
    assert {settings.port("amqp"), settings.port("redis"), settings.port("mongo"), settings.port("sandbox")} <= ports
