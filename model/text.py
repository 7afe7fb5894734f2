"""Reading documents: decoding, normalisation and splitting markdown/plain text into blocks.

A document becomes a list of `Block`s: headings (markdown `#` and enumerated sub-headings), content
paragraphs (with paragraphs broken by page breaks joined back together) and boilerplate (bylines, project
notes, affiliations, contact lines) that is kept aside so callers can report it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from model.errors import PolicytagError


class DecodeError(PolicytagError, ValueError):
    """A file is not text in an encoding policytag reads."""


# Sentence-final punctuation: a line ending in one of these is a complete paragraph. A line that does not
# (e.g. "…全" before a page break) continues in the next paragraph.
SENTENCE_END = "。！？；…”’」』.!?;\""

# "Blank" text is made only of these: every character Python's str.isspace() accepts plus U+FEFF (a stray BOM).
# That is the union of the whitespace of Python, of JSON Schema patterns (ECMA-262 \s) and of pydantic (Rust
# regex \s), so the API's published schema, its validation and the store agree on what is empty.
BLANK_CHARS = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
               + "\u2028\u2029\u202f\u205f\u3000\ufeff")
# A regular expression (same meaning in Python, ECMA-262 and Rust) that matches text with a non-blank character.
NOT_BLANK_PATTERN = "[^" + "".join(f"\\u{ord(c):04x}" for c in BLANK_CHARS) + "]"


def is_blank(text: str) -> bool:
    """True when `text` has no character outside BLANK_CHARS (empty, spaces, line breaks, ideographic spaces)."""
    return not text.strip(BLANK_CHARS)


_MD_HEADING = re.compile(r"^(#{1,6})\s*(.+?)\s*#*\s*$")
# Enumerated sub-headings with the heading depth they open (deeper than any markdown heading).
_ENUMERATED = (
    (re.compile(r"^[一二三四五六七八九十百]+、"), 10),
    (re.compile(r"^[（(][一二三四五六七八九十百]+[)）]"), 11),
    (re.compile(r"^\d{1,2}[.．、](?!\d)"), 12),
    (re.compile(r"^[（(]\d{1,2}[)）]"), 13),
)
# A stand-alone enumerated line longer than this is a paragraph that opens with its own sub-heading.
_MAX_HEADING_CHARS = 60
_SENTENCE_SPLIT = re.compile(r"(?<=[。！？；!?;])")

# Whole-line patterns only, so a content paragraph is never mistaken for boilerplate.
_BOILERPLATE = (
    ("byline", re.compile(r"^[□■]\s*[^。！？；，,.!?;:：]{1,24}$")),  # □王叶军 李思坤
    ("note", re.compile(r"^【[^】]*】$")),
    ("affiliation", re.compile(r"^[（(]\s*作者(单位|系|为)[^）)]*[）)]$")),
    ("contact", re.compile(r"^(投稿邮箱|联系电话|联系方式|责任编辑|本版编辑|来源)\s*[:：][^。！？]{0,40}$")),
    ("contact", re.compile(r"^.{0,30}[\w.+-]+@[\w-]+(\.[\w-]+)+.{0,10}$")),  # a short line around an e-mail
)


@dataclass(frozen=True)
class Block:
    """One unit of a document: kind is 'heading', 'paragraph' or 'boilerplate'."""

    kind: str
    text: str
    line: int
    level: int = 0  # headings: 1-6 for markdown, 10+ for enumerated sub-headings
    role: str = ""  # boilerplate: byline / note / affiliation / contact
    joined: int = 0  # paragraphs: how many page breaks were mended to build it


def decode_bytes(data: bytes, name: str = "<input>") -> str:
    """Decode UTF-8 (with or without BOM) or GB18030/GBK bytes; raise DecodeError naming `name` otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DecodeError(f"{name}: looks like UTF-16 (e.g. Excel 'Unicode Text'); re-save it as UTF-8")
    if b"\x00" in data[:8192]:
        raise DecodeError(f"{name}: looks like a binary file (NUL bytes); give a UTF-8 or GB18030 text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise DecodeError(f"{name}: not UTF-8 or GB18030/GBK text; re-save it as UTF-8") from None
    if not _plausible_chinese(text):
        raise DecodeError(f"{name}: not UTF-8, and as GB18030 it reads as gibberish (Big5 or Shift-JIS?); "
                          "re-save it as UTF-8")
    return text


def _plausible_chinese(text: str) -> bool:
    """GB18030 decodes almost any bytes; Big5 or Shift-JIS read that way give private-use characters or
    mostly rare ones. Real Chinese text is dominated by the 3,755 common characters (GB2312 level 1)."""
    if any("\ue000" <= c <= "\uf8ff" for c in text):
        return False
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if len(cjk) < 20:
        return True
    common = 0
    for c in cjk:
        try:
            common += 0xB0 <= c.encode("gb2312")[0] <= 0xD7
        except UnicodeEncodeError:
            pass
    return common / len(cjk) >= 0.5


def read_document(path: str | Path) -> str:
    """Read a text/markdown file in any encoding `decode_bytes` accepts."""
    path = Path(path)
    return decode_bytes(path.read_bytes(), str(path))


def normalize(text: str) -> str:
    """Canonical form used for features and identity: NFKC (full-width -> ASCII forms), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def split_sentences(text: str) -> list[str]:
    """Split a paragraph after sentence-final punctuation; keeps the punctuation."""
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def _boilerplate_role(line: str) -> str:
    for role, pattern in _BOILERPLATE:
        if pattern.search(line):
            return role
    return ""


def _heading_level(line: str) -> tuple[int, str]:
    match = _MD_HEADING.match(line)
    if match:
        return len(match.group(1)), match.group(2)
    for pattern, level in _ENUMERATED:
        if pattern.match(line):
            return level, line
    return 0, line


def _join(a: str, b: str) -> str:
    # Latin words broken across lines need their space back; Chinese text has none.
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


def parse_blocks(text: str) -> list[Block]:
    """Split a markdown or plain-text document into heading, paragraph and boilerplate blocks.

    Every non-empty line is a unit; a paragraph line that lacks sentence-final punctuation is joined with
    the next paragraph line (page breaks in PDF extractions, soft-wrapped plain text).
    """
    blocks: list[Block] = []
    pending: tuple[str, int, int] | None = None  # text, first line, joins so far

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            blocks.append(Block("paragraph", pending[0], pending[1], joined=pending[2]))
            pending = None

    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        line = raw.strip().lstrip("\ufeff").strip()
        if not line:
            continue
        role = _boilerplate_role(line)
        if role:
            flush()
            blocks.append(Block("boilerplate", line, number, role=role))
            continue
        level, heading = _heading_level(line)
        if level:
            body = ""
            if level >= 10 and len(line) > _MAX_HEADING_CHARS:
                # "（一）加快建设……。推动……。" opens a paragraph with its own sub-heading.
                first, *rest = split_sentences(line) or [line]
                heading, body = first, "".join(rest)
            if heading:
                flush()
                blocks.append(Block("heading", heading, number, level=level))
            if not body:
                continue
            line = body
        if pending is None:
            pending = (line, number, 0)
        else:
            pending = (_join(pending[0], line), pending[1], pending[2] + 1)
        if line[-1] in SENTENCE_END:
            flush()
    flush()
    return blocks


def paragraphs(text: str) -> list[str]:
    """The units to tag: content paragraphs and enumerated sub-headings (they carry content), in order.
    Markdown titles are skipped unless there is nothing else (a bare title is its own paragraph)."""
    return split_for_tagging(text)[0]


def split_for_tagging(text: str) -> tuple[list[str], list[Block]]:
    """(units to tag, skipped blocks): what `paragraphs` returns, and the boilerplate and titles left out."""
    blocks = parse_blocks(text)
    units = [b.text for b in blocks if b.kind == "paragraph" or (b.kind == "heading" and b.level >= 10)]
    if not units:
        units = [b.text for b in blocks if b.kind == "heading"]
    skipped = [b for b in blocks if b.kind == "boilerplate" or (b.kind == "heading" and b.text not in units)]
    return units, skipped
