"""PDF body lines placed in blocks: each line with the right edge it wraps at and the left edge its
indentation counts from.

A block is a run of lines one below the other with about the same left edge (running text, also into and out
of text columns), or the lines of one table cell. A table cell wraps at its column's edge; running text at
the rightmost edge two of its block's lines share; a one-line block at that of the biggest block it sits in.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from model.readers.pdf_layout import Region
from model.readers.pdf_lines import Line


@dataclass
class Placed:
    """A body line with what its paragraph decisions need."""

    line: Line
    block: int  # lines of one block share it (the document-wide block number)
    frame: float  # the right edge lines of its block wrap at
    left: float  # where its block's lines usually start (what indentation is measured from)
    region: tuple[int, int] | None  # (page, region) for a line of text columns or a table, else None
    column: int = 0  # its column in the region, left to right
    text: bool = False  # its column holds running text (else it is a table column)

    @property
    def cell(self) -> bool:
        return self.region is not None and not self.text


def place(pages: list[list[Line]], page_regions: list[list[Region]]) -> list[Placed]:
    """Every body line with its block, the right edge it wraps at and the left edge its indentation counts from."""
    placed: list[Placed] = []
    block = -1
    for number, page in enumerate(pages):
        found = page_regions[number] if number < len(page_regions) else []
        where: dict[int, tuple[int, int]] = {}
        for r, region in enumerate(found):
            for c, column in enumerate(region.columns):
                for line in column:
                    where[id(line)] = (r, c)
        start = len(placed)
        previous: Placed | None = None
        previous_spot: tuple[int, int] | None = None
        for line in page:
            spot = where.get(id(line))
            if spot is None:
                item = Placed(line, block, 0.0, 0.0, None)
            else:
                item = Placed(line, block, 0.0, 0.0, (number, spot[0]), spot[1], found[spot[0]].text_columns[spot[1]])
            # A table cell is a block of its own; running text goes on in one block while its lines follow one
            # another, also into or out of text columns (a sidebar that ends beside the text).
            if previous is None or (
                    (item.cell or previous.cell) and (spot != previous_spot or not below(previous.line, line))) or (
                    not _continues_block(previous.line, line)) or (
                    spot is not None and previous.region is not None and spot != previous_spot):
                block += 1
            item.block = block
            placed.append(item)
            previous, previous_spot = item, spot
        _frame_blocks(placed[start:], found)
    return placed


def below(previous: Line, line: Line) -> bool:
    """`line` sits right under `previous` (the next line of the same text), not beside or above it."""
    tall = max(previous.size, line.size)
    return line.top > previous.top + 0.3 * tall and line.top - previous.bottom < 2.5 * tall


def _continues_block(previous: Line, line: Line) -> bool:
    return (below(previous, line) and abs(line.left - previous.left) <= 4 * max(previous.size, line.size)
            and line.left < previous.right and line.right > previous.left)


def _frame_blocks(items: list[Placed], found: list[Region]) -> None:
    """Set each line's wrap edge and indentation edge: its region column's, or its block's; a one-line block
    outside regions takes them from the biggest block of the page it sits inside."""
    by_block: dict[int, list[Placed]] = defaultdict(list)
    for item in items:
        by_block[item.block].append(item)
    big = sorted((group for group in by_block.values() if len(group) >= 2 and not group[0].cell),
                 key=len, reverse=True)
    for group in by_block.values():
        head = group[0]
        if head.cell and head.region is not None:
            column = found[head.region[1]].columns[head.column]
            frame = _wrap_edge(column)
            left = usual_left([item.line for item in group] if len(group) >= 2 else column)
        elif len(group) >= 2:
            frame = _wrap_edge([item.line for item in group])
            left = usual_left([item.line for item in group])
        else:
            line = head.line
            frame, left = line.right, line.left
            for other in big:
                other_left = usual_left([item.line for item in other])
                other_right = max(item.line.right for item in other)
                if other_left - line.size <= line.left < other_right and line.right <= other_right + line.size:
                    frame, left = max(other_right, line.right), min(other_left, line.left)
                    break
        for item in group:
            item.frame, item.left = frame, left


def usual_left(lines: list[Line]) -> float:
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
