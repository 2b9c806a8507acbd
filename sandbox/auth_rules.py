"""The scenario's `auth` settings: token lifetimes and refused accounts of each token issuer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.scenario_values import ScenarioError, mapping, number

DAY = 86_400.0


@dataclass(frozen=True)
class AuthRules:
    """Lifetimes in scenario seconds (divided by `time_scale` when a token is issued) and the
    accounts whose grants and tokens are refused."""

    token_ttl: float
    refresh_ttl: float | None = None
    refuse: frozenset[str] = frozenset()


DEFAULT_AUTH: dict[str, AuthRules] = {
    "reddit": AuthRules(token_ttl=3600.0),
    "bsky": AuthRules(token_ttl=7200.0, refresh_ttl=90 * DAY),
    "oauth2": AuthRules(token_ttl=3600.0),
}
AUTH_APIS = tuple(DEFAULT_AUTH)


def _accounts(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(account, str) and account for account in value):
        raise ScenarioError(f"{where} must be a list of account names, e.g. [\"alice\"]")
    return frozenset(value)


def auth_rules(api: str, value: Any) -> AuthRules:
    """The `apis.<api>.auth` mapping, over the API's defaults."""
    where = f"apis.{api}.auth"
    defaults = DEFAULT_AUTH[api]
    allowed = ("token_ttl", "refuse") if defaults.refresh_ttl is None else ("token_ttl", "refresh_ttl", "refuse")
    value = mapping({} if value is None else value, where, allowed)
    refresh_ttl = defaults.refresh_ttl
    if "refresh_ttl" in value:
        refresh_ttl = number(value["refresh_ttl"], f"{where}.refresh_ttl", minimum=1.0)
    return AuthRules(
        token_ttl=number(value.get("token_ttl", defaults.token_ttl), f"{where}.token_ttl", minimum=1.0),
        refresh_ttl=refresh_ttl,
        refuse=_accounts(value.get("refuse", []), f"{where}.refuse"),
    )
