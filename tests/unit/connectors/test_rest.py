import pytest

import ingest.connectors as connectors
from ingest.errors import MalformedResponseError, ParameterError
from tests.recordings import recording
from tests.unit.connectors.support import from_exchange, json_response

rest = connectors.get("rest")

SEARCH_USERS = {
    "name": "github_users",
    "base_url": "https://api.github.com",
    "path": "/search/users",
    "arguments": {"q": {"type": "str"}},
    "page_size": {"param": "per_page", "max": 100},
    "paginator": {"type": "link_header"},
    "records_path": "items",
    "id_fields": ["id"],
    "key_scope": "global",
    "rate_limit": {"limit": "X-RateLimit-Limit", "remaining": "X-RateLimit-Remaining",
                   "reset": "X-RateLimit-Reset", "reset_kind": "epoch", "window": 60},
}


def test_github_issues_preset_builds_the_real_request():
    spec = rest.validate({"preset": "github_issues", "owner": "psf", "repo": "requests", "state": "all",
                          "base_url": "http://127.0.0.1:8000/github/"})
    [request] = rest.start(spec)
    assert request.url == "http://127.0.0.1:8000/github/repos/psf/requests/issues"
    assert request.params == {"sort": "created", "direction": "desc", "state": "all", "per_page": 100}
    assert (request.kind, request.group) == ("page", "core")
    assert rest.validate(spec) == spec
    assert rest.query_key(spec) == "github_issues:owner=psf&repo=requests&state=all@127.0.0.1:8000"
    headers = rest.headers(spec, "ghp_secret")
    assert headers["Authorization"] == "Bearer ghp_secret"
    assert headers["Accept"] == "application/vnd.github+json"
    assert "ghp_secret" not in repr(spec)


def test_preset_arguments_get_suggestions_and_known_limits_follow_the_credential():
    with pytest.raises(ParameterError, match="Did you mean 'owner'"):
        rest.validate({"preset": "github_issues", "ownr": "psf", "repo": "requests"})
    anonymous = rest.validate({"preset": "github_issues", "owner": "psf", "repo": "requests"})
    token = rest.validate({**anonymous, "credential": "github"})
    assert [(k.requests, k.window) for k in rest.known_limits(anonymous)] == [(60.0, 3600.0)]
    assert [(k.requests, k.window) for k in rest.known_limits(token)] == [(5000.0, 3600.0)]


def test_search_users_three_pages_by_link_header():
    spec = rest.validate({"definition": SEARCH_USERS, "q": "user:joeyw user:pengwynn user:sferik"})
    bound = rest.for_spec(spec)
    request = rest.start(spec)[0]
    keys, pages = [], 0
    for exchange in recording("github/search_users_3_pages.json"):
        page = bound.parse(request, from_exchange(exchange), spec)
        keys += [r.key for r in page.records]
        pages += 1
        if page.next is None:
            break
        request = page.next
    assert pages == 3 and keys == ["10308", "865", "478247"]
    assert {r.collection for r in page.records} == {"rest_github_users"}


def test_link_next_request_carries_the_links_query():
    spec = rest.validate({"definition": SEARCH_USERS, "q": "x"})
    first = recording("github/search_users_3_pages.json")[0]
    page = rest.parse(rest.start(spec)[0], from_exchange(first), spec)
    assert page.next.url == "https://api.github.com/search/users"
    assert page.next.params == {"q": "user:joeyw user:pengwynn user:sferik", "per_page": "1", "page": "2"}
    assert page.next.page == 2


def test_rate_limit_headers_named_by_the_definition():
    spec = rest.validate({"definition": SEARCH_USERS, "q": "x"})
    first = from_exchange(recording("github/search_users_3_pages.json")[0])
    reading = rest.for_spec(spec).read_limits(first, now=1389455423.0)
    assert (reading.limit, reading.remaining, reading.reset_after, reading.window) == (5.0, 4.0, 60.0, 60.0)


def test_since_stops_newest_first_issues_and_watermark_is_updated_at():
    spec = rest.validate({"preset": "github_issues", "owner": "o", "repo": "r", "since": "2024-01-02T00:00:00Z"})
    issues = [{"id": 3, "created_at": "2024-01-03T00:00:00Z", "updated_at": "2024-02-01T00:00:00Z"},
              {"id": 2, "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-03-01T00:00:00Z"}]
    link = '<https://api.github.com/repositories/1/issues?page=2>; rel="next"'
    page = rest.parse(rest.start(spec)[0], json_response(issues, headers={"Link": link},
                                                         url="https://api.github.com/repos/o/r/issues"), spec)
    assert [r.key for r in page.records] == ["api.github.com:3"]
    assert page.next is None
    assert page.watermark == {"value": "2024-02-01T00:00:00Z"}
    resumed = rest.validate({**spec, "since": None, "incremental": True})
    assert rest.start(resumed, {"value": "2024-02-01T00:00:00Z"})[0].params["since"] == "2024-02-01T00:00:00Z"


def test_link_to_another_host_is_not_followed():
    spec = rest.validate({"definition": SEARCH_USERS, "q": "x"})
    response = json_response({"items": [{"id": 1}]}, headers={"Link": '<https://evil.test/steal?page=2>; rel="next"'})
    with pytest.raises(MalformedResponseError, match="another host"):
        rest.parse(rest.start(spec)[0], response, spec)


def test_records_path_and_id_errors_are_malformed():
    spec = rest.validate({"definition": SEARCH_USERS, "q": "x"})
    with pytest.raises(MalformedResponseError, match="records_path 'items' is not a list"):
        rest.parse(rest.start(spec)[0], json_response({"message": "x"}), spec)
    with pytest.raises(MalformedResponseError, match="lacks an id field"):
        rest.parse(rest.start(spec)[0], json_response({"items": [{"login": "a"}]}), spec)


@pytest.mark.parametrize("change, message", [
    ({"paginator": {"type": "cursor"}}, "field 'paginator.type' is 'cursor'; use one of none, link_header"),
    ({"paginator": {"type": "body_cursor", "param": "cursor"}}, "field 'paginator.cursor_path' is missing"),
    ({"path": "/search/{kind}"}, "field 'path' uses {kind}; declare it under arguments"),
    ({"id_field": ["id"]}, "field 'id_field' is not a known field; did you mean id_fields?"),
    ({"headers": {"Authorization": "Bearer x"}}, "field 'headers.Authorization' would hold a secret"),
    ({"name": "GitHub Users"}, "field 'name' is 'GitHub Users'; use lowercase"),
    ({"arguments": {"limit": {"type": "int"}}}, "field 'arguments.limit' is not a usable argument name"),
    ({"known_limit": {"requests": 60, "window": 3600, "per": ["host", "token"]}},
     "field 'known_limit.per' is not a list of factors from host, credential, ip, group; write e.g. per: "),
    ({"known_limit": {"requests": 60, "window": 3600, "per": "host"}}, "field 'known_limit.per' is not a list of factors"),
])
def test_definition_errors_name_the_field_and_the_fix(change, message):
    with pytest.raises(ParameterError, match="rest definition: " + message.replace("{", r"\{").replace("}", r"\}")
                       .replace("(", r"\(").replace("?", r"\?")):
        rest.validate({"definition": {**SEARCH_USERS, **change}, "q": "x"})


def test_preset_or_definition_is_required():
    with pytest.raises(ParameterError, match="pass preset='github_issues' or definition"):
        rest.validate({"owner": "psf"})
