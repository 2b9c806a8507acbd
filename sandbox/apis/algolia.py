"""HN Search by Algolia under /algolia (https://hn.algolia.com/api/v1 stands here), searching the
sandbox's own Hacker News items.

`/search` orders by relevance (the attribute a word matched in, then points, then comments),
`/search_by_date` newest first. Parameters: `query`, `tags` (comma: AND; parentheses: OR),
`numericFilters` on `created_at_i`, `points`, `num_comments`, `page` (from 0) and `hitsPerPage`
(20 by default, at most 1000). However deep the paging, only the first 1,000 hits of a query
are served: `nbPages` covers them alone, and a page past them answers no hits, `nbHits` 0 and
a message, as the real index does. Errors are Algolia's `{"message", "status"}`. Limit: 10,000
requests an hour per IP, with no rate-limit headers.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlencode

from sandbox.data.algolia import SEARCHED, HackerNewsSearch, Hit, highlighted, words
from sandbox.apis.hn import no_token, rate_headers
from sandbox.paging import int_param
from sandbox.pipeline import ApiSpec, RequestContext, RouteSpec
from sandbox.responses import ApiResponse, BadParameter

PAGINATION_LIMIT = 1000
DEFAULT_HITS_PER_PAGE = 20
NUMERIC_ATTRIBUTES = ("created_at_i", "points", "num_comments")
NUMERIC_CONDITION = re.compile(r"\s*([a-z_]+)\s*(<=|>=|!=|<|>|=)\s*(-?\d+(?:\.\d+)?)\s*")
TAG = re.compile(r"[A-Za-z0-9_.-]+")
BEYOND_THE_LIMIT = ("you can only fetch the 1000 hits for this query. You can extend the number of hits "
                    "returned via the paginationLimitedTo index parameter or use the browse method.")
SERVER_PARAMS = {"advancedSyntax": "true", "analytics": "true", "analyticsTags": "backend"}
COMPARE = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__,
           "=": float.__eq__, "!=": float.__ne__}


def error_body(status: int, message: str, code: str | None) -> dict:
    return {"message": message, "status": status}


def parse_tags(raw: str) -> list[frozenset[str]]:
    """`tags` as AND-ed groups of OR-ed tags: "story,(author_a,author_b)"."""
    groups: list[frozenset[str]] = []
    for part in re.findall(r"\([^()]*\)|[^,()]+|[()]", raw):
        part = part.strip()
        if part in ("(", ")"):
            raise BadParameter(f"Unbalanced parentheses in tags: {raw}")
        names = [name.strip() for name in part.strip("()").split(",")]
        if not all(TAG.fullmatch(name) for name in names):
            raise BadParameter(f"Invalid tag in tags: {part}")
        groups.append(frozenset(names))
    return groups


def parse_numeric_filters(raw: str) -> list[tuple[str, str, float]]:
    conditions = []
    for part in filter(str.strip, raw.split(",")):
        match = NUMERIC_CONDITION.fullmatch(part)
        if match is None:
            raise BadParameter(f"Invalid syntax for numeric condition: {part.strip()}")
        attribute, operator, value = match.groups()
        if attribute not in NUMERIC_ATTRIBUTES:
            raise BadParameter(f"Attribute {attribute} is not a numeric attribute of this index; "
                               f"use one of {', '.join(NUMERIC_ATTRIBUTES)}")
        conditions.append((attribute, operator, float(value)))
    return conditions


def _keeps(hit: Hit, tag_groups: list[frozenset[str]], conditions: list[tuple[str, str, float]]) -> bool:
    if not all(group & hit.tags for group in tag_groups):
        return False
    for attribute, operator, value in conditions:
        number = hit.number(attribute)
        if number is None or not COMPARE[operator](number, value):
            return False
    return True


def _relevance(hit: Hit, wanted: list[str]) -> tuple:
    attribute_rank = len(SEARCHED)
    if wanted:
        for rank, attribute in enumerate(SEARCHED):
            tokens = words(hit.document.get(attribute))
            if any(token.startswith(word) for word in wanted for token in tokens):
                attribute_rank = rank
                break
    return (attribute_rank, -(hit.number("points") or 0), -(hit.number("num_comments") or 0), -hit.item_id)


def all_hits(ctx: RequestContext, by_date: bool) -> list[Hit]:
    """Every hit of the query, filters and order applied, before any paging."""
    search: HackerNewsSearch = ctx.data
    params = ctx.params
    query = params.get("query", "")
    tag_groups = parse_tags(params.get("tags", ""))
    conditions = parse_numeric_filters(params.get("numericFilters", ""))
    index = search.index()
    found = [hit for hit in (index[p] for p in search.matching(query)) if _keeps(hit, tag_groups, conditions)]
    if by_date:
        return sorted(found, key=lambda hit: (-hit.time, -hit.item_id))
    wanted = words(query)
    return sorted(found, key=lambda hit: _relevance(hit, wanted))


def _answer(ctx: RequestContext, by_date: bool) -> ApiResponse:
    params = ctx.params
    page = int_param(params, "page", 0)
    hits_per_page = min(PAGINATION_LIMIT, int_param(params, "hitsPerPage", DEFAULT_HITS_PER_PAGE))
    if page < 0 or hits_per_page < 0:
        raise BadParameter("page and hitsPerPage must not be negative")
    found = all_hits(ctx, by_date)
    query = params.get("query", "")
    echoed = urlencode(sorted({**SERVER_PARAMS, **{k: params[k] for k in params}}.items()))
    served = min(len(found), PAGINATION_LIMIT)
    body = {"hits": [], "page": page, "nbHits": len(found),
            "nbPages": math.ceil(served / hits_per_page) if hits_per_page else 0,
            "hitsPerPage": hits_per_page, "exhaustiveNbHits": True, "exhaustiveTypo": True,
            "exhaustive": {"nbHits": True, "typo": True}, "query": query, "params": echoed,
            "processingTimeMS": 1 + len(found) // 2000}
    start = page * hits_per_page
    if hits_per_page and start >= PAGINATION_LIMIT:
        body.update(nbHits=0, nbPages=0, message=BEYOND_THE_LIMIT)
    else:
        body["hits"] = [{**hit.document, "_highlightResult": highlighted(hit, query)}
                        for hit in found[start:min(start + hits_per_page, served)]]
    return ApiResponse.json(body)


def search(ctx: RequestContext) -> ApiResponse:
    return _answer(ctx, by_date=False)


def search_by_date(ctx: RequestContext) -> ApiResponse:
    return _answer(ctx, by_date=True)


def relevance_truth(ctx: RequestContext) -> list[str]:
    """Every hit of the query, past the 1,000 served, in relevance order (a sliced walk stores
    them slice by slice: compare as a set)."""
    return [hit.document["objectID"] for hit in all_hits(ctx, by_date=False)]


def date_truth(ctx: RequestContext) -> list[str]:
    """Every hit of the query, past the 1,000 served, newest first: the order a walk stores them."""
    return [hit.document["objectID"] for hit in all_hits(ctx, by_date=True)]


SPEC = ApiSpec(
    name="algolia",
    prefix="/algolia",
    routes=(
        RouteSpec("/search", search, paginated=True, truth=relevance_truth),
        RouteSpec("/search_by_date", search_by_date, paginated=True, truth=date_truth),
    ),
    error_body=error_body,
    rate_headers=rate_headers,
    token=no_token,
    static_headers={"access-control-allow-origin": "*"},
)
