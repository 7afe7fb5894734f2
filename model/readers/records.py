"""Record files: .jsonl (one JSON object a line) and .csv/.tsv (a header row); one Document per record.

The text comes from one field (default `text`); every other field is kept in `Document.meta` so an analyst's
ids and metadata reach the output. A record without the field is an error naming the line and the fields.

`jsonl_lines` (here) and `model.readers.table.Table` are the one parser of record files: `policytag tag`,
`examples import` and the review pool's imports all read lines and rows through them, so a file one of them
takes the others take too.
Lines end at "\n" only (a JSON string may hold a raw U+2028 or U+0085, which `str.splitlines` would split);
nesting deeper than MAX_JSON_DEPTH and numbers longer than MAX_NUMBER_DIGITS are refused by line.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from model.json_names import json_type
from model.readers.document import Document, ReadError, text_document
from model.readers.table import RowProblem, Table, TableError, delimiter_for
from model.text import DecodeError, decode_bytes

SUFFIXES = (".jsonl", ".csv", ".tsv")
MAX_JSON_DEPTH = 64  # arrays and objects inside each other in one record
MAX_NUMBER_DIGITS = 100  # characters of one JSON number (Python refuses ints over 4,300 digits with ValueError)


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
        raise ReadError(f"{name}: {where} {number} field {text_field!r} is {json_type(value)}, not text; "
                        f"choose a text field with {flag}")
    meta = {k: v for k, v in fields.items() if k != text_field}
    return text_document(value, name, "records", meta=meta, record=number)


def _number(text: str) -> int | float:
    if len(text) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number of {len(text):,} characters (at most {MAX_NUMBER_DIGITS})")
    return float(text) if any(c in text for c in ".eE") else int(text)


def _too_deep(line: str) -> bool:
    """Whether `line` nests arrays/objects deeper than MAX_JSON_DEPTH (brackets inside strings do not count)."""
    if line.count("[") + line.count("{") <= MAX_JSON_DEPTH:
        return False
    depth, in_string, escaped = 0, False, False
    for char in line:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def parse_json_line(line: str) -> Any:
    """One line's JSON value; ValueError with a reason a person can act on."""
    if _too_deep(line):
        raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(line, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None


def _constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def jsonl_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of every non-blank line; lines end at "\n" only (a "\r" before it is dropped)."""
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if line.strip():
            yield number, line


def read_jsonl(data: bytes, name: str, text_field: str = "text") -> Iterator[Document]:
    """One Document per non-blank line; ReadError at the first line that is not a JSON object with the field."""
    text = _decoded(data, name)
    found = False
    for number, line in jsonl_lines(text):
        try:
            fields = parse_json_line(line)
        except ValueError as exc:
            raise ReadError(f"{name}: line {number}: {exc}; one JSON object per line") from None
        if not isinstance(fields, dict):
            raise ReadError(f"{name}: line {number} is a JSON {json_type(fields)}, not an object; "
                            "one JSON object per line")
        found = True
        yield _record(fields, text_field, name, "line", number, "--text-field")
    if not found:
        raise ReadError(f"{name}: empty (no records); one JSON object per line")


def read_table(data: bytes, name: str, text_field: str = "text", delimiter: str | None = None) -> Iterator[Document]:
    """One Document per data row of a .csv (comma) or .tsv (tab; or as `delimiter` says) file with a header,
    read by the one table parser (`model.readers.table`); ReadError at the first problem, naming its line."""
    text = _decoded(data, name)
    found = False
    try:
        table = Table(text, delimiter or delimiter_for(name))
        column = table.column(text_field)
        if column is None:
            raise ReadError(f"{name}: no column {text_field!r} in the header (columns: {', '.join(table.header)}); "
                            "choose one with --text-column")
        for row in table.rows(required=(column,)):
            if isinstance(row, RowProblem):
                raise ReadError(f"{name}: row {row.number} (line {row.line}) {row.reason}")
            found = True
            fields = {header: row.cells.get(header, "") for header in table.header}
            yield _record(fields, column, name, "row", row.number, "--text-column")
    except TableError as exc:
        raise ReadError(f"{name}: {exc}") from None
    if not found:
        raise ReadError(f"{name}: empty (a header but no rows)")
