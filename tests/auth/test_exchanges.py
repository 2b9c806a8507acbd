"""What each kind sends to its token endpoint and how each answer is read, with the shapes the
real services answer (see the notes in ../shared/fixtures/SOURCES.md)."""

import base64
import json

import pytest

from ingest.auth import exchanges
from ingest.auth.exchanges import RefreshRefused, TokenAnswer
from ingest.auth.kinds import BlueskyAppPassword, OAuth2ClientCredentials, RedditScript
from ingest.auth.tokens import Token
from ingest.errors import CredentialRefusedError, RateLimitedError, TransientError

NOW = 1_700_000_000.0
SCRIPT = RedditScript("r", "cid", "csecret", "alice", "pw")
APP_ONLY = RedditScript("r", "cid", "csecret")
BSKY = BlueskyAppPassword("b", "me.bsky.social", "app-pw")
OAUTH = OAuth2ClientCredentials("o", "https://auth.example/token", "client-7", "s", "read")


def answer(status, body, **headers):
    return TokenAnswer(status, headers, json.dumps(body).encode() if not isinstance(body, bytes) else body)


def jwt(payload: dict) -> str:
    part = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJIUzI1NiJ9.{part}.c2ln"


def test_reddit_asks_www_reddit_com_with_basic_auth_and_the_password_grant():
    call = exchanges.first_call(SCRIPT, "https://oauth.reddit.com")
    assert call.url == "https://www.reddit.com/api/v1/access_token"
    assert call.headers["Authorization"] == "Basic " + base64.b64encode(b"cid:csecret").decode()
    assert call.form == {"grant_type": "password", "username": "alice", "password": "pw"}
    assert exchanges.first_call(APP_ONLY, "https://oauth.reddit.com").form == {"grant_type": "client_credentials"}
    assert exchanges.first_call(SCRIPT, "http://127.0.0.1:9/reddit").url == "http://127.0.0.1:9/reddit/api/v1/access_token"
    assert "csecret" not in repr(call)


def test_reddit_grants_read_as_tokens_that_expire_after_expires_in():
    call = exchanges.first_call(SCRIPT, "https://oauth.reddit.com")
    token = exchanges.read_answer(SCRIPT, call, answer(200, {"access_token": "<ACCESS_TOKEN>", "token_type": "bearer",
                                                             "expires_in": 3600, "scope": "*"}), NOW)
    assert token.access == "<ACCESS_TOKEN>" and token.expires_at == NOW + 3600 and token.refresh is None


@pytest.mark.parametrize("status, body, expected", [
    (200, {"error": "invalid_grant"}, "the username or password is wrong"),
    (200, {"error": "unauthorized_client", "error_description": "x"}, "may not use this grant"),
    (401, {"message": "Unauthorized", "error": 401}, "the client id or secret is wrong"),
    (400, {"error": 400}, "HTTP 400"),
])
def test_reddit_refusals_name_the_credential_and_the_fix(status, body, expected):
    call = exchanges.first_call(SCRIPT, "https://oauth.reddit.com")
    with pytest.raises(CredentialRefusedError) as raised:
        exchanges.read_answer(SCRIPT, call, answer(status, body), NOW)
    text = str(raised.value)
    assert expected in text and "'r'" in text and "ingest credentials add r --kind reddit_script" in text
    assert "csecret" not in text and "pw" not in text.replace("password", "")


def test_a_busy_token_endpoint_is_waited_for_or_retried():
    call = exchanges.first_call(SCRIPT, "https://oauth.reddit.com")
    with pytest.raises(RateLimitedError) as raised:
        exchanges.read_answer(SCRIPT, call, answer(429, {"message": "Too Many Requests", "error": 429},
                                                   **{"Retry-After": "4"}), NOW)
    assert raised.value.retry_after == 4.0
    with pytest.raises(TransientError):
        exchanges.read_answer(SCRIPT, call, answer(503, b"<html>"), NOW)


