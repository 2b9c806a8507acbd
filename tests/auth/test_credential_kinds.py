"""Stored values become credentials of a kind, with errors that name the field and the fix and
never a secret."""

import pytest

from ingest.auth.kinds import (
    BearerToken, BlueskyAppPassword, CredentialKind, OAuth2ClientCredentials, RedditScript, parse_credential,
)
from ingest.errors import ConfigError

REDDIT = {"kind": "reddit_script", "client_id": "cid", "client_secret": "csecret-1",
          "username": "alice", "password": "pw-secret-1"}


def test_a_string_is_a_bearer_token_and_json_text_is_an_object():
    assert parse_credential("gh", "ghp_abc", "env") == BearerToken("gh", "ghp_abc")
    import json
    credential = parse_credential("r", json.dumps(REDDIT), "INGEST_CREDENTIAL_R")
    assert isinstance(credential, RedditScript)
    assert (credential.client_id, credential.username, credential.account) == ("cid", "alice", "alice")


def test_each_kind_reads_its_fields_and_names_its_account():
    bsky = parse_credential("b", {"kind": "bluesky_app_password", "identifier": "me.bsky.social",
                                  "password": "app-pw"}, "file")
    assert isinstance(bsky, BlueskyAppPassword) and bsky.service is None and bsky.account == "me.bsky.social"
    oauth = parse_credential("o", {"kind": "oauth2_client_credentials", "token_url": "http://x/token",
                                   "client_id": "client-7", "client_secret": "s"}, "file")
    assert isinstance(oauth, OAuth2ClientCredentials) and oauth.account == "client-7" and oauth.scope is None
    app_only = parse_credential("r", {**REDDIT, "username": None, "password": ""}, "file")
    assert app_only.account == "cid" and app_only.username is None


def test_repr_and_errors_never_show_a_secret():
    credential = parse_credential("r", REDDIT, "file")
    assert "csecret-1" not in repr(credential) and "pw-secret-1" not in repr(credential)
    with pytest.raises(ConfigError) as raised:
        parse_credential("r", {**REDDIT, "client_secret": ""}, "data/credentials.json")
    assert "lacks 'client_secret'" in str(raised.value) and "data/credentials.json" in str(raised.value)
    assert "pw-secret-1" not in str(raised.value)


@pytest.mark.parametrize("stored, expected", [
    ({"kind": "reddit_scripts", "client_id": "a"}, "Did you mean 'reddit_script'"),
    ({"client_id": "a"}, "without \"kind\""),
    ({**REDDIT, "usrname": "x"}, "unknown field 'usrname' (did you mean 'username'?)"),
    ({**REDDIT, "password": None}, "a username without a password"),
    ({**REDDIT, "client_id": 7}, "'client_id' must be a string"),
    ("{not json", "not valid JSON"),
    ("", "is empty"),
    (["a"], "must be a token string or an object"),
])
def test_a_wrong_value_is_refused_with_what_to_fix(stored, expected):
    with pytest.raises(ConfigError, match=None) as raised:
        parse_credential("x", stored, "file")
    assert expected in str(raised.value)


def test_the_stored_value_reads_back_as_the_same_credential():
    for stored in ("tok", REDDIT, {"kind": "bluesky_app_password", "identifier": "i", "password": "p",
                                   "service": "http://pds"}):
        credential = parse_credential("n", stored, "file")
        assert parse_credential("n", credential.stored_value(), "file") == credential
    assert parse_credential("n", REDDIT, "file").kind is CredentialKind.REDDIT_SCRIPT
