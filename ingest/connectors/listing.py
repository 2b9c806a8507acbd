"""What every listing shares: the common parameters, page sizes under `limit`, time bounds,
the items a page keeps and the page that follows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from ingest.connectors.base import Request, Response
from ingest.connectors.paginators import Paginator
from ingest.connectors.times import spec_time
from ingest.connectors.validation import Param

Item = TypeVar("Item")


def common_params(default_base_url: str, *, credential_help: str | None = None) -> tuple[Param, ...]:
    """The parameters every connector declares, in the order the help shows them."""
    params = [
        Param("base_url", str, default_base_url,
              "scheme and host (and path prefix) of the API; the real service by default"),
        Param("limit", int, None, "stop after this many top-level items: the posts, stories, statuses or hits "
              "the query lists, as the API answers them (a repeated one counts again); the comments, "
              "replies and accounts fetched for them come on top (None: no limit)", minimum=1),
        Param("since", datetime, None, "keep only items created at or after this time"),
        Param("until", datetime, None, "keep only items created at or before this time"),
        Param("max_pages", int, None, "stop each listing after this many pages", minimum=1),
        Param("incremental", bool, False,
              "resume from the newest item of earlier pulls of the same query"),
        Param("contact", str, "", "a contact (e-mail or URL) sent in the User-Agent"),
    ]
    if credential_help is not None:
        params.append(Param("credential", str, None, credential_help + "; a list spreads the calls over a pool",
                            many=True))
    return tuple(params)


def credential_names(spec: dict) -> list[str]:
    """The credentials a pull names in its `credential` parameter: none, one, or a pool of several."""
    named = spec.get("credential")
    return [] if not named else [named] if isinstance(named, str) else list(named)


def emitted(request: Request) -> int:
    """Records this listing emitted on the pages before this one."""
    return int(request.context.get("emitted", 0))


def page_size(spec: dict, already: int, largest: int) -> int:
    """The largest page the API allows, or fewer when fewer records are missing."""
    limit = spec.get("limit")
    if limit is None:
        return largest
    return max(1, min(largest, limit - already))


def bounded_listing_calls(spec: dict, largest: int) -> int | None:
    """Calls of a listing read in pages of `largest` records: enough for `limit`, at most
    `max_pages`; None when neither bounds it."""
    bounds = [-(-spec["limit"] // largest)] if spec.get("limit") is not None else []
    if spec.get("max_pages") is not None:
        bounds.append(spec["max_pages"])
    return min(bounds) if bounds else None


def most_items(spec: dict, pages: int, largest: int) -> int:
    """The most records `pages` pages of `largest` can give a listing bounded by `limit`."""
    return min(spec["limit"] or pages * largest, pages * largest)


def limit_reached(spec: dict, count: int) -> bool:
    limit = spec.get("limit")
    return limit is not None and count >= limit


@dataclass(frozen=True)
class TimeBounds:
    """A pull's [since, until] window; `since` may be raised by a watermark."""

    since: datetime | None
    until: datetime | None

    @classmethod
    def of(cls, spec: dict) -> TimeBounds:
        return cls(spec_time(spec, "since"), spec_time(spec, "until"))

    def keeps(self, moment: datetime | None) -> bool:
        """Whether an item at `moment` belongs to the pull; items without a time are kept."""
        if moment is None:
            return True
        if self.since is not None and moment < self.since:
            return False
        return self.until is None or moment <= self.until

    def passed(self, oldest: datetime | None) -> bool:
        """For newest-first listings: the page reached back before `since`, so stop."""
        return self.since is not None and oldest is not None and oldest < self.since


def _created_at(record: Any) -> datetime | None:
    return record.created_at


def kept_items(spec: dict, request: Request, bounds: TimeBounds, items: list[Item],
               moment: Callable[[Item], datetime | None] = _created_at) -> tuple[list[Item], int]:
    """The items of a page the listing keeps: those inside `bounds`, cut to what `limit`
    leaves after the records emitted on the pages before; and the listing's count after them.

    `moment` gives an item's time; by default the item is a Record and it is its created_at."""
    before = emitted(request)
    kept = [item for item in items if bounds.keeps(moment(item))]
    if spec["limit"] is not None:
        kept = kept[:max(0, spec["limit"] - before)]
    return kept, before + len(kept)


def following_page(paginator: Paginator, response: Response, items: list[Any], request: Request,
                   total: int, **params: Any) -> Request | None:
    """The page after this one as `paginator` reads it from the answer, or None at the end.

    It carries `total`, the records the listing emitted so far, and `params` (a smaller page
    size, say) in its query."""
    paginator.update_state(response, items)
    following = paginator.next_request(request)
    if following is None:
        return None
    return replace(following, params={**following.params, **params},
                   context={**following.context, "emitted": total})
