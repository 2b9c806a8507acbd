"""The local stack under supervisord: `up`, `down`, `status`."""

from ingest.stack.control import PartState, PartStatus, down, status, up

__all__ = ["PartState", "PartStatus", "down", "status", "up"]
