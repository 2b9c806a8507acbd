"""The token endpoints: grant shapes and failures, lifetimes on data routes with each API's
answer, Bluesky's refresh rotation and createSession limit, refused accounts, counters."""

from __future__ import annotations

import base64
import json

import pytest

from sandbox.counters import credential_hash
from sandbox.scenario import ScenarioError, parse_scenario
from tests.recordings import recording

REDDIT_TOKEN = "/reddit/api/v1/access_token"
CREATE_SESSION = "/bsky/xrpc/com.atproto.server.createSession"
REFRESH_SESSION = "/bsky/xrpc/com.atproto.server.refreshSession"
OAUTH2_TOKEN = "/oauth2/token"
REDDIT_LISTING = "/reddit/r/python/new?limit=1"
BSKY_SEARCH = "/bsky/xrpc/app.bsky.feed.searchPosts?q=python&limit=1"
GITHUB_ISSUES = "/github/repos/octocat/hello-world/issues?per_page=1"
MASTODON_TIMELINE = "/mastodon/api/v1/timelines/public?limit=1"
UNAUTHORIZED = {"message": "Unauthorized", "error": 401}
EXPIRED = {"error": "ExpiredToken", "message": "Token has expired"}
BAD_LOGIN = {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
DAY = 86_400
NINETY_DAYS = 90 * DAY


def _post(sandbox, path, **kwargs):
    return sandbox.session.post(sandbox.url + path, timeout=10, **kwargs)


def reddit_grant(sandbox, username="alice", client=("script-id", "script-secret"), **fields):
    form = {"grant_type": "password", "username": username, "password": "hunter2", **fields}
    return _post(sandbox, REDDIT_TOKEN, auth=client, data=form)


def create_session(sandbox, identifier="alice.example.com", password="app-pass-word"):
    return _post(sandbox, CREATE_SESSION, json={"identifier": identifier, "password": password})


def refresh(sandbox, refresh_jwt):
    return _post(sandbox, REFRESH_SESSION, headers={"Authorization": f"Bearer {refresh_jwt}"})


def oauth2_grant(sandbox, client_id="etl-client", **fields):
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "s3cret", **fields}
    return _post(sandbox, OAUTH2_TOKEN, data=form)


def jwt_payload(token: str) -> dict:
    header, payload, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==="))["typ"] in ("at+jwt", "refresh+jwt")
    assert signature
    return json.loads(base64.urlsafe_b64decode(payload + "==="))


def auth_counts(sandbox, api: str, account: str) -> dict:
    return sandbox.counters()["auth"][api][credential_hash(account)]


def test_reddit_password_and_client_credentials_grants(sandbox):
    by_password = reddit_grant(sandbox)
    by_client = _post(sandbox, REDDIT_TOKEN, auth=("script-id", "script-secret"),
                      data={"grant_type": "client_credentials"})
    for answer in (by_password, by_client):
        body = answer.json()
        assert answer.status_code == 200 and set(body) == {"access_token", "token_type", "expires_in", "scope"}
        assert body["token_type"] == "bearer" and body["expires_in"] == 3600 and body["scope"] == "*"
        assert sandbox.get(REDDIT_LISTING, token=body["access_token"]).status_code == 200
    assert by_password.json()["access_token"] != by_client.json()["access_token"]
    assert auth_counts(sandbox, "reddit", "alice")["grants"] == 1
    assert auth_counts(sandbox, "reddit", "script-id")["grants"] == 1


