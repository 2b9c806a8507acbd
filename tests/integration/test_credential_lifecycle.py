"""Pulls with credentials that live and die: through the real stack and workers against the
sandbox's token endpoints, with token lifetimes scaled down so a pull outlives its tokens.
The sandbox counts grants, refreshes and refusals per (hashed) account."""

from __future__ import annotations

import math
import time
import uuid

import pytest
import redis

import ingest
from ingest import credentials
from ingest.auth.kinds import parse_credential
from ingest.auth.token_source import TokenSource
from ingest.auth.token_store import RedisTokenStore
from ingest.auth.tokens import Token
from ingest.auth import token_http
from ingest.api.connection import runtime
from ingest.jobtree.nodes import node_documents
from ingest.jobtree.states import NodeState
from ingest.storage import mongo
from sandbox.counters import credential_hash
from tests.running_stack import FAST

pytestmark = pytest.mark.stack


def reddit_script(settings, name: str, account: str):
    credential = parse_credential(name, {"kind": "reddit_script", "client_id": f"app-{account}",
                                         "client_secret": f"secret-{uuid.uuid4().hex}", "username": account,
                                         "password": f"pw-{uuid.uuid4().hex}"}, "test")
    credentials.save(name, credential, settings)
    return credential


def bluesky_app(settings, name: str, identifier: str) -> str:
    """Save an app password credential for `identifier`; answers its password."""
    password = f"app-{uuid.uuid4().hex}"
    credentials.save(name, parse_credential(name, {"kind": "bluesky_app_password", "identifier": identifier,
                                                   "password": password}, "test"), settings)
    return password


def auth_counts(sandbox, issuer: str, account: str) -> dict:
    return sandbox.counters()["auth"].get(issuer, {}).get(credential_hash(account), {})


def test_a_reddit_pull_outliving_its_tokens_renews_them_ahead_of_expiry(settings, sandbox):
    account = f"renewer-{uuid.uuid4().hex[:6]}"
    reddit_script(settings, "reddit-renewing", account)
    ttl = 4.0
    sandbox.scenario({"apis": {"reddit": {"auth": {"token_ttl": ttl}, "latency": {"fixed": 0.2}}}})
    started = time.monotonic()
    # about 100 calls at 8 a second: three token lifetimes
    job = ingest.pull("reddit", base_url=settings.sandbox_url + "/reddit", subreddit="python", limit=100,
                      with_comments=True, credential="reddit-renewing", limits={"requests": 8, "window": 1.0})
    status = job.wait(timeout=180)
    lifetimes = math.floor((time.monotonic() - started) / ttl)
    assert status["state"] == "completed", status
    assert status["nodes"]["failed"] == 0
    assert lifetimes >= 2, f"the pull took {lifetimes} lifetimes; make it longer"
    counts = auth_counts(sandbox, "reddit", account)
    assert 2 <= counts["grants"] <= lifetimes + 2, (counts, lifetimes)
    assert counts["expired_refusals"] == 0, "a token was used after it expired"
    assert counts["failures"] == 0


def test_a_token_the_api_refuses_is_renewed_once_and_the_call_made_again(settings, sandbox):
    account = f"refused-{uuid.uuid4().hex[:6]}"
    credential = reddit_script(settings, "reddit-stale", account)
    sandbox.scenario({"apis": {"reddit": {"auth": {"token_ttl": 1}}}})
    base_url = settings.sandbox_url + "/reddit"
    store = RedisTokenStore(redis.Redis.from_url(settings.redis_url))
    tokens = TokenSource(store, post=lambda call: token_http.post(call, 5.0, 10.0))
    stale = tokens.token(credential, base_url)
    key = tokens._key(credential, base_url)
    store.put(key, Token(stale.access, time.time(), expires_at=time.time() + 3600), time.time())
    time.sleep(1.5)  # the sandbox's lifetime of one second has passed; the workers still believe it lives
    job = ingest.pull("reddit", base_url=base_url, subreddit="rust", limit=30, credential="reddit-stale", **FAST)
    status = job.wait(timeout=60)
    assert status["state"] == "completed", status
    counts = auth_counts(sandbox, "reddit", account)
    assert counts["expired_refusals"] == 1 and counts["grants"] == 2, counts
    assert len(job.record_ids("reddit_posts")) == 30


