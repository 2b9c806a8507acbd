"""The fleet's tokens: one grant per lifetime however many sources (workers) ask, renewal ahead
of expiry and after a refusal, refresh before a new session, a refused credential remembered.
Against a private redis-server, with the token endpoint faked and the clock injected."""

import json
import threading

import pytest

from ingest.auth.exchanges import TokenAnswer
from ingest.auth.kinds import BlueskyAppPassword, RedditScript
from ingest.auth.token_source import WAIT_SECONDS, TokenSource
from ingest.auth.tokens import Token
from ingest.errors import CredentialRefusedError, TransientError
from tests.auth.test_exchanges import jwt

BASE = "https://oauth.reddit.com"
SCRIPT = RedditScript("r", "cid", "csecret", "alice", "pw")
BSKY = BlueskyAppPassword("b", "me.bsky.social", "app-pw")


class Clock:
    def __init__(self, now=1_700_000_000.0):
        self.now = now

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class Endpoint:
    """Answers token calls as the real services do, counting them."""

    def __init__(self, clock, lifetime=100.0):
        self.clock, self.lifetime = clock, lifetime
        self.calls: list[str] = []
        self.refuse = False
        self._lock = threading.Lock()

    def __call__(self, call):
        with self._lock:
            self.calls.append("refresh" if call.refreshing else "grant")
            number = len(self.calls)
        if "createSession" in call.url or call.refreshing:
            if self.refuse and call.refreshing:
                return TokenAnswer(400, {}, b'{"error":"ExpiredToken","message":"Token has expired"}')
            body = {"accessJwt": jwt({"n": number, "exp": self.clock() + self.lifetime}),
                    "refreshJwt": jwt({"r": number, "exp": self.clock() + 10 * self.lifetime})}
            return TokenAnswer(200, {}, json.dumps(body).encode())
        if self.refuse:
            return TokenAnswer(200, {}, b'{"error": "invalid_grant"}')
        return TokenAnswer(200, {}, json.dumps({"access_token": f"token-{number}", "token_type": "bearer",
                                                "expires_in": self.lifetime, "scope": "*"}).encode())


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def endpoint(clock):
    return Endpoint(clock)


def source(store, endpoint, clock):
    return TokenSource(store, post=endpoint, clock=clock, sleep=clock.sleep)


def test_one_grant_serves_every_worker_until_the_last_tenth_of_its_life(store, endpoint, clock):
    first, second = source(store, endpoint, clock), source(store, endpoint, clock)
    token = first.token(SCRIPT, BASE)
    assert token.access == "token-1" and token.expires_at == clock.now + 100
    assert second.token(SCRIPT, BASE) == token
    clock.now += 89
    assert first.token(SCRIPT, BASE) is token and second.token(SCRIPT, BASE) == token
    assert endpoint.calls == ["grant"]
    clock.now += 1
    renewed = second.token(SCRIPT, BASE)
    assert renewed.access == "token-2"
    assert first.token(SCRIPT, BASE) == renewed
    assert endpoint.calls == ["grant", "grant"]


def test_the_shared_key_expires_with_the_token_and_holds_no_secret(store, endpoint, clock, client):
    source(store, endpoint, clock).token(SCRIPT, BASE)
    (key,) = client.keys("ingest:auth:*")
    assert 99_000 <= client.pttl(key) <= 100_000
    text = client.get(key).decode()
    assert "csecret" not in text and '"pw"' not in text and "alice" not in key.decode()


def test_a_refused_token_is_renewed_once_for_everyone(store, endpoint, clock):
    first, second = source(store, endpoint, clock), source(store, endpoint, clock)
    stale = first.token(SCRIPT, BASE)
    assert second.token(SCRIPT, BASE) == stale
    renewed = first.renew(SCRIPT, BASE, stale)
    assert renewed.access == "token-2"
    assert second.renew(SCRIPT, BASE, stale) == renewed, "the second refusal finds the renewed token"
    assert endpoint.calls == ["grant", "grant"]


def test_bluesky_refreshes_its_session_and_signs_in_again_only_when_the_refresh_is_refused(store, endpoint, clock):
    tokens = source(store, endpoint, clock)
    session = tokens.token(BSKY, "https://bsky.social")
    assert endpoint.calls == ["grant"]
    refreshed = tokens.renew(BSKY, "https://bsky.social", session)
    assert refreshed.access != session.access and endpoint.calls == ["grant", "refresh"]
    endpoint.refuse = True
    clock.now += 95
    again = tokens.token(BSKY, "https://bsky.social")
    assert endpoint.calls == ["grant", "refresh", "refresh", "grant"] and again.access != refreshed.access


def test_a_refused_credential_is_remembered_so_other_workers_do_not_try_it_again(store, endpoint, clock, client):
    endpoint.refuse = True
    with pytest.raises(CredentialRefusedError, match="username or password is wrong"):
        source(store, endpoint, clock).token(SCRIPT, BASE)
    with pytest.raises(CredentialRefusedError, match="username or password is wrong"):
        source(store, endpoint, clock).token(SCRIPT, BASE)
    assert endpoint.calls == ["grant"]
    client.delete(source(store, endpoint, clock)._key(SCRIPT, BASE) + ":refused")  # a minute has passed
    endpoint.refuse = False
    assert source(store, endpoint, clock).token(SCRIPT, BASE).access == "token-2"


def test_a_worker_waits_for_the_one_obtaining_the_token_and_gives_up_in_time(store, endpoint, clock):
    tokens = source(store, endpoint, clock)
    key = tokens._key(SCRIPT, BASE)
    holder = store.lock(key, 1000)
    started = clock.now
    with pytest.raises(TransientError, match="another worker is still obtaining it"):
        tokens.token(SCRIPT, BASE)
    assert clock.now - started >= WAIT_SECONDS and endpoint.calls == []
    store.put(key, Token("made-elsewhere", clock.now, expires_at=clock.now + 100), clock.now)
    assert tokens.token(SCRIPT, BASE).access == "made-elsewhere"
    store.unlock(key, holder)


def test_threads_racing_for_a_token_make_one_grant(store, endpoint, clock):
    import time

    slow = Endpoint(clock)

    def post(call):
        time.sleep(0.05)
        return slow(call)

    real = TokenSource(store, post=post, clock=clock)
    results = []
    threads = [threading.Thread(target=lambda: results.append(real.token(SCRIPT, BASE).access)) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["token-1"] * 16 and slow.calls == ["grant"]


def test_while_another_worker_renews_a_token_near_its_end_the_others_wait_for_the_new_one(store, endpoint, clock):
    tokens = source(store, endpoint, clock)
    old = tokens.token(SCRIPT, BASE)
    key = tokens._key(SCRIPT, BASE)
    clock.now += 95  # within the last tenth: due, not expired
    holder = store.lock(key, 30)
    polls = []

    def renewed_elsewhere(seconds):
        polls.append(seconds)
        clock.now += seconds
        if len(polls) == 3:
            store.put(key, Token("renewed-elsewhere", clock.now, expires_at=clock.now + 100), clock.now)

    waiting = TokenSource(store, post=endpoint, clock=clock, sleep=renewed_elsewhere)
    assert waiting.token(SCRIPT, BASE).access == "renewed-elsewhere" != old.access
    assert len(polls) == 3 and endpoint.calls == ["grant"]
    store.unlock(key, holder)
