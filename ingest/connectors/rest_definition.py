"""The declarative description of a JSON API for the rest connector, and its validation.

A definition is plain data (a dict, loadable from JSON or YAML). Validation returns it with
every optional field filled in, or raises ParameterError naming the field and the fix::

    name: github_issues              # records go to the collection rest_<name>
    base_url: https://api.github.com
    path: /repos/{owner}/{repo}/issues   # {placeholders} are arguments
    arguments:                       # what the user passes to ingest.pull
      owner: {type: str, help: repository owner}
      state: {type: str, default: open, choices: [open, closed, all]}
    query: {direction: desc}         # fixed query parameters
    headers: {Accept: application/vnd.github+json}   # fixed, never a secret
    page_size: {param: per_page, max: 100}
    paginator: {type: link_header}   # none, link_header, body_cursor, header_cursor,
                                     # page_number, offset
    records_path: null               # dotted path to the list of records; null: the body
    id_fields: [id]                  # dotted paths work here and below, e.g. [sha], [user.id]
    key_scope: host                  # host: keys are "<host>:<id>"; global: "<id>"
    created_at_field: created_at     # or nested: commit.committer.date
    order: newest_first              # newest_first, oldest_first, unordered; or rules
                                     # picked by the arguments, the first that matches:
                                     #   - {when: {sort: created, direction: desc}, order: newest_first}
                                     #   - {order: unordered}     # the last one, without when
    time_params: {since: since, until: until}   # send the pull's since/until to the API as
                                     # these query parameters (ISO-8601 UTC); only where the API
                                     # filters on created_at_field or on a time never earlier
    auth: {header: Authorization, format: "Bearer {secret}"}
                                     # + credential_kind: oauth2_client_credentials, when the
                                     # token comes from an OAuth2 token endpoint (default bearer)
    rate_limit: {limit: x-ratelimit-limit, remaining: x-ratelimit-remaining,
                 reset: x-ratelimit-reset, reset_kind: epoch, window: 3600}
    known_limit: {requests: 60, requests_with_credential: 5000, window: 3600}
    incremental: {field: updated_at, param: since}   # sent as the later of it and since
    group: core                      # the endpoint group the API limits on
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any, NoReturn

from ingest.errors import ParameterError
from ingest.connectors.paginators import PAGINATOR_FIELDS, PaginatorType
from ingest.connectors.validation import REQUIRED, Param
from ingest.limits.types import LIMIT_FACTORS


class ListingOrder(str, Enum):
    NEWEST_FIRST = "newest_first"
    OLDEST_FIRST = "oldest_first"
    UNORDERED = "unordered"


class KeyScope(str, Enum):
    HOST = "host"
    GLOBAL = "global"


class ResetKind(str, Enum):
    EPOCH = "epoch"
    SECONDS = "seconds"
    ISO = "iso"


ARGUMENT_TYPES = {"str": str, "int": int, "float": float, "bool": bool, "datetime": datetime,
                  "list": list}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_FIELDS = ("name", "base_url", "path", "arguments", "query", "headers", "page_size",
               "paginator", "records_path", "id_fields", "key_scope", "created_at_field", "order",
               "time_params", "auth", "rate_limit", "known_limit", "incremental", "group")


def validate_definition(raw: Any, reserved: tuple[str, ...] = ()) -> dict:
    """The definition with defaults filled in; ParameterError names the bad field and the fix."""
    given = _mapping(raw, "definition")
    _known_fields(given, _TOP_FIELDS, "")
    name = _text(given, "name", required=True)
    if not _NAME.match(name):
        _fail("name", f"is {name!r}", "use lowercase letters, digits and '_', e.g. 'github_issues'")
    base_url = _text(given, "base_url", required=True).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        _fail("base_url", f"is {base_url!r}", "start it with https:// (or http:// for a local server)")
    path = _text(given, "path", required=True)
    if not path.startswith("/"):
        _fail("path", f"is {path!r}", "start it with '/', e.g. '/repos/{owner}/{repo}/issues'")
    placeholders = [field for _, field, _, _ in string.Formatter().parse(path) if field]
    arguments = _arguments(given.get("arguments") or {}, placeholders, reserved)
    return {
        "name": name, "base_url": base_url, "path": path, "arguments": arguments,
        "query": dict(_mapping(given.get("query") or {}, "query")),
        "headers": _headers(given.get("headers") or {}),
        "page_size": _page_size(given.get("page_size")),
        "paginator": _paginator(given.get("paginator") or {"type": "none"}),
        "records_path": _text(given, "records_path") or None,
        "id_fields": _id_fields(given.get("id_fields")),
        "key_scope": _choice(given, "key_scope", KeyScope, KeyScope.HOST),
        "created_at_field": _text(given, "created_at_field") or None,
        "order": _order(given.get("order", ListingOrder.UNORDERED.value), arguments),
        "time_params": _time_params(given.get("time_params")),
        "auth": _auth(given),
        "rate_limit": _rate_limit(given.get("rate_limit") or {}),
        "known_limit": _known_limit(given.get("known_limit")),
        "incremental": _section(given, "incremental", {"field": True, "param": True}),
        "group": _text(given, "group") or "default",
    }


def listing_order(definition: dict, spec: dict) -> ListingOrder:
    """The order of this pull's listing: the definition's, or its first rule the spec matches."""
    order = definition["order"]
    if isinstance(order, str):
        return ListingOrder(order)
    for rule in order:
        if all(spec.get(name) == value for name, value in rule.get("when", {}).items()):
            return ListingOrder(rule["order"])
    return ListingOrder.UNORDERED


def argument_params(definition: dict) -> tuple[Param, ...]:
    """The definition's arguments as declared parameters, for the generic validation."""
    return tuple(
        Param(name, ARGUMENT_TYPES[spec["type"]], spec.get("default", REQUIRED), spec.get("help", ""),
              tuple(spec["choices"]) if spec.get("choices") else None,
              spec.get("minimum"), spec.get("maximum"))
        for name, spec in definition["arguments"].items())


