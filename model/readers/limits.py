"""The reading budget of one document: inflated size and members of a zip (.docx), PDF pages, characters of
text, and reading time. A reader stops at the first limit with `TooLarge`, a ReadError naming the limit.

The limits in force are `CLI_LIMITS` (`policytag tag`, `pool import`, `examples import`) unless a caller says
otherwise with `using(limits)` (the HTTP server, for uploads: smaller ones). `read_bytes` gives each document a
budget of them (`reading`), which the readers charge as they go, so a 1 MB file
that inflates to 1 GB is refused before it is inflated, and a file of a million pages after the first pages
over the limit, not after all of them.
"""
from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from model.readers.document import ReadError


class TooLarge(ReadError):
    """A document over one of its reading limits (HTTP: 413); the message names the limit and the way out."""


@dataclass(frozen=True)
class ReadLimits:
    """Limits on reading one document."""

    members: int = 2_000  # zip members of a .docx
    part_bytes: int = 64 * 1024 * 1024  # inflated size of one zip member
    total_bytes: int = 512 * 1024 * 1024  # inflated size of all members together
    pages: int = 5_000  # PDF pages
    chars: int = 5_000_000  # characters of text read
    seconds: float = 120.0  # reading time
    fix: str = "split the document, or tag it in parts"  # what to tell the person over a limit


CLI_LIMITS = ReadLimits()
_ACTIVE: ContextVar[Budget | None] = ContextVar("policytag_reading_budget", default=None)
_IN_FORCE: ContextVar[ReadLimits] = ContextVar("policytag_reading_limits", default=CLI_LIMITS)


class Budget:
    """What one document has used of its limits so far."""

    def __init__(self, limits: ReadLimits, name: str):
        self.limits = limits
        self.name = name
        self.chars = 0
        self.ends = time.monotonic() + limits.seconds

    def over(self, what: str, limit: str) -> TooLarge:
        return TooLarge(f"{self.name}: {what}, over the limit of {limit}; {self.limits.fix}")

    def charge_chars(self, count: int) -> None:
        self.chars += count
        if self.chars > self.limits.chars:
            raise self.over(f"more than {self.limits.chars:,} characters of text", f"{self.limits.chars:,} "
                            "characters per document")
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.ends:
            raise self.over(f"reading took longer than {self.limits.seconds:g} s", f"{self.limits.seconds:g} s "
                            "of reading per document")

    def check_pages(self, pages: int) -> None:
        if pages > self.limits.pages:
            raise self.over(f"{pages:,} pages", f"{self.limits.pages:,} pages per PDF")

    def check_zip(self, archive: zipfile.ZipFile) -> None:
        """Refuse a zip with too many members, members that inflate too far, or names that leave the archive.
        Declared sizes are binding: zipfile stops a member at its declared size (and then fails its CRC)."""
        members = archive.infolist()
        if len(members) > self.limits.members:
            raise self.over(f"{len(members):,} members in the .docx zip", f"{self.limits.members:,} members")
        total = 0
        for member in members:
            name = member.filename
            if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name:
                raise ReadError(f"{self.name}: the .docx holds a member with an unsafe name ({name[:80]!r}); "
                                "it was not written by Word: re-save the document in Word or LibreOffice")
            if member.file_size > self.limits.part_bytes:
                raise self.over(f"{name} inflates to {member.file_size:,} bytes",
                                f"{self.limits.part_bytes:,} bytes per part")
            total += member.file_size
        if total > self.limits.total_bytes:
            raise self.over(f"its parts inflate to {total:,} bytes", f"{self.limits.total_bytes:,} bytes in all")


def active(name: str = "document") -> Budget:
    """The budget of the document being read (the CLI limits when nobody set one)."""
    budget = _ACTIVE.get()
    return budget if budget is not None else Budget(CLI_LIMITS, name)


@contextmanager
def reading(limits: ReadLimits, name: str) -> Iterator[Budget]:
    """Read one document called `name` within `limits` (readers charge `active()`)."""
    budget = Budget(limits, name)
    token = _ACTIVE.set(budget)
    try:
        yield budget
    finally:
        _ACTIVE.reset(token)


def in_force() -> ReadLimits:
    """The limits documents are read with here and now (`CLI_LIMITS` unless `using` says otherwise)."""
    return _IN_FORCE.get()


@contextmanager
def using(limits: ReadLimits) -> Iterator[ReadLimits]:
    """Read documents with `limits` inside this block (e.g. an HTTP request's uploads)."""
    token = _IN_FORCE.set(limits)
    try:
        yield limits
    finally:
        _IN_FORCE.reset(token)
