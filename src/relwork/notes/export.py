"""The JSON shape of an entry, for ``relwork entries --format json``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..model import Entry


def entry_to_json(entry: Entry) -> dict[str, Any]:
    """The JSON shape of ``relwork entries --format json``: file, line, title, group, ids, meta.

    Dates in the metadata become ISO strings; other values that JSON cannot hold become text.
    """
    return {
        "file": entry.source.path,
        "line": entry.source.line,
        "title": entry.title,
        "group": list(entry.group),
        "ids": {k: list(v) for k, v in entry.ids.items()},
        "meta": {str(k): _json_value(v) for k, v in entry.meta.items()},
    }


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_value(v) for v in value]
    return str(value)
