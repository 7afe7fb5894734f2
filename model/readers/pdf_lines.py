"""A PDF page's text as visual lines in the producer's reading order, with the geometry paragraphs need.

The text comes from PDFium's text page in content order (the order the producer wrote it: browsers and office
suites write column by column and table cell by table cell) and is split where PDFium breaks lines. Character
boxes are used only for geometry: where each line starts and ends, its height, and gaps wide enough to
separate table cells or columns drawn on one baseline. Grouping characters by their boxes instead scrambles
CJK punctuation, digits and flat glyphs (`一`), whose boxes sit higher or lower than their neighbours'.
"""
from __future__ import annotations

import ctypes
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

# A gap between two characters of one PDFium line wider than this many line heights separates two pieces
# (table cells, columns or a header's left and right parts). Next to a CJK character the gap can be narrower:
# CJK text is set solid (justified browser text stretched its gaps to 0.2 em), autospacing around digits and
# Latin words is a quarter of an em, and a browser's table cells were 0.56 em apart; between Latin words a
# justified line may stretch its spaces much further.
_PIECE_GAP = 1.5
_PIECE_GAP_CJK = 0.4
# Characters that may not start a line (CJK line-breaking rules): a line wraps before the character they follow.
_NO_LINE_START = set("，。、；：！？）)】》」』〉”’…·%％,.;:!?]}—～")
# Characters that may not end a line: a line wraps before them and the character after them.
_NO_LINE_END = set("（(【《「『〈“‘[{")
# Quotation marks stick to the characters on both sides (Unicode line breaking, LB19): "一站式”人才" wraps
# before "式”人" as a whole.
_QUOTES = set("“”‘’\"'")


@dataclass
class Line:
    """One visual line (or one piece of a line split at a wide gap) in points from the page's top-left."""

    page: int  # 0-based
    top: float
    bottom: float
    left: float
    right: float
    text: str
    lead: float  # width of the text's first unbreakable unit: what would have had to fit on the line above
    row: int  # the PDFium line it came from (pieces of one row share it)
    page_width: float
    page_height: float
    size: float  # type size in points
    order: int = 0  # position on its page in content order


_Char = tuple[str, tuple[float, float, float, float], int]  # character, (left, top, right, bottom), PDFium index


def _keeps_space(before: str, after: str) -> bool:
    """A space between two characters survives only between Latin letters, digits and ASCII punctuation:
    between CJK characters (or CJK and Latin) it is justification or autospacing, not text."""
    return ord(before) < 0x2000 and ord(after) < 0x2000


