"""Side-by-side text on a PDF page: text columns and tables, and pages of scattered text nobody can read in order.

A region is a run of rows (lines that share a baseline band) where lines sit side by side with gutters no
line crosses. In a region each line belongs to a column; a column's widest line gives the right edge its
lines wrap at. Text columns (long lines, most of them full) are read column by column, whatever order the
producer drew them in; tables keep the producer's order (cell by cell from browsers and office suites, row
by row from producers that draw rows), so they are never read down one column and then the next.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from model.readers.pdf_lines import Line

# A page with at least this many pieces, most of them short and few aligned with any other, is scattered text
# (an infographic, a chart's labels, a map): read in any order it is noise.
_SCATTER_MIN_PIECES = 12
_SHORT_PIECE = 10  # characters
_TEXT_COLUMN_CHARS = 10  # median characters a line in a text column (not a table column) has at least


@dataclass
class Region:
    """Lines side by side: `columns[i]` are the lines of column i (left to right), in reading order."""

    columns: list[list[Line]] = field(default_factory=list)
    # Which columns hold running text (a paragraph may flow from the foot of one into the head of the next);
    # the others are table columns, whose lines are cells.
    text_columns: list[bool] = field(default_factory=list)

    @property
    def text(self) -> bool:
        """Text columns throughout (not a table, not text beside a table or a list of links)."""
        return all(self.text_columns)

    def right(self, column: int) -> float:
        return max(line.right for line in self.columns[column])


def _rows(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped into visual rows (overlapping baseline bands), top to bottom, each row left to right."""
    rows: list[list[Line]] = []
    band = (0.0, 0.0)
    for line in sorted(lines, key=lambda item: (item.top, item.left)):
        middle = (line.top + line.bottom) / 2
        if rows and band[0] <= middle <= band[1]:
            rows[-1].append(line)
            band = (min(band[0], line.top), max(band[1], line.bottom))
        else:
            rows.append([line])
            band = (line.top, line.bottom)
    for row in rows:
        row.sort(key=lambda item: item.left)
    return rows


def _side_by_side(row: list[Line]) -> bool:
    return len(row) > 1 and all(a.right <= b.left + 1.0 for a, b in zip(row, row[1:]))


def _fit(row: list[Line], gutters: list[tuple[float, float]]) -> list[tuple[float, float]] | None:
    """The gutters narrowed so that no line of `row` crosses one, or None when a line spans over a gutter or
    the row has a gap where the region has no gutter (another table with more columns)."""
    for a, b in zip(row, row[1:]):
        if not any(low < b.left and a.right < high for low, high in gutters):
            return None
    narrowed = []
    for low, high in gutters:
        for line in row:
            if line.left < low and line.right > high or low <= line.left and line.right <= high:
                return None  # spans over the gutter, or sits inside it
            if low < line.left < high:
                high = line.left
            if low < line.right < high:
                low = line.right
        if low >= high:
            return None
        narrowed.append((low, high))
    return narrowed


def regions(lines: list[Line]) -> list[Region]:
    """The page's regions of side-by-side text (at least two rows with lines side by side)."""
    found: list[Region] = []
    rows = _rows(lines)
    index = 0
    taken = 0  # rows before this one belong to an earlier region
    while index < len(rows):
        row = rows[index]
        if not _side_by_side(row):
            index += 1
            continue
        gutters = [(a.right, b.left) for a, b in zip(row, row[1:])]
        members = [row]
        sides = 1
        end = index + 1
        while end < len(rows):
            narrowed = _fit(rows[end], gutters)
            if narrowed is None or rows[end][0].top - members[-1][-1].bottom > 3 * rows[end][0].size:
                break
            gutters = narrowed
            members.append(rows[end])
            sides += _side_by_side(rows[end])
            end += 1
        if sides >= 2:
            # Rows above the first side-by-side row that fit its gutters belong to the region too (a column's
            # heading, a sidebar's first lines, the end of a table cell carried over from the previous page),
            # but not the last line of a paragraph that runs across the gutters just above it.
            while index > taken:
                narrowed = _fit(rows[index - 1], gutters)
                if narrowed is None or (index - 1 > taken and _fit(rows[index - 2], narrowed) is None
                                        and rows[index - 1][0].top - rows[index - 2][0].bottom
                                        < rows[index - 1][0].size):
                    break
                gutters = narrowed
                index -= 1
                members.insert(0, rows[index])
            found.append(_region(members, gutters))
            index = taken = end
        else:
            index += 1
    return found


def _region(rows: list[list[Line]], gutters: list[tuple[float, float]]) -> Region:
    columns: list[list[Line]] = [[] for _ in range(len(gutters) + 1)]
    for row in rows:
        for line in row:
            columns[sum(line.left >= high for _, high in gutters)].append(line)
    for lines in columns:
        lines.sort(key=lambda item: item.order)
    return Region(columns, [_text_column(lines) for lines in columns])


def _text_column(column: list[Line]) -> bool:
    """Lines of running text: long, and most of them (all but paragraph ends) run to the column's right edge."""
    if len(column) < 3:
        return False
    lengths = sorted(len(line.text) for line in column)
    if lengths[len(lengths) // 2] < _TEXT_COLUMN_CHARS:
        return False
    right = max(line.right for line in column)
    full = sum(right - line.right < line.size for line in column)
    return full * 2 >= len(column)


def reading_order(lines: list[Line], found: list[Region]) -> list[Line]:
    """The page's lines in reading order: the producer's order, except that the lines of text columns are
    read column by column (each column in the producer's order), starting where the region's first line was."""
    placed: dict[int, list[Line]] = {}
    moved: set[int] = set()
    for region in found:
        if not region.text:
            continue
        members = [line for column in region.columns for line in column]
        placed[min(line.order for line in members)] = members
        moved.update(line.order for line in members)
    ordered: list[Line] = []
    for line in lines:
        if line.order in placed:
            ordered += placed[line.order]
        elif line.order not in moved:
            ordered.append(line)
    return ordered


def scattered(lines: list[Line]) -> bool:
    """True for a page of many short pieces of text placed anywhere (an infographic): few of them share a left
    edge, centre or right edge with two others, as lines of running text, lists and table columns do."""
    if len(lines) < _SCATTER_MIN_PIECES:
        return False
    short = sum(len(line.text) < _SHORT_PIECE for line in lines)
    if short * 10 < len(lines) * 7:
        return False
    aligned: set[int] = set()
    for edge in (lambda x: x.left, lambda x: (x.left + x.right) / 2, lambda x: x.right):
        values = sorted(edge(line) for line in lines)
        for index, line in enumerate(lines):
            mine, tolerance = edge(line), max(2.0, 0.25 * line.size)
            # itself and two others within the tolerance
            if bisect_right(values, mine + tolerance) - bisect_left(values, mine - tolerance) >= 3:
                aligned.add(index)
    return len(aligned) * 2 < len(lines)
