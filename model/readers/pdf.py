"""PDF with a text layer (pypdfium2): the producer's reading order, visual lines rebuilt into paragraphs.

Each page's text is taken from PDFium in content order and split into visual lines where PDFium breaks them
(`pdf_lines`); running headers, footers and page numbers are dropped (`pdf_furniture`); text columns are read
column by column and tables cell by cell or row by row, never interleaved (`pdf_layout`); each line gets the
edges it wraps at and is indented from (`pdf_blocks`), and lines are joined into paragraphs across wraps,
page breaks and column breaks (`pdf_paragraphs`). A page of scattered text (an infographic, a chart) is
left out with a warning instead of being read as noise. The reading budget (`limits`) is charged page by page.
"""
from __future__ import annotations

from model.readers import limits
from model.readers.document import Document, ReadError, units_document
from model.readers.pdf_furniture import furniture
from model.readers.pdf_layout import Region, reading_order, regions, scattered
from model.readers.pdf_lines import Line, page_lines
from model.readers.pdf_paragraphs import paragraphs

SUFFIXES = (".pdf",)


def read_pdf(data: bytes, name: str) -> Document:
    """One document from PDF bytes; ReadError for a scan (no text layer), an encrypted or damaged file, or a file
    whose every page is scattered text. Pages left out are named in the document's `warnings`."""
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
    pages: list[list[Line]] = []
    warnings: list[str] = []
    try:
        budget = limits.active(name)
        budget.check_pages(len(pdf))
        for number in range(len(pdf)):  # one page at a time: only its text and boxes are held
            page = pdf[number]
            try:
                lines = page_lines(page, number)
            finally:
                page.close()
            budget.charge_chars(sum(len(line.text) for line in lines))
            if lines and scattered(lines):
                warnings.append(f"{name}: page {number + 1} left out: {len(lines)} pieces of text scattered over "
                                "the page (a chart or an infographic?) have no reading order")
                lines = []
            pages.append(lines)
    finally:
        pdf.close()
    if not any(pages):
        if warnings:
            raise ReadError(f"{name}: no page reads as running text (every page with text is scattered text: "
                            "charts or infographics?); nothing to tag")
        raise ReadError(f"{name}: no text layer (a scan?); OCR it first (e.g. ocrmypdf) and read the result")
    dropped = furniture(pages)
    body = [[line for line in page if id(line) not in dropped] for page in pages]
    found: list[list[Region]] = [regions(page) for page in body]
    ordered = [reading_order(page, page_regions) for page, page_regions in zip(body, found)]
    return units_document(paragraphs(ordered, found), name, "pdf", warnings)
