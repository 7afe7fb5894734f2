"""Where rows go: stdout, or `-o FILE` written as FILE.partial while the run lasts and renamed when it ends.

Beside FILE.partial a small journal (FILE.partial.progress, one JSON line per finished task) records how
many tasks are complete, how many bytes of FILE.partial they fill, and the counts so far. The rows of a
task are written and flushed before its journal line, so after Ctrl-C, a crash or `kill -9` the journal
never claims rows that are not in the file. `--resume` cuts FILE.partial back to the last journalled
byte (dropping a task that was half written) and continues with the next task: no row lost or doubled.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO, Any

from service.corpus.errors import CorpusError

FORMATS = ("jsonl", "csv")
PARTIAL = ".partial"
JOURNAL = ".partial.progress"


def check_output(out: str) -> Path:
    """Check -o before any work: not a folder, its folder exists and is writable. Returns the path."""
    path = Path(out)
    if path.is_dir():
        raise CorpusError(f"-o {out} is a folder; give a file name, e.g. -o {path / 'tags.jsonl'}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise CorpusError(f"-o {out}: the folder {folder} does not exist; create it (mkdir -p {folder}) "
                          "or choose another -o")
    if not folder.is_dir():
        raise CorpusError(f"-o {out}: {folder} is not a folder; choose another -o")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CorpusError(f"-o {out}: the folder {folder} is not writable; choose another -o")
    return path


class FileSink:
    """Rows appended to FILE.partial with a journal of finished tasks; `finish` renames it to FILE."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + PARTIAL)
        self.journal = path.with_name(path.name + JOURNAL)
        self._rows: IO[bytes] | None = None
        self._log: IO[str] | None = None
        self.offset = 0

    def open(self, fingerprint: str, header: bytes, resume: bool,
             note: Any = None) -> tuple[int, list[dict[str, Any]]]:
        """Start (or with `resume`, continue) the partial file; returns (tasks already done, the journal
        entries of the tasks kept: empty when starting afresh)."""
        say = note or (lambda message: None)
        try:
            if resume and self.partial.exists():
                return self._resume(fingerprint)
            if resume:
                say(f"nothing to resume ({self.partial} does not exist); starting from the beginning")
            elif self.partial.exists():
                say(f"{self.partial} from an interrupted run is replaced (use --resume to continue it instead)")
            self._rows = open(self.partial, "wb")
            self._rows.write(header)
            self._rows.flush()
            self.offset = len(header)
            self._log = open(self.journal, "w", encoding="utf-8")
            self._log.write(json.dumps({"fingerprint": fingerprint}) + "\n")
            self._log.flush()  # the caller commits task 0 (the header) with the starting summary
        except OSError as exc:
            raise CorpusError(f"cannot write {self.partial}: {exc.strerror or exc}; choose another -o") from None
        return 0, []

    def _resume(self, fingerprint: str) -> tuple[int, list[dict[str, Any]]]:
        try:
            lines = self.journal.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise CorpusError(f"{self.partial} has no progress record ({self.journal.name}); "
                              "rerun without --resume to start over") from None
        entries = []
        for line in lines:
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a line cut short by a crash: everything before it holds
        if not entries or entries[0].get("fingerprint") != fingerprint:
            raise CorpusError(f"{self.partial} was written by a run with other inputs, options or model; "
                              "rerun without --resume to start over (or with the same inputs and options)")
        size = self.partial.stat().st_size
        done = [e for e in entries[1:] if e["bytes"] <= size]
        if not done:  # killed before the header was journalled
            raise CorpusError(f"{self.partial} holds no finished task; rerun without --resume to start over")
        self.offset = done[-1]["bytes"]
        try:
            rows = open(self.partial, "r+b")
            rows.truncate(self.offset)  # drop a task that was half written when the run stopped
            rows.seek(self.offset)
            self._rows = rows
            self._log = open(self.journal, "a", encoding="utf-8")
        except OSError as exc:
            raise CorpusError(f"cannot continue {self.partial}: {exc.strerror or exc}") from None
        return done[-1]["tasks"], [e["summary"] for e in done]

    def write(self, data: bytes) -> None:
        assert self._rows is not None
        self._rows.write(data)
        self.offset += len(data)

    def commit(self, tasks: int, summary: dict[str, Any]) -> None:
        """Record that `tasks` tasks are complete: flushed rows first, then the journal line."""
        assert self._rows is not None and self._log is not None
        self._rows.flush()
        self._log.write(json.dumps({"tasks": tasks, "bytes": self.offset, "summary": summary},
                                   ensure_ascii=False) + "\n")
        self._log.flush()

    def finish(self) -> None:
        """Make the complete output FILE in one rename (fsync first) and drop the journal."""
        assert self._rows is not None
        self._rows.flush()
        os.fsync(self._rows.fileno())
        self._rows.close()
        os.chmod(self.partial, 0o644)
        os.replace(self.partial, self.path)
        self.close()
        self.journal.unlink(missing_ok=True)

    def close(self) -> None:
        for handle in (self._rows, self._log):
            if handle is not None and not handle.closed:
                handle.close()


class StdoutSink:
    """Rows to stdout as they are produced; nothing to resume."""

    def __init__(self, stream: IO[bytes] | None = None) -> None:
        self.stream = stream or sys.stdout.buffer

    def open(self, fingerprint: str, header: bytes, resume: bool,
             note: Any = None) -> tuple[int, list[dict[str, Any]]]:
        if resume:
            raise CorpusError("--resume needs -o FILE (the rows of an interrupted run are in FILE.partial)")
        self.stream.write(header)
        return 0, []

    def write(self, data: bytes) -> None:
        self.stream.write(data)

    def commit(self, tasks: int, summary: dict[str, Any]) -> None:
        self.stream.flush()

    def finish(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        pass
