"""Mastodon's queries beyond the public timelines, parsed from the real recordings."""

import pytest

import ingest.connectors as connectors
from ingest.errors import ParameterError, PermanentError
from tests.recordings import recording
from tests.unit.connectors.support import from_exchange, json_response

mastodon = connectors.get("mastodon")
FOSSTODON = "https://fosstodon.org"
ACCOUNT = "109302436954721982"


def exchange(name, index=0):
    return recording(f"mastodon/{name}")[index]


def ids(page):
    return [r.key.rsplit(":", 1)[1] for r in page.records]


def first_page(spec_params, name, index=0):
    spec = mastodon.validate(spec_params)
    request = mastodon.start(spec)[0]
    return spec, request, mastodon.parse(request, from_exchange(exchange(name, index)), spec)


def test_home_timeline_needs_a_token_and_pages_by_max_id():
    with pytest.raises(ParameterError, match="credential="):
        mastodon.validate({"timeline": "home"})
    spec, request, page = first_page({"base_url": FOSSTODON, "timeline": "home", "credential": "me", "limit": 5},
                                     "home_timeline.json")
    assert (request.url, request.params) == (f"{FOSSTODON}/api/v1/timelines/home", {"limit": 5})
    assert ids(page) == [s["id"] for s in exchange("home_timeline.json").json()]
    assert page.next is None, "limit=5 reached"
    spec, request, page = first_page({"base_url": FOSSTODON, "timeline": "home", "credential": "me"},
                                     "home_timeline.json")
    assert page.next.params == {"limit": 40, "max_id": "114868957979186552"}
    assert mastodon.query_key(spec) == "home@fosstodon.org"


def test_list_timeline_follows_next_after_a_short_page_and_stops_on_the_empty_one():
    spec, request, page = first_page({"base_url": FOSSTODON, "list_id": "7351", "credential": "me"},
                                     "list_timeline.json")
    assert spec["timeline"] == "list" and mastodon.validate(spec) == spec
    assert request.url == f"{FOSSTODON}/api/v1/timelines/list/7351"
    assert len(page.records) == 4
    assert page.next.params == {"limit": 40, "max_id": "111006900179541067"}
    end = mastodon.parse(page.next, json_response([]), spec)
    assert (end.records, end.next) == ([], None)


def test_account_statuses_with_filters_and_the_next_max_id():
    spec, request, page = first_page({"base_url": FOSSTODON, "account": ACCOUNT, "exclude_reblogs": True,
                                      "exclude_replies": True, "tagged": "#rstats"}, "account_statuses.json")
    assert request.params == {"limit": 40, "exclude_replies": "true", "exclude_reblogs": "true",
                              "tagged": "rstats"}
    assert len(page.records) == 20
    assert page.next.params["max_id"] == "113191408914362368"
    assert page.next.params["tagged"] == "rstats"
    assert mastodon.query_key(spec) == f"account:{ACCOUNT}:exclude_replies:exclude_reblogs:tagged=rstats@fosstodon.org"


def test_pinned_statuses_end_where_the_link_has_only_prev():
    spec, request, page = first_page({"base_url": "http://localhost:3000", "account": "117020565966271181",
                                      "pinned": True}, "account_statuses_pinned.json")
    assert request.params == {"limit": 40, "pinned": "true"}
    assert ids(page) == ["117020569296803689"] and page.records[0].payload["pinned"] is True
    assert page.next is None


def test_min_id_reads_forward_through_prev_and_keeps_max_id():
    spec = mastodon.validate({"base_url": FOSSTODON, "timeline": "home", "credential": "me",
                              "min_id": "114868900000000000", "max_id": "114869200000000000"})
    request = mastodon.start(spec)[0]
    assert request.context["forward"] is True
    page = mastodon.parse(request, from_exchange(exchange("home_timeline.json")), spec)
    assert page.next.params == {"limit": 40, "min_id": "114869166204750572", "max_id": "114869200000000000"}


