"""The notebook side's way to its stack: one `Runtime` per stack, checked to answer and its
store's indexes made on first use.

A stack that does not answer is one `StackDownError` naming the part, its URL and `ingest up`,
within about two seconds: on first use from the runtime's check, and later (`ingest down` while
a kernel runs) from `says_when_down`, which the public entry points wear.
"""

from __future__ import annotations

import functools
from typing import Callable, TypeVar

import redis
from kombu.exceptions import OperationalError
from pymongo.errors import ConnectionFailure

from ingest.errors import StackDownError
from ingest.runtime import Runtime
from ingest.settings import Settings, get_settings, mask_url

# Seconds a notebook's query waits for the document store (a worker waits longer, across a
# restart of the store).
NOTEBOOK_SELECTION_TIMEOUT = 1.0

Call = TypeVar("Call", bound=Callable)


def runtime(settings: Settings | None = None) -> Runtime:
    """The runtime of the stack `settings` name (the environment's by default); StackDownError
    when a part of it does not answer."""
    made = Runtime.of(settings or get_settings(), selection_timeout=NOTEBOOK_SELECTION_TIMEOUT)
    made.check_answering()
    made.ensure_indexes()
    return made


def says_when_down(call: Call) -> Call:
    """A client of the stack that raises StackDownError, naming the part that stopped answering,
    instead of the driver's connection error."""
    @functools.wraps(call)
    def calling(*args, **kwargs):
        try:
            return call(*args, **kwargs)
        except (ConnectionFailure, redis.ConnectionError, redis.TimeoutError, OperationalError) as error:
            if isinstance(error, redis.AuthenticationError):
                raise
            settings = _settings_of(args, kwargs)
            made = Runtime.of(settings, selection_timeout=NOTEBOOK_SELECTION_TIMEOUT)
            made.forget_answer()
            raise StackDownError.of([_part_of(error, settings)]) from None

    return calling  # type: ignore[return-value]


def _settings_of(args: tuple, kwargs: dict) -> Settings:
    """The settings the call was given: `settings=`, or those of the Job it is a method of."""
    given = kwargs.get("settings") or getattr(args[0] if args else None, "settings", None)
    return given if isinstance(given, Settings) else get_settings()


def _part_of(error: Exception, settings: Settings) -> tuple[str, str]:
    if isinstance(error, ConnectionFailure):
        return "the document store", mask_url(settings.mongo_url)
    if isinstance(error, OperationalError):
        return "RabbitMQ", mask_url(settings.broker_url)
    return "Redis", mask_url(settings.redis_url)
