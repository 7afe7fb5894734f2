"""Documents (uploaded bytes or files) -> the paragraphs to tag, each with its heading path.

`read_paragraphs` is the one door the review pool and the upload endpoint use. It is a stand-in over
model.text until the format readers (model/readers/: docx, pdf, html with offsets) land; switching means
changing this function's body only, to (checked against main's readers, c2fb159):

    (document,) = list(readers.read_bytes(data, name))      # readers.ReadError -> ReadError
    paragraphs = [Paragraph(b.text, " / ".join(path)) for b, path in document.units()]
    return paragraphs, document.skipped()

after which `_with_headings`, `_docx_text` and `_HtmlText` go.
"""
from __future__ import annotations

import html.parser
import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

from model.text import Block, DecodeError, decode_bytes, parse_blocks

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".pdf", ".html", ".htm")


class ReadError(ValueError):
    """A document cannot be read; the message names the file, the reason and the fix."""


class UnsupportedType(ReadError):
    """A file whose type policytag does not read."""


@dataclass(frozen=True)
class Paragraph:
    """A unit to tag and the headings above it, joined with " / " ("" when there are none)."""

    text: str
    heading: str = ""


def read_paragraphs(data: bytes, name: str) -> tuple[list[Paragraph], list[Block]]:
    """(paragraphs to tag with heading paths, skipped boilerplate/title blocks) of a document named `name`.

    Raises UnsupportedType for a suffix outside SUPPORTED_SUFFIXES and ReadError when it has no readable text.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedType(f"{name}: unsupported file type {suffix or '(no suffix)'!r}; "
                              f"send one of {', '.join(SUPPORTED_SUFFIXES)}")
    if not data.strip():
        raise ReadError(f"{name}: the file is empty")
    try:
        if suffix == ".docx":
            text = _docx_text(data, name)
        elif suffix == ".pdf":
            raise ReadError(f"{name}: reading PDF needs the document readers (model/readers), not in this "
                            "build; save it as .txt or .docx")
        else:
            text = decode_bytes(data, name)
            if suffix in (".html", ".htm"):
                text = _html_text(text)
    except DecodeError as exc:
        raise ReadError(str(exc)) from None
    paragraphs, skipped = _with_headings(parse_blocks(text))
    if not paragraphs:
        raise ReadError(f"{name}: no text to tag found; check that it is a document with paragraphs")
    return paragraphs, skipped


def _with_headings(blocks: list[Block]) -> tuple[list[Paragraph], list[Block]]:
    """The same units as model.text.split_for_tagging (paragraphs and enumerated sub-headings), with paths."""
    stack: list[tuple[int, str]] = []
    units: list[Paragraph] = []
    for block in blocks:
        path = " / ".join(text for _, text in stack)
        if block.kind == "heading":
            if block.level >= 10:
                units.append(Paragraph(block.text, path))
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            stack.append((block.level, block.text))
        elif block.kind == "paragraph":
            units.append(Paragraph(block.text, path))
    if not units:  # a bare title is its own paragraph
        units = [Paragraph(b.text) for b in blocks if b.kind == "heading"]
    texts = {u.text for u in units}
    skipped = [b for b in blocks if b.kind == "boilerplate" or (b.kind == "heading" and b.text not in texts)]
    return units, skipped


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"(?:heading|标题)\s*(\d)", re.IGNORECASE)


def _docx_text(data: bytes, name: str) -> str:
    """Body paragraphs of a .docx as markdown-ish lines (Heading N styles become '#' lines)."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            root = ElementTree.fromstring(archive.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        raise ReadError(f"{name}: not a readable .docx (damaged, or another format renamed); re-save it from "
                        "Word as .docx") from None
    lines = []
    for paragraph in root.iter(f"{_W}p"):
        text = "".join(node.text or "" for node in paragraph.iter(f"{_W}t")).strip()
        if not text:
            continue
        style = paragraph.find(f"{_W}pPr/{_W}pStyle")
        level = _HEADING_STYLE.search(style.get(f"{_W}val", "")) if style is not None else None
        lines.append(f"{'#' * min(int(level.group(1)), 6)} {text}" if level else text)
    return "\n\n".join(lines)


class _HtmlText(html.parser.HTMLParser):
    _SKIP = {"script", "style", "nav", "footer", "header", "noscript", "template"}
    _BLOCK = {"p", "div", "li", "br", "section", "article", "tr", "td", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.lines.append("#" * int(tag[1]) + " " if re.fullmatch(r"h[1-6]", tag) else "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.lines[-1] += data.replace("\n", " ")


def _html_text(text: str) -> str:
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    return "\n\n".join(line.strip() for line in parser.lines if line.strip(" #"))
