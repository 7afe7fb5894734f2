"""PDF visual lines (in reading order) to paragraphs: page furniture dropped, wraps and page breaks mended.

A line continues its paragraph on the next line when it is full: the next line's first unbreakable unit (a
character with its punctuation, a Latin word) would not have fitted in the space left at the line's end.
The right edge a line wraps at is its block's widest line (a block: lines one below the other with the same
left edge, or one column of a table or of text columns). A new paragraph starts at a line indented from its
block's left edge, after extra vertical space, at a change of type size and, in documents that mark paragraphs
by neither indentation nor spacing, after a line ending in sentence-final punctuation. A paragraph continues
over a page break, and from the foot of a text column to the head of the next, when its last line is full.
Headers, footers and page numbers in the top and bottom margin bands are dropped.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from model.readers.pdf_layout import Region
from model.readers.pdf_lines import Line
from model.text import SENTENCE_END, TITLE_LEVEL, classify_unit, join_lines, looks_like_title

_MARGIN_BAND = 0.07  # top and bottom 7% of the page (A4: 59 pt; browsers print body text from ~36 pt)
_PAGE_NUMBER = re.compile(r"^[\s\-–—·•.第页共/|]*(?:\d+|[ivxlcdm]+)[\s\-–—·•.第页共/|\d]*$|^(?:page|p\.)\s*\d+.*$",
                          re.IGNORECASE)
_SMALL = 0.85  # margin lines set smaller than this share of the body size are furniture even on one page
_LARGER = 1.15  # a line set this much larger than the body size stands out (a title)
_INDENT = 1.0  # line heights: a line starting this much right of its block's left edge is indented
_FIT_SLACK = 0.35  # line heights of slack in "would the next unit have fitted": rounding, letter spacing
_SPACING = 1.4  # a line pitch this many times the usual pitch is extra space between paragraphs
_SIZE_CHANGE = 0.05  # lines whose heights differ by more than this share are set in different sizes
_JUSTIFIED = 0.5  # line heights: in justified text a line this close to its wrap edge runs to it


@dataclass
class _Placed:
    """A body line with what its paragraph decisions need."""

    line: Line
    block: int  # lines of one block share it (the document-wide block number)
    frame: float  # the right edge lines of its block wrap at
    left: float  # its block's left edge (what indentation is measured from)
    region: tuple[int, int] | None  # (page, region) for a line of text columns or a table, else None
    column: int = 0  # its column in the region, left to right
    text: bool = False  # its column holds running text (else it is a table column)

    @property
    def cell(self) -> bool:
        return self.region is not None and not self.text


def body_size(lines: list[Line]) -> float:
    """The body text's line height: the median over characters."""
    sizes = sorted((line.size, len(line.text)) for line in lines)
    half = sum(n for _, n in sizes) / 2
    seen = 0
    for size, n in sizes:
        seen += n
        if seen >= half:
            return size
    return sizes[-1][0] if sizes else 0.0


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


def _enumerated(text: str) -> bool:
    """An enumerated heading (一、 （一） 1. (1)): its level comes from the text, not from how it is set."""
    return any(block.kind == "heading" for block in classify_unit(text))


@dataclass
class _Rules:
    """What the whole document says about how it marks paragraphs."""

    size: float  # body line height
    pitch: float  # usual line pitch inside a block, in line heights
    indent_style: bool  # paragraphs start indented
    spacing_style: bool  # paragraphs are set apart by extra space
    body_left: float
    body_right: float
    justified: bool  # running text is justified: wrapped lines end at the wrap edge


