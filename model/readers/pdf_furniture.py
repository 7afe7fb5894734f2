"""Page furniture in PDF lines: running headers and footers, page numbers, a browser's print margins.

Lines in the top or bottom margin band that repeat at the same height on several pages (digits ignored), page
numbers, and margin lines set smaller than the body with only furniture between them and the page's edge.
"""
from __future__ import annotations

import re
from collections import defaultdict

from model.readers.pdf_lines import Line, body_size

_MARGIN_BAND = 0.07  # top and bottom 7% of the page (A4: 59 pt; browsers print body text from ~36 pt)
_PAGE_NUMBER = re.compile(r"^[\s\-–—·•.第页共/|]*(?:\d+|[ivxlcdm]+)[\s\-–—·•.第页共/|\d]*$|^(?:page|p\.)\s*\d+.*$",
                          re.IGNORECASE)
_SMALL = 0.85  # margin lines set smaller than this share of the body size are furniture even on one page


def furniture(pages: list[list[Line]]) -> set[int]:
    """ids of lines that are page furniture: page numbers and lines repeated at the same height on several pages
    (digits ignored) in the top or bottom margin band, and margin lines set smaller than the body with only
    furniture between them and the page's edge (a browser's date, title, address and page count)."""
    size = body_size([line for page in pages for line in page])
    candidates: list[Line] = []
    for page in pages:
        for line in page:
            middle = (line.top + line.bottom) / 2
            if middle < _MARGIN_BAND * line.page_height or middle > (1 - _MARGIN_BAND) * line.page_height:
                candidates.append(line)
    # Pages on which each text (digits ignored) stands at each height, in 3-point steps.
    at_height: dict[tuple[str, int], set[int]] = defaultdict(set)
    for line in candidates:
        at_height[(_key(line), round(line.top / 3))].add(line.page)
    text_pages = sum(1 for page in pages if page)
    # "On several pages": at least two, and at least a third of them, so one title page's line is kept.
    needed = max(2, text_pages // 3)

    def repeated(line: Line) -> bool:
        key, step = _key(line), round(line.top / 3)
        return len(at_height[(key, step - 1)] | at_height[(key, step)] | at_height[(key, step + 1)]) >= needed

    dropped = {id(line) for line in candidates
               if _PAGE_NUMBER.match(line.text) or (text_pages > 1 and repeated(line))}
    for line in sorted(candidates, key=lambda item: min(item.top, item.page_height - item.bottom)):
        if id(line) not in dropped and line.size < _SMALL * size and _outermost(line, pages[line.page], dropped):
            dropped.add(id(line))
    return dropped


def _key(line: Line) -> str:
    return re.sub(r"\d+", "#", line.text)


def _outermost(line: Line, page: list[Line], dropped: set[int]) -> bool:
    """Only furniture lies between the line and its page edge (above it near the top, below it near the foot)."""
    if line.top < line.page_height / 2:
        return all(id(other) in dropped for other in page if other.bottom <= line.top + 0.5)
    return all(id(other) in dropped for other in page if other.top >= line.bottom - 0.5)
