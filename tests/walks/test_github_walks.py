"""Each GitHub preset walked to the end of its listing against the sandbox: exactly the truth's
ids in its order, in the fewest calls (pages of 100, following Link next as given)."""

from __future__ import annotations

import math

import pytest

from ingest import connectors
from tests.connector_walk import walk

OWNER, REPO = "octocat", "hello-world"
PATH = f"/github/repos/{OWNER}/{REPO}"


def _walked(sandbox, preset: str, repo: str = f"{OWNER}/{REPO}", **params):
    owner, name = repo.split("/")
    return walk("rest", base_url=sandbox.url + "/github", preset=preset, owner=owner, repo=name, **params)


def _busy_repo(sandbox, truth_path: str, minimum: int) -> tuple[str, list[str]]:
    """A repository whose listing has more than `minimum` items, and its truth."""
    for number in range(40):
        repo = f"{OWNER}/project-{number}"
        truth = sandbox.truth(f"/github/repos/{repo}{truth_path}")
        if len(truth) > minimum:
            return repo, truth
    raise AssertionError(f"no repository has more than {minimum} items at {truth_path}")


def _keys(sandbox, ids: list[str]) -> list[str]:
    host = sandbox.url.split("//")[1]
    return [f"{host}:{item}" for item in ids]


def _fewest_calls(count: int) -> int:
    return max(1, math.ceil(count / 100))


@pytest.mark.parametrize("preset, params, truth_path", [
    ("github_issues", {"state": "all"}, "/issues?state=all&sort=created&direction=desc"),
    ("github_issue_comments", {}, "/issues/comments?sort=created&direction=asc"),
    ("github_issue_comments", {"sort": "updated", "direction": "desc"}, "/issues/comments?sort=updated&direction=desc"),
    ("github_pulls", {"state": "all"}, "/pulls?state=all"),
    ("github_pulls", {"state": "closed", "sort": "popularity", "direction": "asc"},
     "/pulls?state=closed&sort=popularity&direction=asc"),
    ("github_stargazers", {}, "/stargazers"),
    ("github_commits", {}, "/commits"),
    ("github_commits", {"path": "docs", "sha": "main"}, "/commits?path=docs&sha=main"),
])
def test_a_preset_walks_to_exactly_the_truth(sandbox, preset, params, truth_path):
    """Pull requests are a fifth of the issues: too few here for a second page of 100 (the
    sandbox's own paging of them is checked in tests/sandbox)."""
    repo, truth = _busy_repo(sandbox, truth_path, 20 if preset == "github_pulls" else 100)
    result = _walked(sandbox, preset, repo, **params)
    assert result.keys(f"rest_{preset}") == _keys(sandbox, truth)
    assert result.calls == _fewest_calls(len(truth))


def test_pages_after_the_first_are_asked_under_the_repository_id(sandbox):
    result = _walked(sandbox, "github_commits")
    assert result.calls > 1
    assert all("/github/repositories/" in r.url for r in result.requests[1:])


def test_one_issues_comments(sandbox):
    number = next(n for n in range(1, 60) if len(sandbox.truth(f"{PATH}/issues/{n}/comments")) > 10)
    truth = sandbox.truth(f"{PATH}/issues/{number}/comments")
    result = _walked(sandbox, "github_comments_on_issue", number=number, limit=5)
    assert result.keys() == _keys(sandbox, truth[:5]) and result.calls == 1
    whole = _walked(sandbox, "github_comments_on_issue", number=number)
    assert whole.keys() == _keys(sandbox, truth) and whole.calls == 1


def test_commits_between_since_and_until_are_asked_of_the_api(sandbox):
    everything = _walked(sandbox, "github_commits").records
    times = sorted(r.created_at for r in everything)
    since, until = times[len(times) // 4], times[len(times) * 3 // 4]
    bounds = {"since": since.isoformat(), "until": until.isoformat()}
    truth = sandbox.truth(f"{PATH}/commits?since={since:%Y-%m-%dT%H:%M:%SZ}&until={until:%Y-%m-%dT%H:%M:%SZ}")
    result = _walked(sandbox, "github_commits", **bounds)
    assert result.keys() == _keys(sandbox, truth) == [r.key for r in everything if since <= r.created_at <= until]
    assert result.calls == _fewest_calls(len(truth)) and len(truth) > 100


def test_comments_since_fetch_only_the_updated_ones_and_keep_the_created_ones(sandbox):
    everything = _walked(sandbox, "github_issue_comments").records
    since = sorted(r.created_at for r in everything)[len(everything) * 2 // 3]
    stamp = f"{since:%Y-%m-%dT%H:%M:%SZ}"
    fetched = sandbox.truth(f"{PATH}/issues/comments?since={stamp}")
    result = _walked(sandbox, "github_issue_comments", since=since.isoformat())
    assert result.keys() == [r.key for r in everything if r.created_at >= since]
    assert result.calls == _fewest_calls(len(fetched)) < _fewest_calls(len(everything))


def test_incremental_commits_resume_from_the_newest_committer_date(sandbox):
    first = _walked(sandbox, "github_commits", incremental=True)
    newest = max(r.payload["commit"]["committer"]["date"] for r in first.records)
    rest = connectors.get("rest")
    spec = rest.validate({"preset": "github_commits", "owner": OWNER, "repo": REPO,
                          "base_url": sandbox.url + "/github", "incremental": True})
    assert rest.start(spec, {"value": newest})[0].params["since"] == newest
    assert sandbox.truth(f"{PATH}/commits?since={newest}") == [first.records[0].key.rsplit(":", 1)[1]]
