"""The record every reader returns, the one error they raise, and the helper that turns units into blocks."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from model.cjk_radicals import fold_radicals
from model.errors import PolicytagError
from model.text import Block, classify_unit, heading_paths, join_lines, parse_blocks, select_units


class ReadError(PolicytagError, ValueError):
    """A file that cannot be read; the message is one line: file name, reason, fix."""


class UnsupportedFormat(ReadError):
    """A file type policytag does not read (HTTP: 415)."""


@dataclass(frozen=True)
class Document:
    """One document (or one record of a .jsonl/.csv file) read into blocks.

    `text` is the extracted text (radicals folded); every block's `start`/`end` index into it. `meta` holds a
    record's other fields; `record` is its 1-based line (.jsonl) or data row (.csv) number, else None.
    """

    source: str
    text: str
    blocks: tuple[Block, ...]
    format: str
    meta: dict[str, Any] = field(default_factory=dict)
    record: int | None = None

    def units(self) -> list[tuple[Block, tuple[str, ...]]]:
        """The blocks to tag, each with its heading path (outermost first), in document order."""
        chosen, _ = select_units(list(self.blocks))
        ids = {id(b) for b in chosen}
        return [(b, path) for b, path in zip(self.blocks, heading_paths(list(self.blocks))) if id(b) in ids]

    def skipped(self) -> list[Block]:
        """Blocks not tagged: boilerplate, and titles when there is content."""
        return select_units(list(self.blocks))[1]


def text_document(text: str, source: str, fmt: str, **extra: Any) -> Document:
    """A document from plain or markdown text: radicals folded, then split by `parse_blocks`."""
    text = fold_radicals(text.replace("\r\n", "\n").replace("\r", "\n"))
    return Document(source, text, tuple(parse_blocks(text)), fmt, **extra)


def units_document(units: Iterable[tuple[str, int] | tuple[str, int, int] | tuple[str, int, int, str]], source: str,
                   fmt: str) -> Document:
    """A document from whole units (text, heading level or 0[, page breaks mended[, run-in lead]]) of a
    structured format: one unit per line of the extracted text, each classified by `classify_unit`, so
    offsets match exactly. A lead is the start of the unit that the document set apart (bold in Word)."""
    pieces: list[str] = []
    blocks: list[Block] = []
    offset = 0
    for raw, level, *extra in units:
        mended = [extra[0]] if extra and isinstance(extra[0], int) else []
        lead = fold_radicals(str(extra[1]).strip()) if len(extra) > 1 else ""
        unit = raw.strip()
        if "\n" in unit or "\r" in unit:  # a manual line break inside a Word paragraph or an HTML block
            unit = ""
            for piece in raw.splitlines():
                unit = join_lines(unit, piece.strip())
        unit = fold_radicals(unit)
        if not unit:
            continue
        found = classify_unit(unit, offset, len(pieces) + 1, level)
        if mended and mended[0]:
            found = [replace(b, joined=mended[0]) if b.kind == "paragraph" else b for b in found]
        if lead:
            found = [replace(b, lead=lead) if b.kind == "paragraph" and b.text.startswith(lead)
                     and len(lead) < len(b.text) else b for b in found]
        blocks += found
        pieces.append(unit)
        offset += len(unit) + 1
    return Document(source, "\n".join(pieces), tuple(blocks), fmt)


def require_text(document: Document, fix: str) -> Document:
    """Refuse a document with nothing in it, so an empty file is reported rather than silently skipped."""
    if not document.blocks:
        raise ReadError(f"{document.source}: empty (no text found); {fix}")
    return document
