"""A refusal of the credential says which one was sent (by name, never the secret) or that none
was, and how to add one; every error keeps the URL's port; and `pull` refuses, before anything
is sent, a credential the local workers cannot see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import connectors, credentials
from ingest.connectors.base import Response
from ingest.connectors.classify import with_credential_named
from ingest.errors import ConfigError, CredentialRefusedError, PermanentError, RateLimitedError
from ingest.jobtree.states import NodeState
from ingest.settings import Settings
from ingest.pipeline.driver import _describe
from tests.unit.test_driver import JOB, make_driver

SANDBOX = "http://127.0.0.1:17603/reddit/r/python/new"
NOW = 1_714_564_800.0
REDDIT_KINDS = ("bearer", "reddit_script")


def refusal(status: int, url: str = SANDBOX + "?limit=100&raw_json=1", headers: dict | None = None) -> Response:
    return Response(status=status, headers={"Content-Type": "application/json", **(headers or {})},
                    body=json.dumps({"message": "Forbidden", "error": status}).encode(), url=url)


@pytest.mark.parametrize("status", [401, 403, 404, 500, 429])
def test_every_error_keeps_the_urls_port_and_drops_its_query(status):
    error = connectors.get("reddit").classify(refusal(status), NOW)
    assert f"HTTP {status} from {SANDBOX}" in str(error)
    assert "limit=100" not in str(error)


def test_a_login_in_the_url_is_left_out_but_the_port_kept():
    answer = Response(status=404, headers={}, body=b"{}", url="https://user:pw@api.example:8443/x?token=t")
    assert answer.safe_url == "https://api.example:8443/x"


def test_a_401_with_a_credential_names_it_and_the_fix_never_its_secret():
    error = with_credential_named(connectors.get("reddit").classify(refusal(401), NOW), "reddit-main", "reddit",
                                  REDDIT_KINDS)
    assert isinstance(error, CredentialRefusedError) and error.status == 401
    assert str(error).startswith(f"HTTP 401 from {SANDBOX}: not authorised, retrying will not help")
    assert "credential 'reddit-main' was sent" in str(error)
    assert "`ingest credentials check reddit-main --source reddit`" in str(error)
    assert "`ingest credentials add NAME --kind reddit_script` and pull with credential='NAME'" in str(error)


def test_a_403_with_a_credential_names_it_and_stays_a_permanent_error():
    error = with_credential_named(connectors.get("reddit").classify(refusal(403), NOW), "reddit-main", "reddit",
                                  REDDIT_KINDS)
    assert type(error) is PermanentError and error.status == 403
    assert "forbidden, retrying will not help" in str(error) and "this account may not read it" in str(error)
    assert "credential 'reddit-main' was sent" in str(error)


@pytest.mark.parametrize("status", [401, 403])
def test_a_refusal_without_a_credential_says_none_was_sent_and_how_to_add_one(status):
    error = with_credential_named(connectors.get("reddit").classify(refusal(status), NOW), None, "reddit",
                                  REDDIT_KINDS)
    assert type(error) is PermanentError
    assert str(error).endswith("; no credential was sent: add one with `ingest credentials add NAME --kind "
                               "reddit_script` and pull with credential='NAME' (kinds reddit takes: bearer, "
                               "reddit_script)")


@pytest.mark.parametrize("error", [
    None,
    PermanentError("HTTP 404 from x: refused", status=404),
    RateLimitedError("HTTP 403 from x: rate limited (403)", status=403, retry_after=60.0),
    CredentialRefusedError("HTTP 401 from x: credential 'a' (bearer) was refused", status=401),
], ids=["usable", "404", "403 rate limit", "named already"])
def test_other_answers_pass_unchanged(error):
    assert with_credential_named(error, "a", "reddit", REDDIT_KINDS) is error


def test_a_source_that_sends_no_credential_gets_no_hint():
    error = PermanentError("HTTP 403 from x: forbidden", status=403)
    assert with_credential_named(error, None, "hackernews", ()) is error


def test_the_driver_names_the_pulls_credential_in_a_403(monkeypatch):
    monkeypatch.setenv("INGEST_CREDENTIAL_MASTO_MAIN", "static-token-that-must-not-show")
    driver, tree, _, jobs, _, _ = make_driver([refusal(403, "https://m.example:8443/api/v1/timelines/tag/python")])
    jobs.document["spec"]["credential"] = "masto-main"
    assert driver.run(JOB, "root") is NodeState.FAILED
    (finish,) = [step for step in tree.steps if step[0] == "finish"]
    message = finish[3]["error"]["message"]
    assert "HTTP 403 from https://m.example:8443/api/v1/timelines/tag/python" in message
    assert "credential 'masto-main' was sent" in message and "static-token" not in message


def test_a_refused_credential_is_recorded_as_such_for_the_rerun_button():
    refused = CredentialRefusedError("credential 'a' was refused by the token endpoint", status=None)
    assert _describe(refused, 1)["kind"] == "credential_refused"
    assert _describe(PermanentError("HTTP 404", status=404), 1)["kind"] == "permanent"


def test_the_driver_says_no_credential_was_sent():
    driver, tree, _, _, _, _ = make_driver([refusal(403, "https://m.example/api/v1/timelines/tag/python")])
    assert driver.run(JOB, "root") is NodeState.FAILED
    (finish,) = [step for step in tree.steps if step[0] == "finish"]
    assert "no credential was sent: add one with `ingest credentials add NAME --kind bearer`" in \
        finish[3]["error"]["message"]


@pytest.fixture
def local(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path)


def test_a_credential_only_this_process_holds_is_refused_when_the_workers_lack_it(local):
    credentials.note_worker_variables(local, {"INGEST_CREDENTIAL_OTHER": "x"})
    env = {"INGEST_CREDENTIAL_MINE": "token"}
    with pytest.raises(ConfigError, match=r"credential 'mine' is set here \(INGEST_CREDENTIAL_MINE\) but the local "
                                          r"workers, which make the calls, were started without it: add it with "
                                          r"`ingest credentials add mine --kind bearer`"):
        credentials.check_usable("reddit", REDDIT_KINDS, True, "mine", local, env=env)


def test_a_credential_the_workers_hold_or_the_file_holds_is_taken(local):
    env = {"INGEST_CREDENTIAL_MINE": "token"}
    credentials.note_worker_variables(local, env)
    credentials.check_usable("reddit", REDDIT_KINDS, True, "mine", local, env=env)
    credentials.note_worker_variables(local, {})
    credentials.save("mine", "token", local)
    credentials.check_usable("reddit", REDDIT_KINDS, True, "mine", local, env=env)


def test_without_noted_worker_variables_this_process_is_trusted(local):
    credentials.check_usable("reddit", REDDIT_KINDS, True, "mine", local, env={"INGEST_CREDENTIAL_MINE": "t"})


@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_credential_name_is_no_credential(local, name):
    with pytest.raises(ConfigError, match="reddit answers nothing without a credential: add one with `ingest "
                                          "credentials add NAME --kind reddit_script`"):
        credentials.check_usable("reddit", REDDIT_KINDS, True, name, local, env={})
