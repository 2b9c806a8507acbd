"""Reddit's front page, controversial, user sorts and search: requests, parsing on the
recordings, refusals of queries that mean nothing, and Reddit's error answers."""

from urllib.parse import parse_qsl, urlsplit

import pytest

import ingest.connectors as connectors
from ingest.errors import ParameterError, PermanentError, RateLimitedError
from tests.recordings import recording
from tests.unit.connectors.support import from_exchange

reddit = connectors.get("reddit")


def recorded_query(exchange) -> tuple[str, dict]:
    parts = urlsplit(exchange.url)
    return parts.path.rstrip("/"), dict(parse_qsl(parts.query))


@pytest.mark.parametrize("listing, params", [
    ("best", {}), ("hot", {}), ("new", {}), ("rising", {}),
    ("top", {"t": "week"}), ("controversial", {"t": "week"}),
])
def test_front_page_listings_read_their_own_path(listing, params):
    spec = reddit.validate({"listing": listing, **({"period": "week"} if params else {})})
    request = reddit.start(spec)[0]
    assert (request.url, request.params) == (f"https://oauth.reddit.com/{listing}",
                                             {**params, "limit": 100, "raw_json": 1})
    assert reddit.query_key(spec) == f"front/{listing}{'/t=week' if params else ''}@oauth.reddit.com"


def test_front_page_recording_parses_into_posts_and_the_after_cursor():
    exchange = recording("reddit/front_page.json")[0]
    spec = reddit.validate({"listing": "hot"})
    page = reddit.parse(reddit.start(spec)[0], from_exchange(exchange), spec)
    assert len(page.records) == 25 and {r.collection for r in page.records} == {"reddit_posts"}
    assert (page.records[0].key, page.records[-1].key) == ("t3_64nxp4", "t3_64mux8")
    assert page.next.params == {"limit": 100, "raw_json": 1, "after": "t3_64mux8"}
    assert page.next.url == "https://oauth.reddit.com/hot"


def test_subreddit_controversial_sends_its_period():
    spec = reddit.validate({"subreddit": "r/python", "listing": "controversial", "period": "month"})
    request = reddit.start(spec)[0]
    assert (request.url, request.params) == ("https://oauth.reddit.com/r/python/controversial",
                                             {"t": "month", "limit": 100, "raw_json": 1})


def test_user_comments_sorted_top_ask_what_the_recording_asked_and_parse_it():
    exchange = recording("reddit/user_comments_top.json")[0]
    spec = reddit.validate({"user": "spez", "listing": "comments", "sort": "top", "period": "all"})
    request = reddit.start(spec)[0]
    path, query = recorded_query(exchange)
    assert (urlsplit(request.url).path, {k: str(v) for k, v in request.params.items()}) == (path, query)
    page = reddit.parse(request, from_exchange(exchange), spec)
    assert len(page.records) == 100 and {r.collection for r in page.records} == {"reddit_comments"}
    assert (page.records[0].key, page.records[-1].key) == ("t1_csz1fte", "t1_ctka69k")
    assert page.next.params["after"] == "t1_ctka69k" and page.next.params["sort"] == "top"


def test_a_top_ordered_user_listing_is_not_cut_short_by_since():
    exchange = recording("reddit/user_comments_top.json")[0]
    spec = reddit.validate({"user": "spez", "listing": "comments", "sort": "top", "since": "2015-07-11T00:00:00Z"})
    page = reddit.parse(reddit.start(spec)[0], from_exchange(exchange), spec)
    assert 0 < len(page.records) < 100
    assert page.next is not None, "a top order is not newest first: older items may follow"


def test_user_listing_without_sort_is_asked_as_before():
    spec = reddit.validate({"user": "u/spez", "listing": "overview"})
    request = reddit.start(spec)[0]
    assert (request.url, request.params) == ("https://oauth.reddit.com/user/spez/overview", {"limit": 100, "raw_json": 1})
    assert reddit.query_key(spec) == "u/spez/overview@oauth.reddit.com"


def test_search_site_wide_and_within_a_subreddit():
    everywhere = reddit.start(reddit.validate({"search": "  praw oauth  "}))[0]
    assert (everywhere.url, everywhere.params) == (
        "https://oauth.reddit.com/search",
        {"q": "praw oauth", "sort": "relevance", "t": "all", "limit": 100, "raw_json": 1})
    spec = reddit.validate({"search": "praw", "subreddit": "redditdev", "sort": "new", "period": "year"})
    inside = reddit.start(spec)[0]
    assert (inside.url, inside.params) == (
        "https://oauth.reddit.com/r/redditdev/search",
        {"q": "praw", "sort": "new", "restrict_sr": 1, "t": "year", "limit": 100, "raw_json": 1})
    assert reddit.query_key(spec) == "search/r/redditdev/new/t=year:praw@oauth.reddit.com"


