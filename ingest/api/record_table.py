"""Stored record documents as table rows and typed DataFrames; no database here.

Rows: nested objects become dotted columns down to `depth` levels (`account.acct` at depth 1);
an object deeper than that stays whole, as a dict, in one column; lists stay Python lists; an
empty object adds no column. Escaped keys (see `ingest.storage.escaping`) come back unescaped, except a
payload's own top-level `_id`/`_ingest`, which keep the escaped names `%5Fid`/`%5Fingest`
because `_id` and `_ingest` name the store's fields.

Types, decided once over all rows so that they do not depend on how rows were batched:
- ids (`_id`, and columns named `id` or ending in `_id` or `.id`) are text, never floats, except
  the sources whose ids are integers (Hacker News), whose id columns are nullable Int64: see
  `ingest.api.frame_columns`, which also adds Reddit comments' bare ids and gives an empty frame
  its collection's usual columns;
- BSON datetimes, and text columns whose every value is an ISO-8601 date with a time
  (a bare date such as "2024-05-01" is left as text), become UTC datetimes;
- numbers in the epoch fields its source declares for the collection (`Collection.epoch_fields`)
  become UTC datetimes (no other number does);
- a column that keeps Python objects has None where a value is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

import pandas as pd

from ingest.api.frame_columns import empty_frame, with_bare_ids, with_integer_ids
from ingest.connectors.registry import epoch_fields as declared_epoch_fields
from ingest.storage.escaping import RESERVED_TOP_LEVEL, escape_key, unescape, unescape_key

ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?")
_MISSING = object()
_PAYLOAD_RESERVED = frozenset(escape_key(key, top_level=True) for key in RESERVED_TOP_LEVEL)


def is_id_column(name: str) -> bool:
    return name == "id" or name.endswith(("_id", ".id"))


_id_columns: dict[str, bool] = {}


def _id_text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unescaped(value: Any) -> Any:
    """`value` with its keys unescaped: the same object when no key needs it, which is the
    common case, so that most values are only looked at, not copied."""
    if isinstance(value, dict):
        for key, item in value.items():
            if "%" in key or (isinstance(item, (dict, list)) and _unescaped(item) is not item):
                return unescape(value)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and _unescaped(item) is not item:
                return unescape(value)
    return value


def _cell(name: str, value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return _unescaped(value)
    is_id = _id_columns.get(name)
    if is_id is None:
        is_id = _id_columns.setdefault(name, is_id_column(name))
    return _id_text(value) if is_id else value


def _column_key(key: str, top_level: bool) -> str:
    if "%" not in key:
        return key
    plain = unescape_key(key)
    return key if top_level and plain in RESERVED_TOP_LEVEL else plain


def flatten(document: Mapping[str, Any], depth: int = 1) -> dict[str, Any]:
    """One stored document as one row of dotted column names (see the module docstring)."""
    row: dict[str, Any] = {}
    _flatten_into(row, "", document, depth, top_level=True)
    return row


def _flatten_into(row: dict, prefix: str, mapping: Mapping, depth: int, top_level: bool = False) -> None:
    for key, value in mapping.items():
        name = prefix + (_column_key(key, top_level) if "%" in key else key)
        if isinstance(value, dict):
            if depth > 0:
                _flatten_into(row, name + ".", value, depth - 1)
            else:
                row[name] = _unescaped(value)
        elif _id_columns.get(name) is False:
            row[name] = value
        else:
            row[name] = _cell(name, value)


def stored_path(column: str) -> str:
    """The dotted path of a column in the stored documents (its keys escaped)."""
    segments = column.split(".")
    first = segments[0]
    head = first if first in RESERVED_TOP_LEVEL | _PAYLOAD_RESERVED else escape_key(first)
    return ".".join([head, *(escape_key(segment) for segment in segments[1:])])


def _value_at(value: Any, segments: Sequence[str]) -> Any:
    """What a projection on `segments` keeps: through a list, the values of its objects."""
    for index, segment in enumerate(segments):
        if isinstance(value, list):
            found = [_value_at(item, segments[index:]) for item in value if isinstance(item, dict)]
            return [item for item in found if item is not _MISSING]
        if not isinstance(value, dict) or segment not in value:
            return _MISSING
        value = value[segment]
    return value


def pick(document: Mapping[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    """One stored document as one row holding exactly `columns` (dotted, unescaped paths)."""
    return dict(zip(columns, _picked(document, columns, _paths(columns))))


def _paths(columns: Sequence[str]) -> list[list[str]]:
    return [stored_path(column).split(".") for column in columns]


def _picked(document: Mapping[str, Any], columns: Sequence[str], paths: list[list[str]]) -> list[Any]:
    values = []
    for column, path in zip(columns, paths):
        value = _value_at(document, path)
        values.append(None if value is _MISSING else _cell(column, value))
    return values


def batch_frame(documents: Sequence[Mapping[str, Any]], depth: int = 1,
                columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Untyped rows of one batch: flattened to `depth`, or exactly `columns` when given."""
    if columns is None:
        return pd.DataFrame([flatten(document, depth) for document in documents])
    paths = _paths(columns)
    return pd.DataFrame([_picked(document, columns, paths) for document in documents],
                        columns=list(columns))


