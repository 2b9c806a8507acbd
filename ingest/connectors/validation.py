"""Declared parameters and the generic check of a notebook's keyword arguments against them.

Types are checked strictly, because a notebook passes Python values and a silent guess hides
mistakes: "5" is not accepted for an int, 1 is not a bool, and a bool is not an int. The only
conversions are lossless ones: an int where a float is declared, a tuple where a list is
declared, and for datetimes an ISO-8601 string, a `datetime` (a pandas Timestamp is one) or a
`date`. A value without a time zone is read as UTC: a plain date ("2024-05-01", `date(2024, 5, 1)`)
is midnight UTC, and a time of day without a zone ("2024-05-01T12:00", a naive datetime or
Timestamp) is taken as UTC with a `NaiveTimeWarning` saying so. Datetimes come out of validation
as ISO strings in UTC, so a spec is plain JSON and validating a spec again returns it unchanged.
An int the store cannot hold (above LARGEST_INT) is refused, naming the largest allowed.
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from ingest.connectors.times import iso_z
from ingest.errors import ParameterError


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()

LARGEST_INT = 2**63 - 1  # the largest integer the document store holds


class NaiveTimeWarning(UserWarning):
    """A time of day without a time zone was given; it was read as UTC."""

_TYPE_NAMES = {str: "str", int: "int", float: "float", bool: "bool", datetime: "datetime",
               list: "list", dict: "dict"}


@dataclass(frozen=True)
class Param:
    """A declared parameter. `default` None means optional and unset."""

    name: str
    type: type
    default: Any = REQUIRED
    help: str = ""
    choices: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    many: bool = False  # a list of values of `type` is taken too (one value stays one value)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def describe(self) -> str:
        type_name = _TYPE_NAMES.get(self.type, self.type.__name__)
        if self.many:
            type_name = f"{type_name} or list of {type_name}"
        default = "required" if self.required else f"default {self.default!r}"
        extra = f"; one of {', '.join(map(str, self.choices))}" if self.choices else ""
        if self.minimum is not None:
            extra += f"; at least {self.minimum:g}"
        if self.maximum is not None:
            extra += f"; at most {self.maximum:g}"
        if self.type is datetime:
            extra += "; a date, an ISO-8601 string, a datetime or Timestamp; without a time zone: UTC"
        return f"{self.name} ({type_name}, {default}{extra}): {self.help}"


def validate_params(declared: tuple[Param, ...], given: Mapping[str, Any], *, source: str) -> dict:
    """The full spec: every declared parameter, normalised, defaults filled in."""
    by_name = {param.name: param for param in declared}
    for name in given:
        if name not in by_name:
            raise ParameterError(unknown_name_message(source, name, list(by_name)))
    spec: dict[str, Any] = {}
    for param in declared:
        if param.name in given:
            spec[param.name] = normalise(param, given[param.name], source)
        elif param.required:
            raise ParameterError(
                f"{source}: missing required parameter {param.name!r} ({param.help})")
        else:
            spec[param.name] = param.default
    _check_window(spec, source)
    return spec


def _check_window(spec: dict, source: str) -> None:
    """`since` after `until` would keep nothing: a mistake, refused rather than pulled empty."""
    since, until = spec.get("since"), spec.get("until")
    if isinstance(since, str) and isinstance(until, str) and \
            datetime.fromisoformat(since) > datetime.fromisoformat(until):
        raise ParameterError(f"{source}: since={since!r} is after until={until!r}, so nothing would be kept; "
                             "swap them, or leave one out.")


def unknown_name_message(source: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (f"{source}: unknown parameter {name!r}.{hint} "
            f"Known parameters: {', '.join(sorted(known))}.")


def normalise(param: Param, value: Any, source: str) -> Any:
    if value is None and param.default is None:
        return None
    if param.many and isinstance(value, (list, tuple)):
        return _many(param, value, source)
    converted = _convert(param, value, source)
    if param.choices is not None and converted not in param.choices:
        raise ParameterError(
            f"{source}: {param.name}={value!r} is not allowed; "
            f"use one of {', '.join(map(repr, param.choices))}.")
    if param.type in (int, float):
        _check_bounds(param, converted, source)
    if param.type is list:
        _check_list_items(param, converted, source)
    return converted


def _many(param: Param, values: list | tuple, source: str) -> Any:
    """A list of values, each checked as one, without repeats; a list of one is that value."""
    single = Param(param.name, param.type, param.default, param.help, param.choices, param.minimum, param.maximum)
    chosen = list(dict.fromkeys(normalise(single, value, source) for value in values))
    if not chosen or None in chosen:
        raise ParameterError(f"{source}: {param.name}={list(values)!r} must name at least one value, none of them None.")
    return chosen[0] if len(chosen) == 1 else chosen


def _convert(param: Param, value: Any, source: str) -> Any:
    wanted = param.type
    if wanted is datetime:
        return _to_iso_utc(param, value, source)
    if wanted is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if wanted is list and isinstance(value, tuple):
        return list(value)
    if isinstance(value, wanted) and not (wanted is int and isinstance(value, bool)):
        return value
    type_name = _TYPE_NAMES.get(wanted, wanted.__name__)
    hint = ""
    if isinstance(value, str) and wanted in (int, float):
        hint = f" Pass a number, e.g. {param.name}={value.strip()}, not a string."
    raise ParameterError(
        f"{source}: {param.name} must be {type_name}, got {type(value).__name__} {value!r}.{hint}")


def _check_bounds(param: Param, value: float, source: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(f"{source}: {param.name}={value} must be a finite number.")
    if param.minimum is not None and value < param.minimum:
        raise ParameterError(f"{source}: {param.name}={value} is below the minimum {param.minimum}.")
    if param.maximum is not None and value > param.maximum:
        raise ParameterError(f"{source}: {param.name}={value} is above the maximum {param.maximum}.")
    if isinstance(value, int) and abs(value) > LARGEST_INT:
        raise ParameterError(f"{source}: {param.name}={value} is too large; the largest value allowed is "
                             f"{LARGEST_INT} (2**63 - 1), or leave {param.name} out for no bound.")


def _check_list_items(param: Param, values: list, source: str) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > LARGEST_INT:
            raise ParameterError(f"{source}: {param.name} holds {value}, too large; the largest value allowed is "
                                 f"{LARGEST_INT} (2**63 - 1).")


def _to_iso_utc(param: Param, value: Any, source: str) -> str:
    moment = _moment(value)
    if moment is None:
        raise ParameterError(
            f"{source}: {param.name} must be a date, a datetime, a pandas Timestamp or an ISO-8601 string "
            f"such as '2024-05-01' or '2024-05-01T00:00:00Z', got {type(value).__name__} {value!r}.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
        if not _is_plain_date(value):
            warnings.warn(f"{source}: {param.name}={_shown(value)} has no time zone; read as UTC, "
                          f"{iso_z(moment)}. Add one (e.g. a 'Z' suffix) to say so yourself.",
                          NaiveTimeWarning, stacklevel=2)
    return iso_z(moment)


def _moment(value: Any) -> datetime | None:
    """The datetime a value names, naive when it names no zone; None when it names none."""
    if isinstance(value, datetime):
        if value != value:  # pandas' NaT, a missing time
            return None
        to_python = getattr(value, "to_pydatetime", None)  # a pandas Timestamp, nanoseconds dropped
        return to_python() if to_python is not None else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _is_plain_date(value: Any) -> bool:
    if isinstance(value, str):
        return len(value.strip()) == 10
    return isinstance(value, date) and not isinstance(value, datetime)


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else repr(str(value))


