"""The pipeline throughput benchmark's workload: many short, independent listings of the sandbox.

A listing is sequential (each page needs the previous page's cursor), so parallelism comes only
from running many listings at once. The workload is

- every Bluesky topic word searched newest first, cut into time slices of at most
  `SLICE_HITS` posts, so that each search is a short listing of at most a few pages;
- four Reddit listings of each subreddit (new, hot, top of all time, top of the week), each
  stopped at `REDDIT_LIMIT` posts;

all with pages of 100. `Listing` carries what a pull needs and what the sequential baseline
needs to request exactly the same pages: the first URL and parameters, and how the API names
its next cursor. Slice bounds are planned from a walk of each search, made before measuring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

import requests

from sandbox.data.reddit import SUBREDDITS
from sandbox.text import TOPICS

SOURCES = ("bluesky", "reddit")  # each its own pool of workers on the stack
PAGE_SIZE = 100
SLICE_HITS = 500
REDDIT_LIMIT = 500
REDDIT_LISTINGS = (("new", None), ("hot", None), ("top", "all"), ("top", "week"))


@dataclass(frozen=True)
class Listing:
    source: str               # the ingest connector
    api: str                  # the sandbox's name for the API, as its counters use it
    collection: str
    pull_params: dict         # keyword arguments of ingest.pull, base_url excepted
    path: str                 # under the sandbox URL
    params: dict              # of the first page
    cursor_param: str         # the query parameter that carries the next cursor
    limit: int | None = None  # records after which the listing stops

    def truth_path(self) -> str:
        query = "&".join(f"{key}={value}" for key, value in self.params.items()
                         if key not in ("limit", "raw_json", "cursor", "after"))
        return f"{self.path}?{query}" if query else self.path

    @property
    def expected_pages(self) -> int | None:
        return None if self.limit is None else math.ceil(self.limit / PAGE_SIZE)


def page_ids_and_cursor(listing: Listing, body: dict) -> tuple[list[str], str | None]:
    """The ids on one page and the cursor of the next, as the API spells them."""
    if listing.api == "bsky":
        return [post["uri"] for post in body["posts"]], body.get("cursor")
    data = body["data"]
    return [child["data"]["name"] for child in data["children"]], data.get("after")


def walk(listing: Listing, session: requests.Session, base_url: str, headers: dict | None = None) -> Iterator[dict]:
    """The body of every page of a listing, one request after the other, following its cursor
    and stopping where the pipeline's connectors stop."""
    params = dict(listing.params)
    seen = 0
    while True:
        answer = session.get(base_url + listing.path, params=params, headers=headers, timeout=30)
        answer.raise_for_status()
        body = answer.json()
        yield body
        ids, cursor = page_ids_and_cursor(listing, body)
        seen += len(ids)
        if not ids or not cursor or (listing.limit is not None and seen >= listing.limit):
            return
        params = {**params, listing.cursor_param: cursor}
        if listing.limit is not None:
            params["limit"] = min(PAGE_SIZE, listing.limit - seen)


def _utc_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _search(word: str, since: datetime | None = None, until: datetime | None = None) -> Listing:
    params: dict = {"limit": PAGE_SIZE, "q": word, "sort": "latest"}
    pull_params: dict = {"q": word}
    if since is not None and until is not None:
        params.update({"since": _iso(since), "until": _iso(until)})
        pull_params.update({"since": since, "until": until})
    return Listing(SOURCES[0], "bsky", "bsky_posts", pull_params, "/bsky/xrpc/app.bsky.feed.searchPosts",
                   params, "cursor")


def _post_times(session: requests.Session, base_url: str, word: str) -> list[datetime]:
    """createdAt of every post a search for `word` finds, newest first."""
    return [datetime.fromisoformat(post["record"]["createdAt"].replace("Z", "+00:00"))
            for body in walk(_search(word), session, base_url) for post in body["posts"]]


def time_slices(times: list[datetime], most: int) -> list[tuple[datetime, datetime]]:
    """[since, until) bounds on whole seconds that cut newest-first `times` into runs of at most
    `most`; assumes no two items share a second, which holds for the sandbox's posts."""
    count = math.ceil(len(times) / most)
    size = math.ceil(len(times) / count)
    runs = [times[start:start + size] for start in range(0, len(times), size)]
    bounds = []
    for run in runs:
        since = _utc_second(run[-1])
        until = _utc_second(run[0]) + timedelta(seconds=1)
        bounds.append((since, until))
    return bounds


def bluesky_searches(session: requests.Session, base_url: str) -> list[Listing]:
    return [_search(word, since, until) for word in TOPICS
            for since, until in time_slices(_post_times(session, base_url, word), SLICE_HITS)]


def reddit_listings(credential: str) -> list[Listing]:
    listings = []
    for subreddit in SUBREDDITS:
        for order, period in REDDIT_LISTINGS:
            params: dict = {"limit": PAGE_SIZE, "raw_json": 1}
            pull_params = {"subreddit": subreddit, "listing": order, "limit": REDDIT_LIMIT,
                           "credential": credential}
            if period is not None:
                params["t"] = period
                pull_params["period"] = period
            listings.append(Listing(SOURCES[1], "reddit", "reddit_posts", pull_params,
                                    f"/reddit/r/{subreddit}/{order}", params, "after", limit=REDDIT_LIMIT))
    return listings


def plan(base_url: str, reddit_credential: str) -> list[Listing]:
    """The whole workload. Walks every Bluesky search once: run it with no added latency."""
    with requests.Session() as session:
        return bluesky_searches(session, base_url) + reddit_listings(reddit_credential)