def paragraphs(pages: list[list[Line]], page_regions: list[list[Region]]) -> list[tuple[str, int, int]]:
    """Paragraphs (text, heading level or 0, page breaks crossed) from each page's body lines in reading order."""
    placed = _place(pages, page_regions)
    if not placed:
        return []
    lefts = sorted(p.line.left for p in placed if p.region is None) or [0.0]
    rights = sorted(p.line.right for p in placed if p.region is None) or [0.0]
    rules = _Rules(body_size([p.line for p in placed]), _usual_pitch(placed), False, False,
                   lefts[len(lefts) // 10], rights[min(len(rights) - 1, len(rights) * 9 // 10)], _justified(placed))
    rules.indent_style, rules.spacing_style = _styles(placed, rules)
    region_tops = {(number, r): min(line.top for column in region.columns for line in column)
                   for number, found in enumerate(page_regions) for r, region in enumerate(found)}

    groups: list[list[_Placed]] = []
    # The last paragraph of each column of the table at the foot of the previous page: a cell that a page break
    # splits goes on in the same column at the head of the next page, after the other cells of its row.
    tails: dict[int, list[_Placed]] = {}
    current: list[_Placed] = []
    for index, item in enumerate(placed):
        prev = placed[index - 1] if index else None
        foot = None
        if prev is not None and prev.line.page != item.line.page:
            tails, foot = _page_foot(groups, prev)
        target = None
        if tails and item.region is not None and item.cell \
                and item.line.top <= region_tops[item.region] + 0.5 * item.line.size:
            target = _carried_cell(item, tails, rules)
        elif foot is not None and not _breaks(foot[-1], item, rules):
            target = foot  # the paragraph at the foot of the previous page goes on
        if target is not None:
            target.append(item)
            current = target
        elif prev is None or foot is not None or prev.line.page != item.line.page or _breaks(prev, item, rules):
            current = [item]
            groups.append(current)
        else:
            current.append(item)
        if prev is not None and prev.line.page == item.line.page and not item.cell:
            tails = {}
    return [_paragraph(group, rules) for group in groups]


def _page_foot(groups: list[list[_Placed]], prev: _Placed) -> tuple[dict[int, list[_Placed]], list[_Placed] | None]:
    """What may go on at the head of the next page: the last paragraph of each column of a table that ends the
    page, and the paragraph whose last line sits lowest on the page unless it is a table cell (not necessarily
    the last in reading order: a sidebar beside the text is read after it)."""
    tails: dict[int, list[_Placed]] = {}
    foot: list[_Placed] | None = None
    for group in reversed(groups):
        last = group[-1]
        if last.line.page != prev.line.page:
            break
        if prev.cell and last.region == prev.region:
            tails.setdefault(last.column, group)
        if foot is None or last.line.bottom > foot[-1].line.bottom:
            foot = group
    return tails, (None if foot is None or foot[-1].cell else foot)


def _carried_cell(item: _Placed, tails: dict[int, list[_Placed]], rules: _Rules) -> list[_Placed] | None:
    """The cell of the previous page's foot table that `item` continues: same column position, last line full."""
    for column, group in list(tails.items()):
        last = group[-1]
        if last.line.left - last.line.size <= item.line.left <= last.frame and item.line.right > last.left:
            del tails[column]
            return group if _full(last, item, rules) else None
    return None


def _paragraph(group: list[_Placed], rules: _Rules) -> tuple[str, int, int]:
    text = ""
    for item in group:
        text = join_lines(text, item.line.text)
    first = group[0].line
    centred = (first.left - rules.body_left > 2 * first.size
               and abs((first.left - rules.body_left) - (rules.body_right - first.right)) < 2 * first.size)
    # A first-line indent (not a cell or a line set far to the right) sets a short line apart too.
    indented = _INDENT * first.size < first.left - group[0].left < 4 * first.size
    large = all(item.line.size > _LARGER * rules.size for item in group)
    standout = large or (len(group) == 1 and (centred or indented) and not group[0].cell and first.alone)
    title = standout and looks_like_title(text) and not _enumerated(text) and text[-1] not in SENTENCE_END
    return text, TITLE_LEVEL if title else 0, group[-1].line.page - first.page


def _place(pages: list[list[Line]], page_regions: list[list[Region]]) -> list[_Placed]:
    """Every body line with its block, the right edge it wraps at and the left edge its indentation counts from."""
    placed: list[_Placed] = []
    block = -1
    for number, page in enumerate(pages):
        found = page_regions[number] if number < len(page_regions) else []
        where: dict[int, tuple[int, int]] = {}
        for r, region in enumerate(found):
            for c, column in enumerate(region.columns):
                for line in column:
                    where[id(line)] = (r, c)
        start = len(placed)
        previous: _Placed | None = None
        previous_spot: tuple[int, int] | None = None
        for line in page:
            spot = where.get(id(line))
            if spot is None:
                item = _Placed(line, block, 0.0, 0.0, None)
            else:
                item = _Placed(line, block, 0.0, 0.0, (number, spot[0]), spot[1], found[spot[0]].text_columns[spot[1]])
            # A table cell is a block of its own; running text goes on in one block while its lines follow one
            # another, also into or out of text columns (a sidebar that ends beside the text).
            if previous is None or (
                    (item.cell or previous.cell) and (spot != previous_spot or not _below(previous.line, line))) or (
                    not _continues_block(previous.line, line)) or (
                    spot is not None and previous.region is not None and spot != previous_spot):
                block += 1
            item.block = block
            placed.append(item)
            previous, previous_spot = item, spot
        _frame_blocks(placed[start:], found)
    return placed


def _below(previous: Line, line: Line) -> bool:
    """`line` sits right under `previous` (the next line of the same text), not beside or above it."""
    tall = max(previous.size, line.size)
    return line.top > previous.top + 0.3 * tall and line.top - previous.bottom < 2.5 * tall


def _continues_block(previous: Line, line: Line) -> bool:
    return (_below(previous, line) and abs(line.left - previous.left) <= 4 * max(previous.size, line.size)
            and line.left < previous.right and line.right > previous.left)


def _frame_blocks(items: list[_Placed], found: list[Region]) -> None:
    """Set each line's wrap edge and indentation edge: its region column's, or its block's; a one-line block
    outside regions takes them from the biggest block of the page it sits inside."""
    by_block: dict[int, list[_Placed]] = defaultdict(list)
    for item in items:
        by_block[item.block].append(item)
    big = sorted((group for group in by_block.values() if len(group) >= 2 and not group[0].cell),
                 key=len, reverse=True)
    for group in by_block.values():
        head = group[0]
        if head.cell and head.region is not None:
            column = found[head.region[1]].columns[head.column]
            frame = _wrap_edge(column)
            left = _usual_left([item.line for item in group] if len(group) >= 2 else column)
        elif len(group) >= 2:
            frame = _wrap_edge([item.line for item in group])
            left = _usual_left([item.line for item in group])
        else:
            line = head.line
            frame, left = line.right, line.left
            for other in big:
                other_left = _usual_left([item.line for item in other])
                other_right = max(item.line.right for item in other)
                if other_left - line.size <= line.left < other_right and line.right <= other_right + line.size:
                    frame, left = max(other_right, line.right), min(other_left, line.left)
                    break
        for item in group:
            item.frame, item.left = frame, left


def _usual_left(lines: list[Line]) -> float:
    """The left edge most of the lines start at (the leftmost of equally common ones): where a paragraph's
    wrapped lines start, so a first-line indent counts from it and a heading set further left does not."""
    tolerance = 0.3 * lines[0].size
    best = min(lines, key=lambda line: (-sum(abs(other.left - line.left) <= tolerance for other in lines), line.left))
    return best.left


def _wrap_edge(lines: list[Line]) -> float:
    """The right edge the lines wrap at: the rightmost edge two of them share, so one line running past the
    others (a long number, punctuation hanging in the margin) does not move it; else the rightmost."""
    rights = sorted((line.right for line in lines), reverse=True)
    tolerance = 0.25 * lines[0].size
    for index, right in enumerate(rights[:-1]):
        if right - rights[index + 1] <= tolerance:
            return right
    return rights[0]


def _usual_pitch(placed: list[_Placed]) -> float:
    """The usual distance from one line's top to the next line's, in line heights, inside blocks."""
    ratios = sorted((b.line.top - a.line.top) / a.line.size for a, b in zip(placed, placed[1:])
                    if a.block == b.block and a.line.size > 0 and abs(a.line.size - b.line.size) < 0.1 * a.line.size)
    return ratios[len(ratios) // 2] if ratios else 0.0


def _justified(placed: list[_Placed]) -> bool:
    """Running text is justified when nearly all lines followed by an unindented line of their block that do
    not stop clearly short (by three characters or more) end at the block's wrap edge."""
    tight = loose = 0
    for a, b in zip(placed, placed[1:]):
        if a.block != b.block or a.cell or b.line.left - b.left > _INDENT * b.line.size:
            continue
        gap = a.frame - a.line.right
        if gap < 3 * a.line.size:
            tight += gap < 0.25 * a.line.size
            loose += gap >= 0.25 * a.line.size
    return tight >= 5 and tight >= 4 * loose


def _styles(placed: list[_Placed], rules: _Rules) -> tuple[bool, bool]:
    """(indentation marks paragraphs, extra space marks paragraphs), from the lines that follow a line that
    stops short: most of them indented, or several of them set apart."""
    starts = indented = spaced = 0
    for a, b in zip(placed, placed[1:]):
        if a.block != b.block:
            continue
        if not _full(a, b, rules):
            starts += 1
            indented += b.line.left - b.left > _INDENT * b.line.size
        if rules.pitch and (b.line.top - a.line.top) / a.line.size > _SPACING * rules.pitch:
            spaced += 1
    return starts > 0 and indented * 2 >= starts, spaced >= 2


def _full(item: _Placed, after: _Placed, rules: _Rules) -> bool:
    """The line runs to its wrap edge: in justified text it ends there; in ragged text (and table cells) what
    starts the next line would not have fitted after it."""
    line = item.line
    if rules.justified and not item.cell:
        return item.frame - line.right < _JUSTIFIED * line.size
    return item.frame - line.right < after.line.lead + _FIT_SLACK * line.size


def _breaks(prev: _Placed, item: _Placed, rules: _Rules) -> bool:
    """True when `item` starts a new paragraph after `prev` (the line before it in reading order)."""
    a, b = prev.line, item.line
    if abs(a.size - b.size) > _SIZE_CHANGE * max(a.size, b.size):
        return True
    final = a.text[-1] in SENTENCE_END and not rules.indent_style and not rules.spacing_style
    if a.size > _LARGER * rules.size and prev.block != item.block and _below(a, b):
        return final  # a title set large and centred, wrapped over two lines
    indented = b.left - item.left > _INDENT * b.size
    if indented or not _full(prev, item, rules) or final:
        return True
    if prev.block == item.block:
        return bool(rules.pitch and (b.top - a.top) / a.size > _SPACING * rules.pitch)
    if a.page != b.page:  # the last line of one page (in reading order), the first of a following page
        return prev.cell or item.cell  # a table cell goes on only in its own column (see _carried_cell)
    # Text columns: from the foot of one column to the head of the next.
    return not (prev.text and item.text and prev.region == item.region and item.column == prev.column + 1)
