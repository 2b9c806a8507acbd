"""The one wiring root: the stack's clients and the services built on them, from Settings.

The notebook side, the workers and the tests all reach the stack through a `Runtime`;
nothing else builds a database handle, a Redis client, a tree or a limiter of its own.
`Runtime.of(settings)` makes one per process and stack and hands the same one back.
`check_answering()` tells, once per runtime and within about a second, which part of the stack
does not answer (`StackDownError`), instead of the first query waiting out its timeouts.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, partial
from urllib.parse import urlsplit

import redis
from celery import Celery
from pymongo.database import Database

from ingest.auth import token_http
from ingest.auth.token_source import TokenSource
from ingest.auth.token_store import RedisTokenStore
from ingest.connectors.base import Collection
from ingest.errors import StackDownError
from ingest.jobtree.tally import RedisTally
from ingest.jobtree.tree import Tree
from ingest.limits import Limiter, SlidingLogRule
from ingest.messaging.config import make_celery
from ingest.messaging.publisher import Publisher
from ingest.settings import Settings, mask_url
from ingest.storage import mongo
from ingest.storage.digests import RecordDigests
from ingest.storage.job_documents import JobDocuments
from ingest.storage.record_writes import RecordWriter
from ingest.waiting_room import RoomStore

REDIS_TIMEOUT = 5.0
ANSWER_TIMEOUT = 5.0  # seconds a part that accepts connections has to answer `check_answering`
CONNECT_TIMEOUT = 0.5  # seconds a part has to accept a connection

_made: dict[tuple[str, ...], Runtime] = {}
_making = threading.Lock()


@dataclass(frozen=True, eq=False)
class Runtime:
    settings: Settings
    db: Database
    redis: redis.Redis
    app: Celery
    _answered: threading.Event = field(default_factory=threading.Event, repr=False)

    @classmethod
    def of(cls, settings: Settings, app: Celery | None = None,
           selection_timeout: float = mongo.SERVER_SELECTION_TIMEOUT) -> Runtime:
        """The runtime of the stack `settings` name, made once per process. `app` is the Celery
        app to publish with (a worker's own); by default one is made from the settings.
        `selection_timeout`: seconds a query waits for the document store to answer."""
        key = (settings.mongo_url, settings.mongo_db, settings.broker_url, settings.redis_url,
               "" if app is None else str(id(app)), str(selection_timeout))
        with _making:
            if key not in _made:
                _made[key] = cls.build(settings, app, selection_timeout)
            return _made[key]

    @classmethod
    def build(cls, settings: Settings, app: Celery | None = None,
              selection_timeout: float = mongo.SERVER_SELECTION_TIMEOUT) -> Runtime:
        """A new runtime, sharing nothing with those `of` hands out but the MongoDB client."""
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=REDIS_TIMEOUT,
                                      socket_connect_timeout=REDIS_TIMEOUT)
        return cls(settings, mongo.database(settings, selection_timeout), client, app or make_celery(settings))

    def check_answering(self) -> None:
        """StackDownError naming every part that does not answer (the document store, Redis,
        RabbitMQ): a part that accepts no connection at once, one that does and does not answer
        within ANSWER_TIMEOUT seconds. Once it passed, it costs nothing until
        `forget_answer()`."""
        if self._answered.is_set():
            return
        down = self.unanswered()
        if down:
            raise StackDownError.of(down)
        self._answered.set()

    def forget_answer(self) -> None:
        """The stack failed a client: the next `check_answering()` asks its parts again."""
        self._answered.clear()

    def unanswered(self) -> list[tuple[str, str]]:
        """(part, URL with its password masked) of each part that does not answer now."""
        settings = self.settings
        down = []
        if not mongo.answers(self.db, ANSWER_TIMEOUT):
            down.append(("the document store", mask_url(settings.mongo_url)))
        try:
            self.redis.ping()
        except redis.AuthenticationError:
            raise
        except (redis.ConnectionError, redis.TimeoutError):
            down.append(("Redis", mask_url(settings.redis_url)))
        if not _port_answers(settings.broker_url, 5672, CONNECT_TIMEOUT):
            down.append(("RabbitMQ", mask_url(settings.broker_url)))
        return down

    @cached_property
    def tree(self) -> Tree:
        return Tree(self.db, RedisTally(self.redis))

    @cached_property
    def limiter(self) -> Limiter:
        """A probe call that has not been answered within its timeouts has failed."""
        deadline = self.settings.connect_timeout + self.settings.read_timeout
        return Limiter(self.redis, rule=SlidingLogRule(probe_deadline=deadline))

    @cached_property
    def room(self) -> RoomStore:
        return RoomStore(self.redis)

    @cached_property
    def tokens(self) -> TokenSource:
        settings = self.settings
        return TokenSource(RedisTokenStore(self.redis),
                           post=partial(token_http.post, connect_timeout=settings.connect_timeout,
                                        read_timeout=settings.read_timeout))

    @cached_property
    def digests(self) -> RecordDigests:
        return RecordDigests(self.redis)

    @cached_property
    def jobs(self) -> JobDocuments:
        return JobDocuments(self.db)

    @cached_property
    def records(self) -> RecordWriter:
        return RecordWriter(self.db, self.digests)

    @cached_property
    def publisher(self) -> Publisher:
        return Publisher(self.app)

    def ensure_indexes(self) -> None:
        mongo.ensure_indexes(self.db)

    def ensure_record_indexes(self, collections: Iterable[Collection]) -> None:
        mongo.ensure_record_indexes(self.db, collections)


def _port_answers(url: str, default_port: int, timeout: float) -> bool:
    """Whether the URL's host accepts a TCP connection on its port."""
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=timeout).close()
    except OSError:
        return False
    return True
