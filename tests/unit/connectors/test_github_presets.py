"""The GitHub presets on GitHub's recorded answers: records, keys, times and the Link paging."""

from datetime import datetime, timezone

import pytest

import ingest.connectors as connectors
from ingest.errors import ParameterError
from ingest.connectors.rest_definition import ListingOrder, listing_order
from tests.recordings import recording
from tests.unit.connectors.support import from_exchange, json_response

rest = connectors.get("rest")
REPO = {"owner": "PyGithub", "repo": "PyGithub"}


def _pages(spec: dict, file: str):
    """Each recorded page parsed in turn, the request each was parsed for, and the last page."""
    bound = rest.for_spec(spec)
    request = rest.start(spec)[0]
    pages = []
    for exchange in recording(file):
        page = bound.parse(request, from_exchange(exchange), spec)
        pages.append((request, page))
        request = page.next
    return pages


def test_issues_follow_the_link_to_the_repository_id_and_keep_pull_requests():
    spec = rest.validate({"preset": "github_issues", **REPO, "state": "open"})
    first, per_page_one = recording("github/issues.json")
    page = rest.parse(rest.start(spec)[0], from_exchange(first), spec)
    assert len(page.records) == 30 and page.records[0].key == "api.github.com:2528623106"
    assert sum("pull_request" in r.payload for r in page.records) == 9
    assert page.records[0].created_at == datetime(2024, 9, 16, 14, 19, 35, tzinfo=timezone.utc)
    assert page.next.url == "https://api.github.com/repositories/3544490/issues"
    assert page.next.params == {"page": "2"}
    single = rest.parse(rest.start(spec)[0], from_exchange(per_page_one), spec)
    assert single.next.params == {"per_page": "1", "page": "2"} and single.next.page == 2


def test_repository_comments_two_recorded_pages_oldest_first():
    spec = rest.validate({"preset": "github_issue_comments", **REPO})
    [(first_request, first), (second_request, second)] = _pages(spec, "github/issue_comments_2_pages.json")
    assert first_request.params == {"sort": "created", "direction": "asc", "per_page": 100}
    assert [r.key for r in first.records][:2] == ["api.github.com:5168757", "api.github.com:5181640"]
    assert len(first.records) == len(second.records) == 30
    assert {r.collection for r in first.records} == {"rest_github_issue_comments"}
    assert second_request.url == "https://api.github.com/repos/PyGithub/PyGithub/issues/comments"
    assert second.next.params == {"page": "3"}
    assert listing_order(spec["definition"], spec) is ListingOrder.OLDEST_FIRST
    assert second.watermark == {"value": max(r.payload["updated_at"] for r in second.records)}


def test_one_pull_request_without_link_ends_the_listing():
    spec = rest.validate({"preset": "github_pulls", "owner": "rsn491", "repo": "PyGithub"})
    [(request, page)] = _pages(spec, "github/pulls.json")
    assert request.params == {"state": "open", "sort": "created", "direction": "desc", "per_page": 100}
    assert [r.key for r in page.records] == ["api.github.com:370041455"]
    assert page.records[0].payload["head"]["ref"] == "ricardo-add-pr-create-comment-reply"
    assert page.next is None and page.watermark is None


def test_stargazers_three_pages_end_where_the_link_has_only_first_and_prev():
    spec = rest.validate({"preset": "github_stargazers", **REPO})
    pages = _pages(spec, "github/stargazers_3_pages.json")
    assert [len(page.records) for _, page in pages] == [30, 30, 7]
    assert [page.records[0].key for _, page in pages] == [
        "api.github.com:472089", "api.github.com:119893", "api.github.com:1420006"]
    assert [page.next.params if page.next else None for _, page in pages] == [{"page": "2"}, {"page": "3"}, None]
    assert all(r.created_at is None for _, page in pages for r in page.records)


def test_commits_are_keyed_by_sha_and_timed_by_the_committer_date():
    spec = rest.validate({"preset": "github_commits", **REPO, "sha": "release-v2-0", "limit": 2})
    [(request, page)] = _pages(spec, "github/commits.json")
    assert request.params == {"sha": "release-v2-0", "per_page": 2}
    assert [r.key for r in page.records] == ["api.github.com:0791cc7b1a706ab5d7c607ddff35de4d486ba3e9",
                                             "api.github.com:9f7850bf6572ea8572b8b136b8b3d3e09cb38403"]
    assert [r.created_at.isoformat() for r in page.records] == ["2023-08-28T18:27:45+00:00",
                                                                "2023-08-28T17:30:06+00:00"]
    assert page.watermark == {"value": "2023-08-28T18:27:45Z"}
    assert page.next is None, "the limit of 2 is reached"
    unlimited = rest.validate({"preset": "github_commits", **REPO, "sha": "release-v2-0"})
    following = rest.parse(rest.start(unlimited)[0], from_exchange(recording("github/commits.json")[0]), unlimited)
    assert following.next.url == "https://api.github.com/repositories/3544490/commits"
    assert following.next.params == {"sha": "release-v2-0", "per_page": "2", "page": "2"}


