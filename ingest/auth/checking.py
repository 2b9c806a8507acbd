"""`ingest credentials check`: obtain a token with a credential and make one cheap authenticated
call, the way a worker would, and say what works and what to fix."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import requests

from ingest import connectors, credentials
from ingest.auth import exchanges, token_http
from ingest.connectors.base import Connector, Request, Response
from ingest.errors import FetchError, UsageError
from ingest.settings import Settings


@dataclass
class CredentialCheck:
    """What a check found: `ok` when a token (if the kind needs one) was obtained and the call
    was answered; `steps` say what happened, `fix` what to do. Never holds a secret."""

    name: str
    source: str
    ok: bool = False
    steps: list[str] = field(default_factory=list)
    fix: str = ""

    def __str__(self) -> str:
        head = f"credential {self.name!r} with {self.source}: {'works' if self.ok else 'does not work'}"
        lines = [head] + [f"  - {step}" for step in self.steps]
        if self.fix:
            lines.append(f"  fix: {self.fix}")
        return "\n".join(lines)

    def __bool__(self) -> bool:
        return self.ok


def check_credential(name: str, source: str, base_url: str | None, settings: Settings,
                     params: dict[str, Any]) -> CredentialCheck:
    result = CredentialCheck(name, source)
    connector = connectors.get(source)
    try:
        credential = credentials.load(name, settings)
        request, spec = _check_request(connector, name, base_url, params)
        driven = connector.for_spec(spec) if spec else connector
        credentials.check_usable(source, driven.credential_kinds(spec), False, name, settings)
    except UsageError as error:
        result.steps.append(str(error))
        result.fix = "see above"
        return result
    secret = None if credential.renewable else credential.secrets()[0]
    account = None
    target = spec.get("base_url") if spec else (base_url or connector.default_base_url)
    if credential.renewable:
        call = exchanges.first_call(credential, target or request.url)
        try:
            token = exchanges.read_answer(credential, call, token_http.post(call, settings.connect_timeout,
                                                                            settings.read_timeout), time.time())
        except (FetchError, exchanges.RefreshRefused) as error:
            result.steps.append(f"no token from {call.url}: {error}")
            result.fix = (f"correct the credential with `ingest credentials add {name} --kind {credential.kind.value}`"
                          if "refused" in str(error) else "try again later; the token endpoint did not answer")
            return result
        lifetime = f", valid for {token.expires_at - time.time():.0f} s" if token.expires_at else ""
        result.steps.append(f"obtained a token from {call.url}{lifetime}")
        secret, account = token.access, credential.account
    if request is None:
        result.ok = True
        result.steps.append(f"{source} has no cheap call to check with; pass a pull's parameters to make its first call")
        return result
    response = _get(connector, spec, request, secret, account, settings)
    if response is None:
        result.steps.append(f"{request.url} did not answer")
        result.fix = "check base_url, or start the service"
        return result
    error = connector.classify(response, time.time())
    if response.status < 300 and error is None:
        result.ok = True
        result.steps.append(f"GET {response.safe_url} answered {response.status}")
        return result
    result.steps.append(f"GET {response.safe_url} answered {response.status}" + (f": {error}" if error else ""))
    result.fix = (f"the API refused the credential: correct it with `ingest credentials add {name} "
                  f"--kind {credential.kind.value}`" if response.status in (401, 403) or connector.token_refused(response)
                  else "see the answer above")
    return result


def _check_request(connector: Connector, name: str, base_url: str | None,
                   params: dict[str, Any]) -> tuple[Request | None, dict]:
    if not params:
        return connector.check_request(base_url or connector.default_base_url or ""), {}
    given = {**params, "credential": name, "limit": 1}
    if base_url:
        given["base_url"] = base_url
    spec = connector.validate(given)
    return connector.for_spec(spec).start(spec, None)[0], spec


def _get(connector: Connector, spec: dict, request: Request, secret: str | None, account: str | None,
         settings: Settings) -> Response | None:
    try:
        answer = requests.get(request.url, params=request.params, allow_redirects=False,
                              headers=connector.for_spec(spec).headers(spec, secret, account) if spec
                              else connector.headers({}, secret, account),
                              timeout=(settings.connect_timeout, settings.read_timeout))
    except requests.RequestException:
        return None
    return Response(answer.status_code, dict(answer.headers), answer.content, answer.url)