def test_reddit_grant_failures(sandbox):
    form = {"grant_type": "client_credentials"}
    assert _post(sandbox, REDDIT_TOKEN, data=form).status_code == 401
    garbled = _post(sandbox, REDDIT_TOKEN, data=form, headers={"Authorization": "Basic not-base64!"})
    assert (garbled.status_code, garbled.json()) == (401, UNAUTHORIZED)
    no_secret = _post(sandbox, REDDIT_TOKEN, data=form, headers={"Authorization": "Basic c2NyaXB0LWlk"})
    assert no_secret.status_code == 401
    unknown = reddit_grant(sandbox, grant_type="authorization_code")
    assert (unknown.status_code, unknown.json()) == (200, {"error": "unsupported_grant_type"})
    no_password = reddit_grant(sandbox, password="")
    assert (no_password.status_code, no_password.json()) == (200, {"error": "invalid_grant"})
    sandbox.scenario({"apis": {"reddit": {"auth": {"refuse": ["mallory", "banned-app"]}}}})
    refused_user = reddit_grant(sandbox, username="mallory")
    assert (refused_user.status_code, refused_user.json()) == (200, {"error": "invalid_grant"})
    refused_app = _post(sandbox, REDDIT_TOKEN, auth=("banned-app", "secret"), data=form)
    assert (refused_app.status_code, refused_app.json()) == (401, UNAUTHORIZED)
    assert auth_counts(sandbox, "reddit", "mallory") == {"grants": 0, "refreshes": 0,
                                                          "expired_refusals": 0, "failures": 1}
    assert auth_counts(sandbox, "reddit", "banned-app")["failures"] == 1


def test_a_reddit_token_expires_after_its_lifetime_with_reddits_answer(sandbox):
    sandbox.scenario({"time_scale": 10, "apis": {"reddit": {"auth": {"token_ttl": 600}}}})
    token = reddit_grant(sandbox).json()
    assert token["expires_in"] == 60, "a lifetime is divided by time_scale"
    sandbox.clock.advance(59.5)
    assert sandbox.get(REDDIT_LISTING, token=token["access_token"]).status_code == 200
    sandbox.clock.advance(0.5)
    expired = sandbox.get(REDDIT_LISTING, token=token["access_token"])
    assert (expired.status_code, expired.json()) == (401, UNAUTHORIZED)
    assert expired.headers["www-authenticate"] == 'Bearer realm="reddit", error="invalid_token"'
    renewed = reddit_grant(sandbox).json()["access_token"]
    assert sandbox.get(REDDIT_LISTING, token=renewed).status_code == 200
    assert auth_counts(sandbox, "reddit", "alice") == {"grants": 2, "refreshes": 0,
                                                        "expired_refusals": 1, "failures": 0}


def test_limits_count_issued_tokens_by_account_and_other_tokens_by_themselves(sandbox):
    sandbox.scenario({"apis": {"reddit": {"rate_limits": [{"limit": 3, "window": 600}]}}})
    first = reddit_grant(sandbox).json()["access_token"]
    second = reddit_grant(sandbox).json()["access_token"]
    statuses = [sandbox.get(REDDIT_LISTING, token=token).status_code for token in (first, first, second, second)]
    assert statuses == [200, 200, 200, 429], "a renewed token stays the same account"
    assert sandbox.get(REDDIT_LISTING, token=reddit_grant(sandbox, username="bob").json()["access_token"]).ok
    static = sandbox.get(REDDIT_LISTING, token="a-token-never-issued")
    assert static.status_code == 200
    usage = sandbox.counters()["credentials"]
    assert usage[credential_hash("alice")]["reddit"] == {"requests": 4, "throttled": 1}
    assert usage[credential_hash("a-token-never-issued")]["reddit"]["requests"] == 1
    assert first not in json.dumps(sandbox.counters())


