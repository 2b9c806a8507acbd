"""Mastodon search v2: accounts, statuses and hashtags matching a query, best first."""

from __future__ import annotations

from typing import Any

from sandbox.data.mastodon import DOMAIN, FLAG_UNLISTED, TAGS, MastodonData
from sandbox.timefmt import DATASET_END

HISTORY_DAYS = 7
DAY_MS = 86_400_000


def search_terms(query: str) -> str:
    return query.strip().lstrip("#@").lower()


def matching_accounts(data: MastodonData, query: str) -> list[int]:
    """Accounts whose username, handle or display name holds the query, most followed first."""
    terms = search_terms(query)
    if not terms:
        return []
    graph = data.graph()
    found = [a for a in range(data.account_count)
             if terms in data.acct(a).lower() or terms in data.account_json(a)["display_name"].lower()]
    return sorted(found, key=lambda a: (-len(graph.followers[a]), a))


def matching_statuses(data: MastodonData, query: str) -> list[int]:
    """Public statuses tagged with the query's word, newest first."""
    terms = search_terms(query)
    if terms not in TAGS:
        return []
    tag = TAGS.index(terms)
    return [i for i in range(data.count - 1, -1, -1)
            if tag in data.tags[i] and not data.flags[i] & FLAG_UNLISTED]


def matching_tags(data: MastodonData, query: str) -> list[int]:
    """Hashtags starting with the query, most used first."""
    terms = search_terms(query)
    if not terms:
        return []
    uses = tag_uses(data)
    found = [t for t, name in enumerate(TAGS) if name.startswith(terms)]
    return sorted(found, key=lambda t: (-uses[t], TAGS[t]))


def tag_uses(data: MastodonData) -> list[int]:
    uses = [0] * len(TAGS)
    for tags in data.tags:
        for tag in tags:
            uses[tag] += 1
    return uses


def tag_json(data: MastodonData, tag: int, authenticated: bool) -> dict[str, Any]:
    """The Tag entity with its usage over the last days, newest day first."""
    end_day = int(DATASET_END * 1000) // DAY_MS
    days: dict[int, tuple[int, set[int]]] = {}
    for index in range(data.count - 1, -1, -1):
        day = (data.ids[index] >> 16) // DAY_MS
        if day <= end_day - HISTORY_DAYS:
            break
        if tag in data.tags[index]:
            count, authors = days.get(day, (0, set()))
            days[day] = (count + 1, authors | {data.authors[index]})
    history = []
    for day in range(end_day, end_day - HISTORY_DAYS, -1):
        count, authors = days.get(day, (0, set()))
        history.append({"day": str(day * 86_400), "accounts": str(len(authors)), "uses": str(count)})
    name = TAGS[tag]
    result: dict[str, Any] = {"name": name, "url": f"https://{DOMAIN}/tags/{name}", "history": history}
    if authenticated:
        result["following"] = False
    return result
