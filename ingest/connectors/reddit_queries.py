"""The Reddit queries a pull can express, and the listing URL each one reads.

    front page   listing= best, hot, new, top, rising, controversial   /<listing>
    subreddit    listing= new, hot, top, rising, controversial, comments /r/<sub>/<listing>
    user         listing= submitted, comments, overview; sort=        /user/<name>/<listing>
    search       search=, sort=; site-wide or in one subreddit          /search, /r/<sub>/search

`period` is Reddit's `t`: the time window of top and controversial orders, and of search.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from ingest.errors import ParameterError
from ingest.connectors.validation import Param

FRONT_LISTINGS = ("best", "hot", "new", "top", "rising", "controversial")
SUBREDDIT_LISTINGS = ("new", "hot", "top", "rising", "controversial", "comments")
USER_LISTINGS = ("submitted", "comments", "overview")
USER_SORTS = ("new", "hot", "top", "controversial")
SEARCH_SORTS = ("relevance", "hot", "top", "new", "comments")
TIMED_ORDERS = ("top", "controversial")
PERIODS = ("hour", "day", "week", "month", "year", "all")
DEFAULT_PERIOD = "all"
NEWEST_FIRST_LISTINGS = ("new", "comments", "submitted", "overview")
SEARCH_QUERY_MAX = 512

QUERY_PARAMS = (
    Param("subreddit", str, None, "subreddit name, without 'r/'"),
    Param("user", str, None, "user name, without 'u/'"),
    Param("listing", str, None, "front page: best, hot, new, top, rising, controversial; "
          "subreddit: new (default), hot, top, rising, controversial, comments; "
          "user: submitted (default), comments, overview",
          choices=tuple(dict.fromkeys(FRONT_LISTINGS + SUBREDDIT_LISTINGS + USER_LISTINGS))),
    Param("search", str, None, "search for these words, site-wide or within subreddit="),
    Param("sort", str, None, "order of a user listing (new, hot, top, controversial; default new) "
          "or of search results (relevance, hot, top, new, comments; default relevance)",
          choices=tuple(dict.fromkeys(USER_SORTS + SEARCH_SORTS))),
    Param("period", str, DEFAULT_PERIOD, "time window (Reddit's t) of top and controversial "
          "orders and of search", choices=PERIODS),
)


def query_kind(spec: dict) -> str:
    """search, user, subreddit or front."""
    if spec["search"] is not None:
        return "search"
    if spec["user"]:
        return "user"
    return "subreddit" if spec["subreddit"] else "front"


def check_query(spec: dict) -> None:
    """Normalise the query parameters in place; ParameterError naming the fix for nonsense."""
    for name, prefix in (("subreddit", "r/"), ("user", "u/")):
        if spec[name] is not None:
            spec[name] = spec[name].strip("/").removeprefix(prefix)
    if spec["subreddit"] and spec["user"]:
        raise ParameterError("reddit: pass exactly one of subreddit='python' or user='name', not both.")
    kind = query_kind(spec)
    if kind == "search":
        _check_search(spec)
    elif kind == "user":
        _check_listing(spec, USER_LISTINGS, "a user")
        _check_sort(spec, USER_SORTS, "a user listing")
    else:
        if kind == "front" and spec["listing"] is None:
            raise ParameterError(
                "reddit: pass exactly one of subreddit='python' or user='name', search='words', "
                f"or listing= for the front page ({', '.join(FRONT_LISTINGS)}).")
        if spec["sort"] is not None:
            raise ParameterError(
                f"reddit: sort= orders user listings and search results; {_owner_words(kind)} "
                f"is ordered by listing= (one of {', '.join(_listings(kind))}).")
        _check_listing(spec, _listings(kind), _owner_words(kind))
    if spec["period"] != DEFAULT_PERIOD and not takes_period(spec):
        raise ParameterError(
            f"reddit: period={spec['period']!r} only applies to the top and controversial orders "
            "and to search; use listing='top' (or sort='top' for a user), or drop period=.")
    if spec["incremental"] and not newest_first(spec):
        raise ParameterError(
            "reddit: incremental=True resumes after the newest item of earlier pulls, which only "
            "a newest-first order has; use listing='new' (or sort='new'), or drop incremental=.")


def _check_search(spec: dict) -> None:
    words = spec["search"].strip()
    if not words:
        raise ParameterError("reddit: search='' has no words; give what to look for, e.g. search='python asyncio'.")
    if len(words) > SEARCH_QUERY_MAX:
        raise ParameterError(f"reddit: search= is {len(words)} characters; Reddit takes at most {SEARCH_QUERY_MAX}.")
    spec["search"] = words
    if spec["user"]:
        raise ParameterError("reddit: search runs site-wide or within one subreddit; drop user= "
                             "(a user's posts are user='name', listing='submitted').")
    if spec["listing"] is not None:
        raise ParameterError("reddit: search results have no listing=; order them with sort= "
                             f"(one of {', '.join(SEARCH_SORTS)}).")
    spec["sort"] = spec["sort"] or SEARCH_SORTS[0]
    _check_sort(spec, SEARCH_SORTS, "search")


def _check_listing(spec: dict, allowed: tuple[str, ...], owner: str) -> None:
    spec["listing"] = spec["listing"] or allowed[0]
    if spec["listing"] not in allowed:
        raise ParameterError(f"reddit: listing={spec['listing']!r} does not exist for {owner}; "
                             f"use one of {', '.join(allowed)}.")


def _check_sort(spec: dict, allowed: tuple[str, ...], what: str) -> None:
    if spec["sort"] is not None and spec["sort"] not in allowed:
        raise ParameterError(f"reddit: sort={spec['sort']!r} does not exist for {what}; "
                             f"use one of {', '.join(allowed)}.")


def _listings(kind: str) -> tuple[str, ...]:
    return FRONT_LISTINGS if kind == "front" else SUBREDDIT_LISTINGS


def _owner_words(kind: str) -> str:
    return "the front page" if kind == "front" else "a subreddit"


def order(spec: dict) -> str:
    """The order the listing is read in: the sort of users and search, else the listing."""
    kind = query_kind(spec)
    if kind in ("search", "user"):
        return spec["sort"] or "new"
    return spec["listing"]


def takes_period(spec: dict) -> bool:
    return query_kind(spec) == "search" or order(spec) in TIMED_ORDERS


def newest_first(spec: dict) -> bool:
    kind = query_kind(spec)
    if kind in ("search", "user"):
        return order(spec) == "new"
    return spec["listing"] in NEWEST_FIRST_LISTINGS


def listing_url(spec: dict) -> tuple[str, dict[str, Any]]:
    """The URL of the query's first page and its query parameters other than paging."""
    kind, base = query_kind(spec), spec["base_url"]
    params: dict[str, Any] = {}
    if kind == "search":
        params["q"] = spec["search"]
        params["sort"] = spec["sort"]
        if spec["subreddit"]:
            url = f"{base}/r/{quote(spec['subreddit'])}/search"
            params["restrict_sr"] = 1
        else:
            url = f"{base}/search"
    elif kind == "user":
        url = f"{base}/user/{quote(spec['user'])}/{spec['listing']}"
        if spec["sort"] is not None:
            params["sort"] = spec["sort"]
    elif kind == "subreddit":
        url = f"{base}/r/{quote(spec['subreddit'])}/{spec['listing']}"
    else:
        url = f"{base}/{spec['listing']}"
    if takes_period(spec):
        params["t"] = spec["period"]
    return url, params


def query_key(spec: dict) -> str:
    """The same query on the same host; keys of subreddit and user listings read newest first
    are kept as they always were, so earlier watermarks still apply."""
    kind, host = query_kind(spec), urlsplit(spec["base_url"]).netloc
    if kind == "search":
        scope = f"r/{spec['subreddit'].lower()}" if spec["subreddit"] else "all"
        return f"search/{scope}/{spec['sort']}/t={spec['period']}:{spec['search']}@{host}"
    if kind == "front":
        owner = "front"
    else:
        owner = f"r/{spec['subreddit'].lower()}" if kind == "subreddit" else f"u/{spec['user'].lower()}"
    suffix = ""
    if kind == "user" and spec["sort"] not in (None, "new"):
        suffix += f"/sort={spec['sort']}"
    if takes_period(spec):
        suffix += f"/t={spec['period']}"
    return f"{owner}/{spec['listing']}{suffix}@{host}"
