"""PDF with a text layer (pypdfium2): visual lines rebuilt into paragraphs, running headers/footers dropped.

PDF text comes as positioned runs. Runs are grouped into lines by their vertical position; a line ends its
paragraph when it ends in sentence-final punctuation or stops short of the right margin, and the next line
starts one when it is indented. Lines in the top or bottom margin band that repeat on several pages (digits
ignored) and bare page numbers are dropped, so a paragraph that crosses a page break is mended.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from model.readers import limits
from model.readers.document import Document, ReadError, units_document
from model.text import SENTENCE_END, TITLE_LEVEL, looks_like_title

SUFFIXES = (".pdf",)

_MARGIN_BAND = 0.07  # top and bottom 7% of the page (A4: 59 pt; body text starts near 72 pt)
_PAGE_NUMBER = re.compile(r"^[\s\-–—·•.第页共/|]*(?:\d+|[ivxlcdm]+)[\s\-–—·•.第页共/|\d]*$|^(?:page|p\.)\s*\d+.*$",
                          re.IGNORECASE)


@dataclass
class _Line:
    page: int
    top: float  # distance from the top of the page, points
    height: float
    left: float
    right: float
    text: str
    page_height: float


def _page_lines(page, number: int) -> list[_Line]:  # noqa: ANN001 - pypdfium2 PdfPage
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        runs = []
        for index in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(index)
            text = textpage.get_text_bounded(left, bottom, right, top)
            if text.strip():
                runs.append((height - top, top - bottom, left, right, text))
    finally:
        textpage.close()
    runs.sort(key=lambda r: (round(r[0]), r[2]))
    lines: list[_Line] = []
    for top, tall, left, right, text in runs:
        last = lines[-1] if lines else None
        if last is not None and abs(last.top - top) < max(2.0, 0.5 * min(last.height, tall)):
            last.text += text if left - last.right < tall else " " + text
            last.right = max(last.right, right)
            last.left = min(last.left, left)
        else:
            lines.append(_Line(number, top, tall, left, right, text, height))
    for line in lines:
        line.text = line.text.replace("\r", "").replace("\n", "").strip()
    return [line for line in lines if line.text]


def _running_lines(lines: list[_Line], pages: int) -> set[int]:
    """Indexes of lines that are page furniture: page numbers, and margin-band lines repeated on pages."""
    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", line.text)

    in_band = [i for i, line in enumerate(lines)
               if line.top < _MARGIN_BAND * line.page_height or line.top > (1 - _MARGIN_BAND) * line.page_height]
    repeats = Counter(key(lines[i]) for i in in_band)
    # "On several pages": at least two, and at least a third of them, so one title page's line is kept.
    needed = max(2, pages // 3)
    return {i for i in in_band if _PAGE_NUMBER.match(lines[i].text) or (pages > 1 and repeats[key(lines[i])] >= needed)}


def _paragraphs(lines: list[_Line]) -> list[tuple[str, int, int]]:
    """Join visual lines into paragraphs (text, heading level, page breaks crossed) using the right margin,
    indentation and sentence-final punctuation; a lone unpunctuated line that is centred or set larger is a title."""
    if not lines:
        return []
    # The text block's edges, robust to a few stray lines (a wide table row, a margin note): the 10th
    # percentile of left edges and the 90th of right edges.
    lefts = sorted(line.left for line in lines)
    rights = sorted(line.right for line in lines)
    heights = sorted(line.height for line in lines)
    body_left = lefts[len(lefts) // 10]
    body_right = rights[min(len(rights) - 1, len(rights) * 9 // 10)]
    body_height = heights[len(heights) // 2]
    indented = [line.left - body_left > 1.5 * line.height for line in lines]
    # Documents that indent first lines (most Chinese official documents) mark paragraphs by indentation,
    # so a full line that happens to end in "。" does not end its paragraph there.
    indent_style = sum(indented) >= max(3, len(lines) // 10)
    paragraphs: list[tuple[str, int, int]] = []
    current: list[_Line] = []

    def flush() -> None:
        if current:
            text = "".join(line.text for line in current)
            first = current[0]
            standout = first.height > 1.15 * body_height or first.left - body_left > 1.5 * first.height
            title = len(current) == 1 and standout and looks_like_title(text)
            paragraphs.append((text, TITLE_LEVEL if title else 0, current[-1].page - first.page))
            current.clear()

    for line, indent in zip(lines, indented):
        if indent:
            flush()
        current.append(line)
        # Wrapped lines run to the right margin; a paragraph's last line usually stops short of it.
        short = body_right - line.right > 1.5 * line.height
        if short or (line.text[-1] in SENTENCE_END and not indent_style):
            flush()
    flush()
    return paragraphs


def read_pdf(data: bytes, name: str) -> Document:
    """One document from PDF bytes; ReadError for a scan (no text layer), an encrypted or damaged file."""
    import pypdfium2 as pdfium

    if not data.lstrip()[:5] == b"%PDF-":
        raise ReadError(f"{name}: not a PDF (no %PDF- header); give the original PDF file")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = str(exc)
        if "password" in reason.lower():
            raise ReadError(f"{name}: the PDF is password-protected; save an unprotected copy") from None
        raise ReadError(f"{name}: damaged or truncated PDF ({reason}); re-export or re-download it") from None
    try:
        lines: list[_Line] = []
        pages = len(pdf)
        budget = limits.active(name)
        budget.check_pages(pages)
        for number in range(pages):
            page, start = pdf[number], len(lines)
            try:
                lines += _page_lines(page, number)
            finally:
                page.close()
            budget.charge_chars(sum(len(line.text) for line in lines[start:]))
    finally:
        pdf.close()
    if not lines:
        raise ReadError(f"{name}: no text layer (a scan?); OCR it first (e.g. ocrmypdf) and read the result")
    furniture = _running_lines(lines, pages)
    body = [line for i, line in enumerate(lines) if i not in furniture]
    return units_document(_paragraphs(body), name, "pdf")
