"""A source's parameters as typed on the command line, read into the values `pull()` takes.

    ingest pull hackernews --items 8863 8864 --with_users yes --base_url=http://127.0.0.1:17603/hn
    ingest pull hackernews --items 8863,8864 --limit 500 --since 2025-05-30

`--name value` and `--name=value` are the same; a name's dashes are underscores. Each value is
read as its parameter's declared type:

- bool: true, false, yes, no, 1 or 0 in any case; `--name` alone is true;
- a list (or a parameter that takes several values): several words, commas, or both;
- int and float: a number; str and datetime: the words as typed, joined by a space;
- anything not declared (`--limits`, a misspelled name): a Python literal when it is one
  (5000, [1, 2], {'requests': 30, 'window': 10.0}), else the text, so that `pull()` can name it.
"""

from __future__ import annotations

import ast
from typing import Any

from ingest import connectors
from ingest.connectors.presets import PRESETS
from ingest.connectors.rest_definition import argument_params, validate_definition
from ingest.connectors.validation import Param
from ingest.errors import ParameterError

TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")
COMMAND_OPTIONS = (
    Param("name", str, None, "a name for the job; `ingest.job(name)` finds the latest of that name"),
    Param("no_wait", bool, False, "print the job id and return at once"),
    Param("timeout", float, None, "stop following after this many seconds"),
    Param("fresh_for", float, None, "a record stored more recently than this is not fetched again"),
)


def group_words(words: list[str]) -> dict[str, list[str]]:
    """The words after each `--name` (or after its `=`), by name, in the order given."""
    grouped: dict[str, list[str]] = {}
    name: str | None = None
    for word in words:
        if word.startswith("--") and len(word) > 2:
            name, has_value, value = word[2:].partition("=")
            name = name.replace("-", "_")
            if not name:
                raise ParameterError(f"{word!r} has no name before its '='; e.g. --limit=500")
            grouped.setdefault(name, [])
            if has_value:
                grouped[name].append(value)
        elif name is None:
            raise ParameterError(
                f"expected --name value after the source, got {word!r}; e.g. ingest pull mastodon --tag python")
        else:
            grouped[name].append(word)
    return grouped


def declared_params(source: str, grouped: dict[str, list[str]]) -> dict[str, Param]:
    """The parameters `source` declares, those of a rest preset named by `--preset`, and the
    options of `ingest pull` itself, by name."""
    connector = connectors.get(source)
    declared = list(connector.params) + list(COMMAND_OPTIONS)
    preset = grouped.get("preset") or []
    if connector.name == "rest" and len(preset) == 1 and preset[0] in PRESETS:
        reserved = tuple(param.name for param in connector.params)
        declared += argument_params(validate_definition(PRESETS[preset[0]], reserved))
    return {param.name: param for param in declared}


def read_params(grouped: dict[str, list[str]], declared: dict[str, Param]) -> dict[str, Any]:
    return {name: read_value(declared.get(name), name, words) for name, words in grouped.items()}


def read_value(param: Param | None, name: str, words: list[str]) -> Any:
    """The value the words mean for `param` (None: a parameter not declared)."""
    if param is None:
        if not words:
            return True
        values = [literal(word) for word in words]
        return values[0] if len(values) == 1 else values
    if param.type is bool:
        return _boolean(name, words)
    if not words:
        raise ParameterError(f"--{name} needs a value: {param.describe()}")
    if param.type is list or param.many:
        return _several(param, words)
    if param.type in (int, float):
        if len(words) > 1:
            raise ParameterError(f"--{name} takes one number, got {' '.join(words)!r}")
        return literal(words[0])
    if param.type is dict:
        return literal(" ".join(words))
    return " ".join(words)


def literal(text: str) -> Any:
    """A Python literal when the text is one (5000, 3.5, True, None, [1, 2]), else the text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def _boolean(name: str, words: list[str]) -> bool:
    if not words:
        return True
    word = words[0].strip().lower() if len(words) == 1 else ""
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ParameterError(f"--{name} takes true or false (also yes/no, 1/0), got {' '.join(words)!r}; "
                         f"e.g. --{name} true")


def _several(param: Param, words: list[str]) -> Any:
    """Several words, commas or both; a single word that is a Python list is that list."""
    if len(words) == 1 and words[0].strip().startswith("["):
        return literal(words[0])
    pieces = [piece.strip() for word in words for piece in word.split(",") if piece.strip()]
    if not pieces:
        raise ParameterError(f"--{param.name} needs at least one value, e.g. --{param.name} a b or --{param.name} a,b")
    if param.type is list:
        return [literal(piece) for piece in pieces]
    values = [read_value(Param(param.name, param.type, param.default), param.name, [piece]) for piece in pieces]
    return values[0] if len(values) == 1 else values
