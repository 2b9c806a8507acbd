"""Requests counted per key in fixed windows aligned to multiples of their length."""

from __future__ import annotations


class WindowCounters:
    """Counts per key in aligned fixed windows."""

    def __init__(self) -> None:
        self._counts: dict[tuple, list] = {}

    def clear(self) -> None:
        self._counts.clear()

    def hit(self, key: tuple, window: float, now: float) -> tuple[int, float]:
        """Count one request; return the count in the current window and the window's end."""
        start = (now // window) * window
        entry = self._counts.get(key)
        if entry is None or entry[0] != start:
            entry = [start, 0]
            self._counts[key] = entry
        entry[1] += 1
        return entry[1], start + window
