"""The one parser of delimited tables (.csv with commas, .tsv with tabs): a header row naming the columns, then
one record a row.

`policytag tag` and the review pool's import (`records.read_table`) and `policytag examples import`
(`training.data.importing`) read tables through `Table`, so a file one of them takes the others read alike:
the same rows, the same line numbers, the same refusals. Each caller keeps only its policy (stop at the first
problem, or list them all) and its own fix for a missing column.

The shared rules:
- a leading byte-order mark is dropped (Excel writes one);
- blank rows, an empty line or the `,,` row Excel leaves, are skipped before and after the header;
- header names are stripped of spaces; a column is found by its exact name, else by its name in any case
  (`Text` for `text`), and a name the header gives twice is refused rather than guessed;
- a row is placed by the physical line its record starts on (a quoted cell may span lines);
- a row with more cells than the header, or without a cell for a column the caller needs, is a problem of that
  row; malformed CSV (`csv.Error`) stops the reading at the record it starts in.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from model.errors import PolicytagError


def delimiter_for(name: str) -> str:
    """The delimiter a file's name implies: a tab for .tsv, else a comma."""
    return "\t" if name.lower().endswith(".tsv") else ","


class TableError(PolicytagError, ValueError):
    """A problem that stops reading a table: `line` it is on (None: the file as a whole) and `reason`, which says
    the fix."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason if line is None else f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Row:
    """One data row: the `line` its record starts on, its 1-based `number` among the rows after the header
    (blank ones counted, as a spreadsheet counts them: with the header on row 1 it shows on row `number` + 1)
    and its `cells` by header name (a row shorter than the header has no entry for the columns it lacks)."""

    line: int
    number: int
    cells: dict[str, str]


@dataclass(frozen=True)
class RowProblem:
    """A data row that cannot be used; reading goes on. `reason` reads after "row" ("has 3 cells but ...") and
    says the fix; `missing` is the needed column it has no cell for, if that is the problem."""

    line: int
    number: int
    reason: str
    missing: str | None = None


class Table:
    """A table's header and, through `rows`, its data rows. Raises TableError when the file has no header row."""

    def __init__(self, text: str, delimiter: str = ",") -> None:
        self.delimiter = delimiter
        self._reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter)
        self._end = 0  # the physical line the last record read ends on
        self._records = self._read()
        first = next((record for record in self._records if _filled(record[1])), None)
        if first is None:
            raise TableError(None, "empty (no header row); the first row names the columns")
        self.header_line: int = first[0]
        self.header: list[str] = [name.strip() for name in first[1]]

    def _read(self) -> Iterator[tuple[int, list[str]]]:
        """(the physical line it starts on, cells) of every record, blank ones included."""
        while True:
            start = self._end + 1
            try:
                cells = next(self._reader, None)
            except csv.Error as exc:
                raise TableError(start, _malformed(exc)) from None
            if cells is None:
                return
            self._end = self._reader.line_num
            yield start, cells

    def column(self, name: str) -> str | None:
        """The header name that means `name`: itself, else the one header name equal to it in any case; None
        when there is none. TableError when the header gives it (or several case variants of it) more than once."""
        exact = [index for index, header in enumerate(self.header) if header == name]
        folded = [index for index, header in enumerate(self.header) if header.casefold() == name.casefold()]
        found = exact or folded
        if len(found) > 1:
            names = " and ".join(f"{self.header[i]!r} (column {i + 1})" for i in found)
            raise TableError(self.header_line, f"the header names {names}; which one is {name!r}? rename the others")
        return self.header[found[0]] if found else None

    def rows(self, required: Sequence[str] = ()) -> Iterator[Row | RowProblem]:
        """Every data row in order (one pass), or a RowProblem for a row with more cells than the header or
        without a cell for one of the `required` header names. TableError (after the rows before it) for
        malformed CSV."""
        width = len(self.header)
        needed = [(self.header.index(name), name) for name in required]
        where = "commas" if self.delimiter == "," else "tabs" if self.delimiter == "\t" else repr(self.delimiter)
        for number, (line, cells) in enumerate(self._records, start=1):
            if not _filled(cells):
                continue
            if len(cells) > width:
                yield RowProblem(line, number, f"has {len(cells)} cells but the header has {width}; put text "
                                               f"containing {where} in double quotes")
                continue
            absent = next((name for index, name in needed if index >= len(cells)), None)
            if absent is not None:
                yield RowProblem(line, number, f"has no {absent!r} cell (only {len(cells)} of the header's "
                                               f"{width}); put text that spans lines in double quotes", missing=absent)
                continue
            yield Row(line, number, dict(zip(self.header, cells)))


def _filled(cells: list[str]) -> bool:
    """Whether a record has a cell holding text (an empty line and Excel's `,,` row do not)."""
    return any(cell.strip() for cell in cells)


def _malformed(exc: csv.Error) -> str:
    """The reason for a csv.Error, with its likeliest fix."""
    if "field larger than field limit" in str(exc):  # mostly a quote left open, which swallows the rows after it
        return (f"a cell of the record that starts on this line runs past {csv.field_size_limit():,} characters; "
                "close its quotes (a quote left open takes in every row after it), or save a text that long as .txt")
    return f"not valid CSV ({exc}); check the quotes of the record that starts on this line"
