"""PDF lines placed in blocks (in reading order) to paragraphs: wraps, page breaks and column breaks mended.

A line continues its paragraph on the next line when it is full: in justified text it runs to its block's
wrap edge; in ragged text and table cells the next line's first unbreakable unit (a character with its
punctuation, a Latin word) would not have fitted after it. A new paragraph starts at a line indented from
where its block's lines start, after extra vertical space, at a change of type size and, in documents that
mark paragraphs by neither indentation nor spacing, after a line ending in sentence-final punctuation. The
paragraph whose last line sits lowest on a page goes on at the head of the next page, a text column's at the
head of the next column, and a table cell split by a page break in its own column, when that line is full.
"""
from __future__ import annotations

from dataclasses import dataclass

from model.readers.pdf_blocks import Placed, below, place
from model.readers.pdf_layout import Region
from model.readers.pdf_lines import Line, body_size
from model.text import SENTENCE_END, TITLE_LEVEL, classify_unit, join_lines, looks_like_title

_LARGER = 1.15  # a line set this much larger than the body size stands out (a title)
_INDENT = 1.0  # type sizes: a line starting this much right of its block's usual left edge is indented
_FIT_SLACK = 0.35  # type sizes of slack in "would the next unit have fitted": rounding, letter spacing
_SPACING = 1.4  # a line pitch this many times the usual pitch is extra space between paragraphs
_SIZE_CHANGE = 0.05  # lines whose type sizes differ by more than this share are set in different sizes
_JUSTIFIED = 0.5  # type sizes: in justified text a line this close to its wrap edge runs to it


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
    placed = place(pages, page_regions)
    if not placed:
        return []
    lefts = sorted(p.line.left for p in placed if p.region is None) or [0.0]
    rights = sorted(p.line.right for p in placed if p.region is None) or [0.0]
    rules = _Rules(body_size([p.line for p in placed]), _usual_pitch(placed), False, False,
                   lefts[len(lefts) // 10], rights[min(len(rights) - 1, len(rights) * 9 // 10)], _justified(placed))
    rules.indent_style, rules.spacing_style = _styles(placed, rules)
    region_tops = {(number, r): min(line.top for column in region.columns for line in column)
                   for number, found in enumerate(page_regions) for r, region in enumerate(found)}

    groups: list[list[Placed]] = []
    # The last paragraph of each column of the table at the foot of the previous page: a cell that a page break
    # splits goes on in the same column at the head of the next page, after the other cells of its row.
    tails: dict[int, list[Placed]] = {}
    current: list[Placed] = []
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


def _page_foot(groups: list[list[Placed]], prev: Placed) -> tuple[dict[int, list[Placed]], list[Placed] | None]:
    """What may go on at the head of the next page: the last paragraph of each column of a table that ends the
    page, and the paragraph whose last line sits lowest on the page unless it is a table cell (not necessarily
    the last in reading order: a sidebar beside the text is read after it)."""
    tails: dict[int, list[Placed]] = {}
    foot: list[Placed] | None = None
    for group in reversed(groups):
        last = group[-1]
        if last.line.page != prev.line.page:
            break
        if prev.cell and last.region == prev.region:
            tails.setdefault(last.column, group)
        if foot is None or last.line.bottom > foot[-1].line.bottom:
            foot = group
    return tails, (None if foot is None or foot[-1].cell else foot)


def _carried_cell(item: Placed, tails: dict[int, list[Placed]], rules: _Rules) -> list[Placed] | None:
    """The cell of the previous page's foot table that `item` continues: same column position, last line full."""
    for column, group in list(tails.items()):
        last = group[-1]
        if last.line.left - last.line.size <= item.line.left <= last.frame and item.line.right > last.left:
            del tails[column]
            return group if _full(last, item, rules) else None
    return None


def _paragraph(group: list[Placed], rules: _Rules) -> tuple[str, int, int]:
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


def _usual_pitch(placed: list[Placed]) -> float:
    """The usual distance from one line's top to the next line's, in line heights, inside blocks."""
    ratios = sorted((b.line.top - a.line.top) / a.line.size for a, b in zip(placed, placed[1:])
                    if a.block == b.block and a.line.size > 0 and abs(a.line.size - b.line.size) < 0.1 * a.line.size)
    return ratios[len(ratios) // 2] if ratios else 0.0


def _justified(placed: list[Placed]) -> bool:
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


def _styles(placed: list[Placed], rules: _Rules) -> tuple[bool, bool]:
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


def _full(item: Placed, after: Placed, rules: _Rules) -> bool:
    """The line runs to its wrap edge: in justified text it ends there; in ragged text (and table cells) what
    starts the next line would not have fitted after it."""
    line = item.line
    if rules.justified and not item.cell:
        return item.frame - line.right < _JUSTIFIED * line.size
    return item.frame - line.right < after.line.lead + _FIT_SLACK * line.size


def _breaks(prev: Placed, item: Placed, rules: _Rules) -> bool:
    """True when `item` starts a new paragraph after `prev` (the line before it in reading order)."""
    a, b = prev.line, item.line
    if abs(a.size - b.size) > _SIZE_CHANGE * max(a.size, b.size):
        return True
    final = a.text[-1] in SENTENCE_END and not rules.indent_style and not rules.spacing_style
    if a.size > _LARGER * rules.size and prev.block != item.block and below(a, b):
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