def test_bluesky_create_session_answers_the_real_shape(sandbox):
    answer = create_session(sandbox)
    body = answer.json()
    assert answer.status_code == 200
    assert set(body) == {"did", "didDoc", "handle", "email", "emailConfirmed", "emailAuthFactor",
                         "accessJwt", "refreshJwt", "active"}
    assert body["handle"] == "alice.example.com" and body["did"].startswith("did:plc:") and body["active"]
    assert body["didDoc"]["id"] == body["did"] and body["didDoc"]["alsoKnownAs"] == ["at://alice.example.com"]
    assert answer.headers["RateLimit-Policy"] == "30;w=300"
    assert (answer.headers["RateLimit-Limit"], answer.headers["RateLimit-Remaining"]) == ("30", "29")
    access, refresh_claims = jwt_payload(body["accessJwt"]), jwt_payload(body["refreshJwt"])
    assert access["scope"] == "com.atproto.access" and refresh_claims["scope"] == "com.atproto.refresh"
    assert access["sub"] == refresh_claims["sub"] == body["did"]
    assert access["iat"] == int(sandbox.clock.wall())
    assert access["exp"] - access["iat"] == 7200 and refresh_claims["exp"] - refresh_claims["iat"] == NINETY_DAYS
    assert create_session(sandbox).json()["did"] == body["did"], "one account, one did"
    author = sandbox.get(BSKY_SEARCH).json()["posts"][0]["author"]
    known = create_session(sandbox, identifier=author["handle"]).json()
    assert (known["did"], known["handle"]) == (author["did"], author["handle"]), "an actor logs in as itself"


def test_bluesky_create_session_failures(sandbox):
    bad = create_session(sandbox, password="")
    assert (bad.status_code, bad.json()) == (401, BAD_LOGIN)
    missing = _post(sandbox, CREATE_SESSION, json={"identifier": "alice.example.com"})
    assert missing.status_code == 400 and missing.json()["error"] == "InvalidRequest"
    sandbox.scenario({"apis": {"bsky": {"auth": {"refuse": ["mallory.example.com"]}}}})
    refused = create_session(sandbox, identifier="mallory.example.com")
    assert (refused.status_code, refused.json()) == (401, BAD_LOGIN)
    assert auth_counts(sandbox, "bsky", "mallory.example.com")["failures"] == 1


