"""Why a running job waits, from what the stack already knows: its nodes parked in waiting
rooms, the limiter's snapshot of its limits, and its spec (credentials given or not)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from typing import Any, Mapping
from urllib.parse import urlsplit

from ingest import connectors
from ingest.connectors.base import Connector
from ingest.connectors.listing import credential_names
from ingest.jobtree.states import JobState, NodeState
from ingest.limits import KnownLimit, LimitScope, known_limits_with_overrides
from ingest.limits.describe import NextCall, adaptive_next_call, known_next_call, limit_text, limit_words
from ingest.view.waits import Remedy, WaitReason

SERVICES = {"mastodon": "Mastodon", "reddit": "Reddit", "hackernews": "Hacker News", "hn_search": "HN Search",
            "bluesky": "Bluesky"}
API_HOSTS = {"api.github.com": "GitHub"}  # the services REST definitions call, by their real host
ADAPTIVE = "no published limit: the rate is being found from the API's answers"


def wait_reason(document: Mapping[str, Any], limiter_snapshot: Mapping[str, Mapping[str, Mapping[str, Any]]],
                parked: Mapping[str, int], nodes: Mapping[str, int], now: float,
                tz: tzinfo | None = None, due: float | None = None) -> WaitReason | None:
    """Why the job of `document` waits, or None when it does not run or nothing of it waits.

    `limiter_snapshot` is `Limiter.snapshot(source)`; `parked` the job's nodes in waiting rooms
    by limit; `nodes` its nodes by state; `now` unix seconds; `tz` the zone the next call's
    time is shown in (the local one by default); `due` when its waiting rooms release their
    next node (`RoomStore.job_due`), which makes a next call under spaced calls exact."""
    waiting = max(sum(parked.values()), int(nodes.get(NodeState.WAITING.value, 0)))
    if document.get("state") != JobState.RUNNING.value or not waiting:
        return None
    source, spec = document["source"], document["spec"]
    connector = connectors.get(source).for_spec(spec)
    names = credential_names(spec)
    known = known_limits_with_overrides(connector.known_limits(spec), (document.get("options") or {}).get("limits"))
    hosts = limiter_snapshot.get(source) or {}
    service = service_name(source, spec)
    if not known:
        entry = _first(hosts, _host(spec), lambda entry: entry.get("mode") == "adaptive")
        next_call = _exact(adaptive_next_call(entry) if entry is not None else None, due, now)
        return _reason(service, ADAPTIVE, waiting, next_call, now, tz, ())
    found = None
    for host in _hosts_in_order(hosts, _host(spec)):
        scopes = [LimitScope(source, host, name, known=known) for name in (names or [None])]
        found = known_next_call(hosts[host], scopes)
        if found is not None:
            break
    limit, next_call = found if found is not None else (min(known, key=lambda each: each.requests / each.window), None)
    next_call = _exact(next_call, due, now)
    text = limit_text(limit, len(names), next_call.requests if next_call is not None else None)
    if next_call is not None and next_call.stated_by_api and next_call.requests != limit.requests:
        text += f", as the API states it ({limit_words(limit.requests, limit.window)} published)"
    return _reason(service, text, waiting, next_call, now, tz, remedies(connector, spec, names, limit, service))


def remedies(connector: Connector, spec: Mapping[str, Any], names: list[str], limit: KnownLimit,
             service: str) -> tuple[Remedy, ...]:
    """What would let calls under `limit` go faster: a credential, a pool, a looser `limits=`."""
    found: list[Remedy] = []
    if limit.explicit:
        published = min(connector.known_limits(dict(spec)), key=lambda each: each.requests / each.window, default=None)
        if published is not None:
            found.append(Remedy(f"a looser `limits=` option, or none: the source's limit is "
                                f"{limit_text(published, len(names))}"))
    kinds = connector.credential_kinds(dict(spec))
    counted_per_credential = "credential" in limit.per
    if kinds and not names:
        with_one = connector.known_limits({**spec, "credential": "any"})
        better = [each for each in with_one if each.requests / each.window > limit.requests / limit.window]
        how = f"`ingest credentials add NAME --kind {kinds[0]}`, then `pull(..., credential=\"NAME\")`"
        if better and not limit.explicit:
            found.append(Remedy(f"a credential: {service} allows {limit_words(better[0].requests, better[0].window)} "
                                "with one", how))
        elif counted_per_credential:
            found.append(Remedy("a credential: its calls are counted apart", how))
    if kinds and counted_per_credential and takes_pool(connector):
        found.append(Remedy("a pool of credentials, each with its own limit",
                            "`pull(..., credential=[\"NAME1\", \"NAME2\"])`"))
    return tuple(found)


def takes_pool(connector: Connector) -> bool:
    return any(param.name == "credential" and param.many for param in connector.params)


def service_name(source: str, spec: Mapping[str, Any]) -> str:
    """The service a pull calls, as its users name it: 'GitHub' for a REST preset of GitHub's API."""
    if source in SERVICES:
        return SERVICES[source]
    definition = spec.get("definition") or {}
    host = urlsplit(definition.get("base_url") or spec.get("base_url") or "").netloc
    return API_HOSTS.get(host) or host or source


def _reason(service: str, limit: str, waiting: int, next_call: NextCall | None, now: float,
            tz: tzinfo | None, found: tuple[Remedy, ...]) -> WaitReason:
    if next_call is None:
        return WaitReason(service, limit, waiting, remedies=found)
    moment = datetime.fromtimestamp(now, tz) + timedelta(seconds=next_call.seconds)
    if tz is None:
        moment = moment.astimezone()
    return WaitReason(service, limit, waiting, next_call.cause, moment, next_call.seconds, next_call.at_most, found)


def _exact(next_call: NextCall | None, due: float | None, now: float) -> NextCall | None:
    """A bound made exact by the moment the waiting room releases the job's next node."""
    if next_call is None or not next_call.at_most or due is None:
        return next_call
    return replace(next_call, seconds=max(0.0, due - now), at_most=False)


def _host(spec: Mapping[str, Any]) -> str:
    return urlsplit(spec.get("base_url") or "").netloc


def _hosts_in_order(hosts: Mapping[str, Any], first: str) -> list[str]:
    """The base URL's host first: a source may call other hosts than its base URL's."""
    return sorted(hosts, key=lambda host: host != first)


def _first(hosts: Mapping[str, Mapping[str, Any]], first: str, wanted) -> Mapping[str, Any] | None:
    return next((hosts[host] for host in _hosts_in_order(hosts, first) if wanted(hosts[host])), None)