def test_search_recording_is_one_page_of_posts():
    exchange = recording("reddit/subreddit_search.json")[0]
    spec = reddit.validate({"search": "praw oauth search", "subreddit": "all"})
    page = reddit.parse(reddit.start(spec)[0], from_exchange(exchange), spec)
    assert len(page.records) == 6 and {r.collection for r in page.records} == {"reddit_posts"}
    assert (page.records[0].key, page.records[-1].key) == ("t3_3gpbiu", "t3_4at068")
    assert page.next is None


def test_search_sorted_new_can_resume_incrementally():
    spec = reddit.validate({"search": "praw", "sort": "new", "incremental": True})
    request = reddit.start(spec, {"before": "t3_4at068", "created_utc": 1450299786.0})[0]
    assert request.params["before"] == "t3_4at068" and request.params["q"] == "praw"


@pytest.mark.parametrize("params, fix", [
    ({}, "listing= for the front page"),
    ({"subreddit": "python", "user": "spez"}, "not both"),
    ({"search": "   "}, "has no words"),
    ({"search": "x" * 513}, "at most 512"),
    ({"search": "python", "user": "spez"}, "drop user="),
    ({"search": "python", "listing": "top"}, "order them with sort="),
    ({"search": "python", "sort": "controversial"}, "does not exist for search"),
    ({"subreddit": "python", "sort": "top"}, "is ordered by listing="),
    ({"listing": "hot", "sort": "new"}, "the front page is ordered by listing="),
    ({"listing": "submitted"}, "does not exist for the front page"),
    ({"subreddit": "python", "listing": "best"}, "does not exist for a subreddit"),
    ({"user": "spez", "sort": "relevance"}, "does not exist for a user listing"),
    ({"subreddit": "python", "listing": "new", "period": "week"}, "only applies to the top and controversial"),
    ({"user": "spez", "sort": "new", "period": "day"}, "only applies to the top and controversial"),
    ({"subreddit": "python", "listing": "top", "incremental": True}, "only a newest-first order"),
    ({"search": "python", "incremental": True}, "only a newest-first order"),
])
def test_queries_that_mean_nothing_are_refused_with_the_fix(params, fix):
    with pytest.raises(ParameterError, match=fix):
        reddit.validate(params)


def test_a_validated_spec_validates_to_itself():
    for params in ({"listing": "controversial", "period": "day"}, {"search": "python", "subreddit": "r/rust"},
                   {"user": "spez", "listing": "comments", "sort": "hot"}):
        spec = reddit.validate(params)
        assert reddit.validate(spec) == spec


@pytest.mark.parametrize("name, status, words", [
    ("error_401.json", 401, "Reddit says 'Unauthorized'; the credential is missing, expired or revoked"),
    ("error_403.json", 403, "Reddit says 'Forbidden'"),
    ("error_404.json", 404, "Reddit says 'Not Found / PAGE_NOT_CREATED'"),
])
def test_refusals_on_the_recordings_say_what_reddit_said(name, status, words):
    exchange = recording(f"reddit/{name}")[0]
    error = reddit.classify(from_exchange(exchange), 0.0)
    assert type(error) is PermanentError and error.status == status
    assert words in str(error) and "raw_json" not in str(error)


def test_429_recording_is_a_rate_limit_with_its_retry_after():
    error = reddit.classify(from_exchange(recording("reddit/error_429.json")[0]), 0.0)
    assert isinstance(error, RateLimitedError) and error.retry_after == 4.0


def test_morechildren_400_pages_that_are_not_json_give_a_clear_node_error():
    for exchange in recording("reddit/morechildren_get_errors.json"):
        error = reddit.classify(from_exchange(exchange), 0.0)
        assert type(error) is PermanentError and error.status == 400
        kind = exchange.header("content-type").split(";")[0]
        assert str(error).endswith(f"(Reddit answered a {kind} page, not JSON; it refused the link_id "
                                   "or the comment ids of this morechildren call)")
        assert "JSON (" not in str(error) and "<COMMENT_IDS>" not in str(error)
