"""Uploaded bytes -> the paragraphs to tag, each with its heading path (the upload endpoint and the review pool).

A thin view over `model.readers`, which reads every format; ReadError (UnsupportedFormat for a file type
policytag does not read) when the data cannot be read.
"""
from __future__ import annotations

from dataclasses import dataclass

from model.readers import read_bytes
from model.text import Block


@dataclass(frozen=True)
class Paragraph:
    """A unit to tag and the headings above it, joined with " / " ("" when there are none)."""

    text: str
    heading: str


def read_paragraphs(data: bytes, name: str) -> tuple[list[Paragraph], list[Block]]:
    """(units to tag with their heading paths, skipped blocks) of every document in `data` (a file named `name`)."""
    paragraphs: list[Paragraph] = []
    skipped: list[Block] = []
    for document in read_bytes(data, name):
        paragraphs += [Paragraph(block.text, " / ".join(path)) for block, path in document.units()]
        skipped += document.skipped()
        # Parts of the file left unread (a PDF page of scattered text) are reported with the lines not tagged.
        skipped += [Block("boilerplate", warning, 0, role="left out") for warning in document.warnings]
    return paragraphs, skipped