def test_since_id_reads_newest_first_and_stays_in_every_page():
    spec, request, page = first_page({"base_url": FOSSTODON, "tag": "python", "since_id": "100"},
                                     "hashtag_timeline.json", -1)
    assert page.next.params == {"limit": 40, "since_id": "100", "max_id": "117020593741189701"}


def test_search_records_go_to_their_collections_and_page_by_offset():
    spec = mastodon.validate({"base_url": "http://localhost:3000", "search": "mastodonpy_test",
                              "credential": "me"})
    request = mastodon.start(spec)[0]
    assert (request.kind, request.url, request.params) == (
        "search", "http://localhost:3000/api/v2/search", {"q": "mastodonpy_test", "limit": 40})
    recorded = exchange("search_v2.json")
    page = mastodon.parse(request, from_exchange(recorded), spec)
    assert [r.collection for r in page.records] == ["mastodon_accounts"] * 2
    assert ids(page) == [a["id"] for a in recorded.json()["accounts"]]
    assert page.next is None, "two accounts: fewer than asked, no Link: the end"
    body = {"accounts": [{"id": "1"}], "statuses": [{"id": "5", "created_at": "2025-01-01T00:00:00Z"}],
            "hashtags": [{"name": "Python", "url": "u", "history": []}] * 2}
    paged = mastodon.parse(mastodon.start(spec)[0], json_response(body), spec)
    assert [(r.collection, r.key) for r in paged.records][-1] == ("mastodon_tags", "localhost:3000:python")
    tags = [{"name": f"tag{n}", "url": "u", "history": []} for n in range(40)]
    untyped = mastodon.parse(mastodon.start(spec)[0], json_response({**body, "hashtags": tags}), spec)
    assert untyped.next.params == {"q": "mastodonpy_test", "limit": 40, "offset": 40}
    assert untyped.next.context["emitted"] == 42
    typed = mastodon.validate({**spec, "search_type": "hashtags", "limit": 50})
    first = mastodon.parse(mastodon.start(typed)[0], json_response({"hashtags": tags}), typed)
    assert first.next.params == {"q": "mastodonpy_test", "type": "hashtags", "limit": 10, "offset": 40}
    last = mastodon.parse(first.next, json_response({"hashtags": tags[:10]}), typed)
    assert len(last.records) == 10 and last.next is None, "limit reached"


def test_search_of_one_type_asks_for_that_type():
    spec = mastodon.validate({"base_url": "http://localhost:3000", "search": "mastodonpy_test",
                              "search_type": "statuses", "credential": "me"})
    request = mastodon.start(spec)[0]
    assert request.params["type"] == "statuses"
    page = mastodon.parse(request, from_exchange(exchange("search_v2.json", 2)), spec)
    assert (page.records, page.next) == ([], None)
    assert [c.name for c in mastodon.collections_for(spec)] == ["mastodon_statuses", "mastodon_accounts"]


def test_status_context_as_its_own_query():
    spec = mastodon.validate({"base_url": FOSSTODON, "status": "114026814291152535"})
    assert spec["relation"] == "context"
    status, context = mastodon.start(spec)
    assert (status.kind, status.url) == ("status", f"{FOSSTODON}/api/v1/statuses/114026814291152535")
    assert context.url == f"{FOSSTODON}/api/v1/statuses/114026814291152535/context"
    recorded = recording("mastodon/status_context.json")
    page = mastodon.parse(context, from_exchange(recorded[0]), spec)
    assert ids(page) == [s["id"] for s in recorded[0].json()["descendants"]] and len(page.records) == 3
    second = mastodon.parse(context, from_exchange(recorded[1]), spec)
    assert ids(second) == [recorded[1].json()["ancestors"][0]["id"]]
    assert page.next is None and second.next is None


