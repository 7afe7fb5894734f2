"""Plain text and markdown: UTF-8 (BOM or not), UTF-16 with BOM, GB18030/GBK."""
from __future__ import annotations

from model.readers import limits
from model.readers.document import Document, ReadError, require_text, text_document
from model.text import DecodeError, decode_bytes

SUFFIXES = (".md", ".markdown", ".txt")


def read_text(data: bytes, name: str) -> Document:
    """One document from text bytes; ReadError if the encoding is not one we read or there is no text."""
    try:
        text = decode_bytes(data, name)
    except DecodeError as exc:
        raise ReadError(str(exc)) from None
    limits.active(name).charge_chars(len(text))
    return require_text(text_document(text.lstrip("\ufeff"), name, "text"), "give a file with text in it")
