"""Small conveniences the tests share (not part of policytag: its code reads documents through model.readers)."""
from __future__ import annotations

from pathlib import Path

from model.text import decode_bytes, split_for_tagging


def read_document(path: str | Path) -> str:
    """A text/markdown file decoded the way model.readers decodes text files."""
    path = Path(path)
    return decode_bytes(path.read_bytes(), str(path))


def paragraphs(text: str) -> list[str]:
    """The units `policytag` tags in `text` (content paragraphs and enumerated sub-headings), in order."""
    return split_for_tagging(text)[0]
