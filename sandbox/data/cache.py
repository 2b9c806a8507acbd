"""Caches of derived data: lookups built once, and a bounded cache of encoded items."""

from __future__ import annotations

from typing import Callable, Hashable


class EncodedCache:
    def __init__(self, capacity: int = 60_000) -> None:
        self.capacity = capacity
        self._entries: dict[Hashable, bytes] = {}

    def get(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        entry = self._entries.get(key)
        if entry is None:
            if len(self._entries) >= self.capacity:
                self._entries.clear()
            entry = build()
            self._entries[key] = entry
        return entry

    def clear(self) -> None:
        self._entries.clear()


class Memo:
    """Values built once per key (indexes over the data), until `clear`."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, object] = {}

    def get(self, key: Hashable, build: Callable[[], object]) -> object:
        if key not in self._entries:
            self._entries[key] = build()
        return self._entries[key]

    def clear(self) -> None:
        self._entries.clear()


def children_by_parent(parents: list[int]) -> dict[int, list[int]]:
    """Positions of each item's children, from each item's parent position (-1: no parent)."""
    found: dict[int, list[int]] = {}
    for index, parent in enumerate(parents):
        if parent >= 0:
            found.setdefault(parent, []).append(index)
    return found
