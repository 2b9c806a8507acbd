"""The one HTTP call a node makes, with connect and read timeouts, as a connector Response."""

from __future__ import annotations

import os
import threading

import requests

from ingest.errors import TimedOutError, TransientError
from ingest.connectors.base import Request, Response

_local = threading.local()
NETRC_FILES = ("~/.netrc", "~/_netrc")
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")  # in the order requests reads them


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        _read_environment_once(session, os.environ)
    return session


def _read_environment_once(session: requests.Session, environ) -> None:
    """requests reads proxies, CA bundles and .netrc from the environment on every call. Proxies
    (whose bypass list it matches per URL) and .netrc are left to it; when the environment names
    neither, a CA bundle it names is read here, once, and requests reads nothing more."""
    names = {name.lower() for name in environ}
    if (any(name.endswith("_proxy") for name in names) or "netrc" in names
            or any(os.path.exists(os.path.expanduser(path)) for path in NETRC_FILES)):
        return
    bundle = next((environ[name] for name in CA_BUNDLE_VARIABLES if environ.get(name)), None)
    if bundle:
        session.verify = bundle
    session.trust_env = False


def fetch(request: Request, headers: dict[str, str], connect_timeout: float, read_timeout: float) -> Response:
    """GET the request. Timeouts and dropped connections raise TransientError; any HTTP
    status comes back as a Response for the connector to classify."""
    url = request.url
    try:
        answer = _session().get(
            url, params=request.params, headers=headers, timeout=(connect_timeout, read_timeout),
            allow_redirects=False,
        )
        body = answer.content
    except requests.Timeout as error:
        kind = "connecting" if isinstance(error, requests.ConnectTimeout) else "reading the answer"
        raise TimedOutError(f"{url}: timed out {kind} (connect {connect_timeout:g} s, read {read_timeout:g} s)") from None
    except requests.ConnectionError as error:
        reason = type(getattr(error, "__context__", None) or error).__name__
        raise TransientError(f"{url}: could not connect or the connection dropped ({reason}); "
                             "if this persists, check base_url") from None
    return Response(status=answer.status_code, headers=dict(answer.headers), body=body, url=answer.url)
