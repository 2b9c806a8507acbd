"""What Reddit's refusals say, in words a user can act on.

Reddit answers most refusals with JSON (``{"message": "Forbidden", "error": 403}``, a 404 with a
``reason``), but some with an HTML or plain-text page: a GET of ``/api/morechildren`` whose
ids it does not accept gets a bare 400 page. Only Reddit's own short fields are quoted, never
the body itself.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from ingest.connectors.base import Response

QUOTED_FIELDS = ("message", "reason", "explanation")
LONGEST_QUOTE = 80
HINTS = {
    401: "the credential is missing, expired or revoked",
    403: "this account may not read it (private, quarantined or banned)",
    404: "it does not exist: check the subreddit, user or post name",
}


def refusal_reason(response: Response) -> str:
    """Why Reddit refused, from the answer's JSON fields or, without them, its content type."""
    words = []
    try:
        said = _quoted_fields(json.loads(response.body.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, RecursionError):
        content_type = (response.header("Content-Type") or "no content type").split(";")[0].strip()
        words.append(f"Reddit answered a {content_type} page, not JSON")
    else:
        if said:
            words.append(f"Reddit says {said}")
    if urlsplit(response.url).path.endswith("/api/morechildren") and response.status == 400:
        words.append("it refused the link_id or the comment ids of this morechildren call")
    elif response.status in HINTS:
        words.append(HINTS[response.status])
    return "; ".join(words)


def _quoted_fields(value: object) -> str:
    if not isinstance(value, dict):
        return ""
    parts = [str(value[name])[:LONGEST_QUOTE] for name in QUOTED_FIELDS
             if isinstance(value.get(name), str) and value[name]]
    return repr(" / ".join(parts)) if parts else ""
