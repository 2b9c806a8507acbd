"""The HN Search index: every live Hacker News item of the sandbox as an Algolia hit, so that a
search answers the same items, authors and times as the Firebase routes.

Built on first use and again whenever items were added to the Hacker News data. Words are
matched as prefixes (Algolia's `prefixAll` on HN Search); tags are the item's type, `ask_hn` /
`show_hn`, `front_page` for the first 30 of the top list, `author_<name>` and `story_<id>`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

from sandbox.data.hn import FIRST_ID, HackerNewsData
from sandbox.timefmt import iso_millis

WORD = re.compile(r"[a-z0-9]+")
FRONT_PAGE = 30
SEARCHED = ("title", "story_text", "comment_text", "url", "author")
HIGHLIGHTED = {"story": ("title", "url", "author", "story_text"),
               "comment": ("comment_text", "author", "story_title", "story_url")}


def words(text: str | None) -> list[str]:
    return WORD.findall((text or "").lower())


@dataclass(frozen=True)
class Hit:
    """One indexed item: its hit without highlights, and what filters and orders read."""

    document: dict[str, Any]
    tags: frozenset[str]
    time: int
    item_id: int

    def number(self, attribute: str) -> float | None:
        value = self.document.get(attribute)
        return float(value) if isinstance(value, (int, float)) else None


class HackerNewsSearch:
    def __init__(self, items: HackerNewsData) -> None:
        self.items = items
        self._built_for = -1
        self.hits: list[Hit] = []
        self._vocabulary: list[str] = []
        self._postings: dict[str, list[int]] = {}

    def add(self, count: int, **options: Any) -> list[int]:
        raise ValueError("add items to the 'hn' API: the search index follows it")

    def drop_added(self) -> None:
        """Nothing of its own: the index is rebuilt from the Hacker News data when that changes."""

    def index(self) -> list[Hit]:
        if self._built_for != self.items.max_item:
            self._build()
        return self.hits

    def matching(self, query: str) -> list[int]:
        """Positions of the hits holding every word of `query` as a word or a word's prefix."""
        hits = self.index()
        wanted = words(query)
        if not wanted:
            return list(range(len(hits)))
        found: set[int] | None = None
        for word in wanted:
            positions: set[int] = set()
            start = bisect_left(self._vocabulary, word)
            for known in self._vocabulary[start:]:
                if not known.startswith(word):
                    break
                positions.update(self._postings[known])
            found = positions if found is None else found & positions
        return sorted(found or ())

    def _build(self) -> None:
        data = self.items
        front = set(data.story_list("top")[:FRONT_PAGE])
        stories = {}
        hits: list[Hit] = []
        for item_id in range(FIRST_ID, data.max_item + 1):
            item = data.item_json(item_id)
            if item is None or item.get("deleted") or item.get("dead"):
                continue
            if item["type"] == "comment":
                story_id = data.starts[data.locate(item_id)[0]]
                hits.append(_comment_hit(item, story_id, stories.get(story_id, {})))
            else:
                stories[item_id] = item
                hits.append(_story_hit(item, item_id in front))
        postings: dict[str, list[int]] = {}
        for position, hit in enumerate(hits):
            for word in {w for attribute in SEARCHED for w in words(hit.document.get(attribute))}:
                postings.setdefault(word, []).append(position)
        self.hits, self._postings = hits, postings
        self._vocabulary = sorted(postings)
        self._built_for = data.max_item


def _base(item: dict, story_id: int) -> dict[str, Any]:
    return {"created_at": iso_millis(item["time"] * 1000), "title": None, "url": None, "author": item.get("by"),
            "points": None, "story_text": None, "comment_text": None, "num_comments": None,
            "story_id": story_id, "story_title": None, "story_url": None, "parent_id": None,
            "created_at_i": item["time"]}


def _story_hit(item: dict, on_front_page: bool) -> Hit:
    document = _base(item, item["id"])
    document.update(title=item.get("title"), url=item.get("url"), points=item.get("score"),
                    story_text=item.get("text"), num_comments=item.get("descendants"))
    tags = [item["type"], f"author_{item['by']}", f"story_{item['id']}"]
    title = item.get("title") or ""
    if title.startswith("Ask HN:"):
        tags.append("ask_hn")
    elif title.startswith("Show HN:"):
        tags.append("show_hn")
    if on_front_page:
        tags.append("front_page")
    return _hit(item, document, tags)


def _comment_hit(item: dict, story_id: int, story: dict) -> Hit:
    document = _base(item, story_id)
    document.update(comment_text=item.get("text"), parent_id=item["parent"],
                    story_title=story.get("title"), story_url=story.get("url"))
    return _hit(item, document, ["comment", f"author_{item['by']}", f"story_{story_id}"])


def _hit(item: dict, document: dict[str, Any], tags: list[str]) -> Hit:
    document["_tags"] = tags
    document["objectID"] = str(item["id"])
    return Hit(document, frozenset(tags), int(item["time"]), int(item["id"]))


def highlighted(hit: Hit, query: str) -> dict[str, Any]:
    """Algolia's `_highlightResult` of a hit for `query`: matched prefixes wrapped in <em>."""
    wanted = words(query)
    kind = "comment" if "comment" in hit.tags else "story"
    result = {}
    for attribute in HIGHLIGHTED[kind]:
        text = hit.document.get(attribute)
        if text is None:
            continue
        matched = sorted({w for w in wanted if any(token.startswith(w) for token in words(text))})
        level = "none" if not matched else "full" if len(matched) == len(set(wanted)) else "partial"
        result[attribute] = {"value": _emphasised(text, matched), "matchLevel": level, "matchedWords": matched}
    return result


def _emphasised(text: str, matched: list[str]) -> str:
    if not matched:
        return text
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(matched, key=len, reverse=True))) + ")",
                         re.IGNORECASE)
    return pattern.sub(r"<em>\1</em>", text)
