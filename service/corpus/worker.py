"""What a worker process does with one task: read its files, tag every paragraph, encode the rows.

The same function runs in the local process pool and on Dask workers. The model travels as the registry's
reference (`ModelRef`: a verified copy's path, SHA-256, version, and the shared database if there is one),
never as a pickle inside the task: each process loads the verified artefact the first time it needs it and
keeps it for every later task.
"""
from __future__ import annotations

import gc
import re
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.readers import Document, ReadError, read_bytes, read_path
from model.tagger import Tagger
from model.tagging import summarize_document, tag_paragraphs
from service.corpus.errors import CorpusError
from service.corpus.plan import Item, Task
from service.corpus.rows import Settings, document_row, keep, paragraph_row
from training.workspace import ModelRef, load_reference

__all__ = ["FileResult", "ModelRef", "TaskResult", "load_model", "run_task"]


@dataclass
class FileResult:
    """What happened to one input file (or one slice of it) in a task."""

    number: int
    source: str
    done: bool  # the file is finished (a .jsonl slice that is not the last is not)
    documents: int = 0
    paragraphs: int = 0
    not_tagged: Counter[str] = field(default_factory=Counter)  # lines left out, by kind (heading, byline, ...)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)  # parts of the file left unread (a PDF page of scattered text)


@dataclass
class TaskResult:
    """A task's encoded rows (UTF-8, in input order) and its counts for the progress line and the summary."""

    number: int
    data: bytes
    files: list[FileResult]
    domains: Counter[str]  # paragraphs tagged with each domain (before --only)
    untagged: int  # paragraphs with no tag
    input_bytes: int

    @property
    def documents(self) -> int:
        return sum(f.documents for f in self.files)

    @property
    def paragraphs(self) -> int:
        return sum(f.paragraphs for f in self.files)


_MODELS: dict[tuple[str, str], Tagger] = {}


def load_model(ref: ModelRef) -> Tagger:
    """The model `ref` names, loaded once per process; the artefact's SHA-256 is checked before unpickling."""
    key = (ref.path, ref.sha256)
    if key not in _MODELS:
        try:
            tagger, manifest = load_reference(ref)
        except OSError as exc:
            fix = ("every worker needs the data directory at that path" if ref.database is None
                   else "every worker needs the database's address and a writable temporary directory")
            raise CorpusError(f"model {ref.version} cannot be read at {ref.path} on {socket.gethostname()} "
                              f"({exc.strerror or exc}); {fix}") from None
        if manifest.get("sha256") != ref.sha256:
            raise CorpusError(f"model {ref.version} at {ref.path} on {socket.gethostname()} is not the one the "
                              f"run started with (SHA-256 {str(manifest.get('sha256'))[:12]}…, expected "
                              f"{ref.sha256[:12]}…); give every worker the same data directory")
        _MODELS.clear()  # one model per process
        _MODELS[key] = tagger
        # The model's vocabulary is hundreds of thousands of long-lived objects: without this, every full
        # garbage collection walks them again while rows are built.
        gc.collect()
        gc.freeze()
    return _MODELS[key]


def _documents(item: Item, settings: Settings) -> Iterator[Document]:
    if item.path is not None:
        yield from read_path(item.path, text_field=settings.text_field)
    elif item.source == "<stdin>":
        yield from read_bytes(item.data or b"", "<stdin>", suffix=".txt")
    elif (item.data or b"").strip():  # a .jsonl slice (one of blank lines has no records)
        yield from read_bytes(item.data or b"", item.source, text_field=settings.text_field)


def _read(item: Item, settings: Settings, result: FileResult) -> list[Document]:
    """The item's documents; a file that cannot be read gets its one-line reason (documents read before a
    bad record of a .jsonl/.csv file are kept and tagged)."""
    documents: list[Document] = []
    try:
        for document in _documents(item, settings):
            documents.append(document)
    except ReadError as exc:
        result.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a reader's bug on one odd file must not end a long run
        result.error = f"{item.source}: could not be read ({type(exc).__name__}: {exc}); please report this file"
    if item.first_line > 1 and result.error:
        # A slice's reader counts lines from 1; the user's file numbers them from where the slice starts.
        result.error = _shift_line(result.error, item.first_line - 1)
    return documents


def _shift_line(message: str, by: int) -> str:
    return re.sub(r"\bline (\d+)", lambda m: f"line {int(m.group(1)) + by}", message, count=1)


def run_task(task: Task, settings: Settings, ref: ModelRef) -> TaskResult:
    """Read, tag and encode one task; the rows come back as bytes in the order of the task's items."""
    tagger = load_model(ref)
    files: list[FileResult] = []
    # (file result, document, [(block, heading path)]) for every document of the task, in order
    read: list[tuple[FileResult, Document, list[Any], int | None]] = []
    texts: list[str] = []
    input_bytes = 0
    for item in task.items:
        result = FileResult(item.number, item.source, done=item.last_slice)
        files.append(result)
        input_bytes += len(item.data) if item.data is not None else _size(item.path)
        for document in _read(item, settings, result):
            units = document.units()
            for block in document.skipped():
                result.not_tagged[block.role or block.kind] += 1
            result.warnings += document.warnings
            record = None if document.record is None else document.record + item.first_line - 1
            read.append((result, document, units, record))
            texts.extend(block.text for block, _ in units)
            result.documents += 1
            result.paragraphs += len(units)
    tagged = tag_paragraphs(tagger, texts, settings.threshold, settings.explain) if texts else []
    domains: Counter[str] = Counter()
    untagged = 0
    out: list[str] = []
    at = 0
    for result, document, units, record in read:
        source = result.source
        meta = document.meta if document.record is not None else None
        mine = tagged[at:at + len(units)]
        at += len(units)
        for index, ((block, heading), paragraph) in enumerate(zip(units, mine)):
            domains.update(d for d, _ in paragraph.tags)
            untagged += not paragraph.tags
            if keep(paragraph, settings):
                out.append(paragraph_row(settings, source, record, meta, index, block.start, block.end, heading,
                                         paragraph))
        if settings.doc_summary:
            summary = summarize_document(tagger.classes_, mine, min_share=settings.min_share)
            if keep(summary, settings):
                out.append(document_row(settings, source, record, meta, len(units), summary))
    return TaskResult(task.number, "".join(out).encode("utf-8"), files, domains, untagged, input_bytes)


def _size(path: str | None) -> int:
    try:
        return Path(path).stat().st_size if path else 0
    except OSError:
        return 0
