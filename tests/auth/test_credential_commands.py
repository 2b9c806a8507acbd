"""The analyst's commands for credentials: add (asking for secrets without echo, or from stdin),
list (never a secret), check (a token and one call against the sandbox over HTTP), and pull()'s
refusal of a credential that cannot work, before anything is sent."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests

import ingest
from ingest import credentials
from ingest.api import cli
from ingest.errors import ConfigError
from ingest.settings import Settings


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return Settings.from_env({"INGEST_DATA_DIR": str(tmp_path)}, dotenv=Path("/nonexistent"))


@pytest.fixture
def server(token_server):
    return token_server


def test_add_asks_for_each_missing_field_secrets_without_echo(settings, monkeypatch):
    asked = []

    def ask(prompt):
        asked.append(prompt.split(" ")[0])
        return {"client_secret": "s3cret", "password": "pw"}.get(prompt.split(" ")[0], "")

    credential = credentials.add("r", "reddit_script", settings=settings, ask=ask, client_id="cid", username="me")
    assert asked == ["client_secret", "password"]
    assert credential.account == "me"
    assert json.loads(credentials.credentials_path(settings).read_text())["r"]["password"] == "pw"
    assert credentials.credentials_path(settings).stat().st_mode & 0o777 == 0o600


def test_list_names_kinds_and_accounts_and_never_a_secret(settings):
    credentials.add("gh", settings=settings, token="ghp-secret-token")
    credentials.add("b", "bluesky_app_password", settings=settings, identifier="me.bsky.social", password="app-pw",
                    service="")
    env = {"INGEST_CREDENTIAL_FROM_ENV": json.dumps({"kind": "oauth2_client_credentials", "token_url": "http://x",
                                                     "client_id": "c7", "client_secret": "oauth-secret"})}
    rows = credentials.list_credentials(settings, env=env)
    assert [(r["name"], r["kind"], r["account"]) for r in rows] == [
        ("b", "bluesky_app_password", "me.bsky.social"), ("from-env", "oauth2_client_credentials", "c7"),
        ("gh", "bearer", "")]
    text = json.dumps(rows)
    assert "ghp-secret-token" not in text and "app-pw" not in text and "oauth-secret" not in text
    assert ingest.credentials.list is credentials.list_credentials


def test_the_cli_reads_fields_from_stdin_and_lists_without_secrets(settings, monkeypatch, capsys):
    monkeypatch.setenv("INGEST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr("sys.stdin", io.StringIO('{"client_id": "cid", "client_secret": "stdin-secret"}'))
    assert cli.main(["credentials", "add", "app", "--kind", "reddit_script"]) == 0
    assert "saved reddit_script credential 'app' for cid" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO('{"client_id": "cid"}'))
    assert cli.main(["credentials", "add", "broken", "--kind", "reddit_script"]) == 1
    assert "lacks 'client_secret'" in capsys.readouterr().err
    assert cli.main(["credentials", "list"]) == 0
    out = capsys.readouterr().out
    assert "app" in out and "reddit_script" in out and "stdin-secret" not in out and "broken" not in out


def test_pull_refuses_a_credential_that_cannot_work_before_anything_is_sent(settings):
    credentials.add("bsky", "bluesky_app_password", settings=settings, identifier="me", password="pw", service="")
    base = "http://127.0.0.1:9/reddit"  # nothing listens there: a refusal must come first
    with pytest.raises(ConfigError, match="reddit answers nothing without a credential"):
        ingest.pull("reddit", subreddit="python", base_url=base, settings=settings)
    with pytest.raises(ConfigError, match="no credential named 'nope'.*ingest credentials add nope"):
        ingest.pull("reddit", subreddit="python", base_url=base, credential="nope", settings=settings)
    with pytest.raises(ConfigError, match="'bsky' is a bluesky_app_password, which reddit cannot use; reddit takes "
                                          "bearer, reddit_script"):
        ingest.pull("reddit", subreddit="python", base_url=base, credential="bsky", settings=settings)
    with pytest.raises(ConfigError, match="hackernews sends no credential"):
        credentials.check_usable("hackernews", (), False, "bsky", settings)


def test_a_credential_the_local_workers_hold_in_their_environment_is_not_refused(settings):
    credentials.note_worker_variables(settings, {"INGEST_CREDENTIAL_WORKER_ONLY": "x", "OTHER": "y"})
    assert "x" not in (settings.data_dir / credentials.WORKER_VARIABLES_FILE).read_text()
    credentials.check_usable("reddit", ("bearer", "reddit_script"), True, "worker-only", settings, env={})
    with pytest.raises(ConfigError, match="no credential named 'elsewhere'"):
        credentials.check_usable("reddit", ("bearer", "reddit_script"), True, "elsewhere", settings, env={})


def test_check_obtains_a_token_and_makes_one_call(settings, server):
    requests.post(server.url + "/_admin/reset", timeout=10).raise_for_status()
    credentials.add("r", "reddit_script", settings=settings, client_id="cid", client_secret="cs", username="me",
                    password="pw")
    result = credentials.check("r", "reddit", server.url + "/reddit", settings=settings)
    assert result.ok, str(result)
    text = str(result)
    assert "obtained a token from" in text and "GET" in text and "answered 200" in text and "pw" not in text


def test_check_says_what_to_fix_when_the_token_endpoint_refuses(settings, server):
    requests.put(server.url + "/_admin/scenario", json={"apis": {"bsky": {"auth": {"refuse": ["me.example"]}}}},
                 timeout=10).raise_for_status()
    credentials.add("b", "bluesky_app_password", settings=settings, identifier="me.example", password="wrong",
                    service="")
    result = credentials.check("b", "bluesky", server.url + "/bsky", settings=settings)
    assert not result.ok
    assert "identifier or app password is wrong" in str(result)
    assert "ingest credentials add b --kind bluesky_app_password" in result.fix
    kinds = credentials.check("b", "reddit", server.url + "/reddit", settings=settings)
    assert not kinds.ok and "reddit takes bearer, reddit_script" in str(kinds)
    requests.post(server.url + "/_admin/reset", timeout=10).raise_for_status()


def test_check_with_a_static_token_on_the_oauth2_kind_of_a_rest_definition(settings, server):
    credentials.add("o", "oauth2_client_credentials", settings=settings, token_url=server.url + "/oauth2/token",
                    client_id="client-1", client_secret="cs", scope="")
    from ingest.connectors.presets import PRESETS
    definition = {**PRESETS["github_issues"], "base_url": server.url + "/github",
                  "auth": {"header": "Authorization", "format": "Bearer {secret}",
                           "credential_kind": "oauth2_client_credentials"}}
    result = credentials.check("o", "rest", settings=settings, definition=definition, owner="psf", repo="requests")
    assert result.ok, str(result)
