"""The sandbox's GitHub listings answer in the recordings' shapes, with their Link relations and
rate-limit headers, and answer the /repositories/<id>/... links they give out."""

from __future__ import annotations

import re

from tests.recordings import recording
from tests.sandbox.test_pagination import walk_link_pages
from tests.sandbox.shapes import header_names, shape_problems

REPO = "octocat/hello-world"
BASE = f"/github/repos/{REPO}"


def _rels(link: str | None) -> list[str]:
    return sorted(re.findall(r'rel="(\w+)"', link or ""))


def _makes(total: int, pages: int) -> bool:
    per_page = -(-total // pages)
    return 0 < per_page <= 100 and -(-total // per_page) == pages


def _per_page_for(total: int, pages: int) -> int:
    assert _makes(total, pages), f"{total} items cannot make {pages} pages"
    return -(-total // pages)


def _same_pages(sandbox, recorded, path: str, total: int, pages: int) -> list:
    """Asks for the listing in `pages` pages, as the recording's last link says, and for as many
    of them as recorded; the Link relations must match each."""
    per_page = _per_page_for(total, pages)
    produced = [sandbox.get(f"{path}{'&' if '?' in path else '?'}per_page={per_page}&page={page}")
                for page in range(1, len(recorded) + 1)]
    for old, new in zip(recorded, produced):
        assert new.status_code == 200
        assert _rels(old.header("link")) == _rels(new.headers.get("link"))
        assert header_names(old.headers, ("x-ratelimit-limit", "x-ratelimit-remaining")) <= \
            header_names(new.headers, ("x-ratelimit-",))
    return produced


def test_issues_link_to_the_repository_id_and_that_path_answers_the_same(sandbox):
    recorded = recording("github/issues.json")[0]
    first = sandbox.get(f"{BASE}/issues?state=all&per_page=5")
    assert shape_problems(recorded.json(), first.json()) == []
    recorded_next = re.search(r"<([^>]+)>; rel=\"next\"", recorded.header("link")).group(1)
    assert re.fullmatch(r"https://api\.github\.com/repositories/\d+/issues\?page=2", recorded_next)
    following = re.search(r"<([^>]+)>; rel=\"next\"", first.headers["link"]).group(1)
    assert re.fullmatch(sandbox.url + r"/github/repositories/\d+/issues\?state=all&per_page=5&page=2", following)
    by_id = sandbox.get(following)
    assert by_id.status_code == 200
    assert by_id.json() == sandbox.get(f"{BASE}/issues?state=all&per_page=5&page=2").json()
    assert sandbox.get("/github/repositories/1/issues").status_code == 404


def test_repository_comments_two_pages(sandbox):
    recorded = recording("github/issue_comments_2_pages.json")
    totals = {repo: len(sandbox.truth(f"/github/repos/{repo}/issues/comments"))
              for repo in (f"octocat/small-{n}" for n in range(20))}
    repo, total = next((repo, total) for repo, total in totals.items() if _makes(total, 7))
    produced = _same_pages(sandbox, recorded, f"/github/repos/{repo}/issues/comments", total, 7)
    assert shape_problems([c for r in recorded for c in r.json()], [c for r in produced for c in r.json()]) == []
    first = produced[0].json()
    assert [c["created_at"] for c in first] == sorted(c["created_at"] for c in first)


def test_one_issues_comments(sandbox):
    recorded = recording("github/issue_comments_2_pages.json")[0]
    number = next(n for n in range(1, 50) if len(sandbox.truth(f"{BASE}/issues/{n}/comments")) > 3)
    produced = sandbox.get(f"{BASE}/issues/{number}/comments?per_page=2")
    assert shape_problems(recorded.json(), produced.json()) == []
    assert {c["issue_url"].rsplit("/", 1)[1] for c in produced.json()} == {str(number)}
    assert re.search(r"/github/repositories/\d+/issues/\d+/comments\?per_page=2&page=2>; rel=\"next\"",
                     produced.headers["link"])


def test_pulls_shape_and_one_page_without_link(sandbox):
    recorded = recording("github/pulls.json")[0]
    produced = sandbox.get(f"{BASE}/pulls?state=all")
    pulls = produced.json()
    assert pulls and shape_problems(recorded.json(), pulls) == []
    assert "link" not in produced.headers and recorded.header("link") is None
    issue_numbers = {i["number"] for i in sandbox.get(f"{BASE}/issues?state=all&per_page=100").json()
                     if "pull_request" in i}
    assert {p["number"] for p in pulls} == issue_numbers


def test_stargazers_three_pages(sandbox):
    recorded = recording("github/stargazers_3_pages.json")
    total = len(sandbox.truth(f"{BASE}/stargazers"))
    produced = _same_pages(sandbox, recorded, f"{BASE}/stargazers", total, 3)
    assert shape_problems([u for r in recorded for u in r.json()], [u for r in produced for u in r.json()]) == []
    ids = [u["id"] for r in produced for u in r.json()]
    assert len(ids) == len(set(ids)) == total


def test_commits_shape_and_link(sandbox):
    recorded = recording("github/commits.json")[0]
    produced = sandbox.get(f"{BASE}/commits?sha=main&per_page=2")
    commits = produced.json()
    assert shape_problems(recorded.json(), [c for c in commits if c["author"]]) == []
    assert _rels(recorded.header("link")) == _rels(produced.headers["link"]) == ["last", "next"]
    assert re.search(r"/github/repositories/\d+/commits\?sha=main&per_page=2&page=2>; rel=\"next\"",
                     produced.headers["link"])
    assert commits[0]["parents"][0]["sha"] == commits[1]["sha"]


def test_github_errors_for_bad_filters(sandbox):
    missing = sandbox.get(f"{BASE}/commits?sha=no-such-branch")
    assert missing.status_code == 404 and missing.json()["message"] == "No commit found for SHA: no-such-branch"
    assert sandbox.get(f"{BASE}/pulls?state=merged").status_code == 422
    assert sandbox.get(f"{BASE}/issues/comments?direction=up").status_code == 422
    assert sandbox.get(f"{BASE}/issues/999999/comments").status_code == 404


def test_every_listing_walks_its_links_to_exactly_the_truth(sandbox):
    for listing, key, per_page in (("/pulls?state=all&sort=updated", "id", 7),
                                   ("/issues/comments?direction=desc", "id", 97), ("/stargazers", "id", 7),
                                   ("/commits?path=src", "sha", 7), ("/issues/3/comments", "id", 7)):
        truth = sandbox.truth(BASE + listing)
        seen, last = walk_link_pages(sandbox, f"{BASE}{listing}{'&' if '?' in listing else '?'}per_page={per_page}",
                                     token="conformance-token", key=key)
        assert seen == truth and len(truth) > per_page, listing
        assert _rels(last.headers["link"]) == ["first", "prev"]