def page_lines(page, number: int) -> list[Line]:  # noqa: ANN001 - pypdfium2 PdfPage
    """The page's visual lines in content order; empty for a page without a text layer."""
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    if page.get_rotation():
        # PDFium reorders a rotated page's text (lines split, their halves swapped); with the page's /Rotate
        # undone (in memory only) it keeps the content order. The text's own direction is found below.
        if page.get_rotation() in (90, 270):
            width, height = height, width
        page.set_rotation(0)
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        if count <= 0:
            return []
        text = textpage.get_text_range()
        if len(text) != count:  # characters outside the BMP come out of get_text_range as surrogate pairs
            get = pdfium_c.FPDFText_GetUnicode
            text = "".join(chr(get(textpage, i) or 0xFFFD) for i in range(count))
        matrix = pdfium_c.FS_MATRIX()
        matrix_ref = ctypes.byref(matrix)
        votes: Counter[int] = Counter()
        for i in range(0, count, max(1, count // 24)):
            if pdfium_c.FPDFText_GetMatrix(textpage, i, matrix_ref):
                votes[round(math.degrees(math.atan2(matrix.b, matrix.a)) / 90) % 4 * 90] += 1
        direction = votes.most_common(1)[0][0] if votes else 0
        place = _placement(direction, width, height)
        if direction in (90, 270):
            width, height = height, width
        rect = pdfium_c.FS_RECTF()
        ref = ctypes.byref(rect)
        box = pdfium_c.FPDFText_GetLooseCharBox
        boxes: list[tuple[float, float, float, float] | None] = []
        for i in range(count):
            if box(textpage, i, ref):
                boxes.append(place(rect.left, rect.bottom, rect.right, rect.top))
            else:
                boxes.append(None)

        def size_of(index: int) -> float:
            # The type size as printed: the font size scaled by the text and page transforms (a browser sets
            # 16 "pixels" under a 0.75 scale for 12 pt). Glyph boxes are no measure: a font without ascent and
            # descent gets tight boxes, and office suites set digits in a Western font of other proportions.
            if not pdfium_c.FPDFText_GetMatrix(textpage, index, matrix_ref):
                return 0.0
            scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
            return pdfium_c.FPDFText_GetFontSize(textpage, index) * scale

        return _split_lines(text, boxes, size_of, number, width, height)
    finally:
        textpage.close()


def _placement(direction: int, width: float, height: float
               ) -> Callable[[float, float, float, float], tuple[float, float, float, float]]:
    """Maps a box in PDF space (left, bottom, right, top; y up) to (left, top, right, bottom) in the frame of
    text running at `direction` degrees: x along the lines, y down from the first line (a landscape table on
    a portrait page reads like any other page)."""
    if direction == 90:
        return lambda left, bottom, right, top: (bottom, left, top, right)
    if direction == 180:
        return lambda left, bottom, right, top: (width - right, bottom, width - left, top)
    if direction == 270:
        return lambda left, bottom, right, top: (height - top, width - right, height - bottom, width - left)
    return lambda left, bottom, right, top: (left, height - top, right, height - bottom)


def _split_lines(text: str, boxes: list[tuple[float, float, float, float] | None], size_of: Callable[[int], float],
                 number: int, width: float, height: float) -> list[Line]:
    """Lines from PDFium's characters (text[i] has boxes[i] = (left, top, right, bottom) or None): a line ends
    at a line break; a gap wider than _PIECE_GAP line heights ends a piece."""
    lines: list[Line] = []
    chars: list[_Char] = []
    row = 0

    def finish() -> None:
        if chars:
            lines.append(_make_line(chars, size_of, number, row, width, height))
            chars.clear()

    space = False
    for index, (char, found) in enumerate(zip(text, boxes)):
        if char in "\r\n":
            finish()
            row += 1
            space = False
            continue
        if char.isspace() or found is None or char in "\ufffe\x02\x00":
            space = space or char.isspace()
            continue
        left, top, right, bottom = found
        if right - left > 0.9 * width or bottom - top > 0.5 * height:
            continue  # a glyph box covering the page is not a character anyone reads
        if chars:
            last_char, last, _ = chars[-1]
            tall = max(last[3] - last[1], bottom - top, 1.0)
            gap = (_PIECE_GAP if _keeps_space(last_char, char) else _PIECE_GAP_CJK) * tall
            if left - last[2] > gap or left < last[0] - tall and abs(top - last[1]) < tall:
                finish()  # a wide gap (another cell or column), or a jump back along the same baseline
            elif space and _keeps_space(last_char, char):
                chars.append((" ", (last[2], last[1], left, last[3]), -1))
        space = False
        chars.append((char, found, index))
    finish()
    for order, line in enumerate(lines):
        line.order = order
    return lines


def _make_line(chars: list[_Char], size_of: Callable[[int], float], number: int, row: int, width: float,
               height: float) -> Line:
    # The type size of a few CJK characters (of any when there are none), spread over the line; top and bottom
    # are medians of the characters' em boxes, so one glyph with an odd box does not move the line.
    sample = [index for c, _, index in chars if c >= "\u2e80"] or [index for c, _, index in chars if index >= 0]
    step = max(1, len(sample) // 5)
    sizes = sorted(size_of(index) for index in sample[::step])
    tops = sorted(box[1] for _, box, _ in chars)
    bottoms = sorted(box[3] for _, box, _ in chars)
    middle = len(chars) // 2
    size = sizes[len(sizes) // 2] or bottoms[middle] - tops[middle]
    text = "".join(c for c, _, _ in chars)
    return Line(number, tops[middle], bottoms[middle], chars[0][1][0], max(box[2] for _, box, _ in chars), text,
                _lead_width(chars), row, width, height, size)


def _lead_width(chars: list[_Char]) -> float:
    """Width of the line's first unit that a line break cannot split: opening punctuation with the character
    after it, a Latin word or number, then any closing punctuation that may not start a line; quotation marks
    hold on to the characters on both sides."""
    end = 0
    while end < len(chars) - 1 and chars[end][0] in _NO_LINE_END:
        end += 1
    if chars[end][0].isascii() and chars[end][0].isalnum():
        while end + 1 < len(chars) and chars[end + 1][0].isascii() and chars[end + 1][0] not in " ":
            end += 1
    while end + 1 < len(chars):
        this, after = chars[end][0], chars[end + 1][0]
        if not (after in _NO_LINE_START or after in _QUOTES or this in _QUOTES or this in _NO_LINE_END):
            break
        end += 1
    return chars[end][1][2] - chars[0][1][0]
