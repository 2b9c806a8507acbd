"""The scenario: rate limits, hidden limits and faults per API, set at start or at runtime.

Format (YAML or JSON; every key optional):

    time_scale: 1.0        # divides every window: 100 makes Mastodon's 300 s window 3 s
    limit_scale: 1.0       # multiplies every limit (rounded, at least 1)
    fault_seed: 0          # seed of the generator that decides which requests fail
    apis:
      "*": {...}           # defaults for every API, overridden key by key below
      mastodon:
        rate_limits:       # replaces the documented limits of this API
          - {limit: 30, window: 3, scope: credential, anonymous_limit: 30}
        hidden_limits:     # enforced with no header and no hint in the answer (shapes below)
          - {limit: 10, window: 1, scope: global, status: [429, 503]}
          - {shape: token_bucket, rate: 5, burst: 20, routes: ["/api/v1/statuses/"], slowdown: 0.5}
        retry_after: false # send Retry-After on 429
        latency: {fixed: 0.0, jitter: 0.0}       # seconds; jitter is uniform in [0, jitter)
        errors: {"500": 0.0, "502": 0.0, "503": 0.0}   # share of requests answered so
                                                  # (also 401, 403, 404: the API's error body)
        hang: {rate: 0.0, seconds: 30.0}          # hold the request, then close unanswered
        drop: 0.0                                 # close the connection without an answer
        outages: [{start: 5.0, end: 10.0, status: 503}]  # seconds after the scenario is set
        malformed: {truncated: 0.0, html_200: 0.0, wrong_content_type: 0.0, non_utf8: 0.0}
        payloads:                                 # odd but valid JSON, on each record of a page
          {huge: 0.0, huge_bytes: 1000000,        #   a string field of huge_bytes characters
           odd_keys: 0.0,                         #   keys with `$` and dots
           deep: 0.0, deep_levels: 150}           #   objects nested deep_levels deep
        cursor_repeat: 0.0                        # share of pages whose next cursor is the one just used
        duplicate_in_page: 0.0                    # share of list pages holding their first record twice in a row
        fault_routes: ["/v0/item/"]               # faults above hit only paths starting so (default: all)
      reddit:                                     # also bsky, and oauth2 (the token server)
        auth: {token_ttl: 3600, refuse: ["banned_user"]}   # bsky also refresh_ttl; see below

`auth` sets the token endpoints' lifetimes and the accounts they refuse. Defaults: reddit
token_ttl 3600; bsky token_ttl 7200 (access) and refresh_ttl 7776000 (90 days); oauth2
token_ttl 3600. Like windows, a lifetime is divided by `time_scale` when a token is issued
(rounded down to whole seconds, at least 1): the token lives exactly the `expires_in` (or JWT
`exp`) it is issued with, and `limit_scale` does not touch it. A refused account (Reddit
username or client id, Bluesky identifier, OAuth2 client id) gets no token, and the tokens it
already holds are refused from the moment the scenario is set. Setting a scenario keeps the
tokens already issued, with their lifetimes. createSession's own limit windows (30 per 300 s,
300 per day) are divided by `time_scale` as well; their limits stay.

Hidden limits: each entry is one rule of one `shape`:
- `fixed_window` (when `shape` is absent): at most `limit` requests per `window` seconds, in
  windows aligned to multiples of their length; every request counts, refused ones included.
- `sliding_window`: at most `limit` accepted requests in any trailing `window` seconds. Only
  accepted requests count, as in a server's sliding log of what it let through: a client that
  keeps asking while refused gets in as soon as the oldest accepted request leaves the window
  (counting refusals would shut it out for as long as it retries: a penalty, not a rate).
- `token_bucket`: `burst` tokens, full at first, refilled at `rate` per second; a request takes
  a token or is refused (a refusal takes none).
- `concurrency`: at most `limit` requests in flight at once, from arrival until the answer is
  sent (latency and slowdown included; a hang until it closes; a request whose client left
  until its answer would have been sent); one more is refused at once, before any latency.
Every shape also takes `scope` (default `global`), `status` (429, 503 or a list of them answered
in turn; default 429), `routes` (path prefixes within the API, as `fault_routes`: the rule
counts and refuses only those routes; default all) and `slowdown` (seconds, default 0): when a
request is accepted and leaves the rule at a use u of one half or more (count / limit in the
window, log length / limit, 1 - tokens / burst, in flight / limit; this request included), its
answer waits slowdown * (u - 0.5) / 0.5 on top of the latency (the largest wait of the rules it
passed). `time_scale` divides `window` and multiplies `rate`; `limit_scale` multiplies `limit`,
`burst` and `rate` (counts rounded, at least 1). Concurrency rules judge a request on arrival,
the others after the latency, the credential check and any outage; the first rule to refuse
answers and the rules judging with it take nothing (fixed windows still count the request).
Setting a scenario applies new figures at once. A hidden rule at the same place of the same API
with the same shape, scope and routes keeps its state: the current fixed window's count (when
the window length is unchanged), the sliding log, the bucket's tokens (earned at the old rate up
to the change, then capped at the new burst: a bigger bucket is not filled for free), the
requests in flight, and its counters; any other rule starts afresh, and published windows
restart. `/_admin/counters` shows, per API, per hidden rule in order: `shape`, `accepted`,
`refused`, `in_flight` and `peak_in_flight`.

Scopes: `credential` counts per token, or per account for a token the sandbox issued
(anonymous requests count per client address, against `anonymous_limit` when given), `ip` per
client address, `global` across all clients.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.auth_rules import AUTH_APIS, AuthRules, auth_rules
from sandbox.hidden_rules import HiddenRule, hidden_rules, route_prefixes, scope_of
from sandbox.scenario_values import ScenarioError, integer as _integer, mapping as _mapping
from sandbox.scenario_values import number as _number, share as _rate

API_NAMES = ("mastodon", "reddit", "hn", "bsky", "github", "algolia")
ERROR_STATUSES = (401, 403, 404, 500, 502, 503)
MALFORMED_KINDS = ("truncated", "html_200", "wrong_content_type", "non_utf8")
PAYLOAD_KINDS = ("huge", "odd_keys", "deep")
PAYLOAD_KEYS = (*PAYLOAD_KINDS, "huge_bytes", "deep_levels")
API_KEYS = ("rate_limits", "hidden_limits", "retry_after", "latency", "errors", "hang", "drop",
            "outages", "malformed", "payloads", "cursor_repeat", "fault_routes",
            "duplicate_in_page")


@dataclass(frozen=True)
class RateRule:
    limit: int
    window: float
    scope: str = "credential"
    anonymous_limit: int | None = None


@dataclass(frozen=True)
class Outage:
    start: float
    end: float
    status: int = 503


@dataclass(frozen=True)
class ApiScenario:
    rate_limits: tuple[RateRule, ...]
    hidden_limits: tuple[HiddenRule, ...] = ()
    retry_after: bool = False
    latency_fixed: float = 0.0
    latency_jitter: float = 0.0
    errors: tuple[tuple[int, float], ...] = ()
    hang_rate: float = 0.0
    hang_seconds: float = 30.0
    drop_rate: float = 0.0
    outages: tuple[Outage, ...] = ()
    malformed: tuple[tuple[str, float], ...] = ()
    payloads: tuple[tuple[str, float], ...] = ()
    huge_bytes: int = 1_000_000
    deep_levels: int = 150
    cursor_repeat: float = 0.0
    duplicate_in_page: float = 0.0
    fault_routes: tuple[str, ...] = ()

    @property
    def has_random_faults(self) -> bool:
        return bool(self.errors or self.hang_rate or self.drop_rate)

    def faults_hit(self, route_path: str) -> bool:
        """Whether outages, random faults and malformed bodies apply to this route."""
        return not self.fault_routes or route_path.startswith(self.fault_routes)


DOCUMENTED_LIMITS: dict[str, dict[str, Any]] = {
    "mastodon": {"rate_limits": [{"limit": 300, "window": 300.0, "scope": "credential"},
                                 {"limit": 300, "window": 300.0, "scope": "ip"}]},
    "reddit": {"rate_limits": [{"limit": 600, "window": 600.0, "scope": "credential"}]},
    "hn": {"rate_limits": [],
           "hidden_limits": [{"limit": 600, "window": 10.0, "scope": "global", "status": [503]}]},
    "bsky": {"rate_limits": [{"limit": 3000, "window": 300.0, "scope": "ip"}], "retry_after": True},
    "github": {"rate_limits": [{"limit": 5000, "window": 3600.0, "scope": "credential",
                                "anonymous_limit": 60}]},
    "algolia": {"rate_limits": [{"limit": 10000, "window": 3600.0, "scope": "ip"}]},
}


@dataclass(frozen=True)
class Scenario:
    apis: dict[str, ApiScenario]
    auth: dict[str, AuthRules] = field(default_factory=dict)
    time_scale: float = 1.0
    limit_scale: float = 1.0
    fault_seed: int = 0
    source: dict[str, Any] = field(default_factory=dict)

    def api(self, name: str) -> ApiScenario:
        return self.apis[name]

    def window(self, seconds: float) -> float:
        return seconds / self.time_scale

    def limit(self, count: int) -> int:
        return max(1, round(count * self.limit_scale))


def _rate_rules(value: Any, where: str) -> tuple[RateRule, ...]:
    if not isinstance(value, list):
        raise ScenarioError(f"{where} must be a list")
    rules = []
    for index, entry in enumerate(value):
        here = f"{where}[{index}]"
        entry = _mapping(entry, here, ("limit", "window", "scope", "anonymous_limit"))
        anonymous = entry.get("anonymous_limit")
        rules.append(RateRule(
            limit=_integer(entry.get("limit"), f"{here}.limit"),
            window=_number(entry.get("window"), f"{here}.window", minimum=0.001),
            scope=scope_of(entry.get("scope", "credential"), f"{here}.scope"),
            anonymous_limit=None if anonymous is None else _integer(anonymous, f"{here}.anonymous_limit"),
        ))
    return tuple(rules)


def _outages(value: Any, where: str) -> tuple[Outage, ...]:
    if not isinstance(value, list):
        raise ScenarioError(f"{where} must be a list")
    outages = []
    for index, entry in enumerate(value):
        here = f"{where}[{index}]"
        entry = _mapping(entry, here, ("start", "end", "status"))
        start = _number(entry.get("start"), f"{here}.start")
        end = _number(entry.get("end"), f"{here}.end")
        if end <= start:
            raise ScenarioError(f"{here}.end must come after its start")
        outages.append(Outage(start, end, _integer(entry.get("status", 503), f"{here}.status", 500)))
    return tuple(outages)


def _api(name: str, settings: dict[str, Any]) -> ApiScenario:
    where = f"apis.{name}"
    settings = _mapping(settings, where, API_KEYS)
    latency = _mapping(settings.get("latency", {}), f"{where}.latency", ("fixed", "jitter"))
    hang = _mapping(settings.get("hang", {}), f"{where}.hang", ("rate", "seconds"))
    errors = _mapping({str(k): v for k, v in settings.get("errors", {}).items()}, f"{where}.errors",
                      tuple(str(s) for s in ERROR_STATUSES))
    malformed = _mapping(settings.get("malformed", {}), f"{where}.malformed", MALFORMED_KINDS)
    payloads = _mapping(settings.get("payloads", {}), f"{where}.payloads", PAYLOAD_KEYS)
    retry_after = settings.get("retry_after", False)
    if not isinstance(retry_after, bool):
        raise ScenarioError(f"{where}.retry_after must be true or false")
    error_rates = tuple((int(s), _rate(r, f"{where}.errors.{s}")) for s, r in errors.items() if r)
    if sum(rate for _, rate in error_rates) > 1.0:
        raise ScenarioError(f"{where}.errors add up to more than 1")
    return ApiScenario(
        rate_limits=_rate_rules(settings.get("rate_limits", []), f"{where}.rate_limits"),
        hidden_limits=hidden_rules(settings.get("hidden_limits", []), f"{where}.hidden_limits"),
        retry_after=retry_after,
        latency_fixed=_number(latency.get("fixed", 0.0), f"{where}.latency.fixed"),
        latency_jitter=_number(latency.get("jitter", 0.0), f"{where}.latency.jitter"),
        errors=error_rates,
        hang_rate=_rate(hang.get("rate", 0.0), f"{where}.hang.rate"),
        hang_seconds=_number(hang.get("seconds", 30.0), f"{where}.hang.seconds"),
        drop_rate=_rate(settings.get("drop", 0.0), f"{where}.drop"),
        outages=_outages(settings.get("outages", []), f"{where}.outages"),
        malformed=tuple((k, _rate(v, f"{where}.malformed.{k}")) for k, v in malformed.items() if v),
        payloads=tuple((k, _rate(payloads[k], f"{where}.payloads.{k}")) for k in PAYLOAD_KINDS if payloads.get(k)),
        huge_bytes=_integer(payloads.get("huge_bytes", 1_000_000), f"{where}.payloads.huge_bytes"),
        deep_levels=_integer(payloads.get("deep_levels", 150), f"{where}.payloads.deep_levels"),
        cursor_repeat=_rate(settings.get("cursor_repeat", 0.0), f"{where}.cursor_repeat"),
        duplicate_in_page=_rate(settings.get("duplicate_in_page", 0.0), f"{where}.duplicate_in_page"),
        fault_routes=route_prefixes(settings.get("fault_routes", []), f"{where}.fault_routes"),
    )


def parse_scenario(document: Any) -> Scenario:
    """Validate a scenario document (already parsed from YAML or JSON) into a Scenario."""
    document = {} if document is None else document
    document = _mapping(document, "scenario", ("time_scale", "limit_scale", "fault_seed", "apis"))
    apis_section = _mapping(document.get("apis", {}), "apis", API_NAMES + ("oauth2", "*"))
    shared = apis_section.get("*", {})
    _mapping(shared, "apis.*", API_KEYS)
    apis = {}
    for name in API_NAMES:
        own = _mapping(apis_section.get(name, {}), f"apis.{name}",
                       API_KEYS + (("auth",) if name in AUTH_APIS else ()))
        own = {key: value for key, value in own.items() if key != "auth"}
        apis[name] = _api(name, {**DOCUMENTED_LIMITS[name], **shared, **own})
    _mapping(apis_section.get("oauth2", {}), "apis.oauth2", ("auth",))
    fault_seed = document.get("fault_seed", 0)
    return Scenario(
        apis=apis,
        auth={name: auth_rules(name, apis_section.get(name, {}).get("auth")) for name in AUTH_APIS},
        time_scale=_number(document.get("time_scale", 1.0), "time_scale", minimum=1e-6),
        limit_scale=_number(document.get("limit_scale", 1.0), "limit_scale", minimum=1e-6),
        fault_seed=_integer(fault_seed, "fault_seed", minimum=0),
        source=json.loads(json.dumps(document)),
    )


def load_scenario_file(path: str | Path) -> Scenario:
    """Read a scenario from a .json, .yaml or .yml file."""
    text = Path(path).read_text(encoding="utf-8")
    if str(path).endswith(".json"):
        document = json.loads(text)
    else:
        import yaml

        document = yaml.safe_load(text)
    return parse_scenario(document)
