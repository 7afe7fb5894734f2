"""The JSON name of a parsed value's type, for messages a JSON (or CSV) user understands: `null`, not `NoneType`."""
from __future__ import annotations


def json_type(value: object) -> str:
    """null, boolean, number, string, array or object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"
