"""Reading label files (JSONL or CSV) into items for ``ExampleStore.add``.

This module only parses; checking texts and domain ids is the store's job.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from model.json_names import json_type
from model.readers.records import jsonl_lines, parse_json_line
from model.readers.table import RowProblem, Table, TableError
from model.text import DecodeError, decode_bytes
from training.data.store import ExampleStore
from training.data.store_examples import AddResult
from training.data.validation import validate_items
from training.errors import EvalFileError, ItemsRejected, LabelFileError

__all__ = [
    "ACCEPTED_SUFFIXES",
    "LabelFileError",
    "import_file",
    "parse_examples",
    "read_examples",
]

_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_CSV_SUFFIXES = (".csv",)
ACCEPTED_SUFFIXES: tuple[str, ...] = _JSONL_SUFFIXES + _CSV_SUFFIXES




def read_examples(path: Path) -> list[dict[str, object]]:
    """Parse a ``.jsonl``/``.ndjson``/``.csv`` label file into ``{"text", "labels", "_line"}`` dicts.

    Raises LabelFileError listing every format problem (by line) if the file cannot be read.
    """
    path = Path(path)
    _kind(path.name)  # reject an unknown extension before touching the file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LabelFileError([f"{path}: cannot read file ({exc.strerror or exc})"]) from exc
    return parse_examples(data, path.name)


def parse_examples(data: bytes, filename: str) -> list[dict[str, object]]:
    """Like ``read_examples`` for bytes already in memory (e.g. an HTTP upload named ``filename``)."""
    kind = _kind(filename)
    text = _decode(data, filename)
    if kind == "jsonl":
        return _parse_jsonl(text, filename)
    return _parse_csv(text, filename)


def import_file(
    store: ExampleStore,
    path: Path,
    *,
    known_domains: Collection[str],
    author: str | None,
    source: str | None = None,
) -> AddResult:
    """Read ``path`` and add it to ``store`` as one batch (source defaults to ``import:<name>``).

    Raises LabelFileError, or ItemsRejected whose problems are prefixed with the file name.
    """
    path = Path(path)
    try:
        items = read_examples(path)
    except LabelFileError as exc:
        # List the problems of the well-formed lines too, in line order; nothing is written.
        problems = exc.problems + [f"{path.name} {p}" for p in check_items(exc.items, known_domains)]
        raise LabelFileError(by_line(problems)) from None
    try:
        return store.add(
            items,
            source=source if source is not None else f"import:{path.name}",
            author=author,
            known_domains=known_domains,
        )
    except ItemsRejected as exc:
        # The store says "line N: ..."; the file name makes that actionable.
        raise ItemsRejected([f"{path.name} {problem}" for problem in exc.problems]) from None


def check_items(items: Sequence[Mapping[str, object]], known_domains: Collection[str]) -> list[str]:
    """The problems the store would find in `items` ("line N: ..."), without writing anything."""
    try:
        validate_items(items, known_domains)
    except ItemsRejected as exc:
        return exc.problems
    return []


def by_line(problems: Sequence[str]) -> list[str]:
    """Problems ordered by the line number they name."""
    def line(problem: str) -> int:
        found = re.search(r"line (\d+)", problem)
        return int(found.group(1)) if found else 0
    return sorted(problems, key=line)


def _kind(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix in _JSONL_SUFFIXES:
        return "jsonl"
    if suffix in _CSV_SUFFIXES:
        return "csv"
    raise LabelFileError(
        [
            f"{filename}: unsupported file type {suffix or '(no extension)'!r}; "
            f"accepted: {', '.join(ACCEPTED_SUFFIXES)}"
        ]
    )


def _decode(data: bytes, filename: str) -> str:
    # Chinese label files arrive as UTF-8 (often with Excel's BOM) or GB18030; one rule for every reader.
    try:
        return decode_bytes(data, filename).removeprefix("\ufeff")  # GB18030 has its own BOM
    except DecodeError as exc:
        raise LabelFileError([str(exc)]) from None


def _parse_jsonl(text: str, filename: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    problems: list[str] = []
    for number, line in jsonl_lines(text):  # the one record parser (model/readers/records.py)
        try:
            value = parse_json_line(line)
        except ValueError as exc:
            problems.append(f"{filename} line {number}: {exc}")
            continue
        if not isinstance(value, dict):
            problems.append(
                f"{filename} line {number}: expected an object like "
                f'{{"text": "...", "labels": [...]}}, got {json_type(value)}'
            )
            continue
        # Missing keys stay missing so the store reports them by line.
        item: dict[str, object] = {k: value[k] for k in ("text", "labels", "labelled_for") if k in value}
        item["_line"] = number
        items.append(item)
    if problems:
        raise LabelFileError(problems, items)
    return items


def _split_labels(cell: str) -> list[str]:
    # Chinese IMEs easily type the full-width bar; trailing "|" is harmless.
    parts = cell.replace("\uff5c", "|").split("|")
    return [part.strip() for part in parts if part.strip()]


def _parse_csv(text: str, filename: str) -> list[dict[str, object]]:
    # The one table parser (model/readers/table.py) reads the rows; this lists every problem, not the first.
    items: list[dict[str, object]] = []
    problems: list[str] = []
    try:
        table = Table(text, ",")
        text_col, labels_col = table.column("text"), table.column("labels")
        if text_col is None or labels_col is None:
            missing = [name for name, found in (("text", text_col), ("labels", labels_col)) if found is None]
            raise LabelFileError(
                [
                    f"{filename} line {table.header_line}: missing column "
                    f"{', '.join(repr(m) for m in missing)}; the header must name "
                    f"columns text and labels (found: {', '.join(repr(h) for h in table.header)})"
                ]
            )
        for row in table.rows(required=(text_col, labels_col)):
            if isinstance(row, RowProblem):
                reason = row.reason
                if row.missing == labels_col:
                    reason = ("has no 'labels' cell; write an empty labels cell (e.g. 'some text,') "
                              "for a text about none of the domains")
                problems.append(f"{filename} line {row.line}: row {reason}")
                continue
            items.append(
                {
                    "text": row.cells[text_col],
                    "labels": _split_labels(row.cells[labels_col]),
                    "_line": row.line,
                }
            )
    except TableError as exc:
        if exc.line is None:  # no header row
            problems.append(f"{filename}: {exc.reason}: text and labels")
        else:
            problems.append(f"{filename} line {exc.line}: {exc.reason}")
    if problems:
        raise LabelFileError(problems, items)
    return items


def read_eval_file(path: Path, known: Collection[str]) -> list[tuple[str, list[str]]]:
    """Read labelled examples ({"text", "labels"}; [] = about none of the domains) from JSONL or CSV, the
    formats `policytag examples import` takes. Returns (text, labels) pairs with repeated labels dropped;
    raises EvalFileError listing every problem by line."""
    path = Path(path)
    problems: list[str] = []
    try:
        items = read_examples(path)
    except LabelFileError as exc:
        items, problems = exc.items, list(exc.problems)  # still check the well-formed lines
    known_list = list(known)
    examples: list[tuple[str, list[str]]] = []
    for item in items:
        # The store's validator, one item at a time: eval keeps repeated texts (the store would merge them).
        found = check_items([item], known_list)
        if found:
            problems.extend(f"{path.name} {p}" for p in found)
        else:
            text, labels = item["text"], item["labels"]
            assert isinstance(text, str) and isinstance(labels, list)
            examples.append((text.strip(), list(dict.fromkeys(labels))))  # first label = primary, kept in order
    if not examples and not problems:
        problems.append(f'{path.name}: no examples; expected one JSON object per line like '
                        f'{{"text": "...", "labels": ["{known_list[0] if known_list else "domain"}"]}}')
    if problems:
        raise EvalFileError(by_line(problems))
    return examples
