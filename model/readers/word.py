"""Word .docx (python-docx): paragraphs and table cells in document order, headings from styles and text."""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from model.readers import limits
from model.readers.document import Document, ReadError, require_text, units_document
from model.text import TITLE_LEVEL, looks_like_title

SUFFIXES = (".docx",)

# Word's built-in heading styles keep English names inside the file whatever the UI language; documents made
# with Chinese custom styles use "标题 N". "Title"/"标题" is the document title.
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLE = re.compile(r"^(?:title|标题)$", re.IGNORECASE)


def _style_levels(document) -> dict[str, int]:  # noqa: ANN001 - python-docx Document
    """Heading level of every paragraph style id. Built once: python-docx's `paragraph.style` searches the
    styles part on every call, which made long documents slow to read."""
    levels = {}
    for style in document.styles:
        name = (style.name or "").strip()
        match = _HEADING_STYLE.match(name)
        level = int(match.group(1)) if match else 1 if _TITLE_STYLE.match(name) else 0
        if level and style.style_id:
            levels[style.style_id] = level
    return levels


def _centred_title(paragraph, text: str) -> int:  # noqa: ANN001 - python-docx Paragraph
    """TITLE_LEVEL for a short unpunctuated centred line (how offices set a document's title in `Normal`
    style), else 0."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    text = text.strip()
    if not text or not looks_like_title(text):
        return 0
    alignment = paragraph.alignment
    if alignment is None and paragraph.style is not None:
        alignment = paragraph.style.paragraph_format.alignment
    return TITLE_LEVEL if alignment == WD_ALIGN_PARAGRAPH.CENTER else 0


def _bold_lead(paragraph) -> str:  # noqa: ANN001 - python-docx Paragraph
    """The bold text a paragraph opens with when more, not bold, text follows (a run-in lead sentence such
    as `稳定和扩大就业。` in a work report); '' otherwise."""
    lead: list[str] = []
    runs = paragraph.runs
    for number, run in enumerate(runs):
        if not run.text.strip():  # an indent of spaces, bold or not, neither starts nor ends the lead
            lead.append(run.text)
            continue
        bold = run.bold if run.bold is not None else bool(run.style is not None and run.style.font.bold)
        if not bold:
            rest = "".join(r.text for r in runs[number:])
            found = "".join(lead).strip()
            return found if found and rest.strip() else ""
        lead.append(run.text)
    return ""


def _units(document) -> Iterator[tuple[str, int] | tuple[str, int, int, str]]:  # noqa: ANN001 - python-docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    levels = _style_levels(document)
    budget = limits.active()
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            text = paragraph.text
            budget.charge_chars(len(text) + 1)
            level = levels.get(child.style or "", 0) or _centred_title(paragraph, text)
            lead = "" if level else _bold_lead(paragraph)
            yield (text, level, 0, lead) if lead else (text, level)
        elif tag == "tbl":
            seen: list[object] = []  # the cell elements themselves: lxml proxies' ids are reused once freed
            for row in Table(child, document).rows:
                for cell in row.cells:
                    if any(cell._tc is tc for tc in seen):  # a merged cell comes once per grid column it spans
                        continue
                    seen.append(cell._tc)
                    for paragraph in cell.paragraphs:
                        budget.charge_chars(len(paragraph.text) + 1)
                        yield paragraph.text, 0


def read_docx(data: bytes, name: str) -> Document:
    """One document from .docx bytes; ReadError for a file Word did not write (.doc, damaged, encrypted)."""
    import docx

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError(f"{name}: an old Word .doc (or encrypted .docx); save it as .docx in Word or LibreOffice")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            limits.active(name).check_zip(archive)  # before anything is inflated
        document = docx.Document(io.BytesIO(data))
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - zip, XML (lxml) and python-docx errors alike: a damaged file
        reason = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise ReadError(f"{name}: not a readable .docx ({type(exc).__name__}: {reason}); re-save it in Word") from None
    return require_text(units_document(_units(document), name, "docx"), "the document has no text")
