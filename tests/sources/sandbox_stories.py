"""A source defined in the test suite: the stories of one of the sandbox's Hacker News lists,
each stored whole, with a queue and a collection of its own. Registered through INGEST_SOURCES
(or by importing this module), it is pulled like any built-in source."""

from __future__ import annotations

from urllib.parse import urlsplit

from ingest.connectors.base import Collection, Connector, Page, Record, Request, Response
from ingest.connectors.listing import common_params
from ingest.connectors.registry import register
from ingest.connectors.validation import Param
from ingest.errors import MalformedResponseError

STORIES = Collection("sandbox_stories", indexes=(("by",),), epoch_fields=frozenset({"time"}))


class SandboxStoriesConnector(Connector):
    name = "sandbox_stories"
    queue = "ingest.sandbox_stories"
    default_base_url = "http://127.0.0.1:17603/hn"
    collections = (STORIES,)
    params = common_params(default_base_url) + (
        Param("list", str, "new", "which story list to read", choices=("new", "top", "best")),
    )

    def query_key(self, spec: dict) -> str:
        return f"{spec['list']}@{urlsplit(spec['base_url']).netloc}"

    def start(self, spec: dict, watermark: dict | None = None) -> list[Request]:
        return [Request("list", f"{spec['base_url']}/v0/{spec['list']}stories.json", {})]

    def parse(self, request: Request, response: Response, spec: dict) -> Page:
        body = response.json()
        if request.kind == "list":
            if not isinstance(body, list):
                raise MalformedResponseError(f"{response.safe_url}: expected a list of ids")
            chosen = body[:spec["limit"]] if spec["limit"] else body
            return Page(children=[
                Request("story", f"{spec['base_url']}/v0/item/{item}.json", {}, depth=1,
                        target=(STORIES.name, str(item)))
                for item in chosen
            ])
        if not isinstance(body, dict) or "id" not in body:
            raise MalformedResponseError(f"{response.safe_url}: expected an item")
        return Page(records=[Record(STORIES.name, str(body["id"]), body)])


register(SandboxStoriesConnector())