def _arguments(raw: Any, placeholders: list[str], reserved: tuple[str, ...]) -> dict:
    arguments = _mapping(raw, "arguments")
    for placeholder in placeholders:
        if placeholder not in arguments:
            _fail("path", f"uses {{{placeholder}}}", f"declare it under arguments: {placeholder}: {{type: str}}")
    result = {}
    for name, value in arguments.items():
        where = f"arguments.{name}"
        if not isinstance(name, str) or not name.isidentifier() or name in reserved:
            _fail(where, "is not a usable argument name",
                  f"use a Python identifier other than {', '.join(reserved)}")
        spec = dict(_mapping(value, where))
        _known_fields(spec, ("type", "default", "help", "choices", "minimum", "maximum", "in",
                             "query_name"), where + ".")
        spec.setdefault("type", "str")
        if spec["type"] not in ARGUMENT_TYPES:
            _fail(where + ".type", f"is {spec['type']!r}", f"use one of {', '.join(ARGUMENT_TYPES)}")
        spec["in"] = "path" if name in placeholders else "query"
        spec.setdefault("query_name", name)
        if spec.get("choices") is not None and not isinstance(spec["choices"], list):
            _fail(where + ".choices", "is not a list", "write the allowed values as a list")
        result[name] = spec
    return result


def _headers(raw: Any) -> dict:
    headers = dict(_mapping(raw, "headers"))
    for name, value in headers.items():
        if str(name).lower() in ("authorization", "cookie", "x-api-key"):
            _fail(f"headers.{name}", "would hold a secret in plain data",
                  "declare auth: {header: ..., format: 'Bearer {secret}'} and pass credential='<name>'")
        if not isinstance(value, str):
            _fail(f"headers.{name}", "is not a string", "quote the value")
    return headers


def _page_size(raw: Any) -> dict | None:
    if raw is None:
        return None
    section = _mapping(raw, "page_size")
    _known_fields(section, ("param", "max"), "page_size.")
    largest = section.get("max")
    if not isinstance(section.get("param"), str) or not isinstance(largest, int) or largest < 1:
        _fail("page_size", f"is {dict(section)!r}", "write {param: per_page, max: 100}")
    return {"param": section["param"], "max": largest}


def _paginator(raw: Any) -> dict:
    section = dict(_mapping(raw, "paginator"))
    try:
        kind = PaginatorType(section.get("type"))
    except ValueError:
        _fail("paginator.type", f"is {section.get('type')!r}",
              f"use one of {', '.join(t.value for t in PaginatorType)}")
    fields = PAGINATOR_FIELDS[kind]
    _known_fields(section, ("type", *fields), "paginator.")
    for field, required in fields.items():
        if required and not section.get(field):
            _fail(f"paginator.{field}", "is missing", f"a {kind.value} paginator needs it")
    return {**section, "type": kind.value}


def _id_fields(raw: Any) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(f, str) and f for f in raw):
        _fail("id_fields", f"is {raw!r}", "list the fields that identify a record, e.g. [id]")
    return list(raw)


