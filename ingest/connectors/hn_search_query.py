"""What an HN Search query may say: its tags and numeric filters checked before anything is
sent, and the time window of a slice as Algolia's `numericFilters` on `created_at_i`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from ingest.errors import ParameterError

TYPE_TAGS = ("story", "comment", "poll", "pollopt", "job", "show_hn", "ask_hn", "front_page")
AUTHOR_TAG = re.compile(r"author_[A-Za-z0-9_-]+")
STORY_TAG = re.compile(r"story_\d+")
TAG_TERM = re.compile(r"\([^()]*\)|[^,()]+|[()]")
FILTERED_NUMBERS = ("points", "num_comments")
NUMERIC_CONDITION = re.compile(r"\s*([A-Za-z_]+)\s*(<=|>=|!=|<|>|=)\s*(-?\d+(?:\.\d+)?)\s*")
TIME_ATTRIBUTE = "created_at_i"
TAGS_EXAMPLE = "e.g. tags='story,author_pg' (comma: AND) or tags='(story,poll)' (parentheses: OR)"


def check_tags(source: str, tags: str) -> None:
    """ParameterError naming the wrong part unless `tags` is a comma-separated list of tags and
    parenthesised groups of them."""
    terms = TAG_TERM.findall(tags)
    if not terms:
        raise ParameterError(f"{source}: tags={tags!r} names no tag; {TAGS_EXAMPLE}.")
    for term in terms:
        if term in ("(", ")"):
            raise ParameterError(f"{source}: tags={tags!r} has an unbalanced parenthesis; {TAGS_EXAMPLE}.")
        for tag in term.strip().strip("()").split(","):
            tag = tag.strip()
            if tag not in TYPE_TAGS and not AUTHOR_TAG.fullmatch(tag) and not STORY_TAG.fullmatch(tag):
                raise ParameterError(
                    f"{source}: tags has an unknown tag {tag!r}; use {', '.join(TYPE_TAGS)}, author_<name> "
                    f"or story_<id>, {TAGS_EXAMPLE}.")


def check_numeric_filters(source: str, filters: str) -> None:
    """ParameterError unless `filters` is comma-separated conditions on points and num_comments;
    times are the pull's since and until, which slicing needs to own."""
    conditions = [part for part in filters.split(",") if part.strip()]
    if not conditions:
        raise ParameterError(f"{source}: numeric_filters={filters!r} holds no condition, e.g. 'points>100'.")
    for part in conditions:
        match = NUMERIC_CONDITION.fullmatch(part)
        if match is None:
            raise ParameterError(f"{source}: numeric_filters has {part.strip()!r}, which is not "
                                 "<attribute><operator><number>, e.g. 'points>100,num_comments>=10'.")
        if match.group(1) == TIME_ATTRIBUTE:
            raise ParameterError(f"{source}: give the time bounds as since= and until= (datetimes), not as "
                                 f"{TIME_ATTRIBUTE} in numeric_filters.")
        if match.group(1) not in FILTERED_NUMBERS:
            raise ParameterError(f"{source}: numeric_filters can filter on {' and '.join(FILTERED_NUMBERS)} "
                                 f"(and time through since/until), not {match.group(1)!r}.")


@dataclass(frozen=True)
class Window:
    """Seconds [oldest, newest] of created_at_i, both inclusive; None is unbounded."""

    oldest: int | None = None
    newest: int | None = None

    @classmethod
    def between(cls, since: datetime | None, until: datetime | None) -> Window:
        return cls(math.ceil(since.timestamp()) if since else None,
                   math.floor(until.timestamp()) if until else None)

    @classmethod
    def of(cls, stored: list | None) -> Window:
        oldest, newest = stored or (None, None)
        return cls(oldest, newest)

    def to_list(self) -> list:
        return [self.oldest, self.newest]

    def numeric_filters(self, others: str | None) -> str:
        conditions = [part.strip() for part in (others or "").split(",") if part.strip()]
        if self.oldest is not None:
            conditions.append(f"{TIME_ATTRIBUTE}>={self.oldest}")
        if self.newest is not None:
            conditions.append(f"{TIME_ATTRIBUTE}<={self.newest}")
        return ",".join(conditions)

    def ending(self, newest: int) -> Window:
        return Window(self.oldest, newest)
