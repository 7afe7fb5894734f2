"""The review pool's inputs: documents, `policytag tag` JSONL output and the seeds' unlabelled paragraphs.

Paragraphs already labelled (seed documents, seed label files, the store) never enter the pool: there is
nothing to review in them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from model.readers import SUPPORTED_SUFFIXES, iter_paths, read_bytes
from model.readers.records import jsonl_lines, parse_json_line
from model.text import DecodeError, classify_unit, decode_bytes
from training.data.bootstrap import bootstrap_paths, seed_documents
from training.data.store import ExampleStore
from training.data.taxonomy import Taxonomy
from training.data.validation import normalize_key, text_problem

PoolRow = tuple[str, str, str]  # (text, source, heading)


@dataclass
class PoolImport:
    """What an import did: paragraphs read, newly pooled, skipped as labelled, skipped as unfit (too long, ...),
    and `problems`: files that failed and paragraphs skipped, one line each."""

    read: int = 0
    added: int = 0
    labelled: int = 0
    skipped: int = 0
    pool_size: int = 0
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"read": self.read, "added": self.added, "already_labelled": self.labelled,
                "skipped": self.skipped, "pool_size": self.pool_size, "problems": self.problems}


def pool_sources(inputs: Iterable[Path]) -> list[tuple[Path, str]]:
    """(file, the name reviewers see) for every file to import: a file given by itself is its name, a file found
    in a folder is its path from the folder's name on (`reports/2024/a.md`), never a path of the machine."""
    found = []
    for given in inputs:
        given = Path(given)
        base = given.resolve().parent
        for path in iter_paths([given], suffixes=SUPPORTED_SUFFIXES):
            try:
                shown = path.resolve().relative_to(base).as_posix()
            except ValueError:  # a symlink out of the folder: its own name
                shown = path.name
            found.append((path, shown))
    return found


def document_name(source: str) -> str:
    """A source as reviewers see it: an absolute path (a server's, or a machine's) is reduced to its file name."""
    return PurePosixPath(source.replace("\\", "/")).name if _ABSOLUTE.match(source) else source


_ABSOLUTE = re.compile(r"^(/|[A-Za-z]:[\\/]|\\\\)")


def bare_heading(text: str) -> bool:
    """Whether a paragraph is a sub-heading standing alone (`（一）稳定粮食生产`): tagged by `policytag tag`, but
    nothing to review on its own."""
    blocks = classify_unit(text)
    return len(blocks) == 1 and blocks[0].kind == "heading"


_TAG_ROW_FIELDS = ("index", "start")  # what marks a `policytag tag` paragraph row: its place in the document


def _heading(value: object) -> str:
    """A heading path as the pool stores it: a tag row's list joined with " / " (as documents' paths are)."""
    if isinstance(value, (list, tuple)):
        return " / ".join(str(part).strip() for part in value if str(part).strip())
    return str(value or "").strip()


def _jsonl_without_summaries(data: bytes, name: str) -> bytes:
    """The JSONL with `policytag tag --doc-summary` document rows blanked (they carry tags, not text); line
    numbers stay as they were so errors still point at the right line."""
    try:
        lines = decode_bytes(data, name).lstrip("\ufeff").split("\n")
    except DecodeError:
        return data  # the reader reports it
    summaries = set()
    for number, line in jsonl_lines("\n".join(lines)):  # the one record parser, so line numbers agree
        try:
            fields = parse_json_line(line)
        except ValueError:
            continue  # the reader reports it
        if isinstance(fields, dict) and fields.get("kind") == "document":
            summaries.add(number)
    if not summaries:
        return data
    return "\n".join("" if n in summaries else line for n, line in enumerate(lines, start=1)).encode("utf-8")


def _rows(data: bytes, name: str, shown: str) -> Iterator[tuple[str, PoolRow]]:
    """(where, row) of every paragraph in the file (sub-headings standing alone left out); where is "line N" for
    a JSONL record, else "paragraph N"; `shown` is the file's name as reviewers see it."""
    if not name.lower().endswith(".jsonl"):
        number = 0
        for document in read_bytes(data, name):
            for block, path in document.units():
                number += 1
                if block.kind != "heading":
                    yield f"paragraph {number}", (block.text, shown, " / ".join(path))
        return
    for document in read_bytes(_jsonl_without_summaries(data, name), name):
        source, outer = str(document.meta.get("source") or shown), _heading(document.meta.get("heading"))
        source, where = document_name(source), f"line {document.record}"
        if all(f in document.meta for f in _TAG_ROW_FIELDS):  # a tag output row: already one paragraph
            if not bare_heading(document.text):
                yield where, (document.text, source, outer)
            continue
        for block, path in document.units():  # any other record: its paragraphs, as `policytag tag` sees them
            if block.kind != "heading":
                yield where, (block.text, source, " / ".join(p for p in (outer, *path) if p))


def read_pool_file(data: bytes, name: str, shown: str | None = None) -> tuple[list[PoolRow], list[str]]:
    """(rows, problems) of one uploaded or local file: its (text, source, heading) paragraphs that can be
    pooled, and one line per paragraph skipped (too long, ...) naming the file and where. ReadError when the
    file cannot be read at all. `shown`: the file's name for reviewers [default: `name` without its folders]."""
    rows: list[PoolRow] = []
    problems: list[str] = []
    for where, row in _rows(data, name, shown if shown is not None else document_name(name)):
        problem = text_problem(row[0])
        if problem:
            problems.append(f"{name}: {where} skipped: {problem}")
        else:
            rows.append(row)
    return rows, problems


def seed_rows(seeds: Path, taxonomy: Taxonomy) -> list[PoolRow]:
    """The seed documents' paragraphs the bootstrap could not label (no matching heading)."""
    documents = seed_documents(seeds)
    examples, _ = bootstrap_paths(documents, taxonomy) if documents else ([], None)
    return [(e.text, f"seed:{e.source}", e.heading) for e in examples if not e.labels]


def import_rows(store: ExampleStore, rows: Iterable[PoolRow], labelled_keys: set[str],
                result: PoolImport | None = None) -> PoolImport:
    """Pool the rows whose text is not labelled already; updates and returns `result`."""
    result = result or PoolImport()
    fresh = []
    for row in rows:
        result.read += 1
        if isinstance(row[0], str) and normalize_key(row[0]) in labelled_keys:  # the store checks the rest
            result.labelled += 1
        else:
            fresh.append(row)
    result.added += store.pool_add(fresh)
    result.pool_size = store.pool_size()
    return result


def import_file(store: ExampleStore, data: bytes, name: str, labelled_keys: set[str],
                result: PoolImport | None = None, shown: str | None = None) -> PoolImport:
    """Pool one file's paragraphs; those that cannot be pooled are counted in `skipped` and named in
    `problems`, the rest are imported. ReadError (nothing pooled) when the file cannot be read."""
    rows, problems = read_pool_file(data, name, shown)
    result = result or PoolImport()
    result.read += len(problems)
    result.skipped += len(problems)
    result.problems += problems
    return import_rows(store, rows, labelled_keys, result)
