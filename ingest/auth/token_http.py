"""The POST a token source makes to a token endpoint, with connect and read timeouts."""

from __future__ import annotations

import threading

import requests

from ingest.auth.exchanges import TokenAnswer, TokenCall
from ingest.errors import TimedOutError, TransientError

_local = threading.local()


def post(call: TokenCall, connect_timeout: float, read_timeout: float) -> TokenAnswer:
    """Send `call`; a timeout or dropped connection raises TransientError naming the endpoint
    (never the body, which holds the secret)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    try:
        answer = session.post(call.url, headers=call.headers, data=call.form, json=call.json,
                              timeout=(connect_timeout, read_timeout), allow_redirects=False)
    except requests.Timeout:
        raise TimedOutError(f"{call.url}: the token endpoint did not answer in time") from None
    except requests.ConnectionError as error:
        reason = type(getattr(error, "__context__", None) or error).__name__
        raise TransientError(f"{call.url}: could not reach the token endpoint ({reason})") from None
    return TokenAnswer(answer.status_code, dict(answer.headers), answer.content)
