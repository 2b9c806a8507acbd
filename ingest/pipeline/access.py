"""What one call is authorised with: the pull's credential, and the token obtained with it or
the secret sent as it is; and the error a refused credential means."""

from __future__ import annotations

from dataclasses import dataclass

from ingest import credentials
from ingest.auth.kinds import Credential
from ingest.auth.token_source import TokenSource
from ingest.auth.tokens import Token
from ingest.connectors.base import Connector, Request, Response
from ingest.errors import ConfigError, CredentialRefusedError, FetchError, PermanentError
from ingest.settings import Settings


@dataclass(frozen=True)
class Access:
    """What one call is authorised with: the pull's credential, and the token obtained with it
    or the secret sent as it is."""

    credential: Credential | None = None
    secret: str | None = None
    token: Token | None = None
    base_url: str = ""

    def headers(self, connector: Connector, spec: dict) -> dict[str, str]:
        secret = self.token.access if self.token is not None else self.secret
        account = self.credential.account if self.credential is not None and self.credential.renewable else None
        return connector.headers(spec, secret, account)

    def renewed(self, token: Token) -> Access:
        return Access(self.credential, token=token, base_url=self.base_url)


def refusal(connector: Connector, response: Response, access: Access) -> FetchError:
    where = f"HTTP {response.status} from {response.safe_url}"
    if access.credential is None:
        return PermanentError(f"{where}: the API asks for a credential; add one with `ingest credentials add NAME "
                              f"--kind KIND` (kinds for {connector.name}: {', '.join(connector.credential_kinds({})) or 'none'}) "
                              "and pull with credential='NAME'", status=response.status)
    credential = access.credential
    renewed = " even with a newly obtained token" if access.token is not None else ""
    return CredentialRefusedError(
        f"{where}: credential {credential.name!r} ({credential.kind.value}) was refused{renewed}; check it with "
        f"`ingest credentials check {credential.name} --source {connector.name}`", status=response.status)


def access_for(name: str | None, spec: dict, request: Request, settings: Settings,
               tokens: TokenSource | None) -> Access:
    """The credential `name` (the pull's, or the one of its pool chosen for this call) and, for
    a kind that is exchanged, a token fit to use now."""
    if not name:
        return Access()
    credential = credentials.load(name, settings)
    if not credential.renewable:
        return Access(credential, secret=credential.secrets()[0])
    if tokens is None:
        raise ConfigError(f"credential {name!r} is a {credential.kind.value}, and this worker has no token source")
    base_url = spec.get("base_url") or request.url
    return Access(credential, token=tokens.token(credential, base_url), base_url=base_url)
