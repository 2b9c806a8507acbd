"""Waiting rooms, one per limit scope: nodes that must wait their turn under a rate limit wait
here, in Redis, instead of their messages coming back to ask again, and are released as their
limit frees permits. `room_store` holds the keys and scripts, `release` the releaser."""

from ingest.waiting_room.release import Releaser
from ingest.waiting_room.room_store import Released, RoomScope, RoomStore, scope_digest

__all__ = ["Releaser", "Released", "RoomScope", "RoomStore", "scope_digest"]
