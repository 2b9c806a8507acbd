"""The stack's user on a local `mongod`, which runs with `--auth`.

A new mongod has no user; until it has one it lets a client on the loopback interface create
the first (MongoDB's localhost exception), and nothing else. `ingest up` makes the stack's user
that way. Once any user exists the exception is closed and this does nothing.
"""

from __future__ import annotations

from pymongo import MongoClient
from pymongo.errors import OperationFailure, PyMongoError

from ingest.settings import Settings
from ingest.stack_credentials import MONGO_AUTH_DATABASE

UNAUTHORIZED = 13
USER_EXISTS = 51003


def ensure_mongod_user(settings: Settings, timeout: float = 2.0) -> bool:
    """Create the stack's user through the localhost exception. True once it exists (made
    now or before); False while mongod does not answer yet."""
    credentials = settings.stack_credentials
    if credentials is None:
        return False
    client = MongoClient(f"mongodb://127.0.0.1:{settings.port('mongo')}/", serverSelectionTimeoutMS=int(timeout * 1000))
    try:
        client[MONGO_AUTH_DATABASE].command(
            "createUser", credentials.mongo_user, pwd=credentials.mongo_password, roles=["root"])
        return True
    except OperationFailure as error:
        if error.code in (UNAUTHORIZED, USER_EXISTS):
            return True
        raise
    except PyMongoError:
        return False
    finally:
        client.close()