def test_a_bluesky_pull_refreshes_its_session_instead_of_signing_in_again(settings, sandbox):
    identifier = f"refresher-{uuid.uuid4().hex[:6]}.bsky.social"
    bluesky_app(settings, "bsky-app", identifier)
    sandbox.scenario({"apis": {"bsky": {"auth": {"token_ttl": 1}, "latency": {"fixed": 0.25}}}})
    started = time.monotonic()
    job = ingest.pull("bluesky", base_url=settings.sandbox_url + "/bsky", q="python", limit=800,
                      credential="bsky-app", **FAST)
    status = job.wait(timeout=120)
    assert status["state"] == "completed", status
    counts = auth_counts(sandbox, "bsky", identifier)
    assert counts["grants"] == 1, f"createSession was called {counts['grants']} times: {counts}"
    assert counts["refreshes"] >= 1 and counts["failures"] == 0
    assert time.monotonic() - started > 1.0
    assert len(job.record_ids("bsky_posts")) == 800


def test_a_credential_refused_for_good_leaves_the_pool_and_the_others_carry_on(settings, sandbox):
    good = reddit_script(settings, "pool-good", f"good-{uuid.uuid4().hex[:6]}")
    bad = reddit_script(settings, "pool-bad", f"bad-{uuid.uuid4().hex[:6]}")
    sandbox.scenario({"apis": {"reddit": {"auth": {"refuse": [bad.account]}}}})
    job = ingest.pull("reddit", base_url=settings.sandbox_url + "/reddit", subreddit="python", limit=100,
                      with_comments=True, credential=["pool-good", "pool-bad"], **FAST)
    status = job.wait(timeout=120)
    assert status["state"] in ("completed", "completed_with_errors"), status
    assert status["nodes"]["failed"] == 0 and status["nodes"]["done"] > 50
    expected = sandbox.truth("/reddit/r/python/new")[:100]
    assert sorted(job.record_ids("reddit_posts")) == sorted(expected)
    texts = [error["message"] for error in runtime(settings).tree.recent_errors(job.id, 100)]
    assert texts and all("'pool-bad'" in text for text in texts), texts
    assert not any(bad.password in text or bad.client_secret in text for text in texts)
    assert auth_counts(sandbox, "reddit", good.account)["grants"] == 1


def test_a_pool_pull_uses_every_credential(settings, sandbox):
    names = [f"pool-{n}" for n in range(3)]
    for name in names:
        credentials.save(name, f"static-{name}-{uuid.uuid4().hex}", settings)
    job = ingest.pull("reddit", base_url=settings.sandbox_url + "/reddit", subreddit="rust", limit=200,
                      with_comments=True, credential=names, **FAST)
    assert job.wait(timeout=120)["state"] == "completed"
    used = sandbox.counters()["credentials"]
    assert len([digest for digest, counts in used.items() if counts]) == 3


def test_a_session_revoked_mid_pull_fails_its_nodes_with_what_to_fix(settings, sandbox):
    identifier = f"revoked-{uuid.uuid4().hex[:6]}.bsky.social"
    password = bluesky_app(settings, "bsky-revoked", identifier)
    sandbox.scenario({"apis": {"bsky": {"auth": {"token_ttl": 1}, "latency": {"fixed": 0.3}}}})
    job = ingest.pull("bluesky", base_url=settings.sandbox_url + "/bsky", q="python", limit=2000,
                      credential="bsky-revoked", **FAST)
    deadline = time.monotonic() + 30
    while auth_counts(sandbox, "bsky", identifier).get("grants", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    sandbox.scenario({"apis": {"bsky": {"auth": {"token_ttl": 1, "refuse": [identifier]},
                                        "latency": {"fixed": 0.3}}}})
    status = job.wait(timeout=120)
    assert status["state"] == "completed_with_errors", status
    (failed,) = node_documents(mongo.database(settings), job.id, [NodeState.FAILED])
    message = failed["error"]["message"]
    assert "'bsky-revoked'" in message and "identifier or app password is wrong" in message
    assert "ingest credentials add bsky-revoked --kind bluesky_app_password" in message
    assert password not in message
    counts = auth_counts(sandbox, "bsky", identifier)
    assert counts["grants"] == 1 and counts["failures"] <= 3, "a refused account was tried once per task"
