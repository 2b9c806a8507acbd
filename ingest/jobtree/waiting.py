"""Waiting for a job to end: the one polling loop behind `Job.wait`, `JobTree.join` and the
CLI's progress bar."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

Reading = TypeVar("Reading")


def poll_until(read: Callable[[], Reading], ended: Callable[[Reading], bool], timeout: float | None,
               interval: float, *, sleep: Callable[[float], None] = time.sleep,
               clock: Callable[[], float] = time.monotonic) -> tuple[Reading, bool]:
    """Read every `interval` seconds until `ended(reading)`, or until `timeout` seconds have
    passed (None: no end); answers the last reading and whether it had ended."""
    deadline = None if timeout is None else clock() + timeout
    while True:
        reading = read()
        if ended(reading):
            return reading, True
        if deadline is not None and clock() >= deadline:
            return reading, False
        sleep(interval)
