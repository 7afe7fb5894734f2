"""Record files: .jsonl (one JSON object a line) and .csv/.tsv (a header row); one Document per record.

The text comes from one field (default `text`); every other field is kept in `Document.meta` so an analyst's
ids and metadata reach the output. A record without the field is an error naming the line and the fields.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from model.readers.document import Document, ReadError, text_document
from model.text import DecodeError, decode_bytes

SUFFIXES = (".jsonl", ".csv", ".tsv")


def _decoded(data: bytes, name: str) -> str:
    try:
        return decode_bytes(data, name).lstrip("\ufeff")  # GB18030 and UTF-16 have their own BOM
    except DecodeError as exc:
        raise ReadError(str(exc)) from None


def _record(fields: dict[str, Any], text_field: str, name: str, where: str, number: int, flag: str) -> Document:
    if text_field not in fields:
        available = ", ".join(map(str, fields)) or "(none)"
        raise ReadError(f"{name}: {where} {number} has no field {text_field!r} (fields: {available}); "
                        f"choose one with {flag}")
    value = fields[text_field]
    if not isinstance(value, str):
        raise ReadError(f"{name}: {where} {number} field {text_field!r} is {type(value).__name__}, not text; "
                        f"choose a text field with {flag}")
    meta = {k: v for k, v in fields.items() if k != text_field}
    return text_document(value, name, "records", meta=meta, record=number)


def read_jsonl(data: bytes, name: str, text_field: str = "text") -> Iterator[Document]:
    """One Document per non-blank line; ReadError at the first line that is not a JSON object with the field."""
    text = _decoded(data, name)
    found = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ReadError(f"{name}: line {number} is not JSON ({exc.msg}); one JSON object per line") from None
        if not isinstance(fields, dict):
            raise ReadError(f"{name}: line {number} is a JSON {type(fields).__name__}, not an object; "
                            "one JSON object per line")
        found = True
        yield _record(fields, text_field, name, "line", number, "--text-field")
    if not found:
        raise ReadError(f"{name}: empty (no records); one JSON object per line")


def read_table(data: bytes, name: str, text_field: str = "text", delimiter: str | None = None) -> Iterator[Document]:
    """One Document per data row of a .csv (comma) or .tsv (tab; or as `delimiter` says) file with a header."""
    text = _decoded(data, name)
    if delimiter is None:
        delimiter = "\t" if name.lower().endswith(".tsv") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if not reader.fieldnames:
        raise ReadError(f"{name}: empty (no header row); the first row names the columns")
    if text_field not in reader.fieldnames:
        raise ReadError(f"{name}: no column {text_field!r} in the header (columns: {', '.join(reader.fieldnames)}); "
                        "choose one with --text-column")
    found = False
    try:
        for number, row in enumerate(reader, start=1):
            if None in row:  # more cells than header names
                raise ReadError(f"{name}: row {number} (line {reader.line_num}) has more cells than the header; "
                                "quote cells that contain the delimiter")
            found = True
            yield _record({k: ("" if v is None else v) for k, v in row.items()}, text_field, name, "row", number,
                          "--text-column")
    except csv.Error as exc:
        raise ReadError(f"{name}: line {reader.line_num}: {exc}; check the quoting") from None
    if not found:
        raise ReadError(f"{name}: empty (a header but no rows)")
