"""A pymongo command listener for tests that check what a function sent to the store, and a
client of the test's database that reports to one."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from pymongo import MongoClient, monitoring
from pymongo.database import Database


class CommandLog(monitoring.CommandListener):
    """Every command sent and every reply received, from any thread."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.replies: list[tuple[str, dict]] = []
        self._lock = threading.Lock()

    def started(self, event):
        with self._lock:
            self.sent.append((event.command_name, event.command))

    def succeeded(self, event):
        with self._lock:
            self.replies.append((event.command_name, event.reply))

    def failed(self, event):
        pass

    def named(self, name: str) -> list[dict]:
        return [command for command_name, command in self.sent if command_name == name]

    def updates_of(self, collection: str) -> list[dict]:
        return [command for command in self.named("update") if command["update"] == collection]

    def documents_returned(self) -> list[dict]:
        found = []
        for name, reply in self.replies:
            if name in ("find", "getMore"):
                cursor = reply["cursor"]
                found.extend(cursor.get("firstBatch", cursor.get("nextBatch", [])))
        return found


@contextmanager
def watched_database(mongo_url: str, name: str) -> Iterator[tuple[Database, CommandLog]]:
    """The database through a client of its own whose commands are logged."""
    log = CommandLog()
    client = MongoClient(mongo_url, tz_aware=True, event_listeners=[log])
    try:
        yield client[name], log
    finally:
        client.close()
