"""Progress on stderr while a corpus is tagged, and the one summary at the end.

On a terminal the progress is a bar redrawn in place (documents, paragraphs, paragraphs/s, ETA from the
share of input bytes done); otherwise (a log file, CI) one plain line every `every` seconds. Per-file notes
(lines not tagged) are counted here and shown once in the summary instead of once per file.
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

from model.readers import SUPPORTED_SUFFIXES
from service.corpus.worker import TaskResult

_SHOWN_FAILURES = 50


@dataclass
class Summary:
    """Counts of a run (kept in the progress journal, so a resumed run's summary covers the whole job)."""

    files: int = 0  # input files planned
    documents: int = 0
    paragraphs: int = 0
    untagged: int = 0  # paragraphs with no tag
    domains: Counter[str] = field(default_factory=Counter)
    not_tagged: Counter[str] = field(default_factory=Counter)  # lines left out, by kind
    noted_files: int = 0  # files with lines left out
    failures: list[str] = field(default_factory=list)  # one line per problem: file, reason, fix
    bytes_done: int = 0
    failed_files: set[int] = field(default_factory=set)  # input files with a problem (a .jsonl file may have several)
    problems: list[str] = field(default_factory=list)  # inputs that named nothing to read (an empty folder)
    unsupported: Counter[str] = field(default_factory=Counter)  # files in folders skipped for their type (not kept
    # in the journal: a resumed run finds them again)
    warnings: list[str] = field(default_factory=list)  # parts of files read that were left out (one line each)
    _shown: tuple[int, int] = field(default=(0, 0), repr=False)  # failures, problems already in the journal
    _shown_warnings: int = field(default=0, repr=False)
    _shown_failed: set[int] = field(default_factory=set, repr=False)

    @property
    def unread(self) -> int:
        """Inputs that could not be read: failed files and inputs that named nothing."""
        return len(self.failed_files) + len(self.problems)

    def add(self, result: TaskResult) -> list[str]:
        """Count a task's result; returns the failures it brought (to show at once)."""
        new = []
        for file in result.files:
            self.documents += file.documents
            self.paragraphs += file.paragraphs
            if file.not_tagged:
                self.not_tagged.update(file.not_tagged)
                self.noted_files += 1
            self.warnings += file.warnings
            if file.error:
                self.failures.append(file.error)
                self.failed_files.add(file.number)
                new.append(file.error)
        self.untagged += result.untagged
        self.domains.update(result.domains)
        self.bytes_done += result.input_bytes
        return new

    def journal_entry(self) -> dict[str, Any]:
        """The counts so far and only the problems found since the last entry, so the journal stays small
        however many files fail."""
        failures, problems = self.failures[self._shown[0]:], self.problems[self._shown[1]:]
        failed = sorted(self.failed_files - self._shown_failed)
        warnings = self.warnings[self._shown_warnings:]
        self._shown = (len(self.failures), len(self.problems))
        self._shown_failed = set(self.failed_files)
        self._shown_warnings = len(self.warnings)
        return {"files": self.files, "documents": self.documents, "paragraphs": self.paragraphs,
                "untagged": self.untagged, "domains": dict(self.domains), "not_tagged": dict(self.not_tagged),
                "noted_files": self.noted_files, "bytes_done": self.bytes_done, "failed_files": failed,
                "failures": failures, "problems": problems, "warnings": warnings}

    @classmethod
    def from_journal(cls, entries: list[dict[str, Any]]) -> Summary:
        """The summary as it was after the last of `entries` (counts from it, problems from all)."""
        last = entries[-1]
        summary = cls(last["files"], last["documents"], last["paragraphs"], last["untagged"],
                      Counter(last["domains"]), Counter(last["not_tagged"]), last["noted_files"],
                      [f for e in entries for f in e["failures"]], last["bytes_done"],
                      {n for e in entries for n in e["failed_files"]}, [p for e in entries for p in e["problems"]])
        summary.warnings = [w for e in entries for w in e.get("warnings", [])]
        summary._shown = (len(summary.failures), len(summary.problems))
        summary._shown_failed = set(summary.failed_files)
        summary._shown_warnings = len(summary.warnings)
        return summary

    def text(self, version: str, seconds: float, domains: tuple[str, ...]) -> str:
        rate = self.paragraphs / seconds if seconds > 0 else 0.0
        lines = [f"tagged {self.paragraphs:,} paragraphs in {self.documents:,} documents from "
                 f"{self.files - len(self.failed_files):,} of {self.files:,} files with model {version} "
                 f"in {seconds:.1f} s ({rate:,.0f} paragraphs/s)"]
        per_domain = ", ".join(f"{d} {self.domains.get(d, 0):,}" for d in domains)
        lines.append(f"paragraphs per domain: {per_domain}; with no tag: {self.untagged:,}")
        if self.not_tagged:
            kinds = ", ".join(f"{k} {n:,}" for k, n in sorted(self.not_tagged.items(), key=lambda kv: (-kv[1], kv[0])))
            lines.append(f"lines not tagged (titles, headings, bylines, notes): {sum(self.not_tagged.values()):,} "
                         f"in {self.noted_files:,} files ({kinds})")
        if self.unsupported:
            kinds = ", ".join(f"{suffix} {n:,}" for suffix, n in sorted(self.unsupported.items()))
            lines.append(f"skipped in folders, not a format policytag reads: {sum(self.unsupported.values()):,} "
                         f"file(s) ({kinds}); supported: {', '.join(SUPPORTED_SUFFIXES)}")
        if self.warnings:
            lines.append(f"{len(self.warnings):,} part(s) of files read were left out:")
            lines += [f"  {warning}" for warning in self.warnings[:_SHOWN_FAILURES]]
            if len(self.warnings) > _SHOWN_FAILURES:
                lines.append(f"  ... and {len(self.warnings) - _SHOWN_FAILURES} more")
        reasons = self.problems + self.failures
        if reasons:
            lines.append(f"{self.unread} input(s) could not be read:")
            lines += [f"  {reason}" for reason in reasons[:_SHOWN_FAILURES]]
            if len(reasons) > _SHOWN_FAILURES:
                lines.append(f"  ... and {len(reasons) - _SHOWN_FAILURES} more")
        return "\n".join(lines)


class Progress:
    """A progress bar (terminal) or periodic lines (anything else) on stderr; silent when `quiet`."""

    def __init__(self, total_bytes: int, quiet: bool = False, stream: IO[str] | None = None,
                 every: float = 10.0) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.total = max(total_bytes, 1)
        self.every = 0.2 if self.tty else every
        self.started = time.monotonic()
        self.shown = self.started
        self.base_paragraphs = 0  # paragraphs of an earlier (resumed) run: not part of this run's rate
        self.base_bytes = 0
        self.drawn = False

    def resume_from(self, summary: Summary) -> None:
        self.base_paragraphs, self.base_bytes = summary.paragraphs, summary.bytes_done

    def update(self, summary: Summary, force: bool = False) -> None:
        now = time.monotonic()
        if self.quiet or (not force and now - self.shown < self.every):
            return
        self.shown = now
        elapsed = max(now - self.started, 1e-9)
        rate = (summary.paragraphs - self.base_paragraphs) / elapsed
        byte_rate = (summary.bytes_done - self.base_bytes) / elapsed
        share = min(summary.bytes_done / self.total, 1.0)
        eta = (self.total - summary.bytes_done) / byte_rate if byte_rate > 0 else float("nan")
        eta_text = "--:--" if eta != eta else f"{int(eta) // 60}:{int(eta) % 60:02d}"
        if self.tty:
            bar = "#" * int(share * 24)
            self.stream.write(f"\r[{bar:<24}] {share:4.0%} {summary.documents:,} documents, "
                              f"{summary.paragraphs:,} paragraphs, {rate:,.0f} paragraphs/s, ETA {eta_text}   ")
            self.drawn = True
        else:
            self.stream.write(f"progress: {share:.0%} of input, {summary.documents:,} documents, "
                              f"{summary.paragraphs:,} paragraphs, {rate:,.0f} paragraphs/s, ETA {eta_text}\n")
        self.stream.flush()

    def say(self, message: str) -> None:
        """A line that must not be drawn over by the bar (a failure, a note)."""
        if self.drawn:
            self.stream.write("\n")
            self.drawn = False
        self.stream.write(message + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