def test_create_session_is_limited_to_30_per_5_minutes_per_account(sandbox):
    answers = [create_session(sandbox) for _ in range(31)]
    assert [a.status_code for a in answers] == [200] * 30 + [429]
    assert answers[-1].json() == {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
    assert answers[-1].headers["RateLimit-Remaining"] == "0" and "retry-after" in answers[-1].headers
    assert create_session(sandbox, identifier="bob.example.com").status_code == 200, "per account"
    sandbox.clock.advance(300)
    assert create_session(sandbox).status_code == 200
    assert auth_counts(sandbox, "bsky", "alice.example.com") == {"grants": 31, "refreshes": 0,
                                                                  "expired_refusals": 0, "failures": 1}


def test_create_session_is_limited_to_300_a_day_per_account(sandbox):
    sandbox.clock.advance(DAY - sandbox.clock.monotonic() % DAY)
    for _ in range(10):
        assert all(create_session(sandbox).status_code == 200 for _ in range(30))
        sandbox.clock.advance(300)
    over_the_day = create_session(sandbox)
    assert over_the_day.status_code == 429 and over_the_day.headers["RateLimit-Policy"] == "300;w=86400"
    sandbox.clock.advance(DAY - sandbox.clock.monotonic() % DAY)
    assert create_session(sandbox).status_code == 200


def test_bluesky_access_expires_and_refresh_rotates(sandbox):
    sandbox.scenario({"apis": {"bsky": {"auth": {"token_ttl": 100, "refresh_ttl": 1000}}}})
    session = create_session(sandbox).json()
    assert sandbox.get(BSKY_SEARCH, token=session["accessJwt"]).status_code == 200
    sandbox.clock.advance(100)
    expired = sandbox.get(BSKY_SEARCH, token=session["accessJwt"])
    assert (expired.status_code, expired.json()) == (400, EXPIRED)
    renewed = refresh(sandbox, session["refreshJwt"])
    body = renewed.json()
    assert renewed.status_code == 200 and {"accessJwt", "refreshJwt", "did", "handle", "active"} <= set(body)
    assert body["did"] == session["did"] and body["refreshJwt"] != session["refreshJwt"]
    assert jwt_payload(body["accessJwt"])["exp"] == int(sandbox.clock.wall()) + 100
    assert sandbox.get(BSKY_SEARCH, token=body["accessJwt"]).status_code == 200
    reused = refresh(sandbox, session["refreshJwt"])
    assert (reused.status_code, reused.json()) == (400, EXPIRED), "a used refresh token is revoked"
    wrong_scope = sandbox.get(BSKY_SEARCH, token=body["refreshJwt"])
    assert (wrong_scope.status_code, wrong_scope.json()["error"]) == (400, "InvalidToken")
    assert refresh(sandbox, body["accessJwt"]).json()["error"] == "InvalidToken"
    assert refresh(sandbox, "never.issued.token").json() == {"error": "InvalidToken",
                                                             "message": "Token could not be verified"}
    assert _post(sandbox, REFRESH_SESSION).status_code == 401
    sandbox.clock.advance(1000)
    too_late = refresh(sandbox, body["refreshJwt"])
    assert (too_late.status_code, too_late.json()) == (400, EXPIRED)
    assert auth_counts(sandbox, "bsky", "alice.example.com") == {"grants": 1, "refreshes": 1,
                                                                  "expired_refusals": 3, "failures": 0}


def test_oauth2_client_credentials_grant_by_basic_auth_or_form(sandbox):
    by_form = oauth2_grant(sandbox, scope="repo read:org")
    assert by_form.status_code == 200 and by_form.headers["cache-control"] == "no-store"
    assert by_form.json()["token_type"] == "Bearer" and by_form.json()["expires_in"] == 3600
    assert by_form.json()["scope"] == "repo read:org"
    by_basic = _post(sandbox, OAUTH2_TOKEN, auth=("etl-client", "s3cret"), data={"grant_type": "client_credentials"})
    assert by_basic.status_code == 200 and set(by_basic.json()) == {"access_token", "token_type", "expires_in"}
    assert sandbox.get(GITHUB_ISSUES, token=by_basic.json()["access_token"]).status_code == 200
    bad_basic = _post(sandbox, OAUTH2_TOKEN, auth=("etl-client", ""), data={"grant_type": "client_credentials"})
    assert (bad_basic.status_code, bad_basic.json()) == (401, {"error": "invalid_client"})
    assert bad_basic.headers["www-authenticate"].startswith("Basic")
    no_secret = _post(sandbox, OAUTH2_TOKEN, data={"grant_type": "client_credentials", "client_id": "x"})
    assert (no_secret.status_code, no_secret.json()) == (401, {"error": "invalid_client"})
    wrong_grant = oauth2_grant(sandbox, grant_type="password")
    assert (wrong_grant.status_code, wrong_grant.json()) == (400, {"error": "unsupported_grant_type"})
    both = _post(sandbox, OAUTH2_TOKEN, auth=("etl-client", "s3cret"),
                 data={"grant_type": "client_credentials", "client_id": "etl-client"})
    assert both.status_code == 400
    assert auth_counts(sandbox, "oauth2", "etl-client") == {"grants": 2, "refreshes": 0,
                                                             "expired_refusals": 0, "failures": 1}


def test_expired_oauth2_tokens_get_github_and_mastodon_answers(sandbox):
    sandbox.scenario({"apis": {"oauth2": {"auth": {"token_ttl": 30}}}})
    token = oauth2_grant(sandbox).json()["access_token"]
    assert sandbox.get(GITHUB_ISSUES, token=token).status_code == 200
    sandbox.clock.advance(30)
    github = sandbox.get(GITHUB_ISSUES, token=token)
    assert (github.status_code, github.json()) == (401, {"message": "Bad credentials",
                                                        "documentation_url": "https://docs.github.com/rest"})
    mastodon = sandbox.get(MASTODON_TIMELINE, token=token)
    assert (mastodon.status_code, mastodon.json()) == (401, {"error": "The access token is invalid"})
    assert mastodon.headers["www-authenticate"].startswith('Bearer realm="Doorkeeper", error="invalid_token"')
    assert sandbox.get(GITHUB_ISSUES, token="ghp_static_personal_token").status_code == 200


def test_refusing_an_account_applies_at_once_and_other_tokens_are_kept(sandbox):
    alice = reddit_grant(sandbox).json()["access_token"]
    bob = reddit_grant(sandbox, username="bob").json()["access_token"]
    session = create_session(sandbox, identifier="mallory.example.com").json()
    sandbox.scenario({"apis": {"reddit": {"auth": {"refuse": ["alice"]}},
                               "bsky": {"auth": {"refuse": ["mallory.example.com"]}}}})
    assert sandbox.get(REDDIT_LISTING, token=alice).status_code == 401
    assert sandbox.get(REDDIT_LISTING, token=bob).status_code == 200, "setting a scenario keeps tokens"
    assert sandbox.get(BSKY_SEARCH, token=session["accessJwt"]).json() == EXPIRED
    assert refresh(sandbox, session["refreshJwt"]).json() == EXPIRED
    sandbox.scenario({})
    assert sandbox.get(REDDIT_LISTING, token=alice).status_code == 200


def test_counters_hide_accounts_and_tokens_and_reset_forgets_tokens(sandbox):
    sandbox.scenario({"apis": {"reddit": {"auth": {"token_ttl": 10}}}})
    token = reddit_grant(sandbox).json()["access_token"]
    session = create_session(sandbox).json()
    text = json.dumps(sandbox.counters())
    for secret in ("alice", token, session["accessJwt"], session["refreshJwt"], "hunter2", "script-secret"):
        assert secret not in text
    assert sandbox.counters()["by_route"]["reddit POST /api/v1/access_token"] == {"200": 1}
    sandbox.session.post(sandbox.url + "/_admin/reset", timeout=10).raise_for_status()
    assert sandbox.counters()["auth"] == {}
    sandbox.clock.advance(10)
    assert sandbox.get(REDDIT_LISTING, token=token).status_code == 200, "a forgotten token is a static one"


def test_expired_tokens_are_answered_as_the_recorded_401s(sandbox):
    reddit_recorded = recording("reddit/error_401.json")[0]
    mastodon_recorded = recording("mastodon/error_401.json")[0]
    sandbox.scenario({"apis": {"reddit": {"auth": {"token_ttl": 5}}, "oauth2": {"auth": {"token_ttl": 5}}}})
    reddit_token = reddit_grant(sandbox).json()["access_token"]
    mastodon_token = oauth2_grant(sandbox).json()["access_token"]
    sandbox.clock.advance(5)
    for recorded, path, token in ((reddit_recorded, REDDIT_LISTING, reddit_token),
                                  (mastodon_recorded, MASTODON_TIMELINE, mastodon_token)):
        produced = sandbox.get(path, token=token)
        assert (produced.status_code, produced.json()) == (recorded.status, recorded.json())
        assert produced.headers["www-authenticate"] == recorded.header("www-authenticate")


@pytest.mark.parametrize("document, key", [
    ({"apis": {"mastodon": {"auth": {"token_ttl": 5}}}}, "apis.mastodon"),
    ({"apis": {"reddit": {"auth": {"refresh_ttl": 5}}}}, "apis.reddit.auth"),
    ({"apis": {"bsky": {"auth": {"token_ttl": 0}}}}, "apis.bsky.auth.token_ttl"),
    ({"apis": {"oauth2": {"auth": {"refuse": "alice"}}}}, "apis.oauth2.auth.refuse"),
    ({"apis": {"oauth2": {"rate_limits": []}}}, "apis.oauth2"),
])
def test_bad_auth_settings_name_their_key(document, key):
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
        parse_scenario(document)
