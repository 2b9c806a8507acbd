"""Token sources against the sandbox's token endpoints over HTTP, with a private redis-server:
processes racing for a token make one grant, and a session that can no longer be refreshed
and whose account is refused ends in a clear error."""

from __future__ import annotations

import multiprocessing

import pytest
import requests

from ingest.auth import token_http
from ingest.auth.kinds import parse_credential
from ingest.auth.token_source import TokenSource
from ingest.auth.token_store import RedisTokenStore
from ingest.errors import CredentialRefusedError
from sandbox.counters import credential_hash
from tests.auth.racing import race

REDDIT = {"kind": "reddit_script", "client_id": "race-client", "client_secret": "race-secret",
          "username": "racer", "password": "race-password"}
BSKY = {"kind": "bluesky_app_password", "identifier": "revoked.example", "password": "app-password"}


@pytest.fixture
def server(token_server):
    return token_server


@pytest.fixture
def sandbox(server):
    requests.post(server.url + "/_admin/reset", timeout=10).raise_for_status()
    return server.url


def auth_counts(url: str, issuer: str, account: str) -> dict:
    counters = requests.get(url + "/_admin/counters", timeout=10).json()
    return counters["auth"].get(issuer, {}).get(credential_hash(account), {})


def test_two_processes_of_eight_threads_racing_for_a_token_make_one_grant(sandbox, redis_url, client):
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=race, args=(redis_url, REDDIT, sandbox + "/reddit", 8, results))
                 for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    tokens = {results.get(timeout=5) for _ in range(16)}
    assert len(tokens) == 1
    assert auth_counts(sandbox, "reddit", "racer")["grants"] == 1
    answer = requests.get(sandbox + "/reddit/r/python/new", params={"limit": 1},
                          headers={"Authorization": f"bearer {tokens.pop()}"}, timeout=10)
    assert answer.status_code == 200


def test_a_refused_account_whose_session_cannot_be_refreshed_fails_with_the_fix(sandbox, client):
    tokens = TokenSource(RedisTokenStore(client), post=lambda call: token_http.post(call, 5.0, 10.0))
    credential = parse_credential("bsky-main", BSKY, "test")
    session = tokens.token(credential, sandbox + "/bsky")
    requests.put(sandbox + "/_admin/scenario", json={"apis": {"bsky": {"auth": {"refuse": ["revoked.example"]}}}},
                 timeout=10).raise_for_status()
    with pytest.raises(CredentialRefusedError) as raised:
        tokens.renew(credential, sandbox + "/bsky", session)
    text = str(raised.value)
    assert "'bsky-main'" in text and "identifier or app password is wrong" in text
    assert "ingest credentials add bsky-main --kind bluesky_app_password" in text
    assert "app-password" not in text and session.access not in text
    counts = auth_counts(sandbox, "bsky", "revoked.example")
    assert counts["grants"] == 1 and counts["failures"] >= 1