def batches(documents: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        yield batch


def combine(frames: Sequence[pd.DataFrame], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The batches one under the other. `_id` leads and `_ingest.*` trails, unless `columns`
    fixes the order."""
    if not frames:
        return pd.DataFrame(columns=list(columns or []))
    combined = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    if columns is not None:
        return combined
    names = list(combined.columns)
    order = ([name for name in names if name == "_id"]
             + [name for name in names if name != "_id" and not _is_provenance(name)]
             + [name for name in names if _is_provenance(name)])
    return combined if order == names else combined[order]


def _is_provenance(name: str) -> bool:
    return name == "_ingest" or name.startswith("_ingest.")


def with_types(frame: pd.DataFrame, collection: str) -> pd.DataFrame:
    """`frame` with the types of the module docstring, column by column, in place."""
    epoch_fields = declared_epoch_fields(collection)
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object:
            column = column.infer_objects()
        typed = _as_datetime(column, name in epoch_fields)
        if typed is not None:
            frame[name] = typed
        elif column.dtype == object:
            frame[name] = column.where(column.notna(), None)
        elif column.dtype != frame[name].dtype:
            frame[name] = column
    return frame


def _as_datetime(column: pd.Series, epoch: bool) -> pd.Series | None:
    """The column as UTC datetimes, or None when it is not one (or holds a time pandas cannot
    represent, which leaves the whole column as it was)."""
    try:
        return _converted_times(column, epoch)
    except (ValueError, OverflowError):
        return None


def _converted_times(column: pd.Series, epoch: bool) -> pd.Series | None:
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return None if str(dtype.tz) == "UTC" else column.dt.tz_convert("UTC")
    if dtype.kind == "M":
        return column.dt.tz_localize("UTC")
    if dtype.kind in "iuf":
        return pd.to_datetime(column, unit="s", utc=True) if epoch else None
    if dtype != object and not pd.api.types.is_string_dtype(dtype):
        return None
    values = column.dropna()
    if values.empty:
        return None
    first = values.iloc[0]
    if isinstance(first, datetime) and all(isinstance(value, datetime) for value in values):
        return pd.to_datetime(column, utc=True)
    if not (isinstance(first, str) and ISO_DATETIME.fullmatch(first)):
        return None
    if not all(isinstance(value, str) and ISO_DATETIME.fullmatch(value) for value in values):
        return None
    return pd.to_datetime(column, utc=True, format="ISO8601")


def documents_frame(documents: Iterable[Mapping[str, Any]], collection: str, *, depth: int = 1,
                    columns: Sequence[str] | None = None, batch_size: int = 5000) -> pd.DataFrame:
    """Stored documents of `collection` as one typed frame, built `batch_size` documents at a
    time: only one batch of documents is held beside the frames."""
    frames = [batch_frame(batch, depth, columns) for batch in batches(documents, batch_size)]
    if not frames and columns is None:
        return empty_frame(collection, depth)
    typed = with_integer_ids(with_types(combine(frames, columns), collection), collection)
    return with_bare_ids(typed, collection, columns)
