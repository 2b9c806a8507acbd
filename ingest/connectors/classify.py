"""What an HTTP answer means for the worker: usable, or which kind of FetchError.

    429                          RateLimitedError (retry_after from Retry-After, else None)
    503 with Retry-After         RateLimitedError: the server said when to come back
    408, 425, 5xx                TransientError
    403 with Retry-After or a
      remaining count of 0       RateLimitedError (GitHub's primary and secondary limits)
    other 4xx, 3xx, 1xx          PermanentError
    2xx that is not JSON         MalformedResponseError (HTML, wrong content type, bad bytes)

Sources with an unpublished limit pass `unknown_limit=True`: then 503 without Retry-After is
RateLimitedError(retry_after=None) too, the signal the adaptive limiter ratchets down on.

`with_credential_named` turns a 401 or 403 refusal into one that says which credential was sent
(by name, never the secret), or that none was, and how to add one: the worker knows the name.
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.errors import (
    CredentialRefusedError, FetchError, MalformedResponseError, PermanentError, RateLimitedError, TransientError,
)
from ingest.connectors.headers import parse_float, parse_retry_after

HeaderLookup = Callable[[str], "str | None"]

TRANSIENT_STATUSES = frozenset({408, 425})
CREDENTIAL_STATUSES = {401: "not authorised", 403: "forbidden"}
REMAINING_HEADERS = ("x-ratelimit-remaining", "ratelimit-remaining")


def classify_status(status: int, header: HeaderLookup, url: str, body: bytes, now: float,
                    *, unknown_limit: bool = False,
                    remaining_headers: tuple[str, ...] = REMAINING_HEADERS) -> FetchError | None:
    retry_after = parse_retry_after(header("Retry-After"), now)
    if status == 429:
        return RateLimitedError(_text(status, url, "rate limited", retry_after),
                                status=status, retry_after=retry_after)
    if status == 503 and (retry_after is not None or unknown_limit):
        return RateLimitedError(_text(status, url, "unavailable, treated as a rate limit", retry_after),
                                status=status, retry_after=retry_after)
    if status in TRANSIENT_STATUSES or 500 <= status <= 599:
        return TransientError(_text(status, url, "temporary failure, retry later"), status=status)
    if status == 403 and (retry_after is not None or _limit_exhausted(header, remaining_headers)):
        return RateLimitedError(_text(status, url, "rate limited (403)", retry_after),
                                status=status, retry_after=retry_after)
    if status in CREDENTIAL_STATUSES:
        return PermanentError(_text(status, url, f"{CREDENTIAL_STATUSES[status]}, retrying will not help"),
                              status=status)
    if not 200 <= status <= 299:
        return PermanentError(_text(status, url, "refused; fix the request, retrying will not help"),
                              status=status)
    return check_json_body(status, header("Content-Type"), url, body)


def with_credential_named(error: FetchError | None, credential: str | None, source: str,
                          kinds: tuple[str, ...]) -> FetchError | None:
    """A 401 or 403 refusal (not a rate limit) that names the credential sent, or says none
    was, and how to add one; a 401 with a credential is the credential refused. Other errors,
    those that name a credential already, and sources that send none pass unchanged."""
    if (not isinstance(error, PermanentError) or isinstance(error, CredentialRefusedError)
            or error.status not in CREDENTIAL_STATUSES or not kinds):
        return error
    add = f"`ingest credentials add NAME --kind {kinds[-1]}` and pull with credential='NAME'"
    if credential is None:
        return PermanentError(f"{error}; no credential was sent: add one with {add} "
                              f"(kinds {source} takes: {', '.join(kinds)})", status=error.status)
    refused = CredentialRefusedError if error.status == 401 else PermanentError
    return refused(f"{error}; credential {credential!r} was sent: check it with `ingest credentials check "
                   f"{credential} --source {source}`, or add another with {add}", status=error.status)


def check_json_body(status: int, content_type: str | None, url: str,
                    body: bytes) -> MalformedResponseError | None:
    """A 2xx body must look like JSON: a JSON content type (when one is sent) and a JSON start."""
    if content_type is not None and "json" not in content_type.lower():
        kind = content_type.split(";")[0].strip() or "empty"
        return MalformedResponseError(
            f"HTTP {status} from {url}: expected JSON, got content type {kind}", status=status)
    start = body.lstrip()[:1]
    if start and start not in b'[{"-0123456789tfn':
        return MalformedResponseError(
            f"HTTP {status} from {url}: body is not JSON (starts with {start!r})", status=status)
    if not start:
        return MalformedResponseError(f"HTTP {status} from {url}: empty body", status=status)
    return None


def _limit_exhausted(header: HeaderLookup, names: tuple[str, ...]) -> bool:
    for name in names:
        remaining = parse_float(header(name))
        if remaining is not None and remaining <= 0:
            return True
    return False


def _text(status: int, url: str, meaning: str, retry_after: float | None = None) -> str:
    wait = f"; retry after {retry_after:g} s" if retry_after is not None else ""
    return f"HTTP {status} from {url}: {meaning}{wait}"
