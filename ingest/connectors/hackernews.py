"""Hacker News: story lists, a user's submissions and items, optionally comments through `kids`
to a given depth.

There is no paging: a list answers up to 500 ids (ask, show and job up to 200), a user's
profile lists the ids they submitted, newest first, and each item is one call, so every item
is a child request that names its target record (the worker skips fresh ones). Ids are global
and grow with time. Watermark: ``{"max_id": <int>}``; an incremental pull fetches only ids
above it, lowest first, so a pull cut short by ``limit`` leaves no gap behind it.

The API publishes no limit and sends no rate-limit headers. A 503 (or 429) is read as the
sign of its unpublished limit: RateLimitedError(retry_after=None), so the adaptive limiter
slows every worker down instead of each task retrying on its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from ingest.errors import FetchError, MalformedResponseError, ParameterError, PermanentError
from ingest.connectors.base import Collection, Connector, Page, Record, Request, Response
from ingest.connectors.classify import classify_status
from ingest.connectors.listing import TimeBounds, common_params
from ingest.connectors.times import parse_time
from ingest.connectors.validation import Param
from ingest.connectors.registry import register

ITEMS = "hn_items"
USERS = "hn_users"
GROUP = "firebase"
LISTS = ("top", "new", "best", "ask", "show", "job")
SHORT_LISTS = ("ask", "show", "job")  # these answer at most 200 ids, the others 500


class HackerNewsConnector(Connector):
    name = "hackernews"
    queue = "ingest.hackernews"
    default_base_url = "https://hacker-news.firebaseio.com"
    collections = (Collection(ITEMS, epoch_fields=frozenset({"time"})),
                   Collection(USERS, epoch_fields=frozenset({"created"})))
    params = common_params(default_base_url) + (
        Param("list", str, "top", "which story list to read", choices=LISTS),
        Param("items", list, None, "explicit item ids to fetch instead of a list"),
        Param("user", str, None, "a user whose submissions (stories, comments, polls) to fetch instead of a list"),
        Param("comment_depth", int, 0, "comment levels to follow through kids (0: none)",
              minimum=0, maximum=100),
        Param("with_users", bool, False, "also fetch the author of every stored item"),
    )

    def check(self, spec: dict) -> None:
        items = spec["items"]
        if items is not None and not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
            raise ParameterError("hackernews: items must be a list of integer ids, e.g. items=[8863].")
        if items is not None and spec["user"] is not None:
            raise ParameterError("hackernews: pass items=[...] or user='name', not both.")
        if spec["user"] is not None and not spec["user"].strip():
            raise ParameterError("hackernews: user must be a user name, e.g. user='pg'.")

    def query_key(self, spec: dict) -> str:
        host = urlsplit(spec["base_url"]).netloc
        if spec["items"] is not None:
            return f"items:{','.join(map(str, sorted(spec['items'])))}@{host}"
        if spec["user"] is not None:
            return f"user:{spec['user']}@{host}"
        return f"{spec['list']}stories@{host}"

    def watermark_order(self, watermark: dict) -> Any:
        return int(watermark["max_id"])

    def start(self, spec: dict, watermark: dict | None = None) -> list[Request]:
        if spec["items"] is not None:
            ids = self._choose(spec, list(spec["items"]), watermark)
            return [self._item(spec, item_id, depth=0, level=0) for item_id in ids]
        context = {"watermark": watermark} if spec["incremental"] and watermark else {}
        if spec["user"] is not None:
            return [Request("submissions", self._user_url(spec, spec["user"]), {}, group=GROUP, context=context)]
        url = f"{spec['base_url']}/v0/{spec['list']}stories.json"
        return [Request("list", url, {}, group=GROUP, context=context)]

    def _user_url(self, spec: dict, name: str) -> str:
        return f"{spec['base_url']}/v0/user/{quote(name, safe='')}.json"

    def _choose(self, spec: dict, ids: list[int], watermark: dict | None) -> list[int]:
        if spec["incremental"] and watermark:
            ids = sorted(i for i in ids if i > int(watermark["max_id"]))
        return ids if spec["limit"] is None else ids[:spec["limit"]]

    def _item(self, spec: dict, item_id: int, depth: int, level: int) -> Request:
        return Request("item", f"{spec['base_url']}/v0/item/{item_id}.json", {}, group=GROUP,
                       depth=depth, target=(ITEMS, str(item_id)), context={"level": level})

    def parse(self, request: Request, response: Response, spec: dict) -> Page:
        body = response.json()
        if request.kind == "list":
            if not isinstance(body, list) or not all(isinstance(i, int) for i in body):
                raise MalformedResponseError(f"{response.safe_url}: expected a JSON list of item ids")
            return self._listed(request, spec, body)
        if request.kind == "submissions":
            return self._parse_submissions(request, response, body, spec)
        if body is None:
            return Page()
        if not isinstance(body, dict) or "id" not in body:
            raise MalformedResponseError(f"{response.safe_url}: expected an object with an id")
        if request.kind == "user":
            return Page(records=[Record(USERS, str(body["id"]), body, parse_time(body.get("created")))])
        if request.kind == "item":
            return self._parse_item(request, body, spec)
        raise MalformedResponseError(f"hackernews cannot parse a {request.kind!r} request")

    def _listed(self, request: Request, spec: dict, ids: list[int]) -> Page:
        """The items of a list of ids, each a child request; the watermark is the highest id."""
        chosen = self._choose(spec, ids, request.context.get("watermark"))
        return Page(children=[self._item(spec, i, request.depth + 1, 0) for i in chosen],
                    watermark={"max_id": max(chosen)} if chosen else None)

    def _parse_submissions(self, request: Request, response: Response, body: Any, spec: dict) -> Page:
        if body is None:
            raise PermanentError(f"hackernews: there is no user {spec['user']!r} (the API answered null); "
                                 "check the name, which is case-sensitive", status=response.status)
        submitted = body.get("submitted", []) if isinstance(body, dict) else None
        if not isinstance(submitted, list) or not all(isinstance(i, int) for i in submitted):
            raise MalformedResponseError(f"{response.safe_url}: expected a user object with a list 'submitted'")
        return self._listed(request, spec, submitted)

    def _parse_item(self, request: Request, item: dict, spec: dict) -> Page:
        level = int(request.context.get("level", 0))
        created = parse_time(item.get("time"))
        if level == 0 and not TimeBounds.of(spec).keeps(created):
            return Page()
        children = []
        if level < spec["comment_depth"]:
            children = [self._item(spec, kid, request.depth + 1, level + 1)
                        for kid in item.get("kids") or [] if isinstance(kid, int)]
        if spec["with_users"] and item.get("by"):
            children.append(Request("user", self._user_url(spec, str(item["by"])), {}, group=GROUP, depth=request.depth + 1,
                                    target=(USERS, str(item["by"]))))
        return Page(records=[Record(ITEMS, str(item["id"]), item, created)], children=children)

    def estimate_calls(self, spec: dict) -> int | None:
        """One call per item, after the list's or the user's one; a list answers at most 500
        ids (200 for ask, show and job). Comments and users below the items are not known."""
        if spec["comment_depth"] or spec["with_users"]:
            return None
        if spec["items"] is not None:
            return len(self._choose(spec, list(spec["items"]), None))
        if spec["user"] is not None:
            return None if spec["limit"] is None else 1 + spec["limit"]
        listed = 200 if spec["list"] in SHORT_LISTS else 500
        return 1 + (listed if spec["limit"] is None else min(listed, spec["limit"]))

    def classify(self, response: Response, now: float) -> FetchError | None:
        return classify_status(response.status, response.header, response.safe_url, response.body,
                               now, unknown_limit=True)


register(HackerNewsConnector())
