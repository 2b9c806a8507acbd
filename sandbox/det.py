"""Deterministic pseudo-randomness: every synthetic value derives from integers by hashing.

`mix(seed, salt, index)` gives the same 64-bit value for the same inputs on every run and
every machine (Python's built-in `hash` is salted per process, so it is never used here).
"""

from __future__ import annotations

import hashlib
import random

MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_TWO64 = float(1 << 64)
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE32_LOWER = "abcdefghijklmnopqrstuvwxyz234567"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def _finalize(value: int) -> int:
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK64
    return value ^ (value >> 31)


def mix(*parts: int) -> int:
    """A 64-bit hash of integers (splitmix64 chained over the parts)."""
    state = 0
    for part in parts:
        state = _finalize((state + _GOLDEN + (part & MASK64)) & MASK64)
    return state


def unit(*parts: int) -> float:
    """A float in [0, 1) derived from the parts."""
    return mix(*parts) / _TWO64


def text_key(text: str) -> int:
    """A stable 64-bit integer for a string."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def rng(*parts: int) -> random.Random:
    """A seeded generator for values too many to derive one hash at a time."""
    return random.Random(mix(*parts))


def skewed_index(count: int, *parts: int, power: float = 2.0) -> int:
    """An index in [0, count) where low indexes are much more likely (a few prolific authors)."""
    return min(count - 1, int(count * unit(*parts) ** power))


def base36(number: int) -> str:
    digits = []
    while True:
        number, remainder = divmod(number, 36)
        digits.append(BASE36[remainder])
        if number == 0:
            return "".join(reversed(digits))


def base32_chars(value: int, length: int, alphabet: str = BASE32_LOWER) -> str:
    """`length` characters of a base-32 alphabet taken from `value` (extended by hashing)."""
    chars = []
    state = value
    while len(chars) < length:
        for _ in range(12):
            chars.append(alphabet[state & 31])
            state >>= 5
        state = mix(value, len(chars))
    return "".join(chars[:length])


def tid(microseconds: int, clock_id: int) -> str:
    """An AT Protocol record key (TID): 13 sortable base-32 characters of time and clock id."""
    value = ((microseconds & ((1 << 53) - 1)) << 10) | (clock_id & 1023)
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def hex_chars(value: int, length: int) -> str:
    out = []
    state = value
    while len(out) * 16 < length:
        out.append(f"{state:016x}")
        state = mix(state, len(out))
    return "".join(out)[:length]
