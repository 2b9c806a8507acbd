"""Comparing the shape of JSON values: keys and value types, not the values."""

from __future__ import annotations

from typing import Any


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "dict"}[type(value)]


def shape_problems(recorded: list[Any], produced: list[Any], where: str = "$") -> list[str]:
    """How `produced` values differ in shape from `recorded` ones.

    A key present in every recorded object must be in every produced object; a key's produced
    type must be one the recording shows (a key recorded only as null may carry any value,
    since the recording does not show its type). Objects and lists are compared inside.
    """
    problems: list[str] = []
    recorded_types = {type_name(v) for v in recorded}
    for value in produced:
        kind = type_name(value)
        allowed = recorded_types - {"null"}
        if allowed and kind not in allowed and not (kind == "null" and "null" in recorded_types):
            problems.append(f"{where}: {kind}, recorded as {sorted(recorded_types)}")
    recorded_objects = [v for v in recorded if isinstance(v, dict)]
    produced_objects = [v for v in produced if isinstance(v, dict)]
    if recorded_objects and produced_objects:
        required = set.intersection(*(set(v) for v in recorded_objects))
        for value in produced_objects:
            missing = sorted(required - set(value))
            if missing:
                problems.append(f"{where}: missing keys {missing}")
        for key in sorted(set().union(*(set(v) for v in recorded_objects))):
            inner_recorded = [v[key] for v in recorded_objects if key in v]
            inner_produced = [v[key] for v in produced_objects if key in v]
            if inner_produced:
                problems.extend(shape_problems(inner_recorded, inner_produced, f"{where}.{key}"))
    recorded_items = [item for v in recorded if isinstance(v, list) for item in v]
    produced_items = [item for v in produced if isinstance(v, list) for item in v]
    if recorded_items and produced_items:
        problems.extend(shape_problems(recorded_items, produced_items, f"{where}[]"))
    return problems


def header_names(headers, wanted_prefixes: tuple[str, ...]) -> set[str]:
    return {name.lower() for name in headers if name.lower().startswith(wanted_prefixes)}