@pytest.mark.parametrize("name, next_max_id", [("followers", "5122703"), ("following", "4797750")])
def test_followers_and_following_page_by_follow_ids(name, next_max_id):
    spec, request, page = first_page({"base_url": FOSSTODON, "account": ACCOUNT, "relation": name},
                                     f"account_{name}.json")
    assert (request.kind, request.url, request.params) == (
        "accounts", f"{FOSSTODON}/api/v1/accounts/{ACCOUNT}/{name}", {"limit": 80})
    assert {r.collection for r in page.records} == {"mastodon_accounts"}
    assert ids(page) == [a["id"] for a in exchange(f"account_{name}.json").json()]
    assert page.next.params == {"limit": 80, "max_id": next_max_id}
    assert next_max_id not in ids(page)
    assert [c.name for c in mastodon.collections_for(spec)] == ["mastodon_accounts"]


def test_followers_of_an_account_by_name_are_read_after_the_lookup():
    spec = mastodon.validate({"account": "Gargron@mastodon.social", "relation": "followers"})
    lookup = mastodon.start(spec)[0]
    page = mastodon.parse(lookup, json_response({"id": "1", "created_at": "2016-03-16T00:00:00Z"}), spec)
    assert page.children[0].url == "https://mastodon.social/api/v1/accounts/1/followers"


@pytest.mark.parametrize("relation, count", [("favourited_by", 12), ("reblogged_by", 5)])
def test_favourited_and_reblogged_by_end_on_a_link_with_only_prev(relation, count):
    spec, request, page = first_page({"base_url": FOSSTODON, "status": "114620457512351116",
                                      "relation": relation}, f"{relation}.json")
    assert request.url == f"{FOSSTODON}/api/v1/statuses/114620457512351116/{relation}"
    assert len(page.records) == count and page.next is None


def test_a_refused_token_is_a_permanent_error_naming_the_credential_fix():
    recorded = exchange("error_401.json")
    error = mastodon.classify(from_exchange(recorded), 0.0)
    assert isinstance(error, PermanentError) and error.status == 401
    assert "The access token is invalid" in str(error) and "credential=" in str(error)
    headers = mastodon.headers(mastodon.validate({"credential": "me"}), "tok-3fa9c2")
    assert "tok-3fa9c2" not in str(error) and headers["Authorization"] not in str(error)


def test_a_missing_status_is_a_permanent_error():
    error = mastodon.classify(from_exchange(exchange("error_404.json")), 0.0)
    assert isinstance(error, PermanentError) and error.status == 404


@pytest.mark.parametrize("params, fix", [
    ({"timeline": "home", "tag": "python", "credential": "me"}, "one query per pull"),
    ({"timeline": "list", "credential": "me"}, "list_id="),
    ({"search": "python"}, "credential="),
    ({"search_type": "hashtags"}, "search="),
    ({"relation": "followers"}, "account= or status="),
    ({"account": "1", "relation": "favourited_by"}, "status='<id>'"),
    ({"status": "1", "relation": "followers"}, "not a relation of a status"),
    ({"tag": "python", "pinned": True}, "account="),
    ({"account": "1", "relation": "followers", "exclude_replies": True}, "account's statuses"),
    ({"timeline": "home", "credential": "me", "only_media": True}, "only_media"),
    ({"timeline": "home", "credential": "me", "local": True}, "public timeline only"),
    ({"min_id": "1", "since_id": "2"}, "pass one of them"),
    ({"max_id": "abc"}, "decimal id"),
    ({"min_id": "5", "incremental": True}, "incremental"),
    ({"status": "1", "since": "2025-01-01"}, "apply to timelines"),
    ({"account": "1", "relation": "following", "with_accounts": True}, "with_accounts"),
    ({"search": "x", "credential": "me", "with_context": True}, "with_context"),
])
def test_combinations_without_meaning_are_refused_with_the_fix(params, fix):
    with pytest.raises(ParameterError, match="mastodon: ") as raised:
        mastodon.validate(params)
    assert fix in str(raised.value)


def test_existing_pulls_keep_their_specs_and_keys():
    spec = mastodon.validate({"tag": "#python", "only_media": True})
    assert mastodon.query_key(spec) == "tag:python:media@mastodon.social"
    assert mastodon.query_key(mastodon.validate({"local": True})) == "public:local@mastodon.social"
    assert mastodon.start(spec)[0].params == {"limit": 40, "only_media": "true"}
    assert mastodon.validate(spec) == spec
