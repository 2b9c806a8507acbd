"""Credential errors through the real stack and workers against the sandbox: a credential the
sandbox refuses fails the pull's nodes with a message naming it (never its secret) and the fix,
kept whole by `ingest show`; a pull without one is refused before anything is sent."""

from __future__ import annotations

import uuid

import pytest

import ingest
from ingest import credentials
from ingest.api import cli
from ingest.auth.kinds import parse_credential
from ingest.jobtree.nodes import node_documents
from ingest.jobtree.states import NodeState
from ingest.storage import mongo
from tests.running_stack import FAST

pytestmark = pytest.mark.stack


def failed_messages(settings, job) -> list[str]:
    return [node["error"]["message"] for node in node_documents(mongo.database(settings), job.id, [NodeState.FAILED])]


def test_a_credential_the_sandbox_refuses_is_named_with_its_fix(settings, sandbox):
    account = f"refused-{uuid.uuid4().hex[:6]}"
    secret = f"secret-{uuid.uuid4().hex}"
    credentials.save("reddit-refused", parse_credential("reddit-refused", {
        "kind": "reddit_script", "client_id": f"app-{account}", "client_secret": secret, "username": account,
        "password": f"pw-{uuid.uuid4().hex}"}, "test"), settings)
    sandbox.scenario({"apis": {"reddit": {"auth": {"refuse": [account]}}}})
    job = ingest.pull("reddit", base_url=settings.sandbox_url + "/reddit", subreddit="python", limit=10,
                      credential="reddit-refused", **FAST)
    assert job.wait(timeout=90)["state"] == "completed_with_errors"
    (message,) = failed_messages(settings, job)
    assert "credential 'reddit-refused' (reddit_script" in message
    assert f"{settings.sandbox_url}/reddit/api/v1/access_token" in message, "the URL keeps its port"
    assert "`ingest credentials add reddit-refused --kind reddit_script`" in message
    assert secret not in message
    assert job.snapshot().rerun_could_help is False


def test_a_403_names_the_credential_sent_and_show_prints_the_whole_hint(settings, sandbox, capsys):
    credentials.save("reddit-static", f"static-{uuid.uuid4().hex}", settings)
    sandbox.scenario({"apis": {"reddit": {"errors": {"403": 1.0}}}})
    job = ingest.pull("reddit", base_url=settings.sandbox_url + "/reddit", subreddit="python", limit=10,
                      credential="reddit-static", **FAST)
    assert job.wait(timeout=90)["state"] == "completed_with_errors"
    (message,) = failed_messages(settings, job)
    assert message.startswith(f"HTTP 403 from {settings.sandbox_url}/reddit/r/python/new: forbidden")
    assert "credential 'reddit-static' was sent: check it with `ingest credentials check reddit-static " \
           "--source reddit`" in message
    assert cli.main(["show", job.id]) == 0
    shown = capsys.readouterr().out
    assert " ".join(message.split()) in " ".join(shown.split()), shown
    assert "A rerun would fail again" in shown


def test_a_pull_without_a_credential_is_refused_before_anything_is_sent(settings, sandbox):
    jobs_before = mongo.database(settings)[mongo.JOBS].count_documents({})
    with pytest.raises(ingest.ConfigError, match="reddit answers nothing without a credential: add one with "
                                                 "`ingest credentials add NAME --kind reddit_script`"):
        ingest.pull("reddit", base_url=settings.sandbox_url + "/reddit", subreddit="python", limit=10)
    with pytest.raises(ingest.ConfigError, match="no credential named 'nobody-has-it'"):
        ingest.pull("reddit", base_url=settings.sandbox_url + "/reddit", subreddit="python", credential="nobody-has-it")
    assert mongo.database(settings)[mongo.JOBS].count_documents({}) == jobs_before
    assert sandbox.calls("reddit") == 0
