"""A GitHub pull held by its rate limit, for tests against the running stack: the sandbox's
GitHub allows an anonymous caller 2 calls an hour while `two_calls_an_hour` holds, and the
limiter forgets what it adopted afterwards, so that later anonymous pulls of the host run free."""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit

from ingest.api.connection import runtime
from tests.sandbox_admin import SandboxAdmin

TWO_AN_HOUR = {"apis": {"github": {"rate_limits": [
    {"limit": 5000, "window": 3600.0, "scope": "credential", "anonymous_limit": 2}]}}}


@contextmanager
def two_calls_an_hour(settings):
    """The sandbox's GitHub base URL while it allows anonymous callers 2 calls an hour."""
    sandbox = SandboxAdmin(settings.sandbox_url)
    sandbox.scenario(TWO_AN_HOUR)
    base_url = settings.sandbox_url + "/github"
    try:
        yield base_url
    finally:
        sandbox.reset()
        store = runtime(settings).limiter.store
        keys = store.client.keys(f"{store.prefix}:known:rest:*host={urlsplit(base_url).netloc}*")
        if keys:
            store.client.delete(*keys)