def test_commits_send_since_and_until_and_resume_from_the_later_of_since_and_the_watermark():
    spec = rest.validate({"preset": "github_commits", "owner": "o", "repo": "r", "path": "docs",
                          "since": "2024-01-01", "until": "2024-02-01T12:00:00+01:00", "incremental": True})
    params = rest.start(spec)[0].params
    assert params == {"path": "docs", "per_page": 100, "since": "2024-01-01T00:00:00Z",
                      "until": "2024-02-01T11:00:00Z"}
    assert rest.start(spec, {"value": "2024-01-15T00:00:00Z"})[0].params["since"] == "2024-01-15T00:00:00Z"
    assert rest.start(spec, {"value": "2023-06-01T00:00:00Z"})[0].params["since"] == "2024-01-01T00:00:00Z"


def _comment(number: int, created: str) -> dict:
    return {"id": number, "created_at": created, "updated_at": created}


@pytest.mark.parametrize("direction, kept, follows", [
    ("desc", [3, 2], False),
    ("asc", [2, 3], True),
])
def test_comment_order_follows_direction_for_since(direction, kept, follows):
    """Newest first, a page reaching back before since is the last; oldest first, it is not."""
    spec = rest.validate({"preset": "github_issue_comments", "owner": "o", "repo": "r", "direction": direction,
                          "since": "2024-01-02T00:00:00Z"})
    items = [_comment(3, "2024-01-05T00:00:00Z"), _comment(2, "2024-01-03T00:00:00Z"),
             _comment(1, "2024-01-01T00:00:00Z")]
    items = items if direction == "desc" else items[::-1]
    link = '<https://api.github.com/repos/o/r/issues/comments?page=2>; rel="next"'
    request = rest.start(spec)[0]
    assert request.params["since"] == "2024-01-02T00:00:00Z"
    page = rest.parse(request, json_response(items, headers={"Link": link}, url=request.url), spec)
    assert [r.key for r in page.records] == [f"api.github.com:{n}" for n in kept]
    assert (page.next is not None) == follows


def test_pulls_sorted_by_anything_but_creation_are_unordered_in_time():
    created_desc = rest.validate({"preset": "github_pulls", "owner": "o", "repo": "r"})
    by_update = rest.validate({**created_desc, "sort": "updated"})
    oldest = rest.validate({**created_desc, "direction": "asc"})
    definition = created_desc["definition"]
    assert [listing_order(definition, s) for s in (created_desc, by_update, oldest)] == [
        ListingOrder.NEWEST_FIRST, ListingOrder.UNORDERED, ListingOrder.OLDEST_FIRST]
    assert rest.start(rest.validate({**created_desc, "head": "o:fix-1", "base": "main"}))[0].params == {
        "state": "open", "sort": "created", "direction": "desc", "head": "o:fix-1", "base": "main", "per_page": 100}


def test_comments_on_one_issue_take_its_number():
    spec = rest.validate({"preset": "github_comments_on_issue", "owner": "o", "repo": "r", "number": 42})
    assert rest.start(spec)[0].url == "https://api.github.com/repos/o/r/issues/42/comments"
    with pytest.raises(ParameterError, match="number"):
        rest.validate({"preset": "github_comments_on_issue", "owner": "o", "repo": "r", "number": 0})


def test_time_bounds_on_records_without_time_are_refused():
    with pytest.raises(ParameterError, match="github_stargazers: since cannot be applied: its records carry no time"):
        rest.validate({"preset": "github_stargazers", "owner": "o", "repo": "r", "since": "2024-01-01"})


def test_every_preset_has_its_own_collection():
    assert {c.name for c in rest.collections} >= {
        "rest_github_issues", "rest_github_issue_comments", "rest_github_comments_on_issue",
        "rest_github_pulls", "rest_github_stargazers", "rest_github_commits"}


BASE = {"name": "things", "base_url": "https://example.test", "path": "/things",
        "arguments": {"sort": {"type": "str", "default": "new"}}, "id_fields": ["id"]}


@pytest.mark.parametrize("change, message", [
    ({"order": [{"when": {"sorting": "new"}, "order": "newest_first"}, {"order": "unordered"}]},
     "field 'order.0.when.sorting' is not a declared argument; name one of sort"),
    ({"order": [{"order": "unordered"}, {"when": {"sort": "new"}, "order": "newest_first"}]},
     "field 'order.0' has no when but is not the last rule"),
    ({"order": [{"when": {"sort": "new"}, "order": "newest_first"}]},
     "field 'order.0' has a when; end the rules with one without when"),
    ({"order": [{"when": {"sort": "new"}, "order": "newest"}, {"order": "unordered"}]},
     "field 'order.0.order' is 'newest'; use one of newest_first"),
    ({"order": []}, "field 'order' is []"),
    ({"time_params": {"from": "since"}}, "field 'time_params.from' is not a known field"),
    ({"time_params": {"since": ""}}, "field 'time_params.since' is ''; give the API's query parameter"),
])
def test_order_rules_and_time_params_errors_name_the_field(change, message):
    with pytest.raises(ParameterError, match="rest definition: " + message.replace("[", r"\[").replace("]", r"\]")):
        rest.validate({"definition": {**BASE, **change}})


def test_nested_id_and_time_fields_are_dotted_paths():
    definition = {**BASE, "id_fields": ["user.id"], "created_at_field": "event.at", "order": "newest_first"}
    spec = rest.validate({"definition": definition})
    page = rest.parse(rest.start(spec)[0], json_response([{"user": {"id": 7}, "event": {"at": "2024-01-01T00:00:00Z"}}]),
                      spec)
    assert page.records[0].key == "example.test:7"
    assert page.records[0].created_at == datetime(2024, 1, 1, tzinfo=timezone.utc)
