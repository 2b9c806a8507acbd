"""Mastodon's records: statuses, accounts and hashtags of one instance, keyed "<host>:<id>"
(ids are unique per instance only; a hashtag's key is its lowercased name)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ingest.errors import MalformedResponseError
from ingest.connectors.base import Record, Response
from ingest.connectors.times import parse_time

STATUSES = "mastodon_statuses"
ACCOUNTS = "mastodon_accounts"
TAGS = "mastodon_tags"


def status_order(status_id: str) -> tuple[int, str]:
    """Mastodon ids are decimal strings that grow with time; compare them as numbers."""
    text = str(status_id)
    return (int(text), text) if text.isdigit() else (-1, text)


def status_time(status: dict) -> datetime | None:
    return parse_time(status.get("created_at"))


def status_record(host: str, status: dict) -> Record:
    return Record(STATUSES, f"{host}:{status['id']}", status, status_time(status))


def account_record(host: str, account: dict) -> Record:
    return Record(ACCOUNTS, f"{host}:{account['id']}", account, parse_time(account.get("created_at")))


def tag_record(host: str, tag: dict) -> Record:
    return Record(TAGS, f"{host}:{str(tag['name']).lower()}", tag)


def account_records(host: str, statuses: list[dict]) -> list[Record]:
    """The distinct authors of these statuses and of the statuses they boost."""
    accounts: dict[str, dict] = {}
    for status in statuses:
        for source in (status, status.get("reblog") or {}):
            account = source.get("account")
            if isinstance(account, dict) and "id" in account:
                accounts.setdefault(str(account["id"]), account)
    return [account_record(host, account) for account in accounts.values()]


def with_ids(body: Any, response: Response, what: str) -> list[dict]:
    """The body as a JSON list of objects with ids (statuses or accounts)."""
    if not isinstance(body, list) or not all(isinstance(item, dict) and "id" in item for item in body):
        raise MalformedResponseError(
            f"{response.safe_url}: expected a JSON list of {what} with ids", status=response.status)
    return body