def test_bluesky_creates_a_session_on_the_account_service_and_reads_the_jwt_expiry():
    call = exchanges.first_call(BSKY, "https://public.api.bsky.app")
    assert call.url == "https://bsky.social/xrpc/com.atproto.server.createSession"
    assert call.json == {"identifier": "me.bsky.social", "password": "app-pw"}
    own = BlueskyAppPassword("b", "me", "pw", service="https://pds.example/")
    assert exchanges.first_call(own, "https://public.api.bsky.app").url.startswith("https://pds.example/xrpc/")
    access, refresh = jwt({"scope": "com.atproto.access", "exp": NOW + 7200}), jwt({"exp": NOW + 90 * 86400})
    token = exchanges.read_answer(BSKY, call, answer(200, {"did": "did:plc:x", "accessJwt": access,
                                                           "refreshJwt": refresh, "active": True}), NOW)
    assert (token.expires_at, token.refresh, token.refresh_expires_at) == (NOW + 7200, refresh, NOW + 90 * 86400)
    renewal = exchanges.refresh_call(BSKY, token, "https://public.api.bsky.app")
    assert renewal.url == "https://bsky.social/xrpc/com.atproto.server.refreshSession"
    assert renewal.headers == {"Authorization": f"Bearer {refresh}"} and renewal.refreshing


def test_bluesky_failures_a_refused_refresh_a_wrong_password_and_the_session_limit():
    refresh = exchanges.refresh_call(BSKY, Token("a", NOW, refresh="r"), "https://bsky.social")
    with pytest.raises(RefreshRefused):
        exchanges.read_answer(BSKY, refresh, answer(400, {"error": "ExpiredToken", "message": "Token has expired"}), NOW)
    first = exchanges.first_call(BSKY, "https://bsky.social")
    with pytest.raises(CredentialRefusedError, match="identifier or app password is wrong"):
        exchanges.read_answer(BSKY, first, answer(401, {"error": "AuthenticationRequired",
                                                        "message": "Invalid identifier or password"}), NOW)
    with pytest.raises(RateLimitedError) as raised:
        exchanges.read_answer(BSKY, first, answer(429, {"error": "RateLimitExceeded"},
                                                  **{"RateLimit-Reset": str(int(NOW + 120))}), NOW)
    assert raised.value.retry_after == 120.0


def test_oauth2_client_credentials_send_the_scope_and_read_errors_with_their_description():
    call = exchanges.first_call(OAUTH, "https://api.example")
    assert call.url == "https://auth.example/token"
    assert call.form == {"grant_type": "client_credentials", "scope": "read"}
    token = exchanges.read_answer(OAUTH, call, answer(200, {"access_token": "t", "token_type": "Bearer",
                                                            "expires_in": 60}), NOW)
    assert token.expires_at == NOW + 60
    with pytest.raises(CredentialRefusedError, match="invalid_client: unknown client"):
        exchanges.read_answer(OAUTH, call, answer(401, {"error": "invalid_client",
                                                        "error_description": "unknown client"}), NOW)


def test_a_token_is_renewed_in_the_last_tenth_of_its_life_at_least_2_s_and_at_most_a_minute_ahead():
    short = Token("a", NOW, expires_at=NOW + 100)
    assert not short.due(NOW + 89.9) and short.due(NOW + 90.0)
    brief = Token("a", NOW, expires_at=NOW + 10)
    assert not brief.due(NOW + 7.9) and brief.due(NOW + 8.0)
    tiny = Token("a", NOW, expires_at=NOW + 2)
    assert not tiny.due(NOW + 1.49) and tiny.due(NOW + 1.5)
    long = Token("a", NOW, expires_at=NOW + 3600)
    assert not long.due(NOW + 3539.9) and long.due(NOW + 3540.0)
    assert not Token("a", NOW).due(NOW + 10**9)
    assert Token("a", NOW, expires_at=NOW + 10, refresh="r", refresh_expires_at=NOW + 99).lives_until() == NOW + 99
    assert Token.from_json(long.to_json()) == long