def _order(raw: Any, arguments: dict) -> str | list[dict]:
    if isinstance(raw, str):
        return _choice({"order": raw}, "order", ListingOrder, ListingOrder.UNORDERED)
    if not isinstance(raw, list) or not raw:
        _fail("order", f"is {raw!r}", "write newest_first, oldest_first, unordered, or a list of rules")
    rules = []
    for index, value in enumerate(raw):
        where = f"order.{index}"
        rule = dict(_mapping(value, where))
        _known_fields(rule, ("when", "order"), where + ".")
        when = dict(_mapping(rule.get("when") or {}, where + ".when"))
        for name in when:
            if name not in arguments:
                _fail(f"{where}.when.{name}", "is not a declared argument",
                      f"name one of {', '.join(arguments) or 'the arguments (none declared)'}")
        if not when and index != len(raw) - 1:
            _fail(where, "has no when but is not the last rule", "move it last: it matches every pull")
        order = _choice(rule, "order", ListingOrder, ListingOrder.UNORDERED, where + ".")
        rules.append({"when": when, "order": order} if when else {"order": order})
    if "when" in rules[-1]:
        _fail(f"order.{len(rules) - 1}", "has a when", "end the rules with one without when, e.g. {order: unordered}")
    return rules


def _time_params(raw: Any) -> dict | None:
    if raw is None:
        return None
    section = dict(_mapping(raw, "time_params"))
    _known_fields(section, ("since", "until"), "time_params.")
    for bound, name in section.items():
        if not isinstance(name, str) or not name:
            _fail(f"time_params.{bound}", f"is {name!r}", "give the API's query parameter, e.g. since")
    return section


def _rate_limit(raw: Any) -> dict:
    section = dict(_mapping(raw, "rate_limit"))
    _known_fields(section, ("limit", "remaining", "reset", "reset_kind", "window"), "rate_limit.")
    section["reset_kind"] = _choice(section, "reset_kind", ResetKind, ResetKind.EPOCH, "rate_limit.")
    if section.get("window") is not None and not isinstance(section["window"], (int, float)):
        _fail("rate_limit.window", "is not a number", "give the window in seconds, e.g. 3600")
    return section


def _known_limit(raw: Any) -> dict | None:
    if raw is None:
        return None
    section = dict(_mapping(raw, "known_limit"))
    _known_fields(section, ("requests", "requests_with_credential", "window", "per"), "known_limit.")
    for field in ("requests", "window"):
        if not isinstance(section.get(field), (int, float)) or section[field] <= 0:
            _fail(f"known_limit.{field}", "is missing or not a positive number",
                  "write e.g. {requests: 60, window: 3600}")
    per = section.get("per") or ["host", "credential"]
    if not isinstance(per, (list, tuple)) or not all(factor in LIMIT_FACTORS for factor in per):
        _fail("known_limit.per", f"is not a list of factors from {', '.join(LIMIT_FACTORS)}",
              "write e.g. per: [host, credential]")
    section["per"] = list(per)
    return section


CREDENTIAL_KINDS = ("bearer", "oauth2_client_credentials")


def _auth(given: Mapping) -> dict | None:
    section = _section(given, "auth", {"header": True, "format": True, "credential_kind": False})
    if section is not None:
        kind = section.setdefault("credential_kind", "bearer")
        if kind not in CREDENTIAL_KINDS:
            _fail("auth.credential_kind", f"is {kind!r}", f"use one of {', '.join(CREDENTIAL_KINDS)}")
    return section


def _section(given: Mapping, field: str, fields: dict[str, bool]) -> dict | None:
    if given.get(field) is None:
        return None
    section = dict(_mapping(given[field], field))
    _known_fields(section, tuple(fields), field + ".")
    for name, required in fields.items():
        if required and not isinstance(section.get(name), str):
            _fail(f"{field}.{name}", "is missing", f"{field} needs {', '.join(fields)}")
    if field == "auth" and "{secret}" not in section["format"]:
        _fail("auth.format", "has no {secret}", "write e.g. 'Bearer {secret}'")
    return section


def _choice(given: Mapping, field: str, enum: type[Enum], default: Enum, prefix: str = "") -> str:
    value = given.get(field, default.value)
    if value not in {member.value for member in enum}:
        _fail(prefix + field, f"is {value!r}", f"use one of {', '.join(m.value for m in enum)}")
    return value


def _text(given: Mapping, field: str, required: bool = False) -> str:
    value = given.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value:
        _fail(field, "is missing" if value is None else f"is {value!r}", "give it as a non-empty string")
    return value


def _mapping(value: Any, where: str) -> Mapping:
    if not isinstance(value, Mapping):
        _fail(where, f"is a {type(value).__name__}", "write it as a mapping of names to values")
    return value


def _known_fields(section: Mapping, allowed: tuple[str, ...], prefix: str) -> None:
    for field in section:
        if field not in allowed:
            close = difflib.get_close_matches(str(field), allowed, n=1)
            hint = f"did you mean {prefix}{close[0]}?" if close else f"known: {', '.join(allowed)}"
            _fail(f"{prefix}{field}", "is not a known field", hint)


def _fail(field: str, problem: str, fix: str) -> NoReturn:
    raise ParameterError(f"rest definition: field '{field}' {problem}; {fix}.")
