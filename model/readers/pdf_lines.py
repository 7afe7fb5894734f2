"""A PDF page's text as visual lines in the producer's reading order, with the geometry paragraphs need.

The text comes from PDFium's text page in content order (the order the producer wrote it: browsers and office
suites write column by column and table cell by table cell) and is split where PDFium breaks lines. Character
boxes are used only for geometry: where each line starts and ends, its height, and gaps wide enough to
separate table cells or columns drawn on one baseline, and to read left to right a line whose characters go back
and forth along one baseline (office suites write a line font by font). Grouping characters into lines by their
boxes instead scrambles CJK punctuation, digits and flat glyphs (`一`), whose boxes sit higher or lower than
their neighbours'.
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
# Latin words is a quarter of an em, and a browser sets table cells about 0.56 em apart; between Latin words a
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
    alone: bool = True  # no other piece shares its PDFium line


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
        handle = textpage.raw  # the raw handle: the wrapper object costs a property lookup on every call
        if len(text) != count:  # characters outside the BMP come out of get_text_range as surrogate pairs
            get = pdfium_c.FPDFText_GetUnicode
            text = "".join(chr(get(handle, i) or 0xFFFD) for i in range(count))
        matrix = pdfium_c.FS_MATRIX()
        matrix_ref = ctypes.byref(matrix)
        votes: Counter[int] = Counter()
        for i in range(0, count, max(1, count // 24)):
            if pdfium_c.FPDFText_GetMatrix(handle, i, matrix_ref):
                votes[round(math.degrees(math.atan2(matrix.b, matrix.a)) / 90) % 4 * 90] += 1
        direction = votes.most_common(1)[0][0] if votes else 0
        if direction in (90, 270):
            width, height = height, width

        def size_of(index: int) -> float:
            # The type size as printed: the font size scaled by the text and page transforms (a browser sets
            # 16 "pixels" under a 0.75 scale for 12 pt). Glyph boxes are no measure: a font without ascent and
            # descent gets tight boxes, and office suites set digits in a Western font of other proportions.
            if not pdfium_c.FPDFText_GetMatrix(handle, index, matrix_ref):
                return 0.0
            scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
            return float(pdfium_c.FPDFText_GetFontSize(handle, index) * scale)

        return _split_lines(text, _boxes(handle, count, direction, width, height), size_of, number, width, height)
    finally:
        textpage.close()


def _boxes(textpage, count: int, direction: int, width: float, height: float  # noqa: ANN001 - FPDF_TEXTPAGE
           ) -> tuple[list[float], list[float], list[float], list[float]]:
    """Every character's em box as (lefts, tops, rights, bottoms) in the frame of the text (see _placement);
    NaN for a character without a box."""
    import pypdfium2.raw as pdfium_c

    rect = pdfium_c.FS_RECTF()
    ref = ctypes.byref(rect)
    box = pdfium_c.FPDFText_GetLooseCharBox
    lefts, tops, rights, bottoms = [], [], [], []
    nan = math.nan
    if direction == 0:  # the common case, without a function call per character
        for i in range(count):
            if box(textpage, i, ref):
                lefts.append(rect.left)
                tops.append(height - rect.top)
                rights.append(rect.right)
                bottoms.append(height - rect.bottom)
            else:
                lefts.append(nan)
                tops.append(nan)
                rights.append(nan)
                bottoms.append(nan)
        return lefts, tops, rights, bottoms
    place = _placement(direction, width if direction == 180 else height, height if direction == 180 else width)
    for i in range(count):
        left, top, right, bottom = place(rect.left, rect.bottom, rect.right, rect.top) if box(textpage, i, ref) \
            else (nan, nan, nan, nan)
        lefts.append(left)
        tops.append(top)
        rights.append(right)
        bottoms.append(bottom)
    return lefts, tops, rights, bottoms


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


def _split_lines(text: str, boxes: tuple[list[float], list[float], list[float], list[float]],
                 size_of: Callable[[int], float], number: int, width: float, height: float) -> list[Line]:
    """Lines from PDFium's characters (text[i] has the box lefts[i], tops[i], rights[i], bottoms[i], NaN when it
    has none): a line ends at a line break; a gap wider than _PIECE_GAP line heights ends a piece."""
    lefts, tops, rights, bottoms = boxes
    lines: list[Line] = []
    chars: list[int] = []  # indexes of the current piece's characters; -1 for a space kept between Latin words
    row = 0
    space = False
    last = -1
    for index in _visual_order(text, boxes):
        char = text[index]
        if char == "\r" or char == "\n":
            if chars:
                lines.append(_make_line(text, boxes, chars, size_of, number, row, width, height))
                chars = []
            row += 1
            space = False
            continue
        left = lefts[index]
        if char.isspace() or left != left or char in "\ufffe\x02\x00":  # left != left: NaN, no box
            space = space or char.isspace()
            continue
        top, right, bottom = tops[index], rights[index], bottoms[index]
        if right - left > 0.9 * width or bottom - top > 0.5 * height:
            continue  # a glyph box covering the page is not a character anyone reads
        if chars:
            # Between Latin letters, digits and ASCII punctuation a space is text; between CJK characters (or
            # CJK and Latin) it is justification or autospacing, and the gap that splits pieces is narrower.
            latin = ord(text[last]) < 0x2000 and ord(char) < 0x2000
            tall = max(bottoms[last] - tops[last], bottom - top, 1.0)
            if left - rights[last] > (_PIECE_GAP if latin else _PIECE_GAP_CJK) * tall \
                    or left < lefts[last] - tall and abs(top - tops[last]) < tall:
                # a wide gap (another cell or column), or a jump back along the same baseline
                lines.append(_make_line(text, boxes, chars, size_of, number, row, width, height))
                chars = []
            elif space and latin:
                chars.append(-1)
        space = False
        chars.append(index)
        last = index
    if chars:
        lines.append(_make_line(text, boxes, chars, size_of, number, row, width, height))
    pieces = Counter(line.row for line in lines)
    for order, line in enumerate(lines):
        line.order = order
        line.alone = pieces[line.row] == 1
    return lines


def _visual_order(text: str, boxes: tuple[list[float], list[float], list[float], list[float]]) -> list[int]:
    """The characters' indexes in content order, except that a PDFium line set on one baseline whose characters
    go back and forth is read left to right. An office suite writes a line's text font by font: the “” of
    `。“云岭办事通”注册` in a Western font come before the Chinese characters between them."""
    lefts, tops, _, bottoms = boxes
    order: list[int] = []
    start = 0
    for end in [*(i for i, c in enumerate(text) if c in "\r\n"), len(text)]:
        line = list(range(start, end))
        placed = [i for i in line if lefts[i] == lefts[i] and not text[i].isspace()]  # NaN != NaN: no box
        if len(placed) > 1 and any(lefts[b] < lefts[a] - 0.2 * (bottoms[a] - tops[a])
                                   for a, b in zip(placed, placed[1:])):
            middles = sorted((tops[i] + bottoms[i]) / 2 for i in placed)
            tall = sorted(bottoms[i] - tops[i] for i in placed)[len(placed) // 2]
            middle = middles[len(placed) // 2]
            if all(abs((tops[i] + bottoms[i]) / 2 - middle) < tall for i in placed):
                # One visual line: order by position; a character without a box keeps its place after the one
                # before it.
                key, at = {}, -math.inf
                for i in line:
                    at = lefts[i] if lefts[i] == lefts[i] else at
                    key[i] = at
                line.sort(key=key.__getitem__)
        order += line
        if end < len(text):
            order.append(end)
        start = end + 1
    return order


def _make_line(text: str, boxes: tuple[list[float], list[float], list[float], list[float]], chars: list[int],
               size_of: Callable[[int], float], number: int, row: int, width: float, height: float) -> Line:
    # The type size of a few CJK characters (of any when there are none), spread over the line; top and bottom
    # are medians of the characters' em boxes, so one glyph with an odd box does not move the line.
    lefts, tops, rights, bottoms = boxes
    real = [index for index in chars if index >= 0]
    sample = [index for index in real if text[index] >= "\u2e80"] or real
    sizes = sorted(size_of(index) for index in sample[::max(1, len(sample) // 3)])
    line_tops = sorted([tops[index] for index in real])
    line_bottoms = sorted([bottoms[index] for index in real])
    middle = len(real) // 2
    size = abs(sizes[len(sizes) // 2]) or abs(line_bottoms[middle] - line_tops[middle]) or 1.0
    content = "".join(text[index] if index >= 0 else " " for index in chars)
    head = chars[:24]  # a kept space (-1) takes the edges of the character before it
    head_lefts = [lefts[index] if index >= 0 else rights[head[at - 1]] for at, index in enumerate(head)]
    head_rights = [rights[index] if index >= 0 else rights[head[at - 1]] for at, index in enumerate(head)]
    return Line(number, line_tops[middle], line_bottoms[middle], lefts[real[0]], max([rights[index] for index in real]),
                content, _lead_width(content[:len(head)], head_lefts, head_rights), row, width, height, size)


def _lead_width(text: str, lefts: list[float], rights: list[float]) -> float:
    """Width of the line's first unit that a line break cannot split: opening punctuation with the character
    after it, a Latin word or number, then any closing punctuation that may not start a line; quotation marks
    hold on to the characters on both sides. `lefts`/`rights`: the edges of the characters of `text`."""
    end = 0
    while end < len(text) - 1 and text[end] in _NO_LINE_END:
        end += 1
    if text[end].isascii() and text[end].isalnum():
        while end + 1 < len(text) and text[end + 1].isascii() and text[end + 1] != " ":
            end += 1
    while end + 1 < len(text):
        this, after = text[end], text[end + 1]
        if not (after in _NO_LINE_START or after in _QUOTES or this in _QUOTES or this in _NO_LINE_END):
            break
        end += 1
    return rights[end] - lefts[0]


def body_size(lines: list[Line]) -> float:
    """The body text's type size: the median over characters."""
    sizes = sorted((line.size, len(line.text)) for line in lines)
    half = sum(n for _, n in sizes) / 2
    seen = 0
    for size, n in sizes:
        seen += n
        if seen >= half:
            return size
    return sizes[-1][0] if sizes else 0.0
