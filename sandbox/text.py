"""Deterministic, readable filler text: names, titles and sentences from small word lists."""

from __future__ import annotations

import random

ADJECTIVES = (
    "quiet", "brave", "lucky", "rusty", "sunny", "clever", "misty", "bold", "gentle", "swift",
    "amber", "cosmic", "dusty", "eager", "frosty", "golden", "hidden", "ivory", "jolly", "keen",
)
NOUNS = (
    "otter", "falcon", "maple", "harbor", "comet", "badger", "willow", "pixel", "lantern", "cedar",
    "meadow", "raven", "pebble", "canyon", "tiger", "orchid", "glacier", "walrus", "beacon", "fox",
)
FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kira",
    "Liam", "Mei", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
)
LAST_NAMES = (
    "Okafor", "Lindqvist", "Tanaka", "Moreau", "Silva", "Novak", "Haddad", "Kowalski", "Reyes",
    "Fischer", "Nakamura", "O'Brien", "Petrov", "Rossi", "Sato", "Weber", "Yilmaz", "Zhang",
)
TOPICS = (
    "python", "rust", "climate", "election", "football", "music", "photography", "science",
    "linux", "books", "coffee", "cooking", "gaming", "history", "space", "privacy", "design",
    "statistics", "cycling", "gardening", "birds", "movies", "economics", "housing", "transit",
    "education", "health", "art", "opensource", "redistricting",
)
FILLER = (
    "the", "a", "this", "that", "my", "our", "new", "old", "really", "just", "about", "with",
    "today", "again", "finally", "still", "maybe", "probably", "always", "never", "some", "more",
    "thread", "idea", "question", "story", "update", "thought", "note", "paper", "release",
    "talk", "project", "result", "week", "morning", "night", "data", "chart", "map", "garden",
    "works", "broke", "shipped", "learned", "read", "wrote", "found", "tried", "loved", "missed",
)
SENTENCE_ENDINGS = (".", ".", ".", "!", "?")


def handle(rand: random.Random, number: int) -> str:
    return f"{rand.choice(ADJECTIVES)}_{rand.choice(NOUNS)}{number % 1000}"


def person_name(rand: random.Random) -> str:
    return f"{rand.choice(FIRST_NAMES)} {rand.choice(LAST_NAMES)}"


def sentence(rand: random.Random, words: int, topics: tuple[str, ...] = ()) -> str:
    chosen = [rand.choice(FILLER) for _ in range(words)]
    for topic in topics:
        chosen.insert(rand.randrange(len(chosen) + 1), topic)
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + rand.choice(SENTENCE_ENDINGS)


def paragraph(rand: random.Random, sentences: int, topics: tuple[str, ...] = ()) -> str:
    parts = []
    for index in range(sentences):
        parts.append(sentence(rand, rand.randint(4, 14), topics if index == 0 else ()))
    return " ".join(parts)


def title(rand: random.Random, topics: tuple[str, ...] = ()) -> str:
    return sentence(rand, rand.randint(3, 9), topics).rstrip(".!?")
